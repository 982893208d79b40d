"""'Wat moet wanneer gebeuren': the signals dashboard, and the term calculator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from storage.paging import Window
from webapp import clock
from webapp.access import current_actor, requires, signed_in
from webapp.database import db
from webapp.paging import page_number
from webapp.unit_of_work import unit_of_work
from workflows.deadlines import signals
from workflows.decisions import decisions
from workflows.errors import InvalidInput
from workflows.registers import arrangements, equated_days, mandates
from workflows.rules import fields
from workflows.rules.acts import ACT_LABELS, Act, MandateKind, kind_for, with_article
from workflows.rules.dates import parse_date
from workflows.rules.gap_starters import may_start, once_drafted, who_can_start
from workflows.rules.own_municipality import own_municipality
from workflows.rules.roles import Permission
from workflows.rules.termijnenwet import TermEnd, term_end

blueprint = Blueprint("signals", __name__)

ACT_KIND = {act: str(kind_for(act)) for act in Act}
UNITS = {"days": "dagen", "weeks": "weken", "months": "maanden"}
GAP_MUNICIPALITIES = fields.Ids("Gemeenten")
# A second click on a signal (or a colleague's) shows the work in progress instead of a copy.
IN_PROGRESS = "Voor dit signaal is al een concept in behandeling; u ziet het hier."


ARRANGEMENTS_PER_PAGE = 10


@blueprint.get("/signalen")
@requires(Permission.VIEW_SIGNALS)
def dashboard() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    error = None
    as_of = clock.today()
    if request.args.get("per"):
        try:
            as_of = parse_date(request.args["per"], label="Peildatum")
        except ValueError as problem:
            error = str(problem)
    chosen = request.args.get("regeling", "")
    chosen_id = fields.id_or_none(chosen)
    # A page holds the signals of ten arrangements, the most urgent arrangements first (the
    # earliest date by which work must start); a region's hundreds are on the next pages.
    shown, found = signals.by_arrangement(
        session,
        actor,
        Window.page(page_number(), ARRANGEMENTS_PER_PAGE),
        as_of=as_of,
        arrangement_id=chosen_id,
    )
    gaps = [s for s in found if s.kind == "mandate_needed"]
    grouped_gaps = [
        (key, list(grouped))
        for key, grouped in groupby(
            sorted(gaps, key=lambda s: (s.arrangement_id, s.act_on, s.act or "")),
            key=lambda s: (s.arrangement_id, s.arrangement_name, s.act, s.act_on),
        )
    ]
    drafts = mandates.drafts_in_progress(
        session,
        actor,
        [
            (key[0], key[2], [s.municipality.id for s in items if s.municipality])
            for key, items in grouped_gaps
        ],
    )
    groups = []
    for (key, items), draft in zip(grouped_gaps, drafts, strict=True):
        # Who may start the dossier from here, and, for whoever may not, who can.
        names = {s.municipality.id: s.municipality.name for s in items if s.municipality}
        may = actor.role is not None and may_start(
            actor.role, actor.organisation_id, list(names), draft_exists=draft is not None
        )
        who = who_can_start(sorted(names.values()), own=names.get(actor.organisation_id or 0))
        if actor.role is not None:
            who += " " + once_drafted(actor.role, actor.organisation_id, list(names))
        groups.append(_gap_group(key, items, may_start=may, who_can=who.strip()))
    # A municipality's officer sees her municipality's work first, the region one click away.
    # A gap shared with other municipalities concerns hers too: its group stays whole, as one
    # volmacht for all of them is the way to close it.
    own_id = own_municipality(actor.role, actor.organisation_id)
    whole_region = own_id is None or request.args.get("regio") == "1"
    elsewhere = 0
    if not whole_region and own_id is not None:
        mine = signals.concerning(found, own_id)
        elsewhere = len(found) - len(mine)
        found = mine
        groups = [g for g in groups if signals.concerning(g.signals, own_id)]
    return render_template(
        "signals/dashboard.html",
        signals=found,
        overdue=[s for s in found if s.overdue],
        upcoming=[s for s in found if not s.overdue],
        gap_groups=groups,
        as_of=as_of,
        error=error,
        arrangements=arrangements.choices(session, actor),
        chosen=chosen,
        chosen_id=chosen_id,
        page=shown,
        page_filters={
            k: v for k, v in (("regeling", chosen), ("per", request.args.get("per", ""))) if v
        },
        acts=ACT_LABELS,
        needs={act: with_article(kind_for(act)) for act in Act},
        needs_mandaat=any(s.mandate_kind == MandateKind.MANDAAT for s in gaps),
        # Asked once for all the gaps' forms.
        can_draft_mandate=actor.can(Permission.EDIT_MANDATES),
        draft_mandate_url=url_for("signals.draft_mandate"),
        draft_dossier_url=url_for("signals.draft_dossier"),
        own_first=own_id is not None,
        whole_region=whole_region,
        elsewhere=elsewhere,
    )


@dataclass(frozen=True)
class GapGroup:
    """One act of an arrangement not covered for some municipalities, as its alert on the page
    tells it. Read from the group's signals once here: a region's page has a group per
    arrangement, and the template's filters walking each group's signals for every sentence
    cost more than the rest of the page."""

    arrangement_id: int
    arrangement_name: str
    act: Act | None
    act_on: date
    signals: list[signals.Signal]
    # What the gap needs: a volmacht or a mandaat.
    kind: str
    municipality_ids: list[int]
    municipality_names: list[str]
    start_by_on: date
    gap_now: bool
    missed: bool
    # What is still possible, each text once, in the signals' order.
    advices: list[str]
    ratification: bool
    may_start: bool
    who_can: str


def _gap_group(
    key: tuple[int, str, Act | None, date],
    items: list[signals.Signal],
    *,
    may_start: bool,
    who_can: str,
) -> GapGroup:
    arrangement_id, arrangement_name, act, act_on = key
    municipalities = [s.municipality for s in items if s.municipality is not None]
    advices: dict[str, str] = {}
    for s in items:
        # Once each, whatever its capitals, as the page always listed them.
        if s.advice:
            advices.setdefault(s.advice.lower(), s.advice)
    return GapGroup(
        arrangement_id=arrangement_id,
        arrangement_name=arrangement_name,
        act=act,
        act_on=act_on,
        signals=items,
        kind=items[0].mandate_kind or "volmacht",
        municipality_ids=[m.id for m in municipalities],
        municipality_names=[m.name for m in municipalities],
        start_by_on=min(s.plan.start_by_on for s in items),
        gap_now=items[0].gap_now,
        missed=items[0].missed,
        advices=list(advices.values()),
        ratification=any(s.ratification for s in items),
        may_start=may_start,
        who_can=who_can,
    )


@blueprint.post("/signalen/volmacht")
@requires(Permission.EDIT_MANDATES)
def draft_mandate() -> ResponseReturnValue:
    """One click from a gap to a draft volmacht with a draft grant per municipality."""
    session = db()
    try:
        act = Act(request.form.get("act", ""))
        arrangement_id = fields.parse_id(request.form.get("arrangement_id", ""), label="Regeling")
        municipality_ids = GAP_MUNICIPALITIES.read(request.form.getlist("municipality_ids"))
        raw_act_on = request.form.get("act_on", "")
        act_on = parse_date(raw_act_on, label="Datum") if raw_act_on else None
    except ValueError:
        flash("Het signaal is niet (meer) geldig; laad de pagina opnieuw.", "error")
        return redirect(url_for("signals.dashboard"))
    try:
        with unit_of_work():
            already = mandates.draft_in_progress(
                session, current_actor(), arrangement_id, act=act, municipality_ids=municipality_ids
            )
            if act_on is None:
                # A form from before the act's date was sent along: valid from today.
                mandate = mandates.draft_for_gap(
                    session,
                    current_actor(),
                    arrangement_id,
                    act=act,
                    municipality_ids=municipality_ids,
                    valid_from=clock.today(),
                )
            else:
                # Valid from the act's date; ratified from it when the act is past or the
                # decision comes after it (BW 3:69).
                mandate = mandates.draft_for_signal(
                    session,
                    current_actor(),
                    arrangement_id,
                    act=act,
                    act_on=act_on,
                    municipality_ids=municipality_ids,
                    today=clock.today(),
                )
    except InvalidInput as problem:
        for message in problem.errors.values():
            flash(message, "error")
        return redirect(url_for("signals.dashboard"))
    if already is not None:
        flash(IN_PROGRESS, "success")
    else:
        flash(
            f"Concept{mandate.kind} opgesteld met een conceptbesluit voor {len(municipality_ids)} "
            "gemeenten. Vul de geldigheid en de toelichting aan.",
            "success",
        )
    return redirect(url_for("mandates.edit", mandate_id=mandate.id))


@blueprint.post("/signalen/besluit")
# The policy officer starts her college's dossier once the draft volmacht exists; the
# workflow checks who may start what (workflows.rules.gap_starters).
@requires(Permission.EDIT_DECISIONS)
def draft_dossier() -> ResponseReturnValue:
    """One click from a gap to a regional decision dossier (and the draft volmacht it grants)."""
    session = db()
    try:
        gap = decisions.read_gap(
            {**request.form.to_dict(), "municipality_ids": request.form.getlist("municipality_ids")}
        )
    except InvalidInput:
        flash("Het signaal is niet (meer) geldig; laad de pagina opnieuw.", "error")
        return redirect(url_for("signals.dashboard"))
    try:
        with unit_of_work():
            decision, kept = decisions.start_from_gap(
                session, current_actor(), gap, today=clock.today(), now=clock.now()
            )
    except InvalidInput as problem:
        for message in problem.errors.values():
            flash(message, "error")
        return redirect(url_for("signals.dashboard"))
    if kept:
        flash(IN_PROGRESS, "success")
    elif decision.municipality is None:
        children = len(
            decisions.progress(session, current_actor(), decision.id, today=clock.today()).children
        )
        flash(
            f"Regionaal besluitvormingsdossier en concept{ACT_KIND.get(gap.act, 'volmacht')} "
            f"opgesteld en uitgespreid over {children} colleges. Elk college vult zijn eigen "
            "dossier aan en besluit.",
            "success",
        )
    else:
        flash(
            f"Besluitvormingsdossier voor het college van {decision.municipality.name} en "
            f"concept{ACT_KIND.get(gap.act, 'volmacht')} opgesteld. Vul het dossier aan.",
            "success",
        )
    return redirect(url_for("decisions.detail", decision_id=decision.id))


@blueprint.get("/termijnen")
@signed_in
def term_calculator() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    result: TermEnd | None = None
    start_raw = request.args.get("start", "")
    amount_raw = request.args.get("aantal", "")
    unit = request.args.get("eenheid", "weeks")
    equated = equated_days.for_terms(db())
    if start_raw or amount_raw:
        start = None
        try:
            start = parse_date(start_raw, label="Begindatum")
        except ValueError as problem:
            errors["start"] = str(problem)
        amount = fields.whole_or_none(amount_raw, minimum=1)
        if amount is None:
            errors["aantal"] = "Aantal: vul een geheel getal van 1 of meer in."
        if unit not in UNITS:
            errors["eenheid"] = "Eenheid: kies dagen, weken of maanden."
        if not errors and start is not None and amount is not None:
            if amount > 10_000:
                errors["aantal"] = "Aantal: ten hoogste 10000."
            else:
                result = term_end(
                    start,
                    days=amount if unit == "days" else 0,
                    weeks=amount if unit == "weeks" else 0,
                    months=amount if unit == "months" else 0,
                    equated=equated,
                )
    return render_template(
        "signals/terms.html",
        result=result,
        equated_until=max(equated, default=None),
        errors=errors,
        values={"start": start_raw, "aantal": amount_raw, "eenheid": unit},
        units=UNITS,
    )
