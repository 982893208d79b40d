"""API routes of /api/v1 (see openapi.py for their description)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as NoRoute

from storage.paging import Page, Window
from webapp import clock
from webapp.access import current_actor, note_refusal, public, requires
from webapp.api import openapi
from webapp.api.representations import (
    ArrangementOut,
    OrganisationOut,
    Representation,
    arrangement_body,
    arrangement_json,
    organisation_body,
)
from webapp.database import db
from workflows.errors import Conflict, Forbidden, InvalidInput, NotFound, WorkflowError
from workflows.registers import arrangements, organisations
from workflows.rules.fields import FieldError, parse_id, parse_whole
from workflows.rules.roles import Permission

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PAGE = 500
T = TypeVar("T")

HTTP_STATUS = {
    "invalid_input": 422,
    "not_found": 404,
    "forbidden": 403,
    "conflict": 409,
    "pdf_refused": 422,
    "unavailable": 503,
    "conversion_failed": 503,
}


def error_response(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    return jsonify(body), status


@blueprint.errorhandler(WorkflowError)
def _workflow_error(error: WorkflowError) -> ResponseReturnValue:
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidInput):
        extra["fields"] = error.errors
    if isinstance(error, Conflict):
        extra["changed"] = error.changed
    if isinstance(error, NotFound | Forbidden):
        note_refusal(error)
    return error_response(HTTP_STATUS.get(error.code, 400), error.code, error.message, **extra)


def window() -> Window:
    """The part of a list asked for: up to 500 items unless limit/offset ask otherwise; the
    readers fetch that part in SQL."""
    errors: dict[str, str] = {}
    limit = _whole(request.args.get("limit"), "limit", MAX_PAGE, errors, maximum=MAX_PAGE)
    offset = _whole(request.args.get("offset"), "offset", 0, errors, maximum=2**31 - 1)
    if errors:
        raise InvalidInput(errors)
    return Window(limit=limit, offset=offset)


def page(
    found: Page[T], representation: type[Representation], body: Callable[[T], Mapping[str, Any]]
) -> ResponseReturnValue:
    """The list envelope of one page read by a reader: its items, each ``body`` checked against
    ``representation``, and the total of the list."""
    text = representation.listed((body(row) for row in found.rows), found.total)
    return current_app.response_class(f"{text}\n", mimetype="application/json")


def _whole(
    raw: str | None, name: str, default: int, errors: dict[str, str], maximum: int | None = None
) -> int:
    if raw is None or raw == "":
        return default
    try:
        return parse_whole(raw, label=name, minimum=0, maximum=maximum)
    except FieldError as error:
        errors[name] = str(error)
        return default


def id_arg(name: str) -> int | None:
    """An optional record id from the query string; a 422 naming it when it is none."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_id(raw, label=name)
    except FieldError:
        raise InvalidInput({name: f"{name}: verwacht een nummer."}) from None


@blueprint.get("/openapi.json", endpoint="openapi")
@public
def openapi_document() -> ResponseReturnValue:
    return jsonify(openapi.document())


@blueprint.get("/organisations", endpoint="organisations")
@requires(Permission.VIEW_ORGANISATIONS)
def list_organisations() -> ResponseReturnValue:
    found = organisations.page_visible(
        db(), current_actor(), window(), kind=request.args.get("kind")
    )
    return page(found, OrganisationOut, organisation_body)


@blueprint.get("/arrangements", endpoint="arrangements")
@requires(Permission.VIEW_ARRANGEMENTS)
def list_arrangements() -> ResponseReturnValue:
    found = arrangements.page_of_overviews(db(), current_actor(), window(), today=clock.today())
    return page(found, ArrangementOut, arrangement_body)


@blueprint.get("/arrangements/<int:arrangement_id>", endpoint="arrangement")
@requires(Permission.VIEW_ARRANGEMENTS)
def get_arrangement(arrangement_id: int) -> ResponseReturnValue:
    overview = arrangements.overview(db(), current_actor(), arrangement_id, today=clock.today())
    return jsonify(arrangement_json(overview))


def http_error_json(error: HTTPException) -> ResponseReturnValue:
    codes = {
        400: ("bad_request", "Het verzoek is onjuist opgebouwd."),
        401: ("unauthenticated", "Stuur een geldig API-token mee: Authorization: Bearer <token>."),
        403: ("forbidden", "U heeft geen toegang tot deze handeling."),
        404: ("not_found", "Niet gevonden."),
        405: ("method_not_allowed", "Deze methode is hier niet toegestaan."),
        413: ("too_large", "Het verzoek is te groot."),
    }
    if isinstance(error, MethodNotAllowed) and not _has_route(error.valid_methods or []):
        error = NoRoute()
    status = error.code or 500
    code, message = codes.get(status, ("error", "Er ging iets mis."))
    body, status = error_response(status, code, message)
    if status == 401:
        body.headers["WWW-Authenticate"] = 'Bearer realm="besluitwerk"'
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        # RFC 9110 15.5.6: a 405 names the methods the path does have.
        body.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return body, status


def _has_route(methods: Iterable[str]) -> bool:
    """Whether the path exists for one of ``methods``. Werkzeug answers 405 for a path whose id
    its converter refused (beyond 2^31-1) when a rule of another method shares the prefix; there
    is no such record, so that is a 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in methods:
        try:
            adapter.match(method=method)
        except (NoRoute, MethodNotAllowed):
            continue
        except HTTPException:
            return True  # a redirect: the path exists
        return True
    return False
