"""Accounts, managed by the administrator."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from webapp import clock
from webapp.access import current_actor
from webapp.auth import session_limits
from webapp.database import db
from workflows import accounts, organisations
from workflows.errors import InvalidInput
from workflows.rules.roles import ROLE_LABELS

blueprint = Blueprint("users", __name__, url_prefix="/gebruikers")

FIELDS = ("email", "name", "role", "organisation_id", "password")


@blueprint.get("/")
def index() -> ResponseReturnValue:
    users = accounts.list_accounts(db(), current_actor())
    return render_template("users/list.html", users=users, roles=ROLE_LABELS)


@blueprint.post("/<int:user_id>/status")
def set_status(user_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "1"
    session = db()
    try:
        user = accounts.set_active(
            session, current_actor(), user_id, active=active, now=clock.now()
        )
    except InvalidInput as error:
        session.rollback()
        flash(error.errors["active"], "error")
        return redirect(url_for("users.index"))
    session.commit()
    state = (
        "gedeblokkeerd"
        if active
        else "geblokkeerd; de sessies zijn beëindigd en de API-tokens ingetrokken"
    )
    flash(f"Het account {user.email} is {state}.", "success")
    return redirect(url_for("users.index"))


@blueprint.get("/sessies")
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
def end_session(login_session_id: int) -> ResponseReturnValue:
    session = db()
    row = accounts.end_session(session, current_actor(), login_session_id, now=clock.now())
    session.commit()
    flash(f"De sessie van {row.user.email} is beëindigd.", "success")
    return redirect(url_for("users.sessions"))


@blueprint.get("/api-tokens")
def api_tokens() -> ResponseReturnValue:
    return render_template(
        "users/api_tokens.html",
        tokens=accounts.all_api_tokens(db(), current_actor()),
        token_state=partial(accounts.api_token_state, now=clock.now()),
    )


@blueprint.post("/api-tokens/<int:token_id>/intrekken")
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    session = db()
    row = accounts.revoke_api_token(session, current_actor(), token_id, now=clock.now())
    session.commit()
    flash(f"Het API-token #{row.id} van {row.user.email} is ingetrokken.", "success")
    return redirect(url_for("users.api_tokens"))


@blueprint.route("/nieuw", methods=["GET", "POST"])
def create() -> ResponseReturnValue:
    session = db()
    choices = organisations.list_visible(session, current_actor())
    if request.method == "GET":
        return render_template(
            "users/new.html", values={}, errors={}, roles=ROLE_LABELS, organisations=choices
        )
    values = {name: request.form.get(name, "") for name in FIELDS}
    try:
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
        session.rollback()
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
    session.commit()
    flash(f"Het account voor {user.email} is aangemaakt.", "success")
    return redirect(url_for("users.index"))
