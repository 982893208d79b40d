"""API routes for signals and the term calculator."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from webapp.access import current_actor
from webapp.api.views import blueprint
from webapp.database import db
from workflows import signals
from workflows.errors import InvalidInput
from workflows.rules.dates import parse_date
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
def list_signals() -> ResponseReturnValue:
    as_of = _date_arg("as_of", "as_of", default=date.today())
    raw = request.args.get("arrangement", "")
    if raw and not raw.isdigit():
        raise InvalidInput({"arrangement": "arrangement: verwacht een nummer."})
    found = signals.derive(
        db(), current_actor(), as_of=as_of, arrangement_id=int(raw) if raw else None
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
        }
        for s in found
    ]
    return jsonify({"as_of": as_of.isoformat(), "items": items, "total": len(items)})


@blueprint.get("/terms/end", endpoint="term_end")
def compute_term_end() -> ResponseReturnValue:
    start = _date_arg("start", "start")
    given = {u: request.args.get(u, "") for u in ("days", "weeks", "months") if request.args.get(u)}
    if len(given) != 1:
        raise InvalidInput({"days": "Geef precies één van days, weeks of months."})
    ((unit, raw),) = given.items()
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise InvalidInput({unit: f"{unit}: verwacht een geheel getal van 1 tot en met 10000."})
    amount = int(raw)
    result = term_end(
        start,
        days=amount if unit == "days" else 0,
        weeks=amount if unit == "weeks" else 0,
        months=amount if unit == "months" else 0,
    )
    return jsonify(
        {
            "start_on": result.start_on.isoformat(),
            "end_on": result.end_on.isoformat(),
            "unadjusted_end_on": result.unadjusted_end_on.isoformat(),
            "applies": result.applies,
            "reason": result.reason,
        }
    )
