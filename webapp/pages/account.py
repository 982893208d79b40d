"""One's own account: change the password, end the other sessions and revoke API tokens
(docs/security.md S17), and the second factor (S19)."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup

from webapp import clock
from webapp.access import current_actor, signed_in
from webapp.database import db
from webapp.unit_of_work import unit_of_work
from workflows.accounts import accounts, second_factor
from workflows.errors import InvalidInput
from workflows.rules import second_factor as second_factor_rules
from workflows.rules.roles import Role

blueprint = Blueprint("account", __name__, url_prefix="/account")


@blueprint.route("/wachtwoord", methods=["GET", "POST"])
@signed_in
def password() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("account/password.html", errors={})
    session = db()
    try:
        with unit_of_work():
            ended = accounts.change_password(
                session,
                current_actor(),
                current=request.form.get("current", ""),
                new=request.form.get("new", ""),
                repeat=request.form.get("repeat", ""),
                keep_token=current_user.token,
                now=clock.now(),
            )
    except InvalidInput as error:
        return render_template("account/password.html", errors=error.errors), 422
    flash(f"Uw wachtwoord is gewijzigd; {ended} andere sessies zijn beëindigd.", "success")
    return redirect(url_for("pages.home"))


@blueprint.post("/sessies-beeindigen")
@signed_in
def end_sessions() -> ResponseReturnValue:
    with unit_of_work() as session:
        ended = accounts.end_all_sessions(
            session, current_actor(), keep_token=current_user.token, now=clock.now()
        )
    flash(f"{ended} andere sessies zijn beëindigd en uw API-tokens ingetrokken.", "success")
    return redirect(url_for("account.password"))


@blueprint.get("/api-tokens")
# Scoped in the use case: one's own tokens only, another's id is not found.
@signed_in
def api_tokens() -> ResponseReturnValue:
    return render_template(
        "account/api_tokens.html",
        tokens=accounts.own_api_tokens(db(), current_actor()),
        token_state=partial(accounts.api_token_state, now=clock.now()),
    )


@blueprint.post("/api-tokens/<int:token_id>/intrekken")
# Scoped in the use case: one's own tokens only, another's id is not found.
@signed_in
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        row = accounts.revoke_own_api_token(session, current_actor(), token_id, now=clock.now())
    flash(f"Het API-token '{row.label or 'zonder omschrijving'}' is ingetrokken.", "success")
    return redirect(url_for("account.api_tokens"))


_ENROLMENT = "besluitwerk_account_enrolment"


def _second_factor_page(errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    session = db()
    user = current_user.user
    page: dict[str, object] = {
        "enrolled": second_factor.enrolled(user),
        "required": second_factor_rules.required(Role(user.role)),
        "codes_left": second_factor.recovery_codes_left(session, user),
        "errors": errors,
    }
    if not second_factor.enrolled(user):
        secret, kept = second_factor.pending_secret(session, user, cookie_session.get(_ENROLMENT))
        cookie_session[_ENROLMENT] = kept
        uri = second_factor.provisioning_uri(secret, user.email)
        page["secret"] = secret
        page["qr"] = Markup(second_factor.qr_svg(uri))  # noqa: S704 — segno's own SVG
    return render_template("account/second_factor.html", **page), status


@blueprint.get("/tweede-factor")
@signed_in
def second_factor_page() -> ResponseReturnValue:
    return _second_factor_page({})


@blueprint.post("/tweede-factor")
@signed_in
def second_factor_change() -> ResponseReturnValue:
    """Switching the second factor on (any role), new recovery codes, or off (only where the
    role does not require it)."""
    user = current_user.user
    action = request.form.get("action", "")
    origin = f"web {request.remote_addr or '-'}"
    codes: list[str] | None = None
    try:
        # A wrong code is kept in the audit log.
        with unit_of_work(keep_on=(InvalidInput,)) as session:
            if action == "aanzetten":
                kept = cookie_session.get(_ENROLMENT)
                if not isinstance(kept, str):
                    raise InvalidInput(
                        {"code": "Laad de pagina opnieuw en scan de nieuwe QR-code."}
                    )
                secret, _ = second_factor.pending_secret(session, user, kept)
                codes = second_factor.enrol(
                    session,
                    user,
                    secret,
                    request.form.get("code", ""),
                    origin=origin,
                    now=clock.now(),
                )
                cookie_session.pop(_ENROLMENT, None)
            elif action == "nieuwe-codes":
                codes = second_factor.new_recovery_codes(
                    session, user, origin=origin, now=clock.now()
                )
            elif action == "uitzetten":
                second_factor.switch_off(session, user, origin=origin)
            else:
                raise InvalidInput({"code": "Kies wat u wilt doen."})
    except InvalidInput as error:
        return _second_factor_page(error.errors, 422)
    if codes is None:
        flash("De tweede factor staat uit.", "success")
        return redirect(url_for("account.second_factor_page"))
    return render_template(
        "auth/recovery_codes.html", codes=codes, next=url_for("account.second_factor_page")
    )
