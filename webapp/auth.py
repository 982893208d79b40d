"""Login and logout for the pages, on Flask-Login with server-side sessions.

The cookie carries only a random session token (signed by Flask); the session itself lives in
the database, so logout really ends it (S17), a new token is issued at every login (S18), and
idle and absolute timeouts are enforced on the server.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from markupsafe import Markup

from storage.accounts import User
from storage.database import begin_reading, begin_writing, reads_only
from webapp import clock
from webapp.access import public, signed_in
from webapp.database import db
from webapp.logs import safe
from webapp.unit_of_work import unit_of_work
from workflows.accounts import accounts, second_factor
from workflows.actors import Actor
from workflows.errors import InvalidInput
from workflows.rules import throttle

logger = logging.getLogger("besluitwerk.auth")
blueprint = Blueprint("auth", __name__)
login_manager = LoginManager()
LOGIN_FAILED = "Het e-mailadres of het wachtwoord klopt niet, of het account is geblokkeerd."
CODE_FAILED = (
    "Deze code klopt niet of is al gebruikt. Typ de zes cijfers die uw app nu toont, of een "
    "van uw herstelcodes."
)
PENDING = "besluitwerk_pending_login"
PENDING_ENROLMENT = "besluitwerk_pending_enrolment"
PENDING_FOR = timedelta(minutes=5)


class SignedIn(UserMixin):  # type: ignore[misc]
    """The signed-in person for Flask-Login; ``get_id`` is the session token, not the user id."""

    def __init__(self, user: User, token: str, origin: str) -> None:
        self.user = user
        self.token = token
        self.actor: Actor = accounts.actor_for(user, origin)

    def get_id(self) -> str:
        return self.token


def origin() -> str:
    return f"web {request.remote_addr or '-'}"


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in om verder te gaan."
    # Flask-Login's own "strong" protection would end sessions behind proxies that change the
    # address; our sessions already end server-side on logout and timeouts.
    login_manager.session_protection = None
    app.register_blueprint(blueprint)

    def _load(token: str) -> SignedIn | None:
        session = db()
        user = accounts.resolve_login_session(
            session, token, now=clock.now(), limits=session_limits()
        )
        # Only a timed-out session or the once-a-minute touch changes anything: a request that
        # just reads then stays in one transaction (on SQLite: a deferred one, without the
        # write lock). A reading request makes the change again in a write transaction.
        if session.dirty:
            if reads_only(session):
                session.rollback()
                begin_writing(session)
                user = accounts.resolve_login_session(
                    session, token, now=clock.now(), limits=session_limits()
                )
            session.commit()
            begin_reading(session)
        return SignedIn(user, token, origin()) if user is not None else None

    login_manager.user_loader(_load)


def session_limits() -> accounts.SessionLimits:
    settings = current_app.config["BESLUITWERK_SETTINGS"]
    return accounts.SessionLimits(idle=settings.session_idle, absolute=settings.session_absolute)


# How often a target is percent-decoded to look for a hidden "//host" or line break: more
# layers than this is no link anyone made, so such a target is refused as a whole.
_DECODE_LAYERS = 3


def local_path(target: str | None, *, default: str) -> str:
    """Only a plain path on this site; anything else is ``default``. An absolute or
    protocol-relative URL would make this an open redirect; a CR/LF would split the Location
    header (a 500); browsers drop tabs and line breaks and read a backslash as a slash, so
    "/\t/evil.example" and "/\\evil.example" lead away too. Each layer of percent-encoding
    is checked the same way."""
    if not target or len(target) > 2000:
        return default
    layer = target
    for _ in range(_DECODE_LAYERS):
        if not _plain_local(layer):
            return default
        decoded = unquote(layer)
        if decoded == layer:
            return target
        layer = decoded
    return default


def _plain_local(target: str) -> bool:
    parts = urlsplit(target)
    return (
        target.isprintable()
        and "\\" not in target
        and target.startswith("/")
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
    )


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("pages.home"))
        return render_template("auth/login.html", email="", next=request.args.get("next", ""))
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    # A failed attempt is saved as well: the throttle counts it (S20).
    with unit_of_work() as session:
        result = accounts.log_in(
            session,
            email=email,
            password=password,
            address=request.remote_addr or "-",
            origin=origin(),
            now=clock.now(),
        )
    user = result.user
    if user is None:
        # The login name as the use case judged it loggable: never a typed password (S26).
        logger.warning(
            "login %s for %s from %s",
            "throttled" if result.throttled else "failed",
            safe(result.name),
            safe(request.remote_addr),
        )
        message = throttle.MESSAGE if result.throttled else LOGIN_FAILED
        return (
            render_template(
                "auth/login.html", email=email, next=request.form.get("next", ""), error=message
            ),
            429 if result.throttled else 401,
        )
    target = local_path(request.form.get("next"), default=url_for("pages.home"))
    if second_factor.applies(user):
        # The password step is done; the session starts only after the second step. The signed
        # cookie remembers for a few minutes whose code to ask, nothing more.
        cookie_session.clear()
        cookie_session[PENDING] = {
            "user": user.id,
            "until": (clock.now() + PENDING_FOR).timestamp(),
            "next": target,
        }
        return redirect(url_for("auth.second_step"))
    _sign_in(user)
    return redirect(target)


def _sign_in(user: User) -> None:
    with unit_of_work() as session:
        token = accounts.start_login_session(session, user, origin=origin(), now=clock.now())
    cookie_session.clear()  # a fresh cookie session at login (S18)
    cookie_session.permanent = True
    login_user(SignedIn(user, token, origin()))


def _pending_user() -> tuple[User, str] | None:
    pending = cookie_session.get(PENDING)
    if not isinstance(pending, dict) or float(pending.get("until", 0)) < clock.now().timestamp():
        return None
    user = db().get(User, int(pending.get("user", 0)))
    if user is None or not user.active:
        return None
    return user, str(pending.get("next") or url_for("pages.home"))


@blueprint.route("/login/code", methods=["GET", "POST"])
# Between the password and the code: the signed cookie names the pending user, for minutes.
@public
def second_step() -> ResponseReturnValue:
    """The second step of logging in: a code from the app, or enrolment when the role requires
    a second factor and none is set up yet (S19)."""
    found = _pending_user()
    if found is None:
        cookie_session.clear()
        flash("Log opnieuw in: de tijd voor de code is verstreken.", "info")
        return redirect(url_for("auth.login"))
    user, target = found
    if not second_factor.enrolled(user):
        return _enrol(user, target)
    if request.method == "GET":
        return render_template("auth/code.html", error=None)
    address = request.remote_addr or "-"
    now = clock.now()
    # The throttle's verdict and a failed code are saved as well as a good one (S20).
    with unit_of_work() as session:
        throttled = accounts.throttled(
            session, email=user.email, address=address, origin=origin(), now=now
        )
        verified = not throttled and second_factor.verify(
            session, user, request.form.get("code", ""), origin=origin(), now=now
        )
        if not throttled and not verified:
            accounts.count_failure(session, email=user.email, address=address, now=now)
    if throttled:
        return render_template("auth/code.html", error=throttle.MESSAGE), 429
    if not verified:
        logger.warning("second factor failed for user %s from %s", user.id, safe(address))
        return render_template("auth/code.html", error=CODE_FAILED), 401
    _sign_in(user)
    return redirect(target)


def _enrol(user: User, target: str) -> ResponseReturnValue:
    secret, kept = second_factor.pending_secret(db(), user, cookie_session.get(PENDING_ENROLMENT))
    cookie_session[PENDING_ENROLMENT] = kept
    uri = second_factor.provisioning_uri(secret, user.email)
    page = {"secret": secret, "qr": Markup(second_factor.qr_svg(uri))}  # noqa: S704 — segno's own SVG
    if request.method == "GET":
        return render_template("auth/enrol.html", errors={}, **page)
    address = request.remote_addr or "-"
    now = clock.now()
    errors: dict[str, str] = {}
    codes: list[str] = []
    with unit_of_work() as session:
        throttled = accounts.throttled(
            session, email=user.email, address=address, origin=origin(), now=now
        )
        if not throttled:
            try:
                codes = second_factor.enrol(
                    session, user, secret, request.form.get("code", ""), origin=origin(), now=now
                )
            except InvalidInput as error:
                accounts.count_failure(session, email=user.email, address=address, now=now)
                errors = error.errors
    if throttled:
        return render_template("auth/enrol.html", errors={"code": throttle.MESSAGE}, **page), 429
    if errors:
        return render_template("auth/enrol.html", errors=errors, **page), 422
    _sign_in(user)
    return render_template("auth/recovery_codes.html", codes=codes, next=target)


@blueprint.route("/logout", methods=["POST"])
@signed_in
def logout() -> ResponseReturnValue:
    with unit_of_work() as session:
        accounts.end_login_session(session, current_user.token, now=clock.now(), origin=origin())
    logout_user()
    cookie_session.clear()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))
