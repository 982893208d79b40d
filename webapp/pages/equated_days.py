"""Beheer: the days equated with holidays by Royal Decree (Algemene termijnenwet art. 3 lid 3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from webapp.access import current_actor, requires
from webapp.database import db
from webapp.forms import as_form_values, form_fields, submitted
from webapp.registers import form_page, save_edit, save_new
from webapp.unit_of_work import unit_of_work
from workflows.registers import equated_days
from workflows.rules.dutch_format import long_date
from workflows.rules.roles import Permission
from workflows.rules.termijnenwet import WEEKDAYS

blueprint = Blueprint("equated_days", __name__, url_prefix="/beheer/gelijkgestelde-dagen")

DESCRIPTIONS = {
    "decree": "Datum en nummer van het koninklijk besluit, bijvoorbeeld: Besluit van 24 oktober "
    "2016, nr. 2016001827. De termijncalculator noemt het bij een verschoven termijn.",
    "source": "Waar het besluit is gepubliceerd: het nummer van de Staatscourant of het adres "
    "op wetten.overheid.nl.",
    "note": "Bijvoorbeeld wat nog bevestigd moet worden.",
}


def _index(
    *, values: Mapping[str, Any] | None = None, errors: Mapping[str, str] | None = None
) -> ResponseReturnValue:
    rows = equated_days.list_all(db(), current_actor())
    return (
        render_template(
            "equated_days/index.html",
            rows=rows,
            form_fields=form_fields(equated_days.FIELDS, descriptions=DESCRIPTIONS),
            values=values or {},
            errors=errors or {},
            labels=equated_days.LABELS,
            weekdays=WEEKDAYS,
        ),
        422 if errors else 200,
    )


@blueprint.get("/")
@requires(Permission.MANAGE_CALENDAR)
def index() -> ResponseReturnValue:
    return _index()


@blueprint.post("/")
@requires(Permission.MANAGE_CALENDAR)
def add() -> ResponseReturnValue:
    raw = submitted(equated_days.FIELDS)
    return save_new(
        raw=raw,
        save=lambda: equated_days.add(db(), current_actor(), raw),
        render=lambda values, errors, version, status=200, conflict=None: _index(
            values=values, errors=errors
        ),
        done=lambda row: f"{long_date(row.day)} is toegevoegd als gelijkgestelde dag.",
        to=lambda row: url_for("equated_days.index"),
    )


@blueprint.route("/<int:equated_day_id>/bewerken", methods=["GET", "POST"])
@requires(Permission.MANAGE_CALENDAR)
def edit(equated_day_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    row = equated_days.get(session, actor, equated_day_id)

    render = form_page(
        heading="Gelijkgestelde dag bewerken",
        intro="Een dag die bij koninklijk besluit met een algemeen erkende feestdag is "
        "gelijkgesteld (Algemene termijnenwet, artikel 3, derde lid).",
        make_fields=lambda: form_fields(equated_days.FIELDS, descriptions=DESCRIPTIONS),
        labels=equated_days.LABELS,
        cancel_url=url_for("equated_days.index"),
    )
    if request.method == "GET":
        return render(as_form_values(equated_days.snapshot(row)), {}, row.version)
    raw = submitted(equated_days.FIELDS)
    return save_edit(
        raw=raw,
        save=lambda: equated_days.update(
            session, actor, equated_day_id, raw, expected_version=request.form.get("version")
        ),
        render=render,
        current_version=lambda: equated_days.get(session, actor, equated_day_id).version,
        done="De gelijkgestelde dag is opgeslagen.",
        to=url_for("equated_days.index"),
    )


@blueprint.post("/<int:equated_day_id>/verwijderen")
@requires(Permission.MANAGE_CALENDAR)
def remove(equated_day_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        equated_days.remove(session, current_actor(), equated_day_id)
    flash("De gelijkgestelde dag is verwijderd.", "success")
    return redirect(url_for("equated_days.index"))
