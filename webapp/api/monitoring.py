"""API routes of the monitoring figures and the cost allocation."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from webapp import clock
from webapp.access import current_actor, requires
from webapp.api.representations import CostLinesOut, CostsOut, FiguresOut, ImportOut
from webapp.api.views import blueprint
from webapp.database import db
from webapp.pages.imports import preview_upload
from webapp.unit_of_work import unit_of_work
from workflows.errors import InvalidInput
from workflows.monitoring import cost_lines, imports, monitoring
from workflows.registers import arrangements
from workflows.rules.roles import Permission


def _money(value: Any) -> str | None:
    return f"{value:.2f}" if value is not None else None


@blueprint.get("/arrangements/<int:arrangement_id>/figures", endpoint="figures")
@requires(Permission.VIEW_SIGNALS)
def figures(arrangement_id: int) -> ResponseReturnValue:
    year = monitoring.read_year(request.args.get("year"), default=clock.today().year - 1)
    found = monitoring.figures(db(), current_actor(), arrangement_id, year=year)
    return jsonify(
        FiguresOut.shaped(
            {
                "year": year,
                "requests": [
                    {
                        "provider": {"id": r.provider.id, "name": r.provider.name},
                        "requested": r.requested,
                        "placed": r.placed,
                        "not_placed": r.not_placed,
                        "unknown": r.unknown,
                        "cancelled": r.cancelled,
                    }
                    for r in found.requests
                ],
                "requested": found.requested,
                "placed": found.placed,
                "placement_rate": found.placement_rate,
                "days_stayed": {"wmo": found.days_wmo, "wlz": found.days_wlz},
                "beds": [
                    {
                        "id": b.bed.id,
                        "location": b.bed.location.name,
                        "provider": b.bed.location.provider.name,
                        "available_days": b.available_days,
                        "occupied_days": b.occupied_days,
                        "occupancy": b.occupancy,
                    }
                    for b in found.beds
                ],
                "clients": [
                    {
                        "municipality": {"id": c.municipality.id, "name": c.municipality.name},
                        "wmo": c.wmo,
                        "wlz": c.wlz,
                    }
                    for c in found.clients
                ],
            }
        )
    )


@blueprint.get("/arrangements/<int:arrangement_id>/costs", endpoint="costs")
@requires(Permission.VIEW_SIGNALS)
def costs(arrangement_id: int) -> ResponseReturnValue:
    year = monitoring.read_year(request.args.get("year"), default=clock.today().year - 1)
    found = monitoring.costs(db(), current_actor(), arrangement_id, year=year)
    return jsonify(
        CostsOut.shaped(
            {
                "year": year,
                "items": [
                    {
                        "municipality": {"id": r.municipality.id, "name": r.municipality.name},
                        "occupied_days": r.occupied_days,
                        "occupied_cost": _money(r.occupied_cost),
                        "vacancy_share": _money(r.vacancy_share),
                        "housing_share": _money(r.housing_share),
                        "key_share": _money(r.key_share),
                        "total": _money(r.total),
                        "budget": _money(r.budget),
                        "budget_source": r.budget_source,
                        "budget_remaining": _money(r.budget_remaining),
                    }
                    for r in found.rows
                ],
                "total": _money(found.total),
                "bed_days": found.bed_days,
                "vacant_days": found.vacant_days,
                "rule": found.rule,
            }
        )
    )


@blueprint.get("/arrangements/<int:arrangement_id>/cost-lines", endpoint="cost_lines")
@requires(Permission.VIEW_SIGNALS)
def cost_lines_of(arrangement_id: int) -> ResponseReturnValue:
    year = monitoring.read_year(request.args.get("year"), default=clock.today().year - 1)
    actor = current_actor()
    arrangements.visible(db(), actor, arrangement_id)
    found = cost_lines.table(db(), actor, arrangement_id, year=year)
    return jsonify(
        CostLinesOut.shaped(
            {
                "year": year,
                "items": [
                    {
                        "kind": r.line.kind,
                        "label": r.label,
                        "municipality": {
                            "id": r.line.municipality.id,
                            "name": r.line.municipality.name,
                        }
                        if r.line.municipality is not None
                        else None,
                        "budget": _money(r.line.budget),
                        "realised": _money(r.realised),
                        "computed": r.computed,
                        "difference": _money(r.difference),
                        "source": r.line.source,
                    }
                    for r in found.rows
                ],
                "budget": _money(found.budget),
                "realised": _money(found.realised),
                "complete": not found.incomplete,
            }
        )
    )


def _import_json(batch: Any) -> dict[str, Any]:
    return ImportOut.shaped(
        {
            "id": batch.id,
            "kind": batch.kind,
            "year": batch.year,
            "status": batch.status,
            "rows": batch.rows,
            "problems": batch.problems,
        }
    )


@blueprint.post("/arrangements/<int:arrangement_id>/imports", endpoint="imports")
@requires(Permission.EDIT_ARRANGEMENTS)
def create_import(arrangement_id: int) -> ResponseReturnValue:
    file = request.files.get("file")
    if file is None:
        raise InvalidInput({"file": "file: stuur het bestand als multipart/form-data in 'file'."})
    year = monitoring.read_year(request.form.get("year"), default=clock.today().year - 1)
    try:
        content = file.read(imports.MAX_BYTES + 1)
    finally:
        file.close()
    with unit_of_work():
        batch = preview_upload(
            arrangement_id,
            kind=request.form.get("kind", ""),
            year=year,
            filename=file.filename or "",
            content=content,
        )
    return jsonify(_import_json(batch)), 201


@blueprint.post("/imports/<int:import_id>/confirm", endpoint="import_confirm")
@requires(Permission.EDIT_ARRANGEMENTS)
def confirm_import(import_id: int) -> ResponseReturnValue:
    body = request.get_json(silent=True) or {}
    exclude = body.get("exclude", []) if isinstance(body, dict) else []
    if not isinstance(exclude, list) or not all(isinstance(x, int) for x in exclude):
        raise InvalidInput({"exclude": "exclude: verwacht een lijst regelnummers."})
    with unit_of_work() as session:
        batch = imports.confirm(
            session, current_actor(), import_id, exclude=exclude, now=clock.now()
        )
    return jsonify(_import_json(batch))
