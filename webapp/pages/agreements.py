"""Purchasing and framework agreements: a provider sees only its own (docs/security.md S11)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue

from storage.agreements import Agreement
from storage.arrangements import Arrangement
from storage.paging import Window
from webapp import clock
from webapp.access import current_actor, requires
from webapp.database import db
from webapp.exports import csv_response
from webapp.paging import page_number
from webapp.registers import (
    Register,
    form_pages,
    history_page,
    participant_options,
    save_change,
)
from webapp.unit_of_work import unit_of_work
from workflows import audit
from workflows.auditing import history
from workflows.documents import agreement_sending
from workflows.registers import agreements, arrangements, mandates
from workflows.registers.agreements import term_of
from workflows.rules import fields
from workflows.rules.agreements import KIND_LABELS, STATUS_LABELS, TRANSITIONS
from workflows.rules.organisations import OrganisationKind
from workflows.rules.roles import Permission

blueprint = Blueprint("agreements", __name__, url_prefix="/overeenkomsten")

DESCRIPTIONS = {
    "maximum_end_on": (
        "Leeg laten: einddatum met alle verlengingsopties. Een raamovereenkomst duurt ten "
        "hoogste vier jaar (Aanbestedingswet 2.140)."
    ),
    "tariff_occupied_day": "In euro's, bijvoorbeeld 166,00.",
    "notice_months": "Hoeveel maanden voor het einde uiterlijk moet worden opgezegd.",
}


def _filters() -> dict[str, str]:
    return {
        "regeling": request.args.get("regeling", ""),
        "status": request.args.get("status", ""),
        "aanbieder": request.args.get("aanbieder", ""),
        "eindigt_binnen": request.args.get("eindigt_binnen", ""),
    }


def _filtered(rows: list[Agreement], chosen: dict[str, str], today: date) -> list[Agreement]:
    arrangement_id = fields.id_or_none(chosen["regeling"])
    if arrangement_id is not None:
        rows = [a for a in rows if a.arrangement_id == arrangement_id]
    if chosen["status"]:
        rows = [a for a in rows if a.status == chosen["status"]]
    provider_id = fields.id_or_none(chosen["aanbieder"])
    if provider_id is not None:
        rows = [a for a in rows if a.provider_id == provider_id]
    days = fields.whole_or_none(chosen["eindigt_binnen"], minimum=0, maximum=fields.MAX_DAYS_AHEAD)
    if days is not None:
        rows = [a for a in rows if 0 <= (a.end_on - today).days <= days]
    return rows


@blueprint.get("/")
@requires(Permission.VIEW_AGREEMENTS)
def index() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    chosen = _filters()
    shown = agreements.page_visible(
        session,
        actor,
        Window.page(page_number()),
        agreements.ListFilters(
            arrangement_id=fields.id_or_none(chosen["regeling"]),
            status=chosen["status"],
            provider_id=fields.id_or_none(chosen["aanbieder"]),
            ending_within_days=fields.whole_or_none(
                chosen["eindigt_binnen"], minimum=0, maximum=fields.MAX_DAYS_AHEAD
            ),
        ),
        today=clock.today(),
    )
    return render_template(
        "agreements/list.html",
        agreements=shown.rows,
        page=shown,
        filters=chosen,
        arrangements=arrangements.choices(session, actor),
        providers=agreements.providers_of_visible(session, actor),
        statuses=STATUS_LABELS,
        kinds=KIND_LABELS,
    )


@blueprint.get("/export.csv")
@requires(Permission.VIEW_AGREEMENTS)
def export() -> ResponseReturnValue:
    actor = current_actor()
    today = clock.today()
    with unit_of_work() as session:
        rows = _filtered(list(agreements.list_visible(session, actor)), _filters(), today)
        audit.record(
            session,
            actor,
            action="export",
            object_type="agreement",
            object_id=None,
            new_values={"rows": len(rows)},
        )
    return csv_response(
        [
            "Kenmerk",
            "Titel",
            "Soort",
            "Regeling",
            "Zorgaanbieder",
            "Contractpartij",
            "Begindatum",
            "Einddatum",
            "Verlengingsopties",
            "Maanden per verlenging",
            "Opzeggen uiterlijk",
            "Uiterste einddatum",
            "Tarief bezet",
            "Tarief leegstand",
            "Status",
        ],
        (
            [
                a.reference,
                a.title,
                KIND_LABELS[a.kind],
                a.arrangement.name,
                a.provider.name,
                a.contracting_party.name,
                a.start_on,
                a.end_on,
                a.extension_count,
                a.extension_months,
                term_of(agreements.snapshot(a)).notice_deadline(),
                a.maximum_end_on,
                a.tariff_occupied_day,
                a.tariff_vacant_day,
                STATUS_LABELS[a.status],
            ]
            for a in rows
        ),
        name="overeenkomsten",
        today=today,
    )


@blueprint.get("/<int:agreement_id>")
@requires(Permission.VIEW_AGREEMENTS)
def detail(agreement_id: int) -> ResponseReturnValue:
    agreement = agreements.get_visible(db(), current_actor(), agreement_id)
    return render_template(
        "agreements/detail.html",
        agreement=agreement,
        term=term_of(agreements.snapshot(agreement)),
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        next_statuses=sorted(TRANSITIONS[agreement.status]),
    )


def _options(arrangement: Arrangement | None, agreement: Agreement | None) -> dict[str, Any]:
    assert arrangement is not None  # an agreement is kept per arrangement
    return {
        "provider_id": participant_options(arrangement, OrganisationKind.PROVIDER),
        "contracting_party_id": participant_options(arrangement, OrganisationKind.MUNICIPALITY),
        "mandate_ids": [
            (str(m.id), m.title)
            for m in mandates.list_visible(db(), current_actor(), arrangement_id=arrangement.id)
        ],
        "bed_ids": [
            (str(b.id), f"{b.location.provider.name}: {b.location.name}") for b in arrangement.beds
        ],
    }


def _new_values(arrangement: Arrangement | None) -> dict[str, Any]:
    assert arrangement is not None
    return {
        "kind": "purchase",
        "contracting_party_id": str(arrangement.lead_organisation_id),
        "notice_months": "3",
    }


form_pages(
    blueprint,
    Register(
        agreements,
        key="agreement_id",
        read=agreements.get_visible,
        new_heading="Nieuwe overeenkomst",
        edit_heading=lambda agreement: f"{agreement.reference} bewerken",
        created=lambda made: f"Overeenkomst {made.reference} is vastgelegd als concept.",
        saved="De wijzigingen zijn opgeslagen.",
        per_arrangement=True,
        options=_options,
        descriptions=DESCRIPTIONS,
        new_values=_new_values,
    ),
    Permission.EDIT_AGREEMENTS,
)


@blueprint.post("/<int:agreement_id>/status")
@requires(Permission.EDIT_AGREEMENTS)
def change_status(agreement_id: int) -> ResponseReturnValue:
    return save_change(
        change=lambda: agreement_sending.change_status(
            db(),
            current_actor(),
            agreement_id,
            request.form.get("status", ""),
            expected_version=request.form.get("version"),
        ),
        done="De status is bijgewerkt.",
        to=url_for("agreements.detail", agreement_id=agreement_id),
    )


@blueprint.get("/<int:agreement_id>/geschiedenis")
@requires(Permission.VIEW_HISTORY)
def changes(agreement_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    agreement = agreements.get_visible(session, actor, agreement_id)
    return history_page(
        subject=f"{agreement.reference} – {agreement.title}",
        entries=history.of_agreement(session, actor, agreement_id),
        back_url=url_for("agreements.detail", agreement_id=agreement_id),
    )
