"""API routes for signals and the term calculator."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storage.deadlines import Deadline
from webapp import clock
from webapp.access import current_actor, requires, signed_in
from webapp.api.registers import json_body
from webapp.api.representations import DeadlineOut, SignalsOut, TermEndOut
from webapp.api.views import blueprint, id_arg, page, window
from webapp.database import db
from webapp.unit_of_work import unit_of_work
from workflows.deadlines import deadlines, signals
from workflows.errors import InvalidInput
from workflows.registers import equated_days
from workflows.rules.dates import parse_date
from workflows.rules.fields import FieldError, parse_whole
from workflows.rules.roles import Permission
from workflows.rules.termijnenwet import term_end


def _date_arg(name: str, label: str, *, default: date | None = None) -> date:
    raw = request.args.get(name)
    if not raw:
        if default is None:
            raise InvalidInput({name: f"{name}: vul een datum in (JJJJ-MM-DD)."})
        return default
    try:
        return parse_date(raw, label=label)
    except ValueError as error:
        raise InvalidInput({name: str(error)}) from None


@blueprint.get("/signals", endpoint="signals")
@requires(Permission.VIEW_SIGNALS)
def list_signals() -> ResponseReturnValue:
    as_of = _date_arg("as_of", "as_of", default=clock.today())
    shown = signals.page(
        db(), current_actor(), window(), as_of=as_of, arrangement_id=id_arg("arrangement")
    )
    items = [
        {
            "kind": s.kind,
            "subject": s.subject,
            "arrangement": {"id": s.arrangement_id, "name": s.arrangement_name},
            "municipality": {"id": s.municipality.id, "name": s.municipality.name}
            if s.municipality
            else None,
            "act": s.act.value if s.act else None,
            "act_on": s.act_on.isoformat(),
            "latest_meeting_on": s.plan.latest_meeting_on.isoformat(),
            "agenda_closes_on": s.plan.agenda_closes_on.isoformat(),
            "start_by_on": s.plan.start_by_on.isoformat(),
            "overdue": s.overdue,
            "mandate_id": s.mandate_id,
            "explanation": s.explanation,
            "acts": [a.value for a in s.acts],
            "mandate_kind": s.mandate_kind or None,
            "gap_now": s.gap_now,
            "missed": s.missed,
            "next_meeting": {
                "meeting_on": s.next_plan.latest_meeting_on.isoformat(),
                "agenda_closes_on": s.next_plan.agenda_closes_on.isoformat(),
                "start_by_on": s.next_plan.start_by_on.isoformat(),
            }
            if s.next_plan
            else None,
            "advice": s.advice,
            "ratification": s.ratification,
        }
        for s in shown.rows
    ]
    return jsonify(
        SignalsOut.shaped({"as_of": as_of.isoformat(), "items": items, "total": shown.total})
    )


@blueprint.get("/terms/end", endpoint="term_end")
@signed_in
def compute_term_end() -> ResponseReturnValue:
    start = _date_arg("start", "start")
    given = {u: request.args.get(u, "") for u in ("days", "weeks", "months") if request.args.get(u)}
    if len(given) != 1:
        raise InvalidInput({"days": "Geef precies één van days, weeks of months."})
    ((unit, raw),) = given.items()
    try:
        amount = parse_whole(raw, label=unit, minimum=1, maximum=10_000)
    except FieldError:
        raise InvalidInput(
            {unit: f"{unit}: verwacht een geheel getal van 1 tot en met 10000."}
        ) from None
    result = term_end(
        start,
        days=amount if unit == "days" else 0,
        weeks=amount if unit == "weeks" else 0,
        months=amount if unit == "months" else 0,
        equated=equated_days.for_terms(db()),
    )
    return jsonify(
        TermEndOut.shaped(
            {
                "start_on": result.start_on.isoformat(),
                "end_on": result.end_on.isoformat(),
                "unadjusted_end_on": result.unadjusted_end_on.isoformat(),
                "applies": result.applies,
                "reason": result.reason,
            }
        )
    )


def _deadline_json(deadline: Deadline) -> dict[str, object]:
    return DeadlineOut.shaped(_deadline_body(deadline))


def _deadline_body(deadline: Deadline) -> dict[str, object]:
    return {
        "id": deadline.id,
        "name": deadline.subject,
        "kind": deadline.kind,
        "due_on": deadline.due_on.isoformat(),
        "start_by_on": deadline.start_by_on.isoformat() if deadline.start_by_on else None,
        "arrangement_id": deadline.arrangement_id,
        "organisation_id": deadline.organisation_id,
        "owner_id": deadline.owner_id,
        "status": deadline.status,
        "status_reason": deadline.status_reason,
        "source": deadline.source,
        "deadline_version": deadline.deadline_version,
        "acknowledged_at": deadline.acknowledged_at.isoformat()
        if deadline.acknowledged_at
        else None,
        "explanation": deadline.explanation,
    }


@blueprint.get("/deadlines", endpoint="deadlines")
@requires(Permission.VIEW_SIGNALS)
def list_deadlines() -> ResponseReturnValue:
    start = _date_arg("from", "from", default=date.min) if request.args.get("from") else None
    end = _date_arg("to", "to", default=date.max) if request.args.get("to") else None
    found = deadlines.page_visible(
        db(), current_actor(), window(), start=start, end=end, arrangement_id=id_arg("arrangement")
    )
    return page(found, DeadlineOut, _deadline_body)


@blueprint.post("/deadlines", endpoint="deadline_create")
@requires(Permission.EDIT_DEADLINES)
def create_deadline() -> ResponseReturnValue:
    with unit_of_work() as session:
        deadline = deadlines.add_manual(session, current_actor(), json_body(), now=clock.now())
    return jsonify(_deadline_json(deadline)), 201


@blueprint.post("/deadlines/<int:deadline_id>/acknowledge", endpoint="deadline_acknowledge")
@requires(Permission.EDIT_DEADLINES)
def acknowledge_deadline(deadline_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        deadline = deadlines.acknowledge(session, current_actor(), deadline_id, now=clock.now())
    return jsonify(_deadline_json(deadline))
