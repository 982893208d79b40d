"""The mandate register: volmachten, mandaten and machtigingen, and the grantors' decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from storage.arrangements import Arrangement
from storage.mandates import Mandate
from storage.paging import Window
from webapp import clock
from webapp.access import current_actor, requires
from webapp.database import db
from webapp.exports import csv_response
from webapp.formatting import dutch_date
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
from workflows.errors import InvalidInput
from workflows.registers import arrangements, mandates, organisations
from workflows.rules import fields
from workflows.rules.acts import ACT_LABELS, MANDATE_KIND_LABELS
from workflows.rules.mandates import GRANT_STATUS_LABELS
from workflows.rules.organisations import OrganisationKind
from workflows.rules.roles import Permission

blueprint = Blueprint("mandates", __name__, url_prefix="/volmachten")

DESCRIPTIONS = {
    "includes_extensions": "Zoals 'de pilot en een eventuele verlenging': dekt elke verlenging.",
    "ratifies_since": "Handelingen vanaf deze datum worden bekrachtigd (art. 3:69 BW).",
    "ratified_acts": "Eén handeling per regel.",
    "ceiling": "In euro's, bijvoorbeeld 28.400,00.",
    "parent_id": "Alleen bij een ondermandaat (Awb 10:9).",
}


GRANTORS = fields.Ids("Volmachtgevers (gemeenten die verlenen)")


def _filters() -> dict[str, Any]:
    return {
        "regeling": request.args.get("regeling", ""),
        "status": request.args.get("status", ""),
        "gemeente": request.args.get("gemeente", ""),
        "verloopt_binnen": request.args.get("verloopt_binnen", ""),
    }


def _filtered(rows: list[Mandate], chosen: dict[str, Any], today: date) -> list[Mandate]:
    arrangement_id = fields.id_or_none(chosen["regeling"])
    if arrangement_id is not None:
        rows = [m for m in rows if m.arrangement_id == arrangement_id]
    if chosen["status"]:
        rows = [m for m in rows if any(g.status == chosen["status"] for g in m.grants)]
    grantor_id = fields.id_or_none(chosen["gemeente"])
    if grantor_id is not None:
        rows = [m for m in rows if any(g.grantor_id == grantor_id for g in m.grants)]
    days = fields.whole_or_none(chosen["verloopt_binnen"], minimum=0, maximum=fields.MAX_DAYS_AHEAD)
    if days is not None:
        rows = mandates.expiring_within(rows, today=today, days=days)
    return rows


@blueprint.get("/")
@requires(Permission.VIEW_MANDATES)
def index() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    chosen = _filters()
    shown = mandates.page_visible(
        session,
        actor,
        Window.page(page_number()),
        mandates.ListFilters(
            arrangement_id=fields.id_or_none(chosen["regeling"]),
            grant_status=chosen["status"],
            grantor_id=fields.id_or_none(chosen["gemeente"]),
            expiring_within_days=fields.whole_or_none(
                chosen["verloopt_binnen"], minimum=0, maximum=fields.MAX_DAYS_AHEAD
            ),
        ),
        today=clock.today(),
    )
    return render_template(
        "mandates/list.html",
        mandates=shown.rows,
        page=shown,
        summaries=mandates.summaries(session, shown.rows),
        filters=chosen,
        arrangements=arrangements.choices(session, actor),
        municipalities=organisations.list_visible(session, actor, kind="municipality"),
        statuses=GRANT_STATUS_LABELS,
        kinds=MANDATE_KIND_LABELS,
    )


@blueprint.get("/export.csv")
@requires(Permission.VIEW_MANDATES)
def export() -> ResponseReturnValue:
    actor = current_actor()
    today = clock.today()
    with unit_of_work() as session:
        rows = _filtered(list(mandates.list_visible(session, actor)), _filters(), today)
        audit.record(
            session,
            actor,
            action="export",
            object_type="mandate",
            object_id=None,
            new_values={"rows": len(rows)},
        )
    lines = []
    for m in rows:
        for g in m.grants:
            lines.append(
                [
                    m.id,
                    m.title,
                    m.kind,
                    m.arrangement.name,
                    m.grantee.name,
                    ", ".join(ACT_LABELS[a] for a in ACT_LABELS if a in m.acts),
                    "ja" if m.includes_extensions else "nee",
                    m.valid_from,
                    m.valid_until,
                    m.ratifies_since,
                    g.grantor.name,
                    GRANT_STATUS_LABELS[g.status],
                    g.granted_on,
                    g.revoked_on,
                    g.decision_reference,
                ]
            )
    return csv_response(
        [
            "Nummer",
            "Titel",
            "Soort",
            "Regeling",
            "Gevolmachtigde",
            "Handelingen",
            "Ook verlengingen",
            "Geldig vanaf",
            "Geldig tot en met",
            "Bekrachtigt vanaf",
            "Volmachtgever",
            "Status besluit",
            "Datum besluit",
            "Ingetrokken op",
            "Besluit",
        ],
        lines,
        name="volmachten",
        today=today,
    )


@blueprint.get("/<int:mandate_id>")
@requires(Permission.VIEW_MANDATES)
def detail(mandate_id: int) -> ResponseReturnValue:
    session = db()
    mandate = mandates.get_visible(session, current_actor(), mandate_id)
    return render_template(
        "mandates/detail.html",
        mandate=mandate,
        summary=mandates.summary(mandate),
        decided=mandates.is_decided(mandate),
        versions=mandates.versions(session, mandate),
        version_summary=mandates.summary,
        acts=ACT_LABELS,
        kinds=MANDATE_KIND_LABELS,
        statuses=GRANT_STATUS_LABELS,
    )


@blueprint.post("/<int:mandate_id>/nieuwe-versie")
@requires(Permission.EDIT_MANDATES)
def new_version(mandate_id: int) -> ResponseReturnValue:
    try:
        with unit_of_work() as session:
            copy = mandates.new_version(session, current_actor(), mandate_id)
    except InvalidInput as error:
        for message in error.errors.values():
            flash(message, "error")
        return redirect(url_for("mandates.detail", mandate_id=mandate_id))
    flash(
        f"'{copy.title}' is aangemaakt als concept. Wijzig wat nodig is; elke volmachtgever "
        "besluit er opnieuw over. De vorige versie blijft zoals hij is verleend.",
        "success",
    )
    return redirect(url_for("mandates.detail", mandate_id=copy.id))


def _options(arrangement: Arrangement | None, mandate: Mandate | None) -> dict[str, Any]:
    assert arrangement is not None  # a mandate is kept per arrangement
    session = db()
    all_organisations = organisations.list_visible(session, current_actor())
    return {
        "grantee_id": [(str(o.id), o.name) for o in all_organisations],
        "phase_ids": [
            (str(p.id), f"{p.name} ({dutch_date(p.start_on)} t/m {dutch_date(p.end_on)})")
            for p in arrangement.phases
        ],
        "parent_id": [
            (str(m.id), m.title)
            for m in mandates.list_visible(session, current_actor(), arrangement_id=arrangement.id)
            if mandate is None or m.id != mandate.id
        ],
        "grantor_ids": participant_options(arrangement, OrganisationKind.MUNICIPALITY),
    }


def _new_values(arrangement: Arrangement | None) -> dict[str, Any]:
    assert arrangement is not None
    participants = [
        str(p.organisation_id)
        for p in arrangement.participants
        if p.organisation.kind == "municipality"
        and p.organisation_id != arrangement.lead_organisation_id
    ]
    return {
        "kind": "volmacht",
        "grantee_id": str(arrangement.lead_organisation_id),
        "grantor_ids": participants,
        "includes_extensions": "1",
    }


form_pages(
    blueprint,
    Register(
        mandates,
        key="mandate_id",
        read=mandates.get_visible,
        new_heading="Nieuwe volmacht of nieuw mandaat",
        edit_heading=lambda mandate: f"{mandate.title} bewerken",
        created=lambda made: (
            f"'{made.title}' is vastgelegd, met een conceptbesluit per volmachtgever."
        ),
        saved="De wijzigingen zijn opgeslagen.",
        per_arrangement=True,
        options=_options,
        descriptions=DESCRIPTIONS,
        new_values=_new_values,
        # The grantors are chosen once, for a new mandate; each then decides on its own grant.
        new_readers={"grantor_ids": GRANTORS},
        labels={"grantor_ids": "Volmachtgevers"},
        frozen=lambda mandate: mandates.FROZEN if mandates.is_decided(mandate) else None,
    ),
    Permission.EDIT_MANDATES,
)


@blueprint.post("/<int:mandate_id>/besluiten/<int:grantor_id>")
@requires(Permission.EDIT_MANDATES)
def record_grant(mandate_id: int, grantor_id: int) -> ResponseReturnValue:
    raw = {name: request.form.get(name, "") for name in mandates.GRANT_FIELDS}
    return save_change(
        change=lambda: mandates.record_grant(
            db(),
            current_actor(),
            mandate_id,
            grantor_id,
            raw,
            expected_version=request.form.get("version"),
        ),
        done="Het besluit is vastgelegd.",
        to=url_for("mandates.detail", mandate_id=mandate_id) + f"#besluit-{grantor_id}",
    )


@blueprint.get("/<int:mandate_id>/geschiedenis")
@requires(Permission.VIEW_HISTORY)
def changes(mandate_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    mandate = mandates.get_visible(session, actor, mandate_id)
    return history_page(
        subject=mandate.title,
        entries=history.of_mandate(session, actor, mandate_id),
        back_url=url_for("mandates.detail", mandate_id=mandate_id),
    )
