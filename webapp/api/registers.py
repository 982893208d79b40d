"""API routes of the registers: arrangements (writes), mandates, agreements and coverage."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from webapp import clock
from webapp.access import current_actor, requires
from webapp.api.representations import (
    AgreementOut,
    CoverageOut,
    MandateOut,
    agreement_body,
    agreement_json,
    arrangement_json,
    mandate_body,
    mandate_json,
)
from webapp.api.views import blueprint, id_arg, page, window
from webapp.database import db
from webapp.unit_of_work import unit_of_work
from workflows.documents import agreement_sending
from workflows.errors import InvalidInput
from workflows.registers import agreements, arrangements, coverage, mandates
from workflows.rules.roles import Permission


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(
            {"body": "Stuur een JSON-object (Content-Type: application/json) met de velden."}
        )
    return body


def _overview(arrangement_id: int) -> dict[str, Any]:
    return arrangement_json(
        arrangements.overview(db(), current_actor(), arrangement_id, today=clock.today())
    )


@blueprint.post("/arrangements", endpoint="arrangement_create")
@requires(Permission.EDIT_ARRANGEMENTS)
def create_arrangement() -> ResponseReturnValue:
    with unit_of_work() as session:
        arrangement = arrangements.create(session, current_actor(), json_body())
    return jsonify(_overview(arrangement.id)), 201


@blueprint.patch("/arrangements/<int:arrangement_id>", endpoint="arrangement_update")
@requires(Permission.EDIT_ARRANGEMENTS)
def update_arrangement(arrangement_id: int) -> ResponseReturnValue:
    body = json_body()
    with unit_of_work() as session:
        arrangements.update(
            session,
            current_actor(),
            arrangement_id,
            body,
            expected_version=body.get("version"),
            partial=True,
        )
    return jsonify(_overview(arrangement_id))


@blueprint.post("/arrangements/<int:arrangement_id>/phases", endpoint="arrangement_phases")
@requires(Permission.EDIT_ARRANGEMENTS)
def add_phase(arrangement_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        arrangements.add_phase(session, current_actor(), arrangement_id, json_body())
    return jsonify(_overview(arrangement_id)), 201


@blueprint.get("/mandates", endpoint="mandates")
@requires(Permission.VIEW_MANDATES)
def list_mandates() -> ResponseReturnValue:
    found = mandates.page_lines(
        db(),
        current_actor(),
        window(),
        mandates.ListFilters(
            arrangement_id=id_arg("arrangement"), grant_status=request.args.get("status", "")
        ),
        today=clock.today(),
    )
    phases = mandates.phase_names(db(), found.rows)
    grants = mandates.grant_lines(db(), found.rows)
    return page(found, MandateOut, lambda m: mandate_body(m, phases[m.id], grants[m.id]))


@blueprint.post("/mandates", endpoint="mandate_create")
@requires(Permission.EDIT_MANDATES)
def create_mandate() -> ResponseReturnValue:
    with unit_of_work() as session:
        mandate = mandates.create(session, current_actor(), json_body())
    return jsonify(mandate_json(mandates.get_visible(session, current_actor(), mandate.id))), 201


@blueprint.get("/mandates/<int:mandate_id>", endpoint="mandate")
@requires(Permission.VIEW_MANDATES)
def get_mandate(mandate_id: int) -> ResponseReturnValue:
    return jsonify(mandate_json(mandates.get_visible(db(), current_actor(), mandate_id)))


@blueprint.patch("/mandates/<int:mandate_id>", endpoint="mandate_update")
@requires(Permission.EDIT_MANDATES)
def update_mandate(mandate_id: int) -> ResponseReturnValue:
    body = json_body()
    with unit_of_work() as session:
        actor = current_actor()
        grants = body.pop("grants", None)
        if body.keys() - {"version"}:
            mandates.update(
                session, actor, mandate_id, body, expected_version=body.get("version"), partial=True
            )
        if grants is not None:
            if not isinstance(grants, list):
                raise InvalidInput({"grants": "grants: verwacht een lijst van besluiten."})
            for entry in grants:
                grantor = entry.get("grantor_id") if isinstance(entry, dict) else None
                if not isinstance(grantor, int) or isinstance(grantor, bool):
                    raise InvalidInput(
                        {"grants": "grants: elk besluit noemt grantor_id (een getal)."}
                    )
                mandates.record_grant(
                    session,
                    actor,
                    mandate_id,
                    entry["grantor_id"],
                    entry,
                    expected_version=entry.get("version"),
                )
    return jsonify(mandate_json(mandates.get_visible(session, actor, mandate_id)))


@blueprint.post("/mandates/<int:mandate_id>/versions", endpoint="mandate_versions")
@requires(Permission.EDIT_MANDATES)
def new_mandate_version(mandate_id: int) -> ResponseReturnValue:
    """A change of a granted mandate: a new draft version that follows it."""
    with unit_of_work() as session:
        actor = current_actor()
        copy = mandates.new_version(session, actor, mandate_id)
    return jsonify(mandate_json(mandates.get_visible(session, actor, copy.id))), 201


@blueprint.get("/agreements", endpoint="agreements")
@requires(Permission.VIEW_AGREEMENTS)
def list_agreements() -> ResponseReturnValue:
    actor = current_actor()
    found = agreements.page_visible(
        db(),
        actor,
        window(),
        agreements.ListFilters(
            arrangement_id=id_arg("arrangement"), status=request.args.get("status", "")
        ),
        today=clock.today(),
    )
    return page(found, AgreementOut, lambda a: agreement_body(a, for_provider=actor.is_provider))


@blueprint.post("/agreements", endpoint="agreement_create")
@requires(Permission.EDIT_AGREEMENTS)
def create_agreement() -> ResponseReturnValue:
    with unit_of_work() as session:
        agreement = agreements.create(session, current_actor(), json_body())
    return jsonify(agreement_json(agreement)), 201


@blueprint.get("/agreements/<int:agreement_id>", endpoint="agreement")
@requires(Permission.VIEW_AGREEMENTS)
def get_agreement(agreement_id: int) -> ResponseReturnValue:
    actor = current_actor()
    agreement = agreements.get_visible(db(), actor, agreement_id)
    return jsonify(agreement_json(agreement, for_provider=actor.is_provider))


@blueprint.patch("/agreements/<int:agreement_id>", endpoint="agreement_update")
@requires(Permission.EDIT_AGREEMENTS)
def update_agreement(agreement_id: int) -> ResponseReturnValue:
    body = json_body()
    with unit_of_work() as session:
        actor = current_actor()
        status = body.pop("status", None)
        if body.keys() - {"version"}:
            agreements.update(
                session,
                actor,
                agreement_id,
                body,
                expected_version=body.get("version"),
                partial=True,
            )
            body["version"] = agreements.get_visible(session, actor, agreement_id).version
        if status is not None:
            agreement_sending.change_status(
                session, actor, agreement_id, str(status), expected_version=body.get("version")
            )
    return jsonify(agreement_json(agreements.get_visible(session, actor, agreement_id)))


@blueprint.get("/coverage", endpoint="coverage")
@requires(Permission.VIEW_MANDATES)
def get_coverage() -> ResponseReturnValue:
    arrangement_id = id_arg("arrangement")
    if arrangement_id is None:
        raise InvalidInput({"arrangement": "arrangement: noem de regeling (een nummer)."})
    act, on = coverage.read_question(request.args.get("act"), request.args.get("on"))
    rows = coverage.answers(db(), current_actor(), arrangement_id, act=act, on=on)
    return jsonify(
        CoverageOut.shaped(
            {
                "arrangement": arrangement_id,
                "act": act.value,
                "on": on.isoformat(),
                "items": [
                    {
                        "municipality": {"id": row.municipality.id, "name": row.municipality.name},
                        "covered": row.answer.covered,
                        "mandate_id": row.answer.mandate_id,
                        "reason": row.answer.reason,
                        "ratified": row.answer.ratified,
                    }
                    for row in rows
                ],
                "total": len(rows),
            }
        )
    )
