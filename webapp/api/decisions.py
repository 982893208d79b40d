"""API routes of the decision dossiers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storage.decisions import CoAdvice, Decision
from webapp import clock
from webapp.access import current_actor, refuse, requires
from webapp.api.registers import json_body
from webapp.api.representations import (
    AdviceRequestOut,
    DecisionOut,
    DecisionSummaryOut,
    FanOutOut,
)
from webapp.api.views import blueprint, id_arg, page, window
from webapp.database import db
from webapp.unit_of_work import unit_of_work
from workflows.decisions import co_advice, decisions
from workflows.errors import Forbidden, InvalidInput
from workflows.rules.roles import Permission


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _summary(decision: Decision) -> dict[str, Any]:
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


def advice_json(advice: CoAdvice) -> dict[str, Any]:
    return {
        "id": advice.id,
        "adviser": advice.adviser,
        "unit": advice.unit,
        "label": advice.label,
        "adviser_id": advice.adviser_id,
        "stand_in_id": advice.stand_in_id,
        "advice": advice.advice,
        "text": advice.text,
        "recorded_by": advice.recorded_by.name if advice.recorded_by else None,
        "on_behalf": advice.on_behalf,
        "recorded_at": advice.recorded_at.isoformat() if advice.recorded_at else None,
    }


def decision_json(decision: Decision) -> dict[str, Any]:
    body = _summary(decision)
    for name in decisions.EDITABLE:
        value = getattr(decision, name)
        body[name] = value.isoformat() if isinstance(value, date) else value
    body.update(
        {
            "decide_by_on": _day(decision.decide_by),
            # The agenda form's "mee geadviseerd door", made from the advices.
            "co_advisers": decision.co_advisers,
            "advices": [advice_json(a) for a in decision.advices],
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
    return DecisionOut.shaped(body)


@blueprint.get("/decisions", endpoint="decisions")
@requires(Permission.VIEW_DECISIONS)
def list_decisions() -> ResponseReturnValue:
    args = request.args
    found = decisions.page_visible(
        db(),
        current_actor(),
        window(),
        decisions.ListFilters(
            status=args.get("status", ""),
            municipality_id=id_arg("municipality"),
            arrangement_id=id_arg("arrangement"),
            meeting_on=args.get("meeting_on", ""),
        ),
    )
    return page(found, DecisionSummaryOut, _summary)


@blueprint.post("/decisions", endpoint="decision_create")
@requires(Permission.EDIT_DECISIONS)
def create_decision() -> ResponseReturnValue:
    with unit_of_work() as session:
        actor = current_actor()
        body = json_body()
        effects = body.pop("effects", [])
        if not isinstance(effects, list):
            raise InvalidInput({"effects": "effects: verwacht een lijst."})
        advisers = body.pop("advisers", [])
        if not isinstance(advisers, list) or not all(isinstance(a, dict) for a in advisers):
            raise InvalidInput(
                {"advisers": "advisers: verwacht een lijst van objecten met user_id (en unit)."}
            )
        decision = decisions.create(session, actor, body, now=clock.now())
        for effect in effects:
            if not isinstance(effect, dict):
                raise InvalidInput({"effects": "effects: elk gevolg is een object met kind."})
            decisions.add_effect(session, actor, decision.id, effect)
        for adviser in advisers:
            co_advice.ask(session, actor, decision.id, adviser, now=clock.now())
    return jsonify(decision_json(decisions.get_visible(session, actor, decision.id))), 201


@blueprint.post("/signals/dossiers", endpoint="signal_dossier")
@requires(Permission.EDIT_DECISIONS)
def start_dossier_from_signal() -> ResponseReturnValue:
    """The signals page's "Besluitvormingsdossier opstellen" for an integration: 201 with the
    new dossier, or 200 with the one in progress (a gap started twice makes one dossier)."""
    body = json_body()
    with unit_of_work() as session:
        actor = current_actor()
        decision, kept = decisions.start_from_gap(
            session, actor, decisions.read_gap(body), today=clock.today(), now=clock.now()
        )
    return (
        jsonify(decision_json(decisions.get_visible(session, actor, decision.id))),
        200 if kept else 201,
    )


@blueprint.get("/decisions/<int:decision_id>", endpoint="decision")
@requires(Permission.VIEW_DECISIONS)
def get_decision(decision_id: int) -> ResponseReturnValue:
    return jsonify(decision_json(decisions.get_visible(db(), current_actor(), decision_id)))


@blueprint.patch("/decisions/<int:decision_id>", endpoint="decision_update")
@requires(Permission.EDIT_DECISIONS)
def update_decision(decision_id: int) -> ResponseReturnValue:
    body = json_body()
    with unit_of_work() as session:
        actor = current_actor()
        decisions.update(session, actor, decision_id, body, expected_version=body.get("version"))
    return jsonify(decision_json(decisions.get_visible(session, actor, decision_id)))


@blueprint.post("/decisions/<int:decision_id>/transitions", endpoint="decision_transition")
@requires(Permission.EDIT_DECISIONS)
def transition(decision_id: int) -> ResponseReturnValue:
    body = json_body()
    with unit_of_work() as session:
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
    return jsonify(decision_json(decisions.get_visible(session, actor, decision_id)))


@blueprint.post("/decisions/<int:decision_id>/advices", endpoint="decision_advice")
@requires(Permission.EDIT_DECISIONS)
def advise(decision_id: int) -> ResponseReturnValue:
    """The advice of the named co-adviser (or their stand-in); ``adviser`` is the number of the
    request, needed only when one may record more than one."""
    session = db()
    actor = current_actor()
    body = json_body()
    try:
        with unit_of_work():
            co_advice.record(session, actor, decision_id, body, now=clock.now())
    except Forbidden as error:
        refuse(actor, object_type="decision", object_id=decision_id, message=error.message)
    return jsonify(decision_json(decisions.get_visible(session, actor, decision_id))), 201


@blueprint.post("/decisions/<int:decision_id>/advisers", endpoint="decision_advisers")
@requires(Permission.EDIT_DECISIONS)
def ask_adviser(decision_id: int) -> ResponseReturnValue:
    """Ask an account of the municipality to co-advise: ``user_id``, ``unit``, ``stand_in_id``."""
    with unit_of_work() as session:
        actor = current_actor()
        co_advice.ask(session, actor, decision_id, json_body(), now=clock.now())
    return jsonify(decision_json(decisions.get_visible(session, actor, decision_id))), 201


@blueprint.get("/advice-requests", endpoint="advice_requests")
@requires(Permission.VIEW_DECISIONS)
def advice_requests() -> ResponseReturnValue:
    """Te adviseren: the dossiers in co-advice waiting for the caller's advice."""
    actor = current_actor()
    found = co_advice.page_open_requests(db(), actor, window())
    return page(
        found,
        AdviceRequestOut,
        lambda a: {
            **advice_json(a),
            "as_stand_in": a.adviser_id != actor.user_id,
            "decision": _summary(a.decision),
        },
    )


@blueprint.delete("/advice-requests/<int:advice_id>", endpoint="advice_request_withdraw")
@requires(Permission.EDIT_DECISIONS)
def withdraw_advice_request(advice_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        actor = current_actor()
        decision_id = co_advice.withdraw_request(session, actor, advice_id)
    return jsonify(decision_json(decisions.get_visible(session, actor, decision_id)))


@blueprint.post("/decisions/<int:decision_id>/fan-out", endpoint="decision_fan_out")
@requires(Permission.EDIT_DECISIONS)
def fan_out(decision_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        actor = current_actor()
        created = decisions.fan_out(session, actor, decision_id, now=clock.now())
    overview = decisions.progress(session, actor, decision_id, today=clock.today())
    return (
        jsonify(
            FanOutOut.shaped(
                {
                    "created": len(created),
                    "decided": overview.decided,
                    "total": len(overview.children),
                    "items": [_summary(c) for c in overview.children],
                }
            )
        ),
        201 if created else 200,
    )
