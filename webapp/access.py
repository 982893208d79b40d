"""Who may call which route: declared here, in one table, for every endpoint (docs/security.md S13).

An endpoint missing from this table is refused for everyone, and the test suite walks
``app.url_map`` to fail on any route without an entry. Organisation scoping (a provider sees only
its own data) is not decided here but in the queries of the use cases (S11).
"""

from __future__ import annotations

import logging
from typing import Final, NoReturn

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

ROUTE_ACCESS: dict[str, Access] = {
    "static": PUBLIC,
    "pages.health": PUBLIC,
    "auth.login": PUBLIC,
    # Between the password and the code: the signed cookie names the pending user, for minutes.
    "auth.second_step": PUBLIC,
    "auth.logout": SIGNED_IN,
    "pages.home": SIGNED_IN,
    "account.password": SIGNED_IN,
    "account.end_sessions": SIGNED_IN,
    "account.second_factor_page": SIGNED_IN,
    "account.second_factor_change": SIGNED_IN,
    # Scoped in the use case: one's own tokens only, another's id is not found.
    "account.api_tokens": SIGNED_IN,
    "account.revoke_api_token": SIGNED_IN,
    "organisations.index": Permission.VIEW_ORGANISATIONS,
    "organisations.export": Permission.VIEW_ORGANISATIONS,
    "organisations.detail": Permission.VIEW_ORGANISATIONS,
    "organisations.edit": Permission.EDIT_ORGANISATIONS,
    "users.index": Permission.MANAGE_USERS,
    "users.create": Permission.MANAGE_USERS,
    "users.set_status": Permission.MANAGE_USERS,
    "users.sessions": Permission.MANAGE_USERS,
    "users.end_session": Permission.MANAGE_USERS,
    "users.api_tokens": Permission.MANAGE_USERS,
    "users.revoke_api_token": Permission.MANAGE_USERS,
    "users.edit": Permission.MANAGE_USERS,
    "users.reset_link": Permission.MANAGE_USERS,
    "users.reset_second_factor": Permission.MANAGE_USERS,
    # Opened from the one-time link by someone who cannot log in; the token is the key.
    "users.set_password": PUBLIC,
    "arrangements.index": Permission.VIEW_ARRANGEMENTS,
    "arrangements.detail": Permission.VIEW_ARRANGEMENTS,
    "arrangements.create": Permission.EDIT_ARRANGEMENTS,
    "arrangements.edit": Permission.EDIT_ARRANGEMENTS,
    "arrangements.extend": Permission.EDIT_ARRANGEMENTS,
    "arrangements.changes": Permission.VIEW_HISTORY,
    "arrangements.export": Permission.VIEW_ARRANGEMENTS,
    "arrangements.coverage_matrix": Permission.VIEW_MANDATES,
    "arrangements.figures": Permission.VIEW_SIGNALS,
    "arrangements.figures_export": Permission.VIEW_SIGNALS,
    "arrangement_parts.manage": Permission.EDIT_ARRANGEMENTS,
    "arrangement_parts.add_moment": Permission.EDIT_ARRANGEMENTS,
    "arrangement_parts.remove_moment": Permission.EDIT_ARRANGEMENTS,
    "arrangement_parts.add_bed": Permission.EDIT_ARRANGEMENTS,
    "arrangement_parts.close_bed": Permission.EDIT_ARRANGEMENTS,
    "arrangement_parts.set_budget": Permission.EDIT_ARRANGEMENTS,
    "arrangement_parts.set_cost_line": Permission.EDIT_ARRANGEMENTS,
    "arrangement_parts.update_phase": Permission.EDIT_ARRANGEMENTS,
    "signals.dashboard": Permission.VIEW_SIGNALS,
    "signals.draft_mandate": Permission.EDIT_MANDATES,
    # The policy officer starts her college's dossier once the draft volmacht exists; the
    # workflow checks who may start what (workflows.rules.gap_starters).
    "signals.draft_dossier": Permission.EDIT_DECISIONS,
    "signals.term_calculator": SIGNED_IN,
    "deadlines.index": Permission.VIEW_SIGNALS,
    "deadlines.add": Permission.EDIT_DEADLINES,
    "deadlines.acknowledge": Permission.EDIT_DEADLINES,
    "deadlines.set_status": Permission.EDIT_DEADLINES,
    "deadlines.my_notifications": Permission.VIEW_SIGNALS,
    "deadlines.mark_read": Permission.VIEW_SIGNALS,
    "deadlines.new_calendar_address": Permission.VIEW_SIGNALS,
    # The secret token in the address is the credential: calendar programs send no cookie.
    "deadlines.calendar": PUBLIC,
    "deadlines.outbox": Permission.MANAGE_USERS,
    "deadlines.ladders": Permission.MANAGE_USERS,
    "equated_days.index": Permission.MANAGE_CALENDAR,
    "equated_days.add": Permission.MANAGE_CALENDAR,
    "equated_days.edit": Permission.MANAGE_CALENDAR,
    "equated_days.remove": Permission.MANAGE_CALENDAR,
    "decisions.index": Permission.VIEW_DECISIONS,
    "decisions.create": Permission.EDIT_DECISIONS,
    "decisions.detail": Permission.VIEW_DECISIONS,
    "decisions.edit": Permission.EDIT_DECISIONS,
    "decisions.transition": Permission.EDIT_DECISIONS,
    "decisions.advise": Permission.EDIT_DECISIONS,
    "decisions.ask_adviser": Permission.EDIT_DECISIONS,
    "decisions.withdraw_adviser": Permission.EDIT_DECISIONS,
    "decisions.to_advise": Permission.VIEW_DECISIONS,
    "decisions.add_effect": Permission.EDIT_DECISIONS,
    "decisions.grant_access": Permission.EDIT_DECISIONS,
    "decisions.fan_out": Permission.EDIT_DECISIONS,
    "decisions.overview": Permission.VIEW_DECISIONS,
    "decisions.decision_list": Permission.VIEW_DECISIONS,
    "audit_log.index": Permission.VIEW_AUDIT_LOG,
    "audit_log.export": Permission.VIEW_AUDIT_LOG,
    "mandates.index": Permission.VIEW_MANDATES,
    "mandates.export": Permission.VIEW_MANDATES,
    "mandates.detail": Permission.VIEW_MANDATES,
    "mandates.create": Permission.EDIT_MANDATES,
    "mandates.edit": Permission.EDIT_MANDATES,
    "mandates.record_grant": Permission.EDIT_MANDATES,
    "mandates.new_version": Permission.EDIT_MANDATES,
    "mandates.changes": Permission.VIEW_HISTORY,
    "agreements.index": Permission.VIEW_AGREEMENTS,
    "agreements.export": Permission.VIEW_AGREEMENTS,
    "agreements.detail": Permission.VIEW_AGREEMENTS,
    "agreements.create": Permission.EDIT_AGREEMENTS,
    "agreements.edit": Permission.EDIT_AGREEMENTS,
    "agreements.change_status": Permission.EDIT_AGREEMENTS,
    "agreements.changes": Permission.VIEW_HISTORY,
    "documents.index": Permission.VIEW_DOCUMENTS,
    "documents.generate": Permission.GENERATE_DOCUMENTS,
    "documents.download": Permission.VIEW_DOCUMENTS,
    "documents.start_job": Permission.GENERATE_DOCUMENTS,
    "documents.job": Permission.GENERATE_DOCUMENTS,
    "documents.bundle_download": Permission.VIEW_DOCUMENTS,
    "documents.provider_home": Permission.RETURN_SIGNED_COPIES,
    "documents.upload_signed": Permission.RETURN_SIGNED_COPIES,
    "documents.signed_download": Permission.VIEW_DOCUMENTS,
    "document_templates.index": Permission.MANAGE_TEMPLATES,
    "document_templates.kind": Permission.MANAGE_TEMPLATES,
    "document_templates.version": Permission.MANAGE_TEMPLATES,
    "document_templates.download": Permission.MANAGE_TEMPLATES,
    "document_templates.preview": Permission.MANAGE_TEMPLATES,
    "document_templates.activate": Permission.MANAGE_TEMPLATES,
    "api.openapi": PUBLIC,
    "api.document_create": Permission.GENERATE_DOCUMENTS,
    "api.documents": Permission.VIEW_DOCUMENTS,
    "api.document_content": Permission.VIEW_DOCUMENTS,
    "api.bundle_create": Permission.GENERATE_DOCUMENTS,
    "api.bundle": Permission.VIEW_DOCUMENTS,
    "api.bundle_content": Permission.VIEW_DOCUMENTS,
    "api.job": Permission.GENERATE_DOCUMENTS,
    "api.template_version_create": Permission.MANAGE_TEMPLATES,
    "api.organisations": Permission.VIEW_ORGANISATIONS,
    "api.arrangements": Permission.VIEW_ARRANGEMENTS,
    "api.arrangement": Permission.VIEW_ARRANGEMENTS,
    "api.arrangement_create": Permission.EDIT_ARRANGEMENTS,
    "api.arrangement_update": Permission.EDIT_ARRANGEMENTS,
    "api.arrangement_phases": Permission.EDIT_ARRANGEMENTS,
    "api.mandates": Permission.VIEW_MANDATES,
    "api.mandate": Permission.VIEW_MANDATES,
    "api.mandate_create": Permission.EDIT_MANDATES,
    "api.mandate_update": Permission.EDIT_MANDATES,
    "api.mandate_versions": Permission.EDIT_MANDATES,
    "api.agreements": Permission.VIEW_AGREEMENTS,
    "api.agreement": Permission.VIEW_AGREEMENTS,
    "api.agreement_create": Permission.EDIT_AGREEMENTS,
    "api.agreement_update": Permission.EDIT_AGREEMENTS,
    "api.coverage": Permission.VIEW_MANDATES,
    "api.signals": Permission.VIEW_SIGNALS,
    "api.term_end": SIGNED_IN,
    "api.decisions": Permission.VIEW_DECISIONS,
    "api.decision": Permission.VIEW_DECISIONS,
    "api.decision_create": Permission.EDIT_DECISIONS,
    "api.decision_update": Permission.EDIT_DECISIONS,
    "api.decision_transition": Permission.EDIT_DECISIONS,
    "api.decision_advice": Permission.EDIT_DECISIONS,
    "api.decision_advisers": Permission.EDIT_DECISIONS,
    "api.advice_requests": Permission.VIEW_DECISIONS,
    "api.advice_request_withdraw": Permission.EDIT_DECISIONS,
    "api.decision_fan_out": Permission.EDIT_DECISIONS,
    "api.imports": Permission.EDIT_ARRANGEMENTS,
    "api.import_confirm": Permission.EDIT_ARRANGEMENTS,
    "imports.upload": Permission.EDIT_ARRANGEMENTS,
    "imports.template": Permission.EDIT_ARRANGEMENTS,
    "imports.show": Permission.EDIT_ARRANGEMENTS,
    "imports.confirm": Permission.EDIT_ARRANGEMENTS,
    "api.figures": Permission.VIEW_SIGNALS,
    "api.costs": Permission.VIEW_SIGNALS,
    "api.cost_lines": Permission.VIEW_SIGNALS,
    "api.deadlines": Permission.VIEW_SIGNALS,
    "api.deadline_create": Permission.EDIT_DEADLINES,
    "api.deadline_acknowledge": Permission.EDIT_DEADLINES,
}

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
        rule = ROUTE_ACCESS.get(endpoint)
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
