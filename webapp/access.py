"""Who may call which route: declared here, in one table, for every endpoint (SECURITY.md S13).

An endpoint missing from this table is refused for everyone, and the test suite walks
``app.url_map`` to fail on any route without an entry. Organisation scoping (a provider sees only
its own data) is not decided here but in the queries of the use cases (S11).
"""

from __future__ import annotations

import logging
from typing import Final

from flask import Flask, abort, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from webapp.api.tokens import bearer_actor
from webapp.database import db
from webapp.logs import safe
from workflows import audit
from workflows.actors import Actor
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
    "organisations.index": Permission.VIEW_ORGANISATIONS,
    "organisations.export": Permission.VIEW_ORGANISATIONS,
    "organisations.detail": Permission.VIEW_ORGANISATIONS,
    "organisations.edit": Permission.EDIT_ORGANISATIONS,
    "users.index": Permission.MANAGE_USERS,
    "users.create": Permission.MANAGE_USERS,
    "users.set_status": Permission.MANAGE_USERS,
    "users.sessions": Permission.MANAGE_USERS,
    "users.end_session": Permission.MANAGE_USERS,
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
    "signals.draft_dossier": Permission.EDIT_MANDATES,
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
        actor = _authenticated_actor(endpoint)
        if actor is None:
            if endpoint.startswith("api."):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        g.actor = actor
        if isinstance(rule, Permission) and not actor.can(rule):
            refuse(actor, object_type="route", object_id=endpoint)
        return None


def _authenticated_actor(endpoint: str) -> Actor | None:
    if endpoint.startswith("api."):
        return bearer_actor()
    if current_user.is_authenticated:
        actor: Actor = current_user.actor
        return actor
    return None


def refuse(actor: Actor, *, object_type: str, object_id: str | int | None) -> None:
    """Log and audit a refused authorization (SECURITY.md S27), then answer 403."""
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
    abort(403)
