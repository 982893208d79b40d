"""Who may call which route (docs/security.md S13): each route declares it next to its route line
(``@requires(Permission...)``, ``@signed_in`` or ``@public``), and the app collects the
declarations into one table endpoint → access when it starts.

An endpoint missing from that table is refused for everyone, and the test suite walks
``app.url_map`` to fail on any route without an entry. Organisation scoping (a provider sees only
its own data) is not decided here but in the queries of the use cases (S11).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final, NoReturn, TypeVar

from flask import Flask, abort, g, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from webapp.api.tokens import bearer_access
from webapp.database import db
from webapp.logs import safe
from workflows import audit
from workflows.accounts import accounts
from workflows.actors import Actor
from workflows.errors import Forbidden, WorkflowError
from workflows.rules.roles import Permission

PUBLIC: Final = "public"
SIGNED_IN: Final = "signed_in"

Access = Permission | str

# The declarations made next to the routes, per view function, until the app collects them.
_DECLARED: dict[Callable[..., Any], Access] = {}
ROUTE_ACCESS_KEY = "besluitwerk.route_access"

View = TypeVar("View", bound=Callable[..., Any])


class AccessDeclarationError(Exception):
    """A route's access is declared wrongly; raised while the module is imported, so the app
    does not start."""


def requires(permission: Permission) -> Callable[[View], View]:
    """Only a signed-in person (or API token) whose role has ``permission`` may call the route."""
    if not isinstance(permission, Permission):
        raise AccessDeclarationError(
            f"unknown permission {permission!r}: name a member of Permission, or use @public "
            "or @signed_in"
        )

    def declare(view: View) -> View:
        return _declare(view, permission)

    return declare


def signed_in(view: View) -> View:
    """Anyone signed in may call the route; what they see is scoped in the use case (S11)."""
    return _declare(view, SIGNED_IN)


def public(view: View) -> View:
    """Anyone may call the route, without signing in; say next to it why that is safe."""
    return _declare(view, PUBLIC)


def _declare(view: View, access: Access) -> View:
    # Two declarations on one route would leave it to decorator order which one holds.
    if view in _DECLARED:
        raise AccessDeclarationError(
            f"access of {view.__module__}.{view.__qualname__} declared twice: "
            f"{_DECLARED[view]} and {access}"
        )
    _DECLARED[view] = access
    return view


def collect_route_access(app: Flask) -> None:
    """Fill the app's table endpoint → access from the declarations next to its routes; call it
    once every blueprint is registered. A route without a declaration gets no entry and is
    refused for everyone (S13)."""
    table: dict[str, Access] = {}
    for endpoint, view in app.view_functions.items():
        # Flask's own route for webapp/static: the style sheet and scripts the login page needs.
        access = PUBLIC if endpoint == "static" else _DECLARED.get(view)
        if access is not None:
            table[endpoint] = access
    app.extensions[ROUTE_ACCESS_KEY] = table


def route_access(app: Flask) -> dict[str, Access]:
    """The app's fail-closed table endpoint → access."""
    # Before collect_route_access the table is empty, and every route is refused.
    table: dict[str, Access] = app.extensions.setdefault(ROUTE_ACCESS_KEY, {})
    return table


logger = logging.getLogger("besluitwerk.access")

# Methods that change nothing (S15); a token with scope "read" may use only these (S17).
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_SCOPE_REFUSED = (
    "Dit API-token mag alleen lezen. Voor wijzigen (POST, PATCH of DELETE) is een token met "
    "schrijfrechten nodig; vraag de beheerder om een nieuw token met bereik 'write'."
)


def current_actor() -> Actor:
    actor: Actor | None = g.get("actor")
    if actor is None:
        abort(401)
    return actor


def init_access(app: Flask) -> None:
    @app.before_request
    def _check_access() -> ResponseReturnValue | None:
        endpoint = request.endpoint
        if endpoint is None:
            return None  # no route matched: the 404 handler answers
        rule = route_access(app).get(endpoint)
        if rule is None:
            logger.error("route without declared access refused: %s", safe(endpoint))
            abort(403)
        if rule == PUBLIC:
            return None
        if endpoint.startswith("api."):
            return _check_token(rule, endpoint)
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        actor: Actor = current_user.actor
        g.actor = actor
        if isinstance(rule, Permission) and not actor.can(rule):
            refuse(actor, object_type="route", object_id=endpoint)
        return None


def _check_token(rule: Access, endpoint: str) -> ResponseReturnValue | None:
    access = bearer_access()
    if access is None:
        if request.headers.get("Authorization"):
            # The token itself is never logged (S26), only that one was refused (S27).
            logger.warning(
                "api token refused: endpoint=%s from %s",
                safe(endpoint),
                safe(request.remote_addr),
            )
        abort(401)
    actor = accounts.actor_for(access.user, f"api {request.remote_addr or '-'}")
    g.actor = actor
    if request.method not in READING_METHODS and not access.may_write:
        _record_refusal(actor, object_type="api_token", object_id=access.token_id)
        body = {"error": {"code": "forbidden", "message": READ_ONLY_SCOPE_REFUSED}}
        return jsonify(body), 403
    if isinstance(rule, Permission) and not actor.can(rule):
        refuse(actor, object_type="route", object_id=endpoint)
    return None


def refused_object() -> tuple[str, str | int | None]:
    """What the refused request asked for: the record its address names (``decision`` 12 for
    /besluiten/12) or else the route."""
    arguments = request.view_args or {}
    for name, value in arguments.items():
        if name.endswith("_id") and isinstance(value, int):
            kind = arguments.get("subject_type") if name == "subject_id" else None
            return str(kind or name.removesuffix("_id")), value
    return "route", request.endpoint


def note_refusal(error: WorkflowError) -> None:
    """A use case refused the signed-in actor (403) or found nothing it may show (404, which is
    also how another organisation's record answers, S11): logged with the actor and the object
    (docs/security.md S27); a 403 is also audited, like a refused route."""
    actor: Actor | None = g.get("actor")
    object_type, object_id = refused_object()
    logger.warning(
        "%s refused: actor=%s object=%s:%s path=%s",
        "access" if isinstance(error, Forbidden) else "lookup",
        safe(actor.label if actor is not None else "-"),
        safe(object_type),
        safe(str(object_id)),
        safe(request.path),
    )
    if isinstance(error, Forbidden) and actor is not None:
        session = db()
        session.rollback()
        audit.record(
            session,
            actor,
            action="access",
            object_type=object_type,
            object_id=object_id,
            result="denied",
        )
        session.commit()


def refuse(
    actor: Actor, *, object_type: str, object_id: str | int | None, message: str | None = None
) -> NoReturn:
    """Log and audit a refused authorization (docs/security.md S27), then answer 403 — with the use
    case's own Dutch reason when it gave one (its handler logs and audits it, see
    ``note_refusal``)."""
    if message is not None:
        raise Forbidden(message)
    _record_refusal(actor, object_type=object_type, object_id=object_id)
    abort(403)


def _record_refusal(actor: Actor, *, object_type: str, object_id: str | int | None) -> None:
    logger.warning(
        "access refused: actor=%s object=%s:%s",
        safe(actor.label),
        safe(object_type),
        safe(str(object_id)),
    )
    session = db()
    session.rollback()
    audit.record(
        session,
        actor,
        action="access",
        object_type=object_type,
        object_id=object_id,
        result="denied",
    )
    session.commit()
