"""API routes of the monitoring figures and the cost allocation."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from webapp import clock
from webapp.access import current_actor
from webapp.api.views import blueprint
from webapp.database import db
from workflows import monitoring


def _money(value: Any) -> str | None:
    return f"{value:.2f}" if value is not None else None


@blueprint.get("/arrangements/<int:arrangement_id>/figures", endpoint="figures")
def figures(arrangement_id: int) -> ResponseReturnValue:
    year = monitoring.read_year(request.args.get("year"), default=clock.today().year - 1)
    found = monitoring.figures(db(), current_actor(), arrangement_id, year=year)
    return jsonify(
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


@blueprint.get("/arrangements/<int:arrangement_id>/costs", endpoint="costs")
def costs(arrangement_id: int) -> ResponseReturnValue:
    year = monitoring.read_year(request.args.get("year"), default=clock.today().year - 1)
    found = monitoring.costs(db(), current_actor(), arrangement_id, year=year)
    return jsonify(
        {
            "year": year,
            "items": [
                {
                    "municipality": {"id": r.municipality.id, "name": r.municipality.name},
                    "occupied_days": r.occupied_days,
                    "occupied_cost": _money(r.occupied_cost),
                    "vacancy_share": _money(r.vacancy_share),
                    "total": _money(r.total),
                    "budget": _money(r.budget),
                }
                for r in found.rows
            ],
            "total": _money(found.total),
            "bed_days": found.bed_days,
            "vacant_days": found.vacant_days,
        }
    )
