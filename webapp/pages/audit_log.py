"""The audit log for the auditor (read-only) and the administrator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from storage.audit import AuditEvent
from webapp import clock
from webapp.access import current_actor, requires
from webapp.database import db
from webapp.exports import csv_response
from webapp.paging import page_number
from webapp.unit_of_work import unit_of_work
from workflows import audit
from workflows.auditing import audit_log, audit_words
from workflows.rules.dates import parse_date
from workflows.rules.roles import Permission

blueprint = Blueprint("audit_log", __name__, url_prefix="/beheer/auditlog")


@dataclass(frozen=True)
class _Filters:
    raw: dict[str, str]
    errors: dict[str, str]
    start: date | None
    end: date | None

    def page(self, number: int) -> audit_log.Page:
        return audit_log.page(
            db(),
            current_actor(),
            number=number,
            object_type=self.raw["object"],
            who=self.raw["wie"][:200],
            start=self.start,
            end=self.end,
        )

    def search(self) -> Sequence[AuditEvent]:
        return audit_log.search(
            db(),
            current_actor(),
            object_type=self.raw["object"],
            who=self.raw["wie"][:200],
            start=self.start,
            end=self.end,
        )


def _filters() -> _Filters:
    raw = {k: request.args.get(k, "") for k in ("object", "wie", "van", "tot")}
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {"van": None, "tot": None}
    for key, label in (("van", "Van"), ("tot", "Tot en met")):
        if raw[key]:
            try:
                days[key] = parse_date(raw[key], label=label)
            except ValueError as error:
                errors[key] = str(error)
    return _Filters(raw, errors, days["van"], days["tot"])


@blueprint.get("/")
@requires(Permission.VIEW_AUDIT_LOG)
def index() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    chosen = _filters()
    names = audit_words.organisation_names(session)
    shown = chosen.page(page_number())
    return render_template(
        "audit_log.html",
        events=[audit_words.describe(event, names) for event in shown.events],
        page=shown,
        filters=chosen.raw,
        errors=chosen.errors,
        object_types=sorted(
            (
                (t, audit_words.OBJECT_WORDS.get(t, t))
                for t in audit_log.object_types(session, actor)
            ),
            key=lambda pair: pair[1],
        ),
        check=audit_log.verify(session),
    )


@blueprint.get("/export.csv")
@requires(Permission.VIEW_AUDIT_LOG)
def export() -> ResponseReturnValue:
    with unit_of_work() as session:
        actor = current_actor()
        events = _filters().search()
        audit.record(
            session,
            actor,
            action="export",
            object_type="audit_log",
            object_id=None,
            new_values={"rows": len(events)},
        )
    return csv_response(
        [
            "Nummer",
            "Tijd (UTC)",
            "Wie",
            "Handeling",
            "Object",
            "Objectnummer",
            "Resultaat",
            "Herkomst",
            "Oud",
            "Nieuw",
            "Hash",
        ],
        (
            [
                e.id,
                e.at.isoformat(),
                e.actor_label,
                e.action,
                e.object_type,
                e.object_id,
                e.result,
                e.origin,
                e.old_values,
                e.new_values,
                e.hash,
            ]
            for e in events
        ),
        name="auditlog",
        today=clock.today(),
    )
