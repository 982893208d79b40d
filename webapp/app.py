"""The application factory. It starts no scheduler: reminders run in their own process."""

from __future__ import annotations

import logging
import traceback
from contextlib import suppress
from typing import Any

from flask import Flask, g, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import escape
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, SecurityError

from storage import failures
from storage.files import LocalFileStore
from storage.keys import Keys
from storage.private_files import private_directory
from webapp.access import collect_route_access, init_access, note_refusal
from webapp.api import decisions as _api_decisions  # noqa: F401 - registers its routes
from webapp.api import documents as _api_documents  # noqa: F401 - registers its routes
from webapp.api import monitoring as _api_monitoring  # noqa: F401 - registers its routes
from webapp.api import registers as _api_registers  # noqa: F401 - registers its routes
from webapp.api import signals as _api_signals  # noqa: F401 - registers its routes
from webapp.api.views import blueprint as api_blueprint
from webapp.api.views import error_response, http_error_json
from webapp.auth import init_auth
from webapp.config import ConfigurationError, Settings, load_settings
from webapp.converters import init_converters
from webapp.database import init_database
from webapp.formatting import init_formatting
from webapp.forms import init_forms
from webapp.headers import init_headers
from webapp.logs import configure_logging, safe
from webapp.pages import (
    account,
    agreements,
    arrangement_parts,
    arrangements,
    audit_log,
    deadlines,
    decisions,
    document_templates,
    documents,
    equated_days,
    home,
    imports,
    mandates,
    organisations,
    signals,
    users,
)
from webapp.proxies import TrustedProxyFix
from workflows.errors import Forbidden, NotFound
from workflows.rules.roles import ROLE_LABELS, Permission

logger = logging.getLogger("besluitwerk.app")
csrf = CSRFProtect()

ERROR_TEXT = {
    400: ("Onjuist verzoek", "Het verzoek kon niet worden verwerkt."),
    403: ("Geen toegang", "U heeft geen toegang tot deze pagina of handeling."),
    404: ("Niet gevonden", "Deze pagina bestaat niet of u heeft er geen toegang toe."),
    405: ("Niet toegestaan", "Deze handeling is hier niet toegestaan."),
    409: ("Gewijzigd door een ander", "Iemand anders heeft dit intussen gewijzigd."),
    413: ("Te groot", "Het bestand of formulier is te groot."),
    500: ("Er ging iets mis", "Er ging iets mis aan onze kant. Er is niets half opgeslagen."),
    503: (
        "Tijdelijk niet beschikbaar",
        "Besluitwerk kan zijn gegevens op dit moment niet bereiken. Er is niets half "
        "opgeslagen. Probeer het over een halve minuut opnieuw.",
    ),
    507: (
        "Opslag vol",
        "Er is geen ruimte meer om dit op te slaan. Er is niets half opgeslagen en eerdere "
        "versies zijn ongewijzigd. Meld dit bij de beheerder en probeer het later opnieuw.",
    ),
}
# Seconds after which a client may try again when the database could not be reached.
RETRY_AFTER_SECONDS = 30
CONCURRENT_CHANGE = (
    "Iemand anders heeft dit op hetzelfde moment gewijzigd. Uw wijzigingen zijn niet "
    "opgeslagen; bekijk de actuele gegevens en voer ze opnieuw in."
)
# When the error page itself cannot be made (it shows the signed-in user, read from the
# database that just failed), this plain page still says what happened, in Dutch.
BARE_ERROR_PAGE = (
    '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body><h1>{title}</h1><p>{message}</p><p><a href="/">Naar de startpagina</a></p></body></html>'
)


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    settings = settings or load_settings()
    configure_logging(log_format=settings.log_format)
    app = Flask(__name__)
    init_converters(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        BESLUITWERK_SETTINGS=settings,
        SESSION_COOKIE_NAME="besluitwerk_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=settings.session_absolute,
        # The cookie expires at the absolute timeout counted from login (S18), not pushed on by
        # every request; it is re-signed only when its content changes.
        SESSION_REFRESH_EACH_REQUEST=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_DURATION=settings.session_absolute,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        MAX_FORM_PARTS=1000,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (bounded) session
        WTF_CSRF_SSL_STRICT=True,
        DEBUG=False,
        TRUSTED_HOSTS=list(settings.trusted_hosts) or None,
    )
    app.config.update(config)
    if not settings.audit_key:
        raise ConfigurationError(
            "AUDIT_KEY ontbreekt: zonder sleutel geen controleerbaar auditlogboek."
        )
    if settings.database_url.startswith("sqlite") or settings.data_dir.exists():
        private_directory(settings.data_dir)  # owner-only (S31)
    init_database(app, settings.database_url, Keys.derive(settings.audit_key))
    app.extensions["besluitwerk.files"] = LocalFileStore(settings.data_dir / "files")
    init_formatting(app)
    init_forms(app)
    init_headers(app)
    csrf.init_app(app)
    init_auth(app)
    init_access(app)
    for blueprint in (
        home.blueprint,
        organisations.blueprint,
        users.blueprint,
        arrangements.blueprint,
        arrangement_parts.blueprint,
        mandates.blueprint,
        agreements.blueprint,
        signals.blueprint,
        deadlines.blueprint,
        decisions.blueprint,
        imports.blueprint,
        audit_log.blueprint,
        account.blueprint,
        documents.blueprint,
        document_templates.blueprint,
        equated_days.blueprint,
    ):
        app.register_blueprint(blueprint)
    # API requests authenticate with a Bearer token and never with the cookie, so a forged
    # cross-site request carries no credentials: CSRF tokens do not apply there.
    csrf.exempt(api_blueprint)
    app.register_blueprint(api_blueprint)
    # Every route is registered now: its access, declared next to it, goes into the table (S13).
    collect_route_access(app)
    _register_errors(app)
    if settings.proxy_hops:
        app.wsgi_app = TrustedProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, hops=settings.proxy_hops, trusted=settings.trusted_proxies
        )

    @app.context_processor
    def _page_globals() -> dict[str, Any]:
        return {
            "Permission": Permission,
            "role_labels": ROLE_LABELS,
            "document_actions": documents.document_actions,
            "page_url": _page_url,
        }

    return app


# Every page's menu and stylesheets name the same dozen-odd fixed addresses; building each
# with url_for on every request was a sizeable share of rendering a page.
_PAGE_URLS: dict[tuple[str, str, str | None], str] = {}


def _page_url(endpoint: str, filename: str | None = None) -> str:
    """``url_for`` for an address without parameters (or a static file), kept per mount."""
    key = (request.script_root, endpoint, filename)
    found = _PAGE_URLS.get(key)
    if found is None:
        found = url_for(endpoint, filename=filename) if filename else url_for(endpoint)
        _PAGE_URLS[key] = found
    return found


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> ResponseReturnValue:
        # CSRF is checked before the route's access check, so the actor comes from the session.
        actor = current_user.actor.label if current_user.is_authenticated else "-"
        logger.warning(
            "csrf refused: actor=%s object=%s %s: %s",
            safe(actor),
            safe(request.method),
            safe(request.path),
            safe(error.description),
        )
        return _page(400, "Het formulier is verlopen of ongeldig. Laad de pagina opnieuw.")

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound) -> ResponseReturnValue:
        note_refusal(error)
        return _page(404, error.message)

    @app.errorhandler(Forbidden)
    def _forbidden(error: Forbidden) -> ResponseReturnValue:
        note_refusal(error)
        return _page(403, error.message)

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError) -> ResponseReturnValue:
        # No URL adapter exists for a foreign Host header, so no page can be rendered.
        logger.warning("request refused: %s", safe(error.description))
        return "Onbekende host.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        if _wants_json():
            return http_error_json(error)
        return _page(error.code or 500)

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(error: StaleDataError) -> ResponseReturnValue:
        # Two saves based on the same version at the same moment: PostgreSQL lets both read
        # that version, and the later UPDATE finds the row changed (the version column, S28).
        _discard_request_session()
        logger.warning("concurrent change refused: %s %s", safe(request.method), safe(request.path))
        if _wants_json():
            return error_response(409, "conflict", CONCURRENT_CHANGE, changed={})
        return _page(409, CONCURRENT_CHANGE)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        _discard_request_session()
        where = (safe(request.method), safe(request.path))
        if failures.no_room_left(error):
            logger.error("no room left on %s %s: %s", *where, type(error).__name__)
            return _failure(507, "storage_full")
        if failures.database_unreachable(error):
            logger.error("database unreachable on %s %s: %s", *where, failures.described(error))
            # The page's layout would read the signed-in user from the unreachable database
            # and wait for it a second time: the plain page answers at once.
            return _failure(
                503, "unavailable", {"Retry-After": str(RETRY_AFTER_SECONDS)}, plain=True
            )
        if isinstance(error, DBAPIError):
            # Not the error's own text: PostgreSQL's DETAIL line holds the row's values (S26).
            stack = "".join(traceback.format_tb(error.__traceback__))
            logger.error(
                "database error on %s %s: %s\n%s", *where, failures.described(error), stack
            )
        else:
            logger.exception("unexpected error on %s %s", *where)
        return _failure(500, "server_error")


def _failure(
    status: int, code: str, headers: dict[str, str] | None = None, *, plain: bool = False
) -> ResponseReturnValue:
    answer: ResponseReturnValue
    if _wants_json():
        answer = error_response(status, code, ERROR_TEXT[status][1])
    else:
        answer = _plain_page(status) if plain else _page(status)
    response = make_response(answer)
    response.headers.update(headers or {})
    return response


def _discard_request_session() -> None:
    """After a failed flush the request's session refuses every query until it is rolled back,
    and the error page reads the signed-in user: roll back what failed first."""
    session = g.get("db_session")
    if session is not None:
        with suppress(Exception):  # the database may be what is down
            session.rollback()


def _page(status: int, message: str | None = None) -> ResponseReturnValue:
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[500])
    try:
        return render_template(
            "error.html", title=title, message=message or text, status=status
        ), status
    except Exception:
        logger.warning("error page %s shown without layout: the layout failed", status)
        return _plain_page(status, message)


def _plain_page(status: int, message: str | None = None) -> ResponseReturnValue:
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[500])
    page = BARE_ERROR_PAGE.format(title=escape(title), message=escape(message or text))
    return page, status, {"Content-Type": "text/html; charset=utf-8"}
