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
from webapp.forms import as_form_values, form_fields, submitted
from webapp.paging import page_number
from webapp.registers import history_page, save_change, save_edit, save_new
from webapp.unit_of_work import unit_of_work
from workflows import audit
from workflows.auditing import history
from workflows.errors import Conflict, InvalidInput
from workflows.registers import arrangements, mandates, organisations
from workflows.rules import fields
from workflows.rules.acts import ACT_LABELS, MANDATE_KIND_LABELS
from workflows.rules.mandates import GRANT_STATUS_LABELS
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
        with_phases=False,
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


def _options(arrangement: Arrangement, mandate_id: int | None = None) -> dict[str, Any]:
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
            if m.id != mandate_id
        ],
        "grantor_ids": [
            (str(p.organisation_id), p.organisation.name)
            for p in sorted(arrangement.participants, key=lambda p: p.organisation.name)
            if p.organisation.kind == "municipality"
        ],
    }


def _render_form(
    *,
    heading: str,
    arrangement: Arrangement,
    values: dict[str, Any],
    errors: dict[str, str],
    version: int | None,
    cancel_url: str,
    status: int = 200,
    conflict: Conflict | None = None,
    creating: bool,
    mandate_id: int | None = None,
) -> ResponseReturnValue:
    readers = dict(mandates.EDITABLE)
    if creating:
        readers["grantor_ids"] = GRANTORS
    return (
        render_template(
            "registers/form.html",
            heading=heading,
            intro=f"Regeling: {arrangement.name}",
            form_fields=form_fields(
                readers, options=_options(arrangement, mandate_id), descriptions=DESCRIPTIONS
            ),
            values=values,
            errors=errors,
            labels={
                **mandates.LABELS,
                "grantor_ids": "Volmachtgevers",
                "arrangement_id": "Regeling",
            },
            version=version,
            hidden={"arrangement_id": arrangement.id} if creating else {},
            cancel_url=cancel_url,
            conflict=conflict,
        ),
        status,
    )


@blueprint.route("/nieuw", methods=["GET", "POST"])
@requires(Permission.EDIT_MANDATES)
def create() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    arrangement_id = fields.id_or_none(
        request.values.get("regeling") or request.form.get("arrangement_id", "")
    )
    if arrangement_id is None:
        return render_template(
            "registers/choose_arrangement.html",
            heading="Nieuwe volmacht of nieuw mandaat",
            arrangements=arrangements.list_visible(session, actor),
            target="mandates.create",
        )
    arrangement = arrangements.visible(session, actor, arrangement_id)
    cancel = url_for("mandates.index", regeling=arrangement.id)
    if request.method == "GET":
        participants = [
            str(p.organisation_id)
            for p in arrangement.participants
            if p.organisation.kind == "municipality"
            and p.organisation_id != arrangement.lead_organisation_id
        ]
        values = {
            "kind": "volmacht",
            "grantee_id": str(arrangement.lead_organisation_id),
            "grantor_ids": participants,
            "includes_extensions": "1",
        }
        return _render_form(
            heading="Nieuwe volmacht of nieuw mandaat",
            arrangement=arrangement,
            values=values,
            errors={},
            version=None,
            cancel_url=cancel,
            creating=True,
        )
    readers = {**mandates.EDITABLE, "grantor_ids": GRANTORS}
    raw = submitted(readers)
    raw["arrangement_id"] = str(arrangement.id)

    def render(
        values: Any, errors: Any, version: int | None, status: int = 200, conflict: Any = None
    ) -> ResponseReturnValue:
        return _render_form(
            heading="Nieuwe volmacht of nieuw mandaat",
            arrangement=arrangement,
            values=values,
            errors=errors,
            version=None,
            cancel_url=cancel,
            status=status,
            creating=True,
        )

    return save_new(
        raw=raw,
        save=lambda: mandates.create(session, actor, raw),
        render=render,
        done=lambda made: (
            f"'{made.title}' is vastgelegd, met een conceptbesluit per volmachtgever."
        ),
        to=lambda made: url_for("mandates.detail", mandate_id=made.id),
    )


@blueprint.route("/<int:mandate_id>/bewerken", methods=["GET", "POST"])
@requires(Permission.EDIT_MANDATES)
def edit(mandate_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    mandate = mandates.get_visible(session, actor, mandate_id)
    cancel = url_for("mandates.detail", mandate_id=mandate_id)

    def render(
        values: Any, errors: Any, version: int | None, status: int = 200, conflict: Any = None
    ) -> ResponseReturnValue:
        return _render_form(
            heading=f"{mandate.title} bewerken",
            arrangement=mandate.arrangement,
            values=values,
            errors=errors,
            version=version,
            cancel_url=cancel,
            status=status,
            conflict=conflict,
            creating=False,
            mandate_id=mandate_id,
        )

    if request.method == "GET":
        if mandates.is_decided(mandate):
            flash(mandates.FROZEN, "error")
            return redirect(cancel)
        return render(as_form_values(mandates.snapshot(mandate)), {}, mandate.version)
    raw = submitted(mandates.EDITABLE)
    return save_edit(
        raw=raw,
        save=lambda: mandates.update(
            session, actor, mandate_id, raw, expected_version=request.form.get("version")
        ),
        render=render,
        current_version=lambda: mandates.get_visible(session, actor, mandate_id).version,
        done="De wijzigingen zijn opgeslagen.",
        to=cancel,
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
