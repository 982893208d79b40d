"""One's own account: change the password, end the other sessions (SECURITY.md S17)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from webapp import clock
from webapp.access import current_actor
from webapp.database import db
from workflows import accounts
from workflows.errors import InvalidInput

blueprint = Blueprint("account", __name__, url_prefix="/account")


@blueprint.route("/wachtwoord", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("account/password.html", errors={})
    session = db()
    try:
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
        session.rollback()
        return render_template("account/password.html", errors=error.errors), 422
    session.commit()
    flash(f"Uw wachtwoord is gewijzigd; {ended} andere sessies zijn beëindigd.", "success")
    return redirect(url_for("pages.home"))


@blueprint.post("/sessies-beeindigen")
def end_sessions() -> ResponseReturnValue:
    session = db()
    ended = accounts.end_all_sessions(
        session, current_actor(), keep_token=current_user.token, now=clock.now()
    )
    session.commit()
    flash(f"{ended} andere sessies zijn beëindigd.", "success")
    return redirect(url_for("account.password"))
