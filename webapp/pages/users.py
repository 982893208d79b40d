"""Accounts, managed by the administrator."""

from __future__ import annotations

import logging
import smtplib
from functools import partial
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from storage.accounts import User
from storage.paging import Window
from webapp import clock
from webapp.access import current_actor, public, requires
from webapp.auth import origin, session_limits
from webapp.database import db, end_transaction
from webapp.formatting import dutch_datetime
from webapp.mail import mailer_for
from webapp.paging import page_number
from webapp.unit_of_work import after_commit, unit_of_work
from workflows.accounts import accounts, user_admin
from workflows.errors import Conflict, InvalidInput, NotFound
from workflows.registers import organisations
from workflows.rules.roles import ROLE_LABELS, Permission, Role
from workflows.rules.second_factor import required as second_factor_required

logger = logging.getLogger(__name__)

blueprint = Blueprint("users", __name__, url_prefix="/gebruikers")

FIELDS = ("email", "name", "role", "organisation_id", "password")


@blueprint.get("/")
@requires(Permission.MANAGE_USERS)
def index() -> ResponseReturnValue:
    shown = accounts.page_accounts(db(), current_actor(), Window.page(page_number()))
    return render_template(
        "users/list.html",
        users=shown.rows,
        page=shown,
        roles=ROLE_LABELS,
        second_factor_words={u.id: _second_factor_word(u) for u in shown.rows},
    )


def _second_factor_word(user: User) -> str:
    if user.totp_confirmed_at is not None:
        return "ingesteld"
    if second_factor_required(Role(user.role)):
        return "nog niet ingesteld (verplicht bij de volgende aanmelding)"
    return "niet ingesteld"


@blueprint.post("/<int:user_id>/status")
@requires(Permission.MANAGE_USERS)
def set_status(user_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "1"
    session = db()
    try:
        with unit_of_work():
            user = accounts.set_active(
                session, current_actor(), user_id, active=active, now=clock.now()
            )
    except InvalidInput as error:
        flash(error.errors["active"], "error")
        return redirect(url_for("users.index"))
    state = (
        "gedeblokkeerd"
        if active
        else "geblokkeerd; de sessies zijn beëindigd en de API-tokens ingetrokken"
    )
    flash(f"Het account {user.email} is {state}.", "success")
    return redirect(url_for("users.index"))


@blueprint.get("/sessies")
@requires(Permission.MANAGE_USERS)
def sessions() -> ResponseReturnValue:
    session, actor, now = db(), current_actor(), clock.now()
    return render_template(
        "users/sessions.html",
        live=accounts.live_sessions(session, actor, now=now, limits=session_limits()),
        failures=accounts.failed_logins(session, actor, now=now),
        window_hours=int(accounts.FAILED_LOGIN_WINDOW.total_seconds() // 3600),
        roles=ROLE_LABELS,
    )


@blueprint.post("/sessies/<int:login_session_id>/beeindigen")
@requires(Permission.MANAGE_USERS)
def end_session(login_session_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        row = accounts.end_session(session, current_actor(), login_session_id, now=clock.now())
    flash(f"De sessie van {row.user.email} is beëindigd.", "success")
    return redirect(url_for("users.sessions"))


@blueprint.get("/api-tokens")
@requires(Permission.MANAGE_USERS)
def api_tokens() -> ResponseReturnValue:
    return render_template(
        "users/api_tokens.html",
        tokens=accounts.all_api_tokens(db(), current_actor()),
        token_state=partial(accounts.api_token_state, now=clock.now()),
    )


@blueprint.post("/api-tokens/<int:token_id>/intrekken")
@requires(Permission.MANAGE_USERS)
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        row = accounts.revoke_api_token(session, current_actor(), token_id, now=clock.now())
    flash(f"Het API-token #{row.id} van {row.user.email} is ingetrokken.", "success")
    return redirect(url_for("users.api_tokens"))


@blueprint.route("/nieuw", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def create() -> ResponseReturnValue:
    session = db()
    choices = organisations.list_visible(session, current_actor())
    if request.method == "GET":
        return render_template(
            "users/new.html", values={}, errors={}, roles=ROLE_LABELS, organisations=choices
        )
    values = {name: request.form.get(name, "") for name in FIELDS}
    try:
        with unit_of_work():
            user = accounts.create_user(
                session,
                current_actor(),
                email=values["email"],
                name=values["name"],
                role=values["role"],
                organisation_id=values["organisation_id"],
                password=values["password"],
            )
    except InvalidInput as error:
        values["password"] = ""  # never echo a password back into the page
        return (
            render_template(
                "users/new.html",
                values=values,
                errors=error.errors,
                roles=ROLE_LABELS,
                organisations=choices,
            ),
            422,
        )
    flash(f"Het account voor {user.email} is aangemaakt.", "success")
    return redirect(url_for("users.index"))


def _choices() -> list[Any]:
    return list(organisations.list_visible(db(), current_actor()))


def _edit_page(
    user: User,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    choices = _choices()
    names = {o.id: o.name for o in choices}
    changed: dict[str, str] = {}
    if conflict is not None:
        # What the other administrator saved, in words (no role codes or numbers on the page).
        for key, value in conflict.changed.items():
            if key == "role":
                changed[user_admin.LABELS[key]] = ROLE_LABELS.get(Role(value), str(value))
            elif key == "organisation_id":
                changed[user_admin.LABELS[key]] = names.get(value, "een andere organisatie")
            elif key == "active":
                changed["Status"] = "actief" if value else "geblokkeerd"
    return (
        render_template(
            "users/edit.html",
            user=user,
            values=values,
            errors=errors or {},
            conflict=conflict,
            changed=changed,
            roles=ROLE_LABELS,
            organisations=choices,
            second_factor_word=_second_factor_word(user),
        ),
        status,
    )


@blueprint.route("/<int:user_id>/wijzigen", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def edit(user_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    user = user_admin.get(session, actor, user_id)
    if request.method == "GET":
        return _edit_page(
            user,
            {
                "role": user.role,
                "organisation_id": str(user.organisation_id),
                "version": str(user.version),
            },
        )
    # Only the listed fields are read from the form (docs/security.md S14).
    submitted = {name: request.form.get(name, "") for name in user_admin.EDITABLE}
    version = request.form.get("version", "")
    try:
        with unit_of_work():
            user_admin.edit(session, actor, user_id, submitted, expected_version=version)
    except InvalidInput as error:
        return _edit_page(
            user_admin.get(session, actor, user_id),
            {**submitted, "version": version},
            errors=error.errors,
            status=422,
        )
    except Conflict as error:
        fresh = user_admin.get(session, actor, user_id)
        return _edit_page(
            fresh, {**submitted, "version": str(fresh.version)}, conflict=error, status=409
        )
    flash(f"Het account {user.email} is opgeslagen.", "success")
    return redirect(url_for("users.index"))


@blueprint.post("/<int:user_id>/wachtwoordlink")
@requires(Permission.MANAGE_USERS)
def reset_link(user_id: int) -> ResponseReturnValue:
    actor = current_actor()
    mailed: list[bool | None] = []
    try:
        with unit_of_work() as session:
            made = user_admin.create_reset_link(session, actor, user_id, now=clock.now())
            url = url_for("users.set_password", token=made.token, _external=True)
            # Mailed once the link is saved: a link that was rolled back would not work.
            after_commit(
                lambda: mailed.append(
                    _mail_link(made.user.email, made.user.name, url, made.expires_at)
                )
            )
    except InvalidInput as error:
        flash(" ".join(error.errors.values()), "error")
        return redirect(url_for("users.edit", user_id=user_id))
    # The link is shown once, in this answer only; the database keeps its hash.
    return render_template(
        "users/reset_link.html",
        user=made.user,
        url=url,
        expires_at=made.expires_at,
        mailed=mailed[0] if mailed else False,
    )


def _mail_link(email: str, name: str, url: str, expires_at: Any) -> bool | None:
    """Mails the link when SMTP is set up; None without SMTP. The link is not put in the
    outbox table: that would keep a working link in the database in the clear."""
    mailer = mailer_for(current_app.config["BESLUITWERK_SETTINGS"])
    if mailer is None:
        return None
    body = (
        f"Beste {name},\n\n"
        "De beheerder van Besluitwerk heeft een link voor u gemaakt om een nieuw wachtwoord "
        f"in te stellen:\n\n{url}\n\n"
        f"De link werkt één keer en is geldig tot {dutch_datetime(expires_at)}. "
        "Na het instellen worden al uw sessies beëindigd en meldt u zich aan met het "
        "nieuwe wachtwoord.\n\n"
        "Heeft u hier niet om gevraagd? Neem dan contact op met de beheerder.\n"
    )
    try:
        mailer.send(
            to=email,
            subject="Besluitwerk: stel een nieuw wachtwoord in",
            body=body,
            message_id=f"password-reset:{clock.now().timestamp()}",
        )
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("password reset mail failed: %s", type(error).__name__)
        return False
    return True


@blueprint.post("/<int:user_id>/tweede-factor-wissen")
@requires(Permission.MANAGE_USERS)
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    session = db()
    try:
        with unit_of_work():
            user = user_admin.reset_second_factor(
                session, current_actor(), user_id, now=clock.now()
            )
    except InvalidInput as error:
        flash(" ".join(error.errors.values()), "error")
        return redirect(url_for("users.edit", user_id=user_id))
    then = (
        "stelt die bij de volgende aanmelding opnieuw in"
        if user_admin.must_set_up_second_factor(user)
        else "kan die zelf opnieuw instellen via Mijn account"
    )
    flash(
        f"De tweede factor van {user.email} is gewist en de sessies zijn beëindigd; "
        f"de gebruiker {then}.",
        "success",
    )
    return redirect(url_for("users.edit", user_id=user_id))


@blueprint.route("/nieuw-wachtwoord/<token>", methods=["GET", "POST"])
# Opened from the one-time link by someone who cannot log in; the token is the key.
@public
def set_password(token: str) -> ResponseReturnValue:
    session = db()
    now = clock.now()
    user = user_admin.reset_link_user(session, token, now=now)
    if user is None:
        return render_template(
            "error.html", title="Link werkt niet", message=user_admin.LINK_INVALID
        ), 404
    if request.method == "GET":
        end_transaction()
        return render_template("users/set_password.html", user=user, errors={})
    try:
        with unit_of_work():
            user_admin.use_reset_link(
                session,
                token,
                new=request.form.get("new", ""),
                repeat=request.form.get("repeat", ""),
                origin=origin(),
                now=now,
            )
    except InvalidInput as error:
        return render_template("users/set_password.html", user=user, errors=error.errors), 422
    except NotFound as error:
        return render_template("error.html", title="Link werkt niet", message=error.message), 404
    flash("Uw nieuwe wachtwoord is ingesteld. Meld u hiermee aan.", "success")
    return redirect(url_for("auth.login"))
