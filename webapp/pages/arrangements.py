"""Regional arrangements: the list and the overview with its timeline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from storage.arrangements import Arrangement
from storage.paging import Window
from webapp import clock
from webapp.access import current_actor, requires
from webapp.charts import bar_chart
from webapp.database import db
from webapp.exports import csv_response, xlsx_response
from webapp.formatting import dutch_date, euro
from webapp.paging import page_number
from webapp.registers import Register, form_pages, history_page
from webapp.timeline import timeline_svg
from webapp.unit_of_work import unit_of_work
from workflows import audit
from workflows.auditing import history
from workflows.errors import InvalidInput
from workflows.monitoring import cost_lines, monitoring
from workflows.registers import arrangements, coverage, organisations
from workflows.registers.arrangements import (
    FINANCING_LABELS,
    PHASE_KIND_LABELS,
    PHASE_STATUS_LABELS,
)
from workflows.registers.extensions import extension_impact
from workflows.registers.organisations import KIND_LABELS
from workflows.rules.acts import ACT_LABELS, Act, kind_for, nature, with_article
from workflows.rules.dates import parse_date
from workflows.rules.phases import phase_status_on
from workflows.rules.roles import Permission

blueprint = Blueprint("arrangements", __name__, url_prefix="/regelingen")


@blueprint.get("/")
@requires(Permission.VIEW_ARRANGEMENTS)
def index() -> ResponseReturnValue:
    shown = arrangements.page_visible(
        db(), current_actor(), Window.page(page_number()), overviews=False
    )
    today = clock.today()
    return render_template(
        "arrangements/list.html",
        arrangements=shown.rows,
        page=shown,
        statuses=PHASE_STATUS_LABELS,
        status_of=lambda p: phase_status_on(p.start_on, p.end_on, today=today),
    )


@blueprint.get("/<int:arrangement_id>")
@requires(Permission.VIEW_ARRANGEMENTS)
def detail(arrangement_id: int) -> ResponseReturnValue:
    today = clock.today()
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
        successors=arrangements.SUCCESSOR_LABELS,
        today=today,
    )


def _options(arrangement: Arrangement | None, record: Arrangement | None) -> dict[str, Any]:
    everyone = organisations.list_visible(db(), current_actor())
    return {
        "lead_organisation_id": [(str(o.id), o.name) for o in everyone if o.kind == "municipality"],
        "participant_ids": [(str(o.id), f"{o.name} ({KIND_LABELS[o.kind]})") for o in everyone],
    }


form_pages(
    blueprint,
    Register(
        arrangements,
        key="arrangement_id",
        read=arrangements.visible,
        new_heading="Nieuwe regeling",
        edit_heading=lambda arrangement: f"{arrangement.name} bewerken",
        created=lambda made: (
            f"De regeling '{made.name}' is aangemaakt. Voeg nu de eerste fase toe."
        ),
        saved="De regeling is opgeslagen.",
        options=_options,
    ),
    Permission.EDIT_ARRANGEMENTS,
)


@blueprint.route("/<int:arrangement_id>/verlengen", methods=["GET", "POST"])
@requires(Permission.EDIT_ARRANGEMENTS)
def extend(arrangement_id: int) -> ResponseReturnValue:
    """Verlengen: ask for the new end date, show what it touches, then add the phase."""
    session = db()
    actor = current_actor()
    arrangement = arrangements.visible(session, actor, arrangement_id)
    raw_end = request.values.get("end_on", "")
    errors: dict[str, str] = {}
    effects = None
    if raw_end:
        try:
            end_on = parse_date(raw_end, label="Nieuwe einddatum")
            effects = extension_impact(session, actor, arrangement_id, new_end=end_on)
        except ValueError as error:
            errors["end_on"] = str(error)
        except InvalidInput as error:
            errors.update(error.errors)
    if request.method == "POST" and request.form.get("confirm") == "1" and not errors:
        try:
            with unit_of_work():
                phase = arrangements.add_phase(session, actor, arrangement_id, {"end_on": raw_end})
        except InvalidInput as error:
            errors.update(error.errors)
        else:
            flash(
                f"{phase.name} is toegevoegd: {dutch_date(phase.start_on)} tot en met "
                f"{dutch_date(phase.end_on)}.",
                "success",
            )
            return redirect(url_for("arrangements.detail", arrangement_id=arrangement_id))
    last = arrangement.phases[-1] if arrangement.phases else None
    return (
        render_template(
            "arrangements/extend.html",
            arrangement=arrangement,
            last=last,
            end_on=raw_end,
            errors=errors,
            effects=effects,
        ),
        422 if errors else 200,
    )


@blueprint.get("/<int:arrangement_id>/geschiedenis")
@requires(Permission.VIEW_HISTORY)
def changes(arrangement_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    arrangement = arrangements.visible(session, actor, arrangement_id)
    return history_page(
        subject=arrangement.name,
        entries=history.of_arrangement(session, actor, arrangement_id),
        back_url=url_for("arrangements.detail", arrangement_id=arrangement_id),
    )


@blueprint.get("/export.csv")
@requires(Permission.VIEW_ARRANGEMENTS)
def export() -> ResponseReturnValue:
    actor = current_actor()
    today = clock.today()
    with unit_of_work() as session:
        rows = arrangements.list_visible(session, actor)
        audit.record(
            session,
            actor,
            action="export",
            object_type="arrangement",
            object_id=None,
            new_values={"rows": len(rows)},
        )
    return csv_response(
        [
            "Regeling",
            "Penvoerder",
            "Fase",
            "Soort",
            "Van",
            "Tot en met",
            "Status",
            "Opvolger",
            "Beoogde start opvolger",
        ],
        (
            [
                a.name,
                a.lead_organisation.name,
                p.name,
                PHASE_KIND_LABELS[p.kind],
                p.start_on,
                p.end_on,
                PHASE_STATUS_LABELS[phase_status_on(p.start_on, p.end_on, today=today)],
                arrangements.SUCCESSOR_LABELS.get(a.successor_kind or "", ""),
                a.successor_start_on,
            ]
            for a in rows
            for p in a.phases
        ),
        name="regelingen",
        today=today,
    )


@blueprint.get("/<int:arrangement_id>/dekking")
@requires(Permission.VIEW_MANDATES)
def coverage_matrix(arrangement_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    chosen = [a for a in Act if a.value in request.args.getlist("handeling")]
    result = coverage.matrix(session, actor, arrangement_id, acts=chosen or None)
    question = None
    errors: dict[str, str] = {}
    if request.args.get("act") or request.args.get("on"):
        try:
            act, on = coverage.read_question(request.args.get("act"), request.args.get("on"))
            question = (act, on, coverage.answers(session, actor, arrangement_id, act=act, on=on))
        except InvalidInput as error:
            errors = error.errors
    return render_template(
        "arrangements/coverage.html",
        matrix=result,
        arrangement=result.arrangement,
        acts=ACT_LABELS,
        natures={act: nature(act) for act in Act},
        needs={act: with_article(kind_for(act)) for act in Act},
        question=question,
        errors=errors,
        asked={"act": request.args.get("act", ""), "on": request.args.get("on", "")},
    )


@blueprint.get("/<int:arrangement_id>/cijfers")
@requires(Permission.VIEW_SIGNALS)
def figures(arrangement_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    errors: dict[str, str] = {}
    try:
        year = monitoring.read_year(request.args.get("jaar"), default=clock.today().year - 1)
    except InvalidInput as error:
        errors, year = error.errors, clock.today().year - 1
    found = monitoring.figures(session, actor, arrangement_id, year=year)
    cost_errors: dict[str, str] = {}
    try:
        allocation: monitoring.Costs | None = monitoring.costs(
            session, actor, arrangement_id, year=year
        )
    except InvalidInput as error:
        allocation, cost_errors = None, error.errors
    charts = {
        "requests": bar_chart(
            f"Aanvragen per aanbieder in {year}",
            [
                (r.provider.name, r.requested, f"{r.requested} ({r.placed} geplaatst)")
                for r in found.requests
            ],
            chart_id="aanvragen",
        ),
        "occupancy": bar_chart(
            f"Bezetting per bed in {year}",
            [
                (b.bed.location.name, b.occupancy, f"{round(b.occupancy * 100)}%")
                for b in found.beds
            ],
            chart_id="bezetting",
        ),
        "costs": bar_chart(
            f"Kosten per gemeente in {year}",
            [(r.municipality.name, float(r.total), euro(r.total)) for r in allocation.rows]
            if allocation
            else [],
            chart_id="kosten",
        ),
    }
    return render_template(
        "arrangements/figures.html",
        arrangement=found.arrangement,
        figures=found,
        costs=allocation,
        cost_lines=cost_lines.table(session, actor, arrangement_id, year=year),
        charts=charts,
        year=year,
        errors={**errors, **cost_errors},
    )


@blueprint.get("/<int:arrangement_id>/cijfers.xlsx")
@requires(Permission.VIEW_SIGNALS)
def figures_export(arrangement_id: int) -> ResponseReturnValue:
    actor = current_actor()
    year = monitoring.read_year(request.args.get("jaar"), default=clock.today().year - 1)
    with unit_of_work() as session:
        found = monitoring.figures(session, actor, arrangement_id, year=year)
        allocation = monitoring.costs(session, actor, arrangement_id, year=year)
        audit.record(
            session,
            actor,
            action="export",
            object_type="figures",
            object_id=arrangement_id,
            new_values={"year": year},
        )
    return xlsx_response(
        {
            "Aanvragen": (
                [
                    "Aanbieder",
                    "Aanvragen",
                    "Geplaatst",
                    "Niet geplaatst",
                    "Onbekend",
                    "Geannuleerd",
                ],
                [
                    [r.provider.name, r.requested, r.placed, r.not_placed, r.unknown, r.cancelled]
                    for r in found.requests
                ],
            ),
            "Bezetting": (
                ["Locatie", "Aanbieder", "Beschikbare dagen", "Bezette dagen", "Bezetting"],
                [
                    [
                        b.bed.location.name,
                        b.bed.location.provider.name,
                        b.available_days,
                        b.occupied_days,
                        b.occupancy,
                    ]
                    for b in found.beds
                ],
            ),
            "Kosten": (
                [
                    "Gemeente",
                    "Ligdagen",
                    "Kosten bezetting",
                    "Aandeel leegstand",
                    "Aandeel huisvesting",
                    "Aandeel naar sleutel",
                    "Totaal",
                    "Budget",
                    "Budget min totaal",
                    "Budgetbron",
                ],
                [
                    [
                        r.municipality.name,
                        r.occupied_days,
                        r.occupied_cost,
                        r.vacancy_share,
                        r.housing_share,
                        r.key_share,
                        r.total,
                        r.budget,
                        r.budget_remaining,
                        r.budget_source,
                    ]
                    for r in allocation.rows
                ],
            ),
        },
        name=f"cijfers-{year}",
        today=clock.today(),
    )
