"""Regional arrangements: the list and the overview with its timeline."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from webapp.access import current_actor
from webapp.database import db
from webapp.timeline import timeline_svg
from workflows import arrangements
from workflows.arrangements import FINANCING_LABELS, PHASE_KIND_LABELS, PHASE_STATUS_LABELS
from workflows.rules.phases import phase_status_on

blueprint = Blueprint("arrangements", __name__, url_prefix="/regelingen")


@blueprint.get("/")
def index() -> ResponseReturnValue:
    rows = arrangements.list_visible(db(), current_actor())
    today = date.today()
    return render_template(
        "arrangements/list.html",
        arrangements=rows,
        statuses=PHASE_STATUS_LABELS,
        status_of=lambda p: phase_status_on(p.start_on, p.end_on, today=today),
    )


@blueprint.get("/<int:arrangement_id>")
def detail(arrangement_id: int) -> ResponseReturnValue:
    today = date.today()
    overview = arrangements.overview(db(), current_actor(), arrangement_id, today=today)
    return render_template(
        "arrangements/detail.html",
        overview=overview,
        arrangement=overview.arrangement,
        timeline=timeline_svg(
            overview.phases, overview.arrangement.evaluation_moments, today=today
        ),
        phase_kinds=PHASE_KIND_LABELS,
        statuses=PHASE_STATUS_LABELS,
        financing=FINANCING_LABELS,
        available_today=overview.beds_available_on(today),
        today=today,
    )
