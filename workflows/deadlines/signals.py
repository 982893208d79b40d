"""Signals: what must be decided when, derived from the registers alone.

Each signal plans backwards from the date of the act (docs/architecture.md §5): the municipality's
last
B&W meeting before it, the agenda closing date, and the day co-advice must start. Signals look
ahead over everything the registers plan, however far away; an act whose date has passed stays
listed as overdue while the gap it signals is still open.

Gaps come from every act the registers imply over the life of an arrangement: the agreements of
a running phase (the lead already acts: a grant still in draft is a gap now) and of a phase to
come, the tender for the successor (preparation, procedure, award) and the new agreement, the
notices of the running agreements. The acts that one decision authorises form a route, and a
municipality gets one signal per route, planned on its first act that is not covered.

A missed meeting is not the plan: once the agenda of the last meeting before the act has
closed, the signal says so and offers the next meeting whose agenda is open, and, where the act
is done or will be done before that decision, the ratification route (BW 3:69).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from storage import arrangements as arrangement_store
from storage import derivations as derivation_store
from storage import paging
from storage.agreements import Agreement
from storage.arrangements import Arrangement
from storage.audit import AuditEvent
from storage.database import reading_session
from storage.mandates import Mandate
from storage.organisations import Organisation
from storage.paging import AnyRow, Page, Window
from workflows.actors import Actor
from workflows.deadlines import register_changes
from workflows.registers import arrangements, equated_days, organisations
from workflows.registers.agreements import term_of
from workflows.registers.coverage import facts, municipalities_of
from workflows.rules import coverage as coverage_rule
from workflows.rules import ratification
from workflows.rules.acts import ACT_LABELS, Act, kind_for, needed, new
from workflows.rules.deadlines import SIGNAL_KINDS
from workflows.rules.dutch_format import long_date
from workflows.rules.own_municipality import concerns
from workflows.rules.periods import ONE_DAY, add_months
from workflows.rules.planning import MeetingCalendar, Plan, next_meeting, plan_backwards
from workflows.rules.roles import Permission
from workflows.rules.tender import timetable
from workflows.rules.termijnenwet import Equated

KIND_LABELS = {kind.value: kind.label for kind in SIGNAL_KINDS}
ACTIVE_AGREEMENT = {"signed", "active", "extended"}
# What ``term_of`` reads of an agreement: its notice date needs no mandates or beds.
TERM_FIELDS = (
    "kind",
    "start_on",
    "end_on",
    "extension_count",
    "extension_months",
    "maximum_end_on",
    "notice_months",
)
STAYS_WHEN_OVERDUE = {"mandate_needed", "tender_preparation"}


@dataclass(frozen=True)
class Signal:
    kind: str
    arrangement_id: int
    arrangement_name: str
    subject: str
    act_on: date
    plan: Plan
    explanation: str
    municipality: Organisation | None = None
    act: Act | None = None
    mandate_id: int | None = None
    overdue: bool = False
    key: str = field(default="")
    # Every act of the route that is not covered, ``act`` first.
    acts: tuple[Act, ...] = ()
    # The kind of mandate the signal is about: what a gap needs, what expires.
    mandate_kind: str = ""
    # The agenda of the planned meeting has closed: ``next_plan`` is what is still possible.
    missed: bool = False
    next_plan: Plan | None = None
    # The act is done already without sufficient authority: a gap now.
    gap_now: bool = False
    # What is still possible, in Dutch: empty while the plan can be kept.
    advice: str = ""
    # For a gap whose decision comes after its act: the ratification route (BW 3:69).
    ratification: str = ""

    @property
    def what_now(self) -> str:
        """``advice`` and ``ratification`` in one text."""
        return " ".join(part for part in (self.advice, self.ratification) if part)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind, self.mandate_kind)


def kind_label(kind: str, mandate_kind: str) -> str:
    if kind == "mandate_needed" and mandate_kind:
        return needed(mandate_kind)
    if kind == "mandate_expiring" and mandate_kind:
        return f"{mandate_kind} verloopt"
    return KIND_LABELS[kind]


@dataclass(frozen=True)
class _PlannedAct:
    act: Act
    on: date
    why: str


@dataclass(frozen=True)
class _Route:
    """Acts one decision authorises, in order of their dates."""

    ref: str  # what the acts belong to, stable when their dates move
    acts: tuple[_PlannedAct, ...]


@dataclass(frozen=True)
class _Notice:
    agreement: Agreement
    on: date


def _routes(
    arrangement: Arrangement, notices: Sequence[_Notice], *, as_of: date, since: date
) -> list[_Route]:
    """The acts the registers say the lead does for every municipality, from ``since`` on."""
    lead = arrangement.lead_organisation.name
    found: list[_Route] = []
    for phase in arrangement.phases:
        # An ended phase is history: its agreements have run their course.
        if phase.end_on < since:
            continue
        act = Act.EXTEND_AGREEMENT if phase.kind == "extension" else Act.CONCLUDE_AGREEMENT
        why = (
            f"{lead} treedt sinds {long_date(phase.start_on)} namens de gemeenten op in "
            f"{phase.name}"
            if phase.start_on <= as_of
            else f"{phase.name} begint op {long_date(phase.start_on)}"
        )
        found.append(_Route(f"phase{phase.id}", (_PlannedAct(act, phase.start_on, why),)))
    successor = _successor(arrangement)
    if successor:
        found.append(_Route("successor", successor))
    by_notice: dict[tuple[date, Act], list[Agreement]] = defaultdict(list)
    for notice in notices:
        if notice.on < since:
            continue
        left = notice.agreement.extension_count - notice.agreement.extensions_used
        act = Act.EXTEND_AGREEMENT if left > 0 else Act.TERMINATE_AGREEMENT
        by_notice[(notice.on, act)].append(notice.agreement)
    for (on, act), group in sorted(by_notice.items()):
        references = _listing([a.reference for a in group])
        verb = "worden verlengd of opgezegd" if act is Act.EXTEND_AGREEMENT else "worden opgezegd"
        must = "moet" if len(group) == 1 else "moeten"
        why = f"{references} {must} uiterlijk {long_date(on)} {verb}"
        ref = "notice" + "+".join(str(a.id) for a in sorted(group, key=lambda a: a.id))
        found.append(_Route(ref, (_PlannedAct(act, on, why),)))
    return found


def _successor(arrangement: Arrangement) -> tuple[_PlannedAct, ...]:
    """The acts of the planned successor, until it is in the registers as a phase of its own
    (then that phase's route carries its agreement)."""
    start = arrangement.successor_start_on
    if start is None or any(p.start_on >= start for p in arrangement.phases):
        return ()
    if arrangement.successor_kind == "tender":
        lead_months = arrangement.tender_lead_months
        why = {
            Act.PREPARE_TENDER: f"de aanbesteding voor het contract per {long_date(start)} moet "
            f"{{on}} in voorbereiding zijn ({lead_months} maanden ervoor)",
            Act.RUN_TENDER: "de aanbesteding wordt {on} gepubliceerd en uitgevoerd",
            Act.AWARD_TENDER: "de opdracht wordt {on} gegund",
            Act.CONCLUDE_AGREEMENT: f"het nieuwe contract begint op {long_date(start)}",
        }
        return tuple(
            _PlannedAct(act, on, why[act].format(on=f"uiterlijk {long_date(on)}"))
            for act, on in timetable(start, lead_months)
        )
    if arrangement.successor_kind == "structural_contract":
        why_start = f"het structurele contract begint op {long_date(start)}"
        return (_PlannedAct(Act.CONCLUDE_AGREEMENT, start, why_start),)
    if arrangement.successor_kind == "extension":
        why_start = f"de verdere verlenging begint op {long_date(start)}"
        return (_PlannedAct(Act.EXTEND_AGREEMENT, start, why_start),)
    return ()


def _without_act(reason: str, act: Act) -> str:
    return reason.replace(f"'{ACT_LABELS[act]}'", "")


def _listing(items: Sequence[str]) -> str:
    """``a``, ``a en b``, ``a, b en c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def derive(
    session: Session,
    actor: Actor,
    *,
    as_of: date,
    arrangement_id: int | None = None,
    visible: Sequence[Arrangement] | None = None,
) -> list[Signal]:
    """The signals of the arrangements the actor sees. ``visible``: those arrangements when the
    caller has loaded them already, which saves loading them twice per request."""
    actor.require(Permission.VIEW_SIGNALS)
    if visible is None:
        ids = arrangements.visible_ids(session, actor)
        if arrangement_id is not None:
            ids = [i for i in ids if i == arrangement_id]
        return _by_date(cached_signals_of(session, ids, as_of=as_of))
    chosen = [a for a in visible if arrangement_id is None or a.id == arrangement_id]
    return _by_date(cached_signals_of(session, [a.id for a in chosen], as_of=as_of, loaded=chosen))


def derive_all(
    session: Session,
    *,
    as_of: date,
    keep_since: date | None = None,
    arrangement_ids: Sequence[int] | None = None,
) -> list[Signal]:
    """Every signal of every arrangement (of ``arrangement_ids`` when given): what the scheduler
    turns into deadlines. Signals whose date fell on or after ``keep_since`` (default:
    ``as_of``) stay, so that a deadline can be reminded of as overdue for a while."""
    everything = arrangement_store.for_planning(
        session,
        arrangement_store.arrangement_ids(session) if arrangement_ids is None else arrangement_ids,
    )
    return _signals_of(
        session, sorted(everything, key=lambda a: a.id), as_of=as_of, keep_since=keep_since
    )


def _by_date(signals: list[Signal]) -> list[Signal]:
    return sorted(
        signals,
        key=lambda s: (s.plan.start_by_on, s.kind, s.municipality.name if s.municipality else ""),
    )


def _signals_of(
    session: Session,
    chosen: Sequence[Arrangement],
    *,
    as_of: date,
    keep_since: date | None = None,
) -> list[Signal]:
    """The signals of the given arrangements; their mandates and agreements are read in one go
    for all of them (two queries and their eager loads, not two per arrangement)."""
    ids = [a.id for a in chosen]
    if not ids:
        return []
    mandates: dict[int, list[Mandate]] = defaultdict(list)
    for mandate in derivation_store.planning_mandates(session, ids):
        mandates[mandate.arrangement_id].append(mandate)
    agreements: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in derivation_store.planning_agreements(session, ids):
        agreements[agreement.arrangement_id].append(agreement)
    # The planning counts with the days the beheerder keeps as equated with holidays.
    planning = _Planning(as_of, equated_days.for_terms(session))
    found: list[Signal] = []
    for arrangement in chosen:
        found += _for_arrangement(
            arrangement,
            mandates[arrangement.id],
            agreements[arrangement.id],
            as_of=as_of,
            planning=planning,
            keep_since=as_of if keep_since is None else keep_since,
        )
    return found


class _Planning:
    """The backward planning of one derivation, remembered per calendar and date: a region's
    signals ask the same few questions (the same act dates, one calendar per municipality)
    hundreds of times, and each answer walks days through the holiday rules."""

    def __init__(self, as_of: date, equated: Equated | None) -> None:
        self.as_of = as_of
        self.equated = equated
        self._calendars: dict[int, MeetingCalendar] = {}
        self._backwards: dict[tuple[date, MeetingCalendar], Plan] = {}
        self._next: dict[MeetingCalendar, Plan] = {}

    def calendar(self, organisation: Organisation) -> MeetingCalendar:
        found = self._calendars.get(organisation.id)
        if found is None:
            found = self._calendars[organisation.id] = organisations.calendar_of(organisation)
        return found

    def backwards(self, act_on: date, calendar: MeetingCalendar) -> Plan:
        found = self._backwards.get((act_on, calendar))
        if found is None:
            found = plan_backwards(act_on, calendar, self.equated)
            self._backwards[(act_on, calendar)] = found
        return found

    def next_meeting(self, act_on: date, calendar: MeetingCalendar) -> Plan:
        """``rules.planning.next_meeting``, whose dates depend on the day and the calendar
        only (the act's date is carried along)."""
        found = self._next.get(calendar)
        if found is None:
            found = self._next[calendar] = next_meeting(self.as_of, act_on, calendar, self.equated)
        return replace(found, act_on=act_on)


def _advice(plan: Plan, next_plan: Plan | None, calendar: MeetingCalendar, *, as_of: date) -> str:
    """What the plan still allows, or what is still possible when its meeting is missed."""
    if next_plan is None:
        if plan.start_by_on >= as_of:
            return ""
        return (
            f"De mee-advisering had op {long_date(plan.start_by_on)} moeten starten; de agenda "
            f"van de collegevergadering van {long_date(plan.latest_meeting_on)} sluit op "
            f"{long_date(plan.agenda_closes_on)}: start direct."
        )
    if as_of > plan.latest_meeting_on:
        missed = (
            f"De laatste collegevergadering vóór {long_date(plan.act_on)} was op "
            f"{long_date(plan.latest_meeting_on)} en is voorbij."
        )
    else:
        missed = (
            f"De agenda van de laatste collegevergadering vóór {long_date(plan.act_on)} "
            f"({long_date(plan.latest_meeting_on)}) is op {long_date(plan.agenda_closes_on)} "
            "gesloten."
        )
    co_advice = (
        f"de mee-advisering start uiterlijk {long_date(next_plan.start_by_on)}"
        if next_plan.start_by_on >= as_of
        else "de mee-advisering moet direct starten, in minder dan de gebruikelijke "
        f"{calendar.co_advice_working_days} werkdagen"
    )
    return (
        f"{missed} Nog mogelijk: de collegevergadering van "
        f"{long_date(next_plan.latest_meeting_on)}; de agenda sluit op "
        f"{long_date(next_plan.agenda_closes_on)} en {co_advice}."
    )


def _for_arrangement(
    arrangement: Arrangement,
    mandates: Sequence[Mandate],
    agreements: Sequence[Agreement],
    *,
    as_of: date,
    planning: _Planning,
    keep_since: date,
) -> list[Signal]:
    phases, mandate_facts = facts(arrangement, mandates)
    names = {p.organisation_id: p.organisation.name for p in arrangement.participants}
    lead = arrangement.lead_organisation
    municipalities = municipalities_of(arrangement)
    notices = [
        _Notice(a, term_of({name: getattr(a, name) for name in TERM_FIELDS}).notice_deadline())
        for a in agreements
        if a.status in ACTIVE_AGREEMENT
    ]
    signals: list[Signal] = []

    def signal(
        kind: str,
        subject: str,
        act_on: date,
        explanation: str,
        *,
        ref: str,
        who: Organisation | None = None,
        later: Sequence[_PlannedAct] = (),
        **extra: object,
    ) -> None:
        calendar = planning.calendar(who or lead)
        plan = planning.backwards(act_on, calendar)
        missed = as_of > plan.agenda_closes_on
        next_plan = planning.next_meeting(act_on, calendar) if missed else None
        advice = _advice(plan, next_plan, calendar, as_of=as_of)
        gap_now = kind == "mandate_needed" and act_on < as_of
        route = ""
        if kind == "mandate_needed" and next_plan is not None and who is not None:
            in_time = [p for p in later if p.on > next_plan.latest_meeting_on]
            if in_time:
                advice += (
                    " Dat besluit is op tijd voor: "
                    + _listing([f"{ACT_LABELS[p.act]} op {long_date(p.on)}" for p in in_time])
                    + "."
                )
            # The next meeting falls on or after the act (the missed one was the last before
            # it): the act is done, or will be, before the decision.
            route = ratification.route(
                str(extra.get("mandate_kind", "volmacht")),
                who.name,
                lead.name,
                act_on,
                done=gap_now,
            )
        # The key names what the signal is about, not its dates: when a date moves, the
        # deadline made from it moves with it instead of being replaced.
        key_parts = [kind, str(arrangement.id), ref, str(who.id if who else "")]
        signals.append(
            Signal(
                kind=kind,
                arrangement_id=arrangement.id,
                arrangement_name=arrangement.name,
                subject=subject,
                act_on=act_on,
                plan=plan,
                explanation=explanation,
                municipality=who,
                overdue=plan.start_by_on < as_of,
                key="|".join(key_parts),
                missed=missed,
                next_plan=next_plan,
                gap_now=gap_now,
                advice=advice,
                ratification=route,
                **extra,  # type: ignore[arg-type]
            )
        )

    for route in _routes(arrangement, notices, as_of=as_of, since=keep_since):
        for municipality in municipalities:
            open_acts: list[tuple[_PlannedAct, coverage_rule.Answer]] = []
            for planned in route.acts:
                answer = coverage_rule.answer(
                    acting_id=arrangement.lead_organisation_id,
                    municipality_id=municipality.id,
                    act=planned.act,
                    on=planned.on,
                    lead_id=arrangement.lead_organisation_id,
                    names=names,
                    phases=phases,
                    mandates=mandate_facts,
                    decided_by=as_of,
                )
                if not answer.covered:
                    open_acts.append((planned, answer))
            if not open_acts:
                continue
            (first, reason), later = open_acts[0], open_acts[1:]
            kind = kind_for(first.act)
            explanation = (
                f"{municipality.name} moet {new(kind)} verlenen aan {lead.name}: {first.why}. "
                f"{reason.reason}"
            )
            if later:
                # A later act's reason is told only where it differs from the first's by more
                # than the act it names ("niet voor 'aanbesteding gunnen'").
                same = _without_act(reason.reason, first.act)
                explanation += (
                    " Ook niet gedekt: "
                    + _listing(
                        [
                            f"{ACT_LABELS[p.act]} op {long_date(p.on)}"
                            + (
                                ""
                                if _without_act(a.reason, p.act) == same
                                else f" ({a.reason.rstrip('.')})"
                            )
                            for p, a in later
                        ]
                    )
                    + "."
                )
            signal(
                "mandate_needed",
                f"{_listing([ACT_LABELS[p.act] for p, _ in open_acts])} namens {municipality.name}",
                first.on,
                explanation,
                ref=route.ref,
                who=municipality,
                later=[p for p, _ in later],
                act=first.act,
                acts=tuple(p.act for p, _ in open_acts),
                mandate_id=reason.mandate_id,
                mandate_kind=str(kind),
            )
    if arrangement.successor_kind == "tender" and arrangement.successor_start_on is not None:
        start = arrangement.successor_start_on
        prepare = add_months(start, -arrangement.tender_lead_months)
        if start > keep_since:
            signal(
                "tender_preparation",
                "aanbesteding voorbereiden",
                prepare,
                f"De aanbesteding voor het contract per {long_date(start)} moet uiterlijk "
                f"{long_date(prepare)} starten ({arrangement.tender_lead_months} maanden ervoor).",
                ref="successor",
            )
    last = arrangement.phases[-1] if arrangement.phases else None
    if last is not None and last.end_on >= keep_since:
        follow = last.end_on + ONE_DAY
        signal(
            "extension_decision",
            f"vervolg na {last.name}",
            follow,
            f"{last.name} eindigt op {long_date(last.end_on)}: vóór {long_date(follow)} moet "
            "besloten zijn over verlengen, aanbesteden of stoppen.",
            ref=f"phase{last.id}",
        )
    for moment in arrangement.evaluation_moments:
        if moment.due_on >= keep_since:
            signal(
                "evaluation_due",
                moment.name,
                moment.due_on,
                f"{moment.name}: {long_date(moment.due_on)}.",
                ref=f"moment{moment.id}",
            )
    for mandate in mandates:
        if mandate.valid_until is not None and mandate.valid_until >= keep_since:
            signal(
                "mandate_expiring",
                mandate.title,
                mandate.valid_until + ONE_DAY,
                f"{mandate.title} is geldig tot en met {long_date(mandate.valid_until)}.",
                ref=f"mandate{mandate.id}",
                mandate_id=mandate.id,
                mandate_kind=mandate.kind,
            )
    for notice in notices:
        agreement = notice.agreement
        if notice.on >= keep_since:
            left = agreement.extension_count - agreement.extensions_used
            signal(
                "agreement_notice",
                f"{agreement.reference} – {agreement.provider.name}",
                notice.on,
                f"{agreement.reference} eindigt op {long_date(agreement.end_on)}; opzeggen of "
                f"verlengen ({left} verlengingsoptie(s) over) uiterlijk {long_date(notice.on)}.",
                ref=f"agreement{agreement.id}",
            )
    # A passed date stays on the list only while the gap it signals is still open.
    return [s for s in signals if s.act_on >= keep_since or s.kind in STAYS_WHEN_OVERDUE]


@dataclass(frozen=True)
class Line:
    """A signal as the start page lists it: plain values, safe to keep between requests."""

    start_by_on: date
    kind_label: str
    subject: str
    overdue: bool
    # The planned meeting can no longer be made: the next one that still can.
    next_meeting_on: date | None = None


@dataclass(frozen=True)
class Summary:
    first: tuple[Line, ...]
    overdue: int


NO_SIGNALS = Summary(first=(), overdue=0)

RegistersVersion = tuple[int, str | None]


def registers_version(session: Session) -> RegistersVersion:
    """The newest audit event that may have changed the registers, id and hash. Every create,
    update and delete in the registers writes an audit event in the same transaction
    (docs/security.md S24), so what is derived from the registers may be kept until this moves;
    read it before the registers. The hash covers all history before it: another database (a
    restored backup) with the same id has another hash."""
    head = session.execute(_HEAD).first()
    return (0, None) if head is None else (head[0], head[1])


# Audited actions that change nothing the registers hold: signing in and out, the second
# factor, passwords and sessions, downloads and exports, refused access. Leaving them out keeps
# what the start page derived across the logins of a working day; every other action (any
# create, update, delete, decision step, import, effect) moves the version. A new kind of
# action therefore moves it too until it is named here: stale is never the default.
NOT_REGISTER_CHANGES = (
    "login",
    "logout",
    "access",
    "download",
    "export",
    "password_change",
    "end_sessions",
    "second_factor",
    "second_factor_enrol",
    "second_factor_off",
    "second_factor_recovery",
    "second_factor_recovery_codes",
)

# Built once: it is asked on every start page, and building it costs more than running it.
# The actions stand in the SQL itself: as twelve bound values SQLAlchemy would expand them on
# every execution, which cost more than the query. They are our own fixed words (no quotes).
_HEAD = (
    select(AuditEvent.id, AuditEvent.hash)
    .where(
        text(
            "audit_events.action NOT IN ("
            + ", ".join(f"'{action}'" for action in NOT_REGISTER_CHANGES)
            + ")"
        )
    )
    .order_by(AuditEvent.id.desc())
    .limit(1)
)


def summary(
    session: Session,
    actor: Actor,
    *,
    as_of: date,
    visible_ids: Sequence[int],
    first: int = 6,
    municipality_id: int | None = None,
) -> Summary:
    """What the start page shows of the signals of the arrangements the actor sees
    (``visible_ids``, from ``arrangements.visible_ids``): the first few in the order ``derive``
    gives, and how many of all are overdue. With ``municipality_id``: only what concerns that
    municipality (rules.own_municipality)."""
    actor.require(Permission.VIEW_SIGNALS)
    found = _look_up(session, visible_ids, as_of=as_of)
    kept, overdue = derivation_store.first_signals(
        session, as_of, found.kept, first=first, municipality_id=municipality_id
    )
    lines = [
        (
            _row_order(row),
            Line(
                row.start_by_on,
                kind_label(row.kind, row.mandate_kind),
                row.subject,
                row.overdue,
                row.next_meeting_on,
            ),
        )
        for row in kept
    ]
    for signal, position in _positioned(found.derived):
        if municipality_id is None or concerns(_municipality_id(signal), municipality_id):
            overdue += signal.overdue
            lines.append(
                (
                    _order(signal, position),
                    Line(
                        signal.plan.start_by_on,
                        signal.kind_label,
                        signal.subject,
                        signal.overdue,
                        signal.next_plan.latest_meeting_on if signal.next_plan else None,
                    ),
                )
            )
    lines.sort(key=lambda pair: pair[0])
    return Summary(first=tuple(line for _, line in lines[:first]), overdue=overdue)


def page(
    session: Session,
    actor: Actor,
    window: Window,
    *,
    as_of: date,
    arrangement_id: int | None = None,
) -> Page[Signal]:
    """One page of what ``derive`` gives (the API's list), and how many there are in all: read,
    sorted, counted and cut in SQL, so a page costs its own rows whatever the region holds."""
    actor.require(Permission.VIEW_SIGNALS)
    found = _look_up(session, _visible(session, actor, arrangement_id), as_of=as_of)
    return _page_of(session, found, window, as_of=as_of)


def by_arrangement(
    session: Session,
    actor: Actor,
    window: Window,
    *,
    as_of: date,
    arrangement_id: int | None = None,
) -> tuple[Page[int], list[Signal]]:
    """A page of the arrangements the actor sees that have signals, the most urgent first (the
    earliest date by which work on any of their signals must start; then by id), and the
    signals of those arrangements in the order of ``derive``."""
    actor.require(Permission.VIEW_SIGNALS)
    found = _look_up(session, _visible(session, actor, arrangement_id), as_of=as_of)
    earliest: dict[int, date] = {}
    for signal in found.derived:
        start_by = signal.plan.start_by_on
        if signal.arrangement_id not in earliest or start_by < earliest[signal.arrangement_id]:
            earliest[signal.arrangement_id] = start_by
    # The kept ones are one date per arrangement the actor sees, read in one statement and
    # ordered here (a page and a count in SQL would group the day's rows twice), merged with
    # those derived just now, which are not in the table yet.
    kept = derivation_store.earliest_starts(session, as_of, found.kept) if found.kept else []
    order = sorted((day, key) for key, day in [*kept, *earliest.items()])
    shown = paging.of_list([key for _, key in order], window)
    on_page = set(shown.rows)
    signals = _page_of(
        session,
        _Found(
            kept=[i for i in found.kept if i in on_page],
            derived=[s for s in found.derived if s.arrangement_id in on_page],
        ),
        paging.EVERYTHING,
        as_of=as_of,
    )
    return shown, list(signals.rows)


def _visible(session: Session, actor: Actor, arrangement_id: int | None) -> list[int]:
    ids = arrangements.visible_ids(session, actor)
    return ids if arrangement_id is None else [i for i in ids if i == arrangement_id]


# Signals kept in the database (storage.derivations), per arrangement and day, shared by every
# worker: a miss costs the derivation of the arrangements that changed, not of all. An entry
# holds the signals of one arrangement as derived on its day at a registers version, one row
# per signal; it serves while no audited change since that version touched the arrangement
# (register_changes). The day is part of the key because the signals depend on it (overdue, a
# missed meeting, what is still possible); a new day derives each arrangement once more.
_FRESH = "besluitwerk.fresh_signals"


@dataclass(frozen=True)
class _Found:
    """Where the signals of the arrangements asked for are: kept in the table (``kept``: the
    arrangements whose rows serve), or ``derived`` just now for the others."""

    kept: list[int]
    derived: list[Signal]


def _look_up(
    session: Session,
    ids: Sequence[int],
    *,
    as_of: date,
    loaded: Sequence[Arrangement] | None = None,
    only_missing: bool = False,
) -> _Found:
    """Which of the arrangements ``ids`` have valid kept signals on ``as_of``; the signals of
    the others are derived (``_signals_of``) and wait in the session for ``keep_fresh``.
    ``loaded``: those arrangements when the caller has loaded them already. ``only_missing``:
    only derive what the table lacks (``warm``)."""
    if not ids:
        return _Found([], [])
    # The version first: everything read after it is at least as new (see registers_version).
    version = registers_version(session)[0]
    entries = [
        (arrangement_id, audit_id)
        for arrangement_id, audit_id in derivation_store.cached_versions(session, ids, as_of)
        if audit_id <= version
    ]
    valid = _still_valid(session, entries, version)
    fresh = session.info.setdefault(_FRESH, {})
    if not only_missing:
        # Still valid at the newer version: marked with it, so that the next request need not
        # read the same changes again to know that.
        for arrangement_id, audit_id in entries:
            if audit_id < version and arrangement_id in valid:
                fresh[(arrangement_id, as_of)] = derivation_store.Cached(arrangement_id, version)
    missing = [i for i in ids if i not in valid]
    derived: list[Signal] = []
    if missing:
        wanted = set(missing)
        chosen = (
            [a for a in loaded if a.id in wanted]
            if loaded is not None
            else arrangement_store.for_planning(session, missing)
        )
        derived = _signals_of(session, sorted(chosen, key=lambda a: a.id), as_of=as_of)
        per_arrangement: dict[int, list[Signal]] = {a.id: [] for a in chosen}
        for signal in derived:
            per_arrangement[signal.arrangement_id].append(signal)
        for arrangement_id, its in per_arrangement.items():
            fresh[(arrangement_id, as_of)] = derivation_store.Cached(
                arrangement_id, version, [_row_values(s) for s in its]
            )
    return _Found([i for i in ids if i in valid], derived)


def cached_signals_of(
    session: Session,
    ids: Sequence[int],
    *,
    as_of: date,
    loaded: Sequence[Arrangement] | None = None,
) -> list[Signal]:
    """The signals of the arrangements ``ids`` on ``as_of`` (``_signals_of``), from the table
    where it is valid, in the order of ``derive``."""
    found = _look_up(session, ids, as_of=as_of, loaded=loaded)
    return list(_page_of(session, found, paging.EVERYTHING, as_of=as_of).rows)


def _page_of(
    session: Session,
    found: _Found,
    window: Window,
    *,
    as_of: date,
    municipality_id: int | None = None,
) -> Page[Signal]:
    """The window of the signals ``found``, in the order of ``derive`` and the table's index
    (storage.derivations.SIGNAL_ORDER); with ``municipality_id`` only what concerns it."""
    derived = (
        found.derived if municipality_id is None else concerning(found.derived, municipality_id)
    )
    query = derivation_store.signal_rows(as_of, found.kept, municipality_id=municipality_id)
    if not derived:
        if not found.kept:
            return Page([], 0, window)
        kept = paging.fetch_rows(session, query, window)
        return Page(_from_rows(session, kept.rows), kept.total, window)
    # Some were derived just now and are not in the table yet: the kept rows up to the end of
    # the window are merged with them.
    reach = window if window == paging.EVERYTHING else Window(limit=window.offset + window.limit)
    kept = paging.fetch_rows(session, query, reach) if found.kept else Page([], 0, reach)
    ordered: list[tuple[_Order, Signal]] = []
    for row, signal in zip(kept.rows, _from_rows(session, kept.rows), strict=True):
        ordered.append((_row_order(row), signal))
    for signal, position in _positioned(found.derived):
        if municipality_id is None or concerns(_municipality_id(signal), municipality_id):
            ordered.append((_order(signal, position), signal))
    ordered.sort(key=lambda pair: pair[0])
    rows = [signal for _, signal in ordered[window.offset : window.offset + window.limit]]
    return Page(rows, kept.total + len(derived), window)


def _positioned(derived: Sequence[Signal]) -> list[tuple[Signal, int]]:
    """Each signal with its place in its arrangement's derivation (its row's ``position``)."""
    positions: dict[int, int] = defaultdict(int)
    found = []
    for signal in derived:
        found.append((signal, positions[signal.arrangement_id]))
        positions[signal.arrangement_id] += 1
    return found


_Order = tuple[date, str, str, str, int, int]


def _row_order(row: AnyRow) -> _Order:
    """The place of a kept signal in every list (``derivation_store.SIGNAL_ORDER``)."""
    return (
        row.start_by_on,
        row.kind,
        row.municipality_name,
        row.arrangement_name,
        row.arrangement_id,
        row.position,
    )


def _order(signal: Signal, position: int) -> _Order:
    """The place of a signal in every list: the order of ``derivation_store.SIGNAL_ORDER``."""
    return (
        signal.plan.start_by_on,
        signal.kind,
        signal.municipality.name if signal.municipality else "",
        signal.arrangement_name,
        signal.arrangement_id,
        position,
    )


def warm(sessions: sessionmaker[Session], *, as_of: date) -> int:
    """Derives and stores the signals of every arrangement the table lacks for ``as_of`` (the
    scheduler's tick: after a change, and on a new day, the first page need not wait for
    them); derived outside any write transaction. The number of arrangements stored."""
    with reading_session(sessions) as session:
        ids = arrangement_store.arrangement_ids(session)
        _look_up(session, ids, as_of=as_of, only_missing=True)
        session.rollback()
        return keep_fresh(session, sessions)


def _still_valid(session: Session, entries: Sequence[tuple[int, int]], version: int) -> set[int]:
    """Of the kept entries (arrangement, version), the arrangements that no change since the
    entry's own version touched: the changes since the oldest entry's version are read once,
    with the newest event per arrangement."""
    if not entries:
        return set()
    oldest = min(audit_id for _, audit_id in entries)
    changes = (
        register_changes.since(session, oldest, skip_actions=NOT_REGISTER_CHANGES)
        if oldest < version
        else register_changes.NOTHING
    )
    return {
        arrangement_id
        for arrangement_id, audit_id in entries
        if not changes.touches(arrangement_id, after=audit_id)
    }


def keep_fresh(session: Session, sessions: sessionmaker[Session]) -> int:
    """Stores in the table what ``session`` derived, in a short transaction of its own when it
    costs no wait (``put_signals_if_free``); the number of entries stored."""
    fresh: dict[tuple[int, date], derivation_store.Cached] = session.info.pop(_FRESH, {})
    stored = 0
    per_day: dict[date, list[derivation_store.Cached]] = defaultdict(list)
    for (_, day), entry in fresh.items():
        per_day[day].append(entry)
    for day, entries in per_day.items():
        if derivation_store.put_signals_if_free(sessions, entries, day):
            stored += len(entries)
    return stored


def _row_values(s: Signal) -> dict[str, object]:
    """A signal as the columns of its ``SignalRow``."""
    return {
        "kind": s.kind,
        "arrangement_name": s.arrangement_name,
        "subject": s.subject,
        "act_on": s.act_on,
        "latest_meeting_on": s.plan.latest_meeting_on,
        "agenda_closes_on": s.plan.agenda_closes_on,
        "start_by_on": s.plan.start_by_on,
        "explanation": s.explanation,
        "municipality_id": s.municipality.id if s.municipality else None,
        "municipality_name": s.municipality.name if s.municipality else "",
        "act": s.act.value if s.act else None,
        "acts": " ".join(a.value for a in s.acts),
        "mandate_id": s.mandate_id,
        "mandate_kind": s.mandate_kind,
        "overdue": s.overdue,
        "signal_key": s.key,
        "missed": s.missed,
        "next_act_on": s.next_plan.act_on if s.next_plan else None,
        "next_meeting_on": s.next_plan.latest_meeting_on if s.next_plan else None,
        "next_agenda_closes_on": s.next_plan.agenda_closes_on if s.next_plan else None,
        "next_start_by_on": s.next_plan.start_by_on if s.next_plan else None,
        "gap_now": s.gap_now,
        "advice": s.advice,
        "ratification": s.ratification,
    }


# Looked up by value in a dict: ``Act(value)`` goes through the enum machinery, and a page
# decodes the acts of a hundred rows.
_ACTS = {act.value: act for act in Act}


def _from_rows(session: Session, rows: Sequence[AnyRow]) -> list[Signal]:
    """Signals from rows of ``derivation_store.SIGNAL_COLUMNS``, unpacked in their order: a
    page decodes a hundred rows of thirty columns, and a column read by name costs several
    times what unpacking the row does."""
    ids = {row.municipality_id for row in rows if row.municipality_id is not None}
    municipalities = (
        {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
        if ids
        else {}
    )
    found = []
    for (
        arrangement_id,
        _,
        _,
        kind,
        arrangement_name,
        subject,
        act_on,
        latest_meeting_on,
        agenda_closes_on,
        start_by_on,
        explanation,
        municipality_id,
        _,
        act,
        acts,
        mandate_id,
        mandate_kind,
        overdue,
        key,
        missed,
        next_act_on,
        next_meeting_on,
        next_agenda_closes_on,
        next_start_by_on,
        gap_now,
        advice,
        ratification_route,
    ) in rows:
        found.append(
            Signal(
                kind=kind,
                arrangement_id=arrangement_id,
                arrangement_name=arrangement_name,
                subject=subject,
                act_on=act_on,
                plan=Plan(act_on, latest_meeting_on, agenda_closes_on, start_by_on),
                explanation=explanation,
                municipality=(
                    municipalities[municipality_id] if municipality_id is not None else None
                ),
                act=_ACTS[act] if act else None,
                mandate_id=mandate_id,
                overdue=overdue,
                key=key,
                acts=tuple(_ACTS[a] for a in acts.split()),
                mandate_kind=mandate_kind,
                missed=missed,
                next_plan=(
                    Plan(next_act_on, next_meeting_on, next_agenda_closes_on, next_start_by_on)
                    if next_act_on is not None
                    and next_meeting_on is not None
                    and next_agenda_closes_on is not None
                    and next_start_by_on is not None
                    else None
                ),
                gap_now=gap_now,
                advice=advice,
                ratification=ratification_route,
            )
        )
    return found


def _municipality_id(signal: Signal) -> int | None:
    return signal.municipality.id if signal.municipality is not None else None


def concerning(signals: Sequence[Signal], municipality_id: int) -> list[Signal]:
    """The signals that concern the municipality: its own and the whole arrangement's."""
    return [s for s in signals if concerns(_municipality_id(s), municipality_id)]
