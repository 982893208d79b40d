"""API routes of the decision dossiers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storage.decisions import Decision
from webapp import clock
from webapp.access import current_actor
from webapp.api.registers import json_body
from webapp.api.views import blueprint, id_arg, page
from webapp.database import db
from workflows import decisions
from workflows.errors import InvalidInput


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def summary_json(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "name": decision.subject,
        "subject": decision.subject,
        "municipality": {"id": decision.municipality.id, "name": decision.municipality.name}
        if decision.municipality
        else None,
        "arrangement_id": decision.arrangement_id,
        "parent_id": decision.parent_id,
        "case_number": decision.case_number,
        "corsa_number": decision.corsa_number,
        "status": decision.status,
        "meeting_on": _day(decision.meeting_on),
        "decided_on": _day(decision.decided_on),
        "outcome": decision.outcome,
        "secret": decision.secret,
        "woo_publication": decision.woo_publication,
        "version": decision.version,
    }


def decision_json(decision: Decision) -> dict[str, Any]:
    body = summary_json(decision)
    for name in decisions.EDITABLE:
        value = getattr(decision, name)
        body[name] = value.isoformat() if isinstance(value, date) else value
    body.update(
        {
            "decide_by_on": _day(decision.decide_by),
            "advices": [
                {
                    "adviser": a.adviser,
                    "advice": a.advice,
                    "text": a.text,
                    "recorded_at": a.recorded_at.isoformat(),
                }
                for a in decision.advices
            ],
            "transitions": [
                {
                    "from": t.from_status,
                    "to": t.to_status,
                    "by": t.actor_label,
                    "at": t.at.isoformat(),
                    "note": t.note,
                }
                for t in decision.transitions
            ],
            "effects": [
                {
                    "kind": e.kind,
                    "mandate_id": e.mandate_id,
                    "phase_id": e.phase_id,
                    "agreement_id": e.agreement_id,
                    "applied_at": e.applied_at.isoformat() if e.applied_at else None,
                    "result": e.result,
                }
                for e in decision.effects
            ],
        }
    )
    return body


@blueprint.get("/decisions", endpoint="decisions")
def list_decisions() -> ResponseReturnValue:
    rows = decisions.list_visible(db(), current_actor())
    args = request.args
    if args.get("status"):
        rows = [d for d in rows if d.status == args["status"]]
    municipality_id, arrangement_id = id_arg("municipality"), id_arg("arrangement")
    if municipality_id is not None:
        rows = [d for d in rows if d.municipality_id == municipality_id]
    if arrangement_id is not None:
        rows = [d for d in rows if d.arrangement_id == arrangement_id]
    if args.get("meeting_on"):
        rows = [d for d in rows if _day(d.meeting_on) == args["meeting_on"]]
    return page([summary_json(d) for d in rows])


@blueprint.post("/decisions", endpoint="decision_create")
def create_decision() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    body = json_body()
    effects = body.pop("effects", [])
    if not isinstance(effects, list):
        raise InvalidInput({"effects": "effects: verwacht een lijst."})
    decision = decisions.create(session, actor, body, now=clock.now())
    for effect in effects:
        if not isinstance(effect, dict):
            raise InvalidInput({"effects": "effects: elk gevolg is een object met kind."})
        decisions.add_effect(session, actor, decision.id, effect)
    session.commit()
    return jsonify(decision_json(decisions.get_visible(session, actor, decision.id))), 201


@blueprint.get("/decisions/<int:decision_id>", endpoint="decision")
def get_decision(decision_id: int) -> ResponseReturnValue:
    return jsonify(decision_json(decisions.get_visible(db(), current_actor(), decision_id)))


@blueprint.patch("/decisions/<int:decision_id>", endpoint="decision_update")
def update_decision(decision_id: int) -> ResponseReturnValue:
    body = json_body()
    session = db()
    actor = current_actor()
    decisions.update(session, actor, decision_id, body, expected_version=body.get("version"))
    session.commit()
    return jsonify(decision_json(decisions.get_visible(session, actor, decision_id)))


@blueprint.post("/decisions/<int:decision_id>/transitions", endpoint="decision_transition")
def transition(decision_id: int) -> ResponseReturnValue:
    body = json_body()
    session = db()
    actor = current_actor()
    target = body.get("to")
    if not isinstance(target, str):
        raise InvalidInput({"to": "to: noem de nieuwe status, bijvoorbeeld co_advice."})
    decisions.transition(
        session,
        actor,
        decision_id,
        target,
        today=clock.today(),
        now=clock.now(),
        outcome=body.get("outcome") if isinstance(body.get("outcome"), str) else None,
        decided_on=body.get("decided_on") if isinstance(body.get("decided_on"), str) else None,
        note=str(body.get("note") or "")[:2000],
    )
    session.commit()
    return jsonify(decision_json(decisions.get_visible(session, actor, decision_id)))


@blueprint.post("/decisions/<int:decision_id>/advices", endpoint="decision_advice")
def advise(decision_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    decisions.record_advice(session, actor, decision_id, json_body(), now=clock.now())
    session.commit()
    return jsonify(decision_json(decisions.get_visible(session, actor, decision_id))), 201


@blueprint.post("/decisions/<int:decision_id>/fan-out", endpoint="decision_fan_out")
def fan_out(decision_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    created = decisions.fan_out(session, actor, decision_id, now=clock.now())
    session.commit()
    overview = decisions.progress(session, actor, decision_id, today=clock.today())
    return (
        jsonify(
            {
                "created": len(created),
                "decided": overview.decided,
                "total": len(overview.children),
                "items": [summary_json(c) for c in overview.children],
            }
        ),
        201 if created else 200,
    )
