"""Decision dossiers: list, detail in the order of the agenda form, section-by-section edit,
co-advice, the workflow, effects, regional fan-out and its overview, and the besluitenlijst."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from storage.decisions import Decision
from storage.paging import Window
from webapp import clock
from webapp.access import current_actor, refuse, requires
from webapp.database import db
from webapp.forms import as_form_values, form_fields
from webapp.paging import page_number
from webapp.registers import form_page, save_edit
from webapp.unit_of_work import unit_of_work
from workflows.accounts import accounts
from workflows.decisions import co_advice, decisions
from workflows.errors import Forbidden, InvalidInput, NotFound
from workflows.registers import agreements, arrangements, mandates, organisations
from workflows.rules import fields
from workflows.rules.dates import parse_date
from workflows.rules.decisions import (
    ADVICE_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    TRANSITIONS,
    decision_points,
    numbered_items,
)
from workflows.rules.dutch_format import count_phrase
from workflows.rules.roles import Permission

blueprint = Blueprint("decisions", __name__, url_prefix="/besluiten")


def _form_values(decision_values: dict[str, Any]) -> dict[str, Any]:
    values = as_form_values(decision_values)
    annexes = decision_values.get("annexes") or []
    if isinstance(annexes, list):
        values["annexes"] = "\n".join(
            "; ".join(
                [str(a.get("description", ""))]
                + [
                    "ja" if a.get(k) else "nee"
                    for k in ("college", "council", "not_public", "secret")
                ]
            )
            for a in annexes
            if isinstance(a, dict)
        )
    return values


DESCRIPTIONS = {
    "draft_decision": "Eén beslispunt per alinea, genummerd: 1. …, 2. …",
    "arguments": "Genummerd per beslispunt: 1.1 titel (volgende regels: tekst), 1.2 …, 2.1 …",
    "risks": "Genummerd: 1.1 titel (volgende regels: tekst), 1.2 …",
    "annexes": "Eén bijlage per regel: omschrijving; college; raad; niet actief publiceren; geheim "
    "(ja/nee), bijvoorbeeld 'Volmacht; ja; nee; nee; nee'.",
    "woo_ground": "Verplicht bij niet actief openbaar maken: de grond van art. 5.1 of 5.2 Woo.",
    "meeting_on": "Een vergaderdag uit de collegekalender van de gemeente.",
}


@blueprint.get("/")
@requires(Permission.VIEW_DECISIONS)
def index() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    chosen = {k: request.args.get(k, "") for k in ("status", "gemeente", "vergadering", "regeling")}
    shown = decisions.page_visible(
        session,
        actor,
        Window.page(page_number()),
        decisions.ListFilters(
            status=chosen["status"],
            municipality_id=fields.id_or_none(chosen["gemeente"]),
            arrangement_id=fields.id_or_none(chosen["regeling"]),
            meeting_on=chosen["vergadering"],
        ),
    )
    return render_template(
        "decisions/list.html",
        decisions=shown.rows,
        page=shown,
        filters=chosen,
        statuses=STATUS_LABELS,
        outcomes=OUTCOME_LABELS,
        municipalities=organisations.list_visible(session, actor, kind="municipality"),
        arrangements=arrangements.choices(session, actor),
    )


@blueprint.route("/nieuw", methods=["GET", "POST"])
@requires(Permission.EDIT_DECISIONS)
def create() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    arrangement_id = fields.id_or_none(request.values.get("regeling", ""))
    regional = request.values.get("regionaal") == "1"
    if arrangement_id is None:
        return render_template(
            "registers/choose_arrangement.html",
            heading="Nieuw besluitvormingsdossier",
            arrangements=arrangements.list_visible(session, actor),
            target="decisions.create",
        )
    arrangement = arrangements.visible(session, actor, arrangement_id)
    names = decisions.SECTIONS["kop"][1] + decisions.SECTIONS["besluit"][1]
    if request.method == "GET":
        values = _form_values(
            decisions.prefill(session, actor, arrangement.id, today=clock.today())
        )
        return _new_form(arrangement.name, arrangement.id, regional, names, values, {})
    # The first form shows the head and the draft decision; the other prefilled parts (the
    # introduction, costs, texts of the previous decision) go in with it, to be edited later.
    prefilled = decisions.prefill(session, actor, arrangement.id, today=clock.today())
    raw: dict[str, Any] = {k: v for k, v in prefilled.items() if k not in names}
    raw.update({name: request.form.get(name, "") for name in names})
    raw["arrangement_id"] = str(arrangement.id)
    if not regional:
        raw["municipality_id"] = str(actor.organisation_id or "")
    try:
        with unit_of_work():
            decision = decisions.create(session, actor, raw, now=clock.now())
    except InvalidInput as error:
        return _new_form(arrangement.name, arrangement.id, regional, names, raw, error.errors, 422)
    flash("Het dossier is aangemaakt als concept. Vul de overige onderdelen aan.", "success")
    return redirect(url_for("decisions.detail", decision_id=decision.id))


def _new_form(
    name: str,
    arrangement_id: int,
    regional: bool,
    names: list[str],
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template(
            "registers/form.html",
            heading="Nieuw regionaal dossier" if regional else "Nieuw besluitvormingsdossier",
            intro=f"Regeling: {name}. Vooraf ingevuld uit de registers en het vorige besluit.",
            form_fields=form_fields(decisions.EDITABLE, only=names, descriptions=DESCRIPTIONS),
            values=values,
            errors=errors,
            labels=decisions.LABELS,
            version=None,
            hidden={"regeling": arrangement_id, "regionaal": "1" if regional else "0"},
            cancel_url=url_for("decisions.index"),
            conflict=None,
        ),
        status,
    )


@blueprint.get("/<int:decision_id>")
@requires(Permission.VIEW_DECISIONS)
def detail(decision_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    decision = decisions.get_visible(session, actor, decision_id)
    return _detail_page(decision)


def _detail_page(
    decision: Decision, *, errors: dict[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    related = _related_options(decision)
    may_ask = (
        decisions.may_edit(actor, decision)
        and decision.municipality_id is not None
        and decision.status in co_advice.OPEN_STATUSES
    )
    return (
        render_template(
            "decisions/detail.html",
            decision=decision,
            points=decision_points(decision.draft_decision),
            arguments=numbered_items(decision.arguments),
            risks=numbered_items(decision.risks),
            statuses=STATUS_LABELS,
            outcomes=OUTCOME_LABELS,
            advices=ADVICE_LABELS,
            next_statuses=sorted(TRANSITIONS[decision.status]),
            may_edit=decisions.may_edit(actor, decision),
            fan_out=decisions.fan_out_state(session, decision),
            # A deferred decision goes to a later meeting, so its header may still change.
            editable=decisions.may_edit(actor, decision)
            and (
                decision.status not in {"decided", "closed"}
                or (decision.status == "decided" and decision.outcome == "deferred")
            ),
            sections=decisions.SECTIONS,
            recordable=co_advice.recordable(actor, decision),
            may_ask=may_ask,
            candidates=co_advice.candidates(session, decision) if may_ask else [],
            effect_labels=decisions.EFFECT_LABELS,
            effect_words={e.id: decisions.effect_words(session, e) for e in decision.effects},
            woo=decisions.WOO_LABELS,
            related=related,
            colleagues=accounts.list_colleagues(session, actor) if decision.secret else [],
            errors=errors or {},
            today=clock.today(),
        ),
        status,
    )


def _related_options(decision: Decision) -> dict[str, list[tuple[int, str]]]:
    if decision.arrangement_id is None:
        return {"mandate_id": [], "phase_id": [], "agreement_id": []}
    session = db()
    actor = current_actor()
    arrangement = arrangements.visible(session, actor, decision.arrangement_id)
    return {
        "mandate_id": [
            (m.id, m.title)
            for m in mandates.list_visible(session, actor, arrangement_id=arrangement.id)
        ]
        if actor.can(Permission.VIEW_MANDATES)
        else [],
        "phase_id": [(p.id, p.name) for p in arrangement.phases],
        "agreement_id": [
            (a.id, a.reference)
            for a in agreements.list_visible(session, actor, arrangement_id=arrangement.id)
        ],
    }


@blueprint.route("/<int:decision_id>/bewerken/<section>", methods=["GET", "POST"])
@requires(Permission.EDIT_DECISIONS)
def edit(decision_id: int, section: str) -> ResponseReturnValue:
    if section not in decisions.SECTIONS:
        raise NotFound("Dit onderdeel van het agendaformulier bestaat niet.")
    session = db()
    actor = current_actor()
    decision = decisions.get_visible(session, actor, decision_id)
    title, names = decisions.SECTIONS[section]
    cancel = url_for("decisions.detail", decision_id=decision_id) + f"#{section}"

    render = form_page(
        heading=f"{title} – {decision.subject}",
        intro=decision.municipality.name if decision.municipality else "Regionaal dossier",
        make_fields=lambda: form_fields(decisions.EDITABLE, only=names, descriptions=DESCRIPTIONS),
        labels=decisions.LABELS,
        cancel_url=cancel,
    )
    if request.method == "GET":
        return render(_form_values(decisions.snapshot(decision)), {}, decision.version)
    raw = {name: request.form.get(name, "") for name in names}
    return save_edit(
        raw=raw,
        save=lambda: decisions.update(
            session, actor, decision_id, raw, expected_version=request.form.get("version")
        ),
        render=render,
        current_version=lambda: decisions.get_visible(session, actor, decision_id).version,
        done=f"{title}: opgeslagen.",
        to=cancel,
    )


@blueprint.post("/<int:decision_id>/overgang")
@requires(Permission.EDIT_DECISIONS)
def transition(decision_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    try:
        with unit_of_work():
            decisions.transition(
                session,
                actor,
                decision_id,
                request.form.get("to", ""),
                today=clock.today(),
                now=clock.now(),
                outcome=request.form.get("outcome") or None,
                decided_on=request.form.get("decided_on") or None,
                note=request.form.get("note", "")[:2000],
            )
    except InvalidInput as error:
        decision = decisions.get_visible(session, actor, decision_id)
        return _detail_page(decision, errors=error.errors, status=422)
    flash("De status van het dossier is bijgewerkt.", "success")
    return redirect(url_for("decisions.detail", decision_id=decision_id) + "#workflow")


@blueprint.post("/<int:decision_id>/advies")
@requires(Permission.EDIT_DECISIONS)
def advise(decision_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    raw = {k: request.form.get(k, "") for k in ("adviser", "advice", "text")}
    try:
        with unit_of_work():
            co_advice.record(session, actor, decision_id, raw, now=clock.now())
    except InvalidInput as error:
        return _detail_page(
            decisions.get_visible(session, actor, decision_id), errors=error.errors, status=422
        )
    except Forbidden as error:
        refuse(actor, object_type="decision", object_id=decision_id, message=error.message)
    flash("Het advies is vastgelegd.", "success")
    return redirect(url_for("decisions.detail", decision_id=decision_id) + "#mee-advisering")


@blueprint.post("/<int:decision_id>/mee-adviseurs")
@requires(Permission.EDIT_DECISIONS)
def ask_adviser(decision_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    raw = {k: request.form.get(k, "") for k in ("user_id", "unit", "stand_in_id")}
    try:
        with unit_of_work():
            asked = co_advice.ask(session, actor, decision_id, raw, now=clock.now())
    except InvalidInput as error:
        return _detail_page(
            decisions.get_visible(session, actor, decision_id), errors=error.errors, status=422
        )
    told = (
        "de melding is verstuurd."
        if asked.decision.status == "co_advice"
        else "de melding volgt zodra het dossier in mee-advisering gaat."
    )
    flash(f"{asked.adviser} is gevraagd mee te adviseren; {told}", "success")
    return redirect(url_for("decisions.detail", decision_id=decision_id) + "#mee-advisering")


@blueprint.post("/<int:decision_id>/mee-adviseurs/<int:advice_id>/intrekken")
@requires(Permission.EDIT_DECISIONS)
def withdraw_adviser(decision_id: int, advice_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    try:
        with unit_of_work():
            co_advice.withdraw(session, actor, decision_id, advice_id)
    except InvalidInput as error:
        return _detail_page(
            decisions.get_visible(session, actor, decision_id), errors=error.errors, status=422
        )
    flash("Het verzoek om advies is ingetrokken.", "success")
    return redirect(url_for("decisions.detail", decision_id=decision_id) + "#mee-advisering")


@blueprint.get("/te-adviseren")
@requires(Permission.VIEW_DECISIONS)
def to_advise() -> ResponseReturnValue:
    shown = co_advice.page_open_requests(db(), current_actor(), Window.page(page_number()))
    return render_template("decisions/to_advise.html", requests=shown.rows, page=shown)


@blueprint.post("/<int:decision_id>/gevolgen")
@requires(Permission.EDIT_DECISIONS)
def add_effect(decision_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    kind = request.form.get("kind", "")
    target = request.form.get("target", "")
    field = {
        "grant_mandate": "mandate_id",
        "approve_phase": "phase_id",
        "approve_agreement": "agreement_id",
    }.get(kind, "mandate_id")
    try:
        with unit_of_work():
            decisions.add_effect(session, actor, decision_id, {"kind": kind, field: target})
    except InvalidInput as error:
        return _detail_page(
            decisions.get_visible(session, actor, decision_id), errors=error.errors, status=422
        )
    flash(
        "Het gevolg is toegevoegd; het wordt toegepast zodra het besluit conform is genomen.",
        "success",
    )
    return redirect(url_for("decisions.detail", decision_id=decision_id) + "#gevolgen")


@blueprint.post("/<int:decision_id>/toegang")
@requires(Permission.EDIT_DECISIONS)
def grant_access(decision_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    raw = request.form.get("user_id", "")
    try:
        with unit_of_work():
            decisions.grant_access(session, actor, decision_id, fields.id_or_none(raw) or 0)
    except InvalidInput as error:
        return _detail_page(
            decisions.get_visible(session, actor, decision_id), errors=error.errors, status=422
        )
    flash("Toegang verleend.", "success")
    return redirect(url_for("decisions.detail", decision_id=decision_id))


@blueprint.post("/<int:decision_id>/uitspreiden")
@requires(Permission.EDIT_DECISIONS)
def fan_out(decision_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    try:
        with unit_of_work():
            created = decisions.fan_out(session, actor, decision_id, now=clock.now())
    except InvalidInput as error:
        return _detail_page(
            decisions.get_visible(session, actor, decision_id), errors=error.errors, status=422
        )
    flash(
        f"{count_phrase(len(created), 'gemeentelijk dossier')} aangemaakt."
        if created
        else "Alle gemeenten hadden al een dossier.",
        "success",
    )
    return redirect(url_for("decisions.overview", decision_id=decision_id))


@blueprint.get("/<int:decision_id>/overzicht")
@requires(Permission.VIEW_DECISIONS)
def overview(decision_id: int) -> ResponseReturnValue:
    progress = decisions.progress(db(), current_actor(), decision_id, today=clock.today())
    return render_template(
        "decisions/overview.html",
        progress=progress,
        statuses=STATUS_LABELS,
        outcomes=OUTCOME_LABELS,
    )


@blueprint.get("/besluitenlijst")
@requires(Permission.VIEW_DECISIONS)
def decision_list() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    meetings = decisions.meetings_with_decisions(session, actor)
    entries = None
    error = None
    municipality_raw, meeting_raw = (
        request.args.get("gemeente", ""),
        request.args.get("vergadering", ""),
    )
    chosen = None
    municipality_id = fields.id_or_none(municipality_raw)
    if municipality_id is not None and meeting_raw:
        try:
            meeting_on = parse_date(meeting_raw, label="Vergadering")
        except ValueError as problem:
            error = str(problem)
        else:
            entries = decisions.decision_list(
                session, actor, municipality_id=municipality_id, meeting_on=meeting_on
            )
            chosen = (
                next((o for o, d in meetings if o.id == municipality_id), None),
                meeting_on,
            )
    return render_template(
        "decisions/decision_list.html",
        meetings=meetings,
        entries=entries,
        chosen=chosen,
        error=error,
        outcomes=OUTCOME_LABELS,
    )
