"""Signals: what must be decided when, derived from the registers alone.

Each signal plans backwards from the date of the act (DESIGN.md §5): the municipality's last
B&W meeting before it, the agenda closing date, and the day co-advice must start. Signals look
ahead over everything the registers plan, however far away; an act whose date has passed stays
listed as overdue while the gap it signals is still open.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage import agreements as agreement_store
from storage import arrangements as arrangement_store
from storage import mandates as mandate_store
from storage.agreements import Agreement
from storage.arrangements import Arrangement
from storage.audit import AuditEvent
from storage.mandates import Mandate
from storage.organisations import Organisation
from workflows import arrangements, equated_days
from workflows.actors import Actor
from workflows.agreements import snapshot as agreement_snapshot
from workflows.agreements import term_of
from workflows.coverage import facts, municipalities_of
from workflows.rules import coverage as coverage_rule
from workflows.rules.acts import ACT_LABELS, Act
from workflows.rules.dates import in_words
from workflows.rules.periods import ONE_DAY, add_months
from workflows.rules.planning import MeetingCalendar, Plan, plan_backwards
from workflows.rules.roles import Permission
from workflows.rules.termijnenwet import Equated

KIND_LABELS = {
    "mandate_needed": "nieuwe volmacht nodig",
    "mandate_expiring": "volmacht verloopt",
    "agreement_notice": "opzeggen of verlengen",
    "extension_decision": "besluit over vervolg",
    "tender_preparation": "aanbesteding voorbereiden",
    "evaluation_due": "evaluatie",
}
ACTIVE_AGREEMENT = {"signed", "active", "extended"}
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

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def calendar_of(organisation: Organisation | None) -> MeetingCalendar:
    if organisation is None:
        return MeetingCalendar()
    defaults = MeetingCalendar()
    return MeetingCalendar(
        weekday=organisation.meeting_weekday
        if organisation.meeting_weekday is not None
        else defaults.weekday,
        agenda_lead_working_days=organisation.agenda_lead_working_days
        if organisation.agenda_lead_working_days is not None
        else defaults.agenda_lead_working_days,
        co_advice_working_days=organisation.co_advice_working_days
        if organisation.co_advice_working_days is not None
        else defaults.co_advice_working_days,
        recess_weeks=frozenset(organisation.recess_weeks or []),
        no_meetings_christmas_to_new_year=organisation.no_meetings_christmas_to_new_year,
    )


@dataclass(frozen=True)
class _PlannedAct:
    act: Act
    on: date
    why: str
    ref: str  # what the act belongs to, stable when its date moves


def planned_acts(arrangement: Arrangement, *, as_of: date) -> list[_PlannedAct]:
    """The acts the registers say will happen for every municipality of the arrangement."""
    acts: list[_PlannedAct] = []
    for phase in arrangement.phases:
        if phase.start_on > as_of:
            act = Act.CONCLUDE_AGREEMENT if phase.kind == "structural" else Act.EXTEND_AGREEMENT
            acts.append(
                _PlannedAct(
                    act,
                    phase.start_on,
                    f"{phase.name} begint op {in_words(phase.start_on)}",
                    f"phase{phase.id}",
                )
            )
    start = arrangement.successor_start_on
    if start is not None:
        if arrangement.successor_kind == "tender":
            prepare = add_months(start, -arrangement.tender_lead_months)
            acts.append(
                _PlannedAct(
                    Act.RUN_TENDER,
                    prepare,
                    f"de aanbesteding voor het contract per {in_words(start)} moet vanaf "
                    f"{in_words(prepare)} worden voorbereid en uitgevoerd",
                    "successor",
                )
            )
        elif arrangement.successor_kind == "structural_contract":
            acts.append(
                _PlannedAct(
                    Act.CONCLUDE_AGREEMENT,
                    start,
                    f"het structurele contract begint op {in_words(start)}",
                    "successor",
                )
            )
        elif arrangement.successor_kind == "extension":
            acts.append(
                _PlannedAct(
                    Act.EXTEND_AGREEMENT,
                    start,
                    f"de verdere verlenging begint op {in_words(start)}",
                    "successor",
                )
            )
    return acts


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
        visible = arrangement_store.for_planning(session, ids)
    chosen = [a for a in visible if arrangement_id is None or a.id == arrangement_id]
    return _by_date(_signals_of(session, chosen, as_of=as_of))


def derive_all(session: Session, *, as_of: date) -> list[Signal]:
    """Every signal of every arrangement: what the scheduler turns into deadlines."""
    everything = arrangement_store.for_planning(session, arrangement_store.arrangement_ids(session))
    return _signals_of(session, sorted(everything, key=lambda a: a.id), as_of=as_of)


def _by_date(signals: list[Signal]) -> list[Signal]:
    return sorted(
        signals,
        key=lambda s: (s.plan.start_by_on, s.kind, s.municipality.name if s.municipality else ""),
    )


def _signals_of(session: Session, chosen: Sequence[Arrangement], *, as_of: date) -> list[Signal]:
    """The signals of the given arrangements; their mandates and agreements are read in one go
    for all of them (two queries and their eager loads, not two per arrangement)."""
    ids = [a.id for a in chosen]
    if not ids:
        return []
    mandates: dict[int, list[Mandate]] = defaultdict(list)
    for mandate in mandate_store.list_mandates(session, arrangement_ids=ids):
        mandates[mandate.arrangement_id].append(mandate)
    agreements: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in agreement_store.list_agreements(session, arrangement_ids=ids):
        agreements[agreement.arrangement_id].append(agreement)
    # The planning counts with the days the beheerder keeps as equated with holidays.
    equated = equated_days.for_terms(session)
    found: list[Signal] = []
    for arrangement in chosen:
        found += _for_arrangement(
            arrangement,
            mandates[arrangement.id],
            agreements[arrangement.id],
            as_of=as_of,
            equated=equated,
        )
    return found


def _for_arrangement(
    arrangement: Arrangement,
    mandates: Sequence[Mandate],
    agreements: Sequence[Agreement],
    *,
    as_of: date,
    equated: Equated | None = None,
) -> list[Signal]:
    phases, mandate_facts = facts(arrangement, mandates)
    names = {p.organisation_id: p.organisation.name for p in arrangement.participants}
    lead = arrangement.lead_organisation
    municipalities = municipalities_of(arrangement)
    signals: list[Signal] = []

    def signal(
        kind: str,
        subject: str,
        act_on: date,
        explanation: str,
        *,
        ref: str,
        who: Organisation | None = None,
        **extra: object,
    ) -> None:
        plan = plan_backwards(act_on, calendar_of(who or lead), equated)
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
                **extra,  # type: ignore[arg-type]
            )
        )

    for planned in planned_acts(arrangement, as_of=as_of):
        for municipality in municipalities:
            answer = coverage_rule.answer(
                acting_id=arrangement.lead_organisation_id,
                municipality_id=municipality.id,
                act=planned.act,
                on=planned.on,
                lead_id=arrangement.lead_organisation_id,
                names=names,
                phases=phases,
                mandates=mandate_facts,
            )
            if answer.covered:
                continue
            signal(
                "mandate_needed",
                f"{ACT_LABELS[planned.act]} namens {municipality.name}",
                planned.on,
                f"{municipality.name} moet een nieuwe volmacht verlenen aan {lead.name}: "
                f"{planned.why}. {answer.reason}",
                ref=f"{planned.ref}|{planned.act.value}",
                who=municipality,
                act=planned.act,
                mandate_id=answer.mandate_id,
            )
    if arrangement.successor_kind == "tender" and arrangement.successor_start_on is not None:
        start = arrangement.successor_start_on
        prepare = add_months(start, -arrangement.tender_lead_months)
        if start > as_of:
            signal(
                "tender_preparation",
                "aanbesteding voorbereiden",
                prepare,
                f"De aanbesteding voor het contract per {in_words(start)} moet uiterlijk "
                f"{in_words(prepare)} starten ({arrangement.tender_lead_months} maanden ervoor).",
                ref="successor",
            )
    last = arrangement.phases[-1] if arrangement.phases else None
    if last is not None and last.end_on >= as_of:
        follow = last.end_on + ONE_DAY
        signal(
            "extension_decision",
            f"vervolg na {last.name}",
            follow,
            f"{last.name} eindigt op {in_words(last.end_on)}: vóór {in_words(follow)} moet "
            "besloten zijn over verlengen, aanbesteden of stoppen.",
            ref=f"phase{last.id}",
        )
    for moment in arrangement.evaluation_moments:
        if moment.due_on >= as_of:
            signal(
                "evaluation_due",
                moment.name,
                moment.due_on,
                f"{moment.name}: {in_words(moment.due_on)}.",
                ref=f"moment{moment.id}",
            )
    for mandate in mandates:
        if mandate.valid_until is not None and mandate.valid_until >= as_of:
            signal(
                "mandate_expiring",
                mandate.title,
                mandate.valid_until + ONE_DAY,
                f"{mandate.title} is geldig tot en met {in_words(mandate.valid_until)}.",
                ref=f"mandate{mandate.id}",
                mandate_id=mandate.id,
            )
    for agreement in agreements:
        if agreement.status not in ACTIVE_AGREEMENT:
            continue
        notice = term_of(agreement_snapshot(agreement)).notice_deadline()
        if notice >= as_of:
            left = agreement.extension_count - agreement.extensions_used
            signal(
                "agreement_notice",
                f"{agreement.reference} – {agreement.provider.name}",
                notice,
                f"{agreement.reference} eindigt op {in_words(agreement.end_on)}; opzeggen of "
                f"verlengen ({left} verlengingsoptie(s) over) uiterlijk {in_words(notice)}.",
                ref=f"agreement{agreement.id}",
            )
    # A passed date stays on the list only while the gap it signals is still open.
    return [s for s in signals if s.act_on >= as_of or s.kind in STAYS_WHEN_OVERDUE]


@dataclass(frozen=True)
class Line:
    """A signal as the start page lists it: plain values, safe to keep between requests."""

    start_by_on: date
    kind_label: str
    subject: str
    overdue: bool


@dataclass(frozen=True)
class Summary:
    first: tuple[Line, ...]
    overdue: int


NO_SIGNALS = Summary(first=(), overdue=0)

RegistersVersion = tuple[int, str | None]


def registers_version(session: Session) -> RegistersVersion:
    """The newest audit event that may have changed the registers, id and hash. Every create,
    update and delete in the registers writes an audit event in the same transaction
    (SECURITY.md S24), so what is derived from the registers may be kept until this moves;
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
    session: Session, actor: Actor, *, as_of: date, visible_ids: Sequence[int], first: int = 6
) -> Summary:
    """What the start page shows of the signals of the arrangements the actor sees
    (``visible_ids``, from ``arrangements.visible_ids``): the first few of what ``derive``
    gives, and how many of all are overdue."""
    actor.require(Permission.VIEW_SIGNALS)
    chosen = arrangement_store.for_planning(session, visible_ids)
    derived = _by_date(_signals_of(session, chosen, as_of=as_of))
    return Summary(
        first=tuple(
            Line(s.plan.start_by_on, s.kind_label, s.subject, s.overdue) for s in derived[:first]
        ),
        overdue=sum(1 for s in derived if s.overdue),
    )
