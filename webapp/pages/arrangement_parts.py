"""Keeping an arrangement's parts up to date: phase dates, evaluation moments, beds, budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from webapp.access import current_actor, requires
from webapp.database import db
from webapp.forms import form_fields
from webapp.registers import participant_options
from webapp.unit_of_work import unit_of_work
from workflows.actors import Actor
from workflows.errors import InvalidInput
from workflows.registers import arrangement_parts as parts
from workflows.registers import arrangements
from workflows.rules.organisations import OrganisationKind
from workflows.rules.roles import Permission

blueprint = Blueprint("arrangement_parts", __name__, url_prefix="/regelingen")

FORMS = {
    "moment": parts.MOMENT_FIELDS,
    "bed": parts.BED_FIELDS,
    "budget": parts.BUDGET_FIELDS,
    "cost_line": parts.COST_LINE_FIELDS,
}


def _page(
    arrangement_id: int,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    arrangement = arrangements.visible(db(), current_actor(), arrangement_id)
    options = {
        "provider_id": participant_options(arrangement, OrganisationKind.PROVIDER),
        "municipality_id": participant_options(arrangement, OrganisationKind.MUNICIPALITY),
    }
    return (
        render_template(
            "arrangements/parts.html",
            arrangement=arrangement,
            forms={name: form_fields(readers, options=options) for name, readers in FORMS.items()},
            phase_form=form_fields(parts.PHASE_DATES),
            errors=errors or {},
            values=values or {},
        ),
        status,
    )


@blueprint.get("/<int:arrangement_id>/onderdelen")
@requires(Permission.EDIT_ARRANGEMENTS)
def manage(arrangement_id: int) -> ResponseReturnValue:
    return _page(arrangement_id)


def _submit(
    arrangement_id: int,
    form: str,
    action: Callable[[Session, Actor, dict[str, Any]], object],
    readers: dict[str, Any],
    done: str,
) -> ResponseReturnValue:
    session = db()
    raw = {name: request.form.get(name, "") for name in readers}
    try:
        with unit_of_work():
            action(session, current_actor(), raw)
    except InvalidInput as error:
        return _page(arrangement_id, errors={form: error.errors}, values={form: raw}, status=422)
    flash(done, "success")
    return redirect(url_for("arrangement_parts.manage", arrangement_id=arrangement_id) + f"#{form}")


@blueprint.post("/<int:arrangement_id>/evaluatiemomenten")
@requires(Permission.EDIT_ARRANGEMENTS)
def add_moment(arrangement_id: int) -> ResponseReturnValue:
    return _submit(
        arrangement_id,
        "moment",
        lambda s, a, raw: parts.add_evaluation_moment(s, a, arrangement_id, raw),
        parts.MOMENT_FIELDS,
        "Het evaluatiemoment is toegevoegd.",
    )


@blueprint.post("/<int:arrangement_id>/evaluatiemomenten/<int:moment_id>/verwijderen")
@requires(Permission.EDIT_ARRANGEMENTS)
def remove_moment(arrangement_id: int, moment_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        parts.remove_evaluation_moment(session, current_actor(), arrangement_id, moment_id)
    flash("Het evaluatiemoment is verwijderd.", "success")
    return redirect(url_for("arrangement_parts.manage", arrangement_id=arrangement_id) + "#moment")


@blueprint.post("/<int:arrangement_id>/bedden")
@requires(Permission.EDIT_ARRANGEMENTS)
def add_bed(arrangement_id: int) -> ResponseReturnValue:
    return _submit(
        arrangement_id,
        "bed",
        lambda s, a, raw: parts.add_bed(s, a, arrangement_id, raw),
        parts.BED_FIELDS,
        "Het bed is toegevoegd.",
    )


@blueprint.post("/<int:arrangement_id>/bedden/<int:bed_id>/sluiten")
@requires(Permission.EDIT_ARRANGEMENTS)
def close_bed(arrangement_id: int, bed_id: int) -> ResponseReturnValue:
    return _submit(
        arrangement_id,
        "bed",
        lambda s, a, raw: parts.close_bed(s, a, arrangement_id, bed_id, raw),
        {"available_until": None},
        "De einddatum van het bed is vastgelegd.",
    )


@blueprint.post("/<int:arrangement_id>/budget")
@requires(Permission.EDIT_ARRANGEMENTS)
def set_budget(arrangement_id: int) -> ResponseReturnValue:
    return _submit(
        arrangement_id,
        "budget",
        lambda s, a, raw: parts.set_budget(s, a, arrangement_id, raw),
        parts.BUDGET_FIELDS,
        "Het budget is vastgelegd.",
    )


@blueprint.post("/<int:arrangement_id>/kostenposten")
@requires(Permission.EDIT_ARRANGEMENTS)
def set_cost_line(arrangement_id: int) -> ResponseReturnValue:
    return _submit(
        arrangement_id,
        "cost_line",
        lambda s, a, raw: parts.set_cost_line(s, a, arrangement_id, raw),
        parts.COST_LINE_FIELDS,
        "De kostenpost is vastgelegd.",
    )


@blueprint.post("/<int:arrangement_id>/fasen/<int:phase_id>")
@requires(Permission.EDIT_ARRANGEMENTS)
def update_phase(arrangement_id: int, phase_id: int) -> ResponseReturnValue:
    return _submit(
        arrangement_id,
        f"fase-{phase_id}",
        lambda s, a, raw: parts.update_phase(s, a, arrangement_id, phase_id, raw),
        parts.PHASE_DATES,
        "De fase is bijgewerkt.",
    )
