"""Deadlines: derived from the registers (never typed twice) and recomputed when dates move;
manual ones may be added. Each can be acknowledged, done, or set not applicable with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from storage import arrangements as arrangement_store
from storage import deadlines as store
from storage import derivations as derivation_store
from storage import locks, paging
from storage.accounts import User
from storage.arrangements import Arrangement
from storage.database import reading_session
from storage.deadlines import Deadline
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.deadlines import register_changes
from workflows.deadlines.signals import NOT_REGISTER_CHANGES, Signal, derive_all, registers_version
from workflows.errors import Forbidden, InvalidInput, NotFound
from workflows.registers import arrangements
from workflows.rules import fields
from workflows.rules.deadlines import DeadlineKind, DeadlineStatus
from workflows.rules.dutch_format import long_date
from workflows.rules.reminders import DEFAULT_LADDERS, next_stage_day
from workflows.rules.roles import Permission, Role

KIND_LABELS = DeadlineKind.labels()
STATUS_LABELS = DeadlineStatus.labels()
# Kinds that need a B&W decision count down to the day co-advice must start; the others to
# the date of the act itself.
DECISION_KINDS = {"mandate_needed", "extension_decision", "mandate_expiring"}
SEES_EVERY_ORGANISATION = {Role.PROJECT_GROUP, Role.ADMINISTRATOR, Role.AUDITOR}

MANUAL_FIELDS: dict[str, fields.Reader] = {
    "subject": fields.Text("Onderwerp", max_length=500, required=True),
    "due_on": fields.Day("Datum", required=True),
    "arrangement_id": fields.Whole("Regeling", minimum=1, maximum=2**31 - 1),
    "owner_id": fields.Whole("Eigenaar", minimum=1, maximum=2**31 - 1, required=True),
    "explanation": fields.Text("Toelichting", max_length=5000, multiline=True),
}


@dataclass(frozen=True)
class Spec:
    key: str
    kind: str
    subject: str
    explanation: str
    arrangement_id: int
    organisation_id: int | None
    due_on: date
    start_by_on: date | None


def spec_of(signal: Signal) -> Spec:
    due = signal.plan.start_by_on if signal.kind in DECISION_KINDS else signal.act_on
    plan = signal.plan
    # A missed meeting keeps its date as the due date (the deadline stays overdue and its
    # reminders escalate); what is still possible goes into the explanation, which follows
    # the registers on every tick without starting the reminders over.
    advice = f" {signal.what_now}" if signal.what_now else ""
    return Spec(
        key=signal.key,
        kind=signal.kind,
        subject=f"{signal.kind_label}: {signal.subject}",
        explanation=(
            f"{signal.explanation} Laatste collegevergadering: "
            f"{long_date(plan.latest_meeting_on)}; "
            f"agenda sluit: {long_date(plan.agenda_closes_on)}; "
            f"uiterlijk starten: {long_date(plan.start_by_on)}.{advice}"
        ),
        arrangement_id=signal.arrangement_id,
        organisation_id=signal.municipality.id if signal.municipality else None,
        due_on=due,
        start_by_on=plan.start_by_on,
    )


def specs(
    session: Session,
    *,
    as_of: date,
    keep_since: date | None = None,
    arrangement_ids: Sequence[int] | None = None,
) -> list[Spec]:
    """Everything the registers imply, plus the end of every phase still to come, for every
    arrangement (of ``arrangement_ids`` when given). What fell on or after ``keep_since``
    (default: ``as_of``) is kept."""
    since = as_of if keep_since is None else keep_since
    found = [
        spec_of(s)
        for s in derive_all(session, as_of=as_of, keep_since=since, arrangement_ids=arrangement_ids)
    ]
    chosen = select(Arrangement).order_by(Arrangement.id)
    if arrangement_ids is not None:
        chosen = chosen.where(Arrangement.id.in_(list(arrangement_ids)))
    for arrangement in session.scalars(chosen):
        for phase in arrangement.phases:
            if phase.end_on >= since:
                found.append(
                    Spec(
                        key=f"phase_end|{arrangement.id}|phase{phase.id}|",
                        kind="phase_end",
                        subject=f"einde fase: {phase.name} ({arrangement.name})",
                        explanation=f"{phase.name} loopt tot en met {long_date(phase.end_on)}.",
                        arrangement_id=arrangement.id,
                        organisation_id=None,
                        due_on=phase.end_on,
                        start_by_on=None,
                    )
                )
    return found


def _offsets(kind: str, ladders: dict[str, store.ReminderLadder]) -> list[int]:
    ladder = ladders.get(kind)
    return (
        list(ladder.offsets)
        if ladder
        else list(DEFAULT_LADDERS.get(kind, DEFAULT_LADDERS["manual"])[0])
    )


VANISHED = (
    "Vervallen: volgt niet meer uit de registers (bijvoorbeeld omdat de volmacht inmiddels "
    "is verleend of de datum is verstreken)."
)
# A derived deadline stays open this long after its date, so that its "overdue" reminder can
# go out; older ones are history, not work.
KEEP_OVERDUE_DAYS = 30


def _window(as_of: date) -> date:
    return date.fromordinal(as_of.toordinal() - KEEP_OVERDUE_DAYS)


def sync(session: Session, *, as_of: date) -> dict[str, int]:
    """Bring the derived deadlines in line with the registers: new ones are added, moved ones
    get a new version (their reminders start over), vanished open ones become not applicable.
    All of them, in the session's transaction; the scheduler uses ``follow_registers``."""
    wanted = {spec.key: spec for spec in specs(session, as_of=as_of, keep_since=_window(as_of))}
    return _apply(session, wanted, store.deadlines_by_key(session))


def _apply(
    session: Session, wanted: dict[str, Spec], existing: dict[str, Deadline]
) -> dict[str, int]:
    """Makes ``existing`` (the deadlines of the arrangements derived) what ``wanted`` says."""
    ladders = store.ladders(session)
    counts = {"added": 0, "moved": 0, "closed": 0}
    for key, spec in wanted.items():
        deadline = existing.get(key)
        if deadline is None:
            deadline = Deadline(
                key=key,
                kind=spec.kind,
                subject=spec.subject[:500],
                explanation=spec.explanation,
                arrangement_id=spec.arrangement_id,
                organisation_id=spec.organisation_id,
                due_on=spec.due_on,
                start_by_on=spec.start_by_on,
                source="derived",
                next_stage_on=next_stage_day(spec.due_on, _offsets(spec.kind, ladders), None),
            )
            session.add(deadline)
            counts["added"] += 1
            continue
        if deadline.status == "not_applicable" and deadline.status_reason == VANISHED:
            # It had vanished from the registers and is back: open again. One a person set
            # "not applicable" with a reason of their own stays so.
            deadline.status, deadline.status_reason = "open", ""
            deadline.next_stage_on = next_stage_day(
                deadline.due_on, _offsets(deadline.kind, ladders), deadline.last_stage
            )
        deadline.subject, deadline.explanation = spec.subject[:500], spec.explanation
        if deadline.due_on != spec.due_on:
            deadline.due_on = spec.due_on
            deadline.start_by_on = spec.start_by_on
            deadline.deadline_version += 1
            deadline.last_stage = None
            deadline.last_stage_at = None
            deadline.first_reminded_on = None
            deadline.acknowledged_at = None
            deadline.next_stage_on = next_stage_day(spec.due_on, _offsets(spec.kind, ladders), None)
            counts["moved"] += 1
    for key, deadline in existing.items():
        if key not in wanted and deadline.source == "derived" and deadline.status == "open":
            deadline.status = "not_applicable"
            deadline.status_reason = VANISHED
            deadline.next_stage_on = None
            counts["closed"] += 1
    session.flush()
    return counts


# The scheduler's mark in storage.derivations: the registers version and the day its deadlines
# were last derived at.
MARK = "deadlines"
# Arrangements written per transaction: each write is short, so that no request waits long
# for the SQLite write lock.
ARRANGEMENTS_PER_WRITE = 25


def follow_registers(sessions: sessionmaker[Session], *, as_of: date) -> dict[str, int]:
    """``sync``, for the scheduler's tick: only the arrangements an audited change touched
    since the previous tick are derived again (every one on a new day, since what a deadline
    says of a missed meeting depends on the day), outside any write transaction; what changed
    is then written in short transactions of a few arrangements each, and the mark last. A
    tick with nothing changed derives nothing.

    Two schedulers at once: each write checks that the mark is still the one the derivation
    started from and stops when another moved it (the other wrote what is newer)."""
    counts = {"added": 0, "moved": 0, "closed": 0}
    with reading_session(sessions) as session:
        mark = derivation_store.mark(session, MARK)
        started = (mark.audit_id, mark.as_of) if mark is not None else None
        version = registers_version(session)[0]
        if started is not None and started == (version, as_of):
            return counts
        if started is None or started[1] != as_of:
            changes = register_changes.EVERYTHING
        else:
            changes = register_changes.since(session, started[0], skip_actions=NOT_REGISTER_CHANGES)
        ids = (
            arrangement_store.arrangement_ids(session)
            if changes.arrangement_ids is None
            else sorted(changes.arrangement_ids)
        )
        wanted = specs(session, as_of=as_of, keep_since=_window(as_of), arrangement_ids=ids)
        per_arrangement: dict[int, dict[str, Spec]] = {i: {} for i in ids}
        for spec in wanted:
            per_arrangement.setdefault(spec.arrangement_id, {})[spec.key] = spec
        found: dict[int, dict[str, Deadline]] = {i: {} for i in per_arrangement}
        for key, deadline in store.derived_deadlines(session, arrangement_ids=ids).items():
            if deadline.arrangement_id is not None:
                found.setdefault(deadline.arrangement_id, {})[key] = deadline
        # Only what differs is written: on a new day every arrangement is derived again, and
        # most of them come out as they were.
        chosen = [i for i in sorted(per_arrangement) if _differs(per_arrangement[i], found[i])]
        session.rollback()
    for start in range(0, len(chosen), ARRANGEMENTS_PER_WRITE):
        part = chosen[start : start + ARRANGEMENTS_PER_WRITE]
        with sessions() as session, session.begin():
            if not _still_marked(session, started):
                return counts
            existing = store.derived_deadlines(session, arrangement_ids=part)
            done = _apply(
                session, {k: v for i in part for k, v in per_arrangement[i].items()}, existing
            )
            for name, number in done.items():
                counts[name] += number
    with sessions() as session, session.begin():
        if _still_marked(session, started):
            derivation_store.set_mark(session, MARK, audit_id=version, as_of=as_of)
    return counts


def _differs(wanted: dict[str, Spec], existing: dict[str, Deadline]) -> bool:
    """Whether ``_apply`` would change any of ``existing``: the same conditions, read only."""
    for key, spec in wanted.items():
        deadline = existing.get(key)
        if (
            deadline is None
            or (deadline.status == "not_applicable" and deadline.status_reason == VANISHED)
            or deadline.subject != spec.subject[:500]
            or deadline.explanation != spec.explanation
            or deadline.due_on != spec.due_on
        ):
            return True
    return any(
        key not in wanted and deadline.source == "derived" and deadline.status == "open"
        for key, deadline in existing.items()
    )


def _still_marked(session: Session, started: tuple[int, date] | None) -> bool:
    """Takes the scheduler's lock (PostgreSQL; SQLite's write transaction holds its own) and
    says whether the mark is the one the derivation started from."""
    locks.hold(session, locks.SCHEDULER_SWEEP)
    mark = derivation_store.mark(session, MARK)
    return (None if mark is None else (mark.audit_id, mark.as_of)) == started


def visible_to(actor: Actor, deadline: Deadline, arrangement_ids: set[int]) -> bool:
    if deadline.arrangement_id is not None and deadline.arrangement_id not in arrangement_ids:
        return False
    if deadline.owner_id is not None and deadline.owner_id == actor.user_id:
        return True
    if actor.role in SEES_EVERY_ORGANISATION:
        return True
    return deadline.organisation_id in (None, actor.organisation_id)


def _visible_clause(actor: Actor) -> ColumnElement[bool]:
    """``visible_to`` in SQL: the lists filter and count in the database (issue 15)."""
    in_arrangement = or_(
        Deadline.arrangement_id.is_(None),
        Deadline.arrangement_id.in_(arrangements.visible_id_query(actor)),
    )
    if actor.role in SEES_EVERY_ORGANISATION:
        return in_arrangement
    mine: list[ColumnElement[bool]] = [Deadline.organisation_id.is_(None)]
    if actor.organisation_id is not None:
        mine.append(Deadline.organisation_id == actor.organisation_id)
    if actor.user_id is not None:
        mine.append(Deadline.owner_id == actor.user_id)
    return and_(in_arrangement, or_(*mine))


def _visible_query(
    actor: Actor,
    *,
    start: date | None,
    end: date | None,
    arrangement_id: int | None,
    statuses: Sequence[str],
) -> Select[Any]:
    actor.require(Permission.VIEW_SIGNALS)
    query = (
        select(Deadline)
        .where(Deadline.status.in_(statuses), _visible_clause(actor))
        .order_by(Deadline.due_on, Deadline.id)
    )
    if start is not None:
        query = query.where(Deadline.due_on >= start)
    if end is not None:
        query = query.where(Deadline.due_on <= end)
    if arrangement_id is not None:
        query = query.where(Deadline.arrangement_id == arrangement_id)
    return query


def list_visible(
    session: Session,
    actor: Actor,
    *,
    start: date | None = None,
    end: date | None = None,
    arrangement_id: int | None = None,
    statuses: Sequence[str] = ("open",),
) -> list[Deadline]:
    query = _visible_query(
        actor, start=start, end=end, arrangement_id=arrangement_id, statuses=statuses
    )
    return list(session.scalars(query))


def page_visible(
    session: Session,
    actor: Actor,
    window: Window,
    *,
    start: date | None = None,
    end: date | None = None,
    arrangement_id: int | None = None,
    statuses: Sequence[str] = ("open",),
) -> Page[Deadline]:
    """One page of ``list_visible``: filtered, counted and limited in SQL."""
    query = _visible_query(
        actor, start=start, end=end, arrangement_id=arrangement_id, statuses=statuses
    )
    return paging.fetch(session, query, window)


def get_visible(session: Session, actor: Actor, deadline_id: int) -> Deadline:
    actor.require(Permission.VIEW_SIGNALS)
    deadline = session.get(Deadline, deadline_id)
    ids = set(arrangements.visible_ids(session, actor))
    if deadline is None or not visible_to(actor, deadline, ids):
        raise NotFound("Deze termijn bestaat niet of u heeft er geen toegang toe.")
    return deadline


def _takes_part_in(session: Session, actor: Actor) -> set[int]:
    if actor.organisation_id is None:
        return set()
    return set(arrangement_store.arrangement_ids(session, participant_id=actor.organisation_id))


def _may_write(
    actor: Actor,
    *,
    arrangement_id: int | None,
    organisation_id: int | None,
    owner_id: int | None,
    taking_part: set[int],
) -> bool:
    """Acknowledging, closing and adding deadlines are writes (docs/security.md S13): the
    auditor and providers change nothing (they lack the permission); an officer changes the
    deadlines of their own municipality, those they own, and those of the arrangements their
    municipality takes part in (the project group works across its municipalities there,
    docs/architecture.md §1); the beheerder all of them."""
    if not actor.can(Permission.EDIT_DEADLINES):
        return False
    if actor.role is Role.ADMINISTRATOR:
        return True
    return (
        (owner_id is not None and owner_id == actor.user_id)
        or (organisation_id is not None and organisation_id == actor.organisation_id)
        or (arrangement_id is not None and arrangement_id in taking_part)
    )


def may_change(actor: Actor, deadline: Deadline, taking_part: set[int]) -> bool:
    return _may_write(
        actor,
        arrangement_id=deadline.arrangement_id,
        organisation_id=deadline.organisation_id,
        owner_id=deadline.owner_id,
        taking_part=taking_part,
    )


def changeable_ids(session: Session, actor: Actor, rows: Sequence[Deadline]) -> set[int]:
    """Of the deadlines shown, those the actor may acknowledge or close."""
    if not actor.can(Permission.EDIT_DEADLINES):
        return set()
    taking_part = _takes_part_in(session, actor)
    return {d.id for d in rows if may_change(actor, d, taking_part)}


def get_changeable(session: Session, actor: Actor, deadline_id: int) -> Deadline:
    """The deadline if the actor may change it: one they cannot see does not exist (404), one
    they see but may not change is refused (403)."""
    actor.require(Permission.EDIT_DEADLINES)
    deadline = get_visible(session, actor, deadline_id)
    if not may_change(actor, deadline, _takes_part_in(session, actor)):
        raise Forbidden(
            "Deze termijn hoort niet bij uw gemeente of bij een regeling waaraan uw gemeente "
            "deelneemt; u kunt hem niet wijzigen."
        )
    return deadline


def add_manual(session: Session, actor: Actor, raw: dict[str, Any], *, now: datetime) -> Deadline:
    actor.require(Permission.EDIT_DEADLINES)
    values, errors = fields.read_fields(MANUAL_FIELDS, raw)
    if "owner_id" in errors and not str(raw.get("owner_id") or "").strip():
        errors["owner_id"] = "Eigenaar: kies wie deze termijn bewaakt."
    if not errors:
        if values.get("arrangement_id") is not None and values[
            "arrangement_id"
        ] not in arrangements.visible_ids(session, actor):
            errors["arrangement_id"] = "Regeling: kies een regeling die u mag zien."
        owner = session.get(User, values["owner_id"])
        if owner is None or not owner.active or owner.role == Role.PROVIDER:
            errors["owner_id"] = "Eigenaar: kies een actief account van een gemeente."
        elif not errors and not _may_write(
            actor,
            arrangement_id=values.get("arrangement_id"),
            organisation_id=owner.organisation_id,
            owner_id=owner.id,
            taking_part=_takes_part_in(session, actor),
        ):
            # Not a deadline planted in another municipality's list outside a shared
            # arrangement: the new deadline must be one its maker may change.
            errors["owner_id"] = (
                "Eigenaar: kies iemand van uw eigen gemeente, of kies een regeling waaraan uw "
                "gemeente deelneemt."
            )
    if errors:
        raise InvalidInput(errors)
    ladders = store.ladders(session)
    deadline = Deadline(
        key=f"manual|{now.timestamp():.6f}|{actor.user_id}|{values['subject'][:100]}",
        kind="manual",
        subject=values["subject"],
        explanation=values.get("explanation") or "",
        arrangement_id=values.get("arrangement_id"),
        organisation_id=owner.organisation_id if owner else None,
        due_on=values["due_on"],
        owner_id=values["owner_id"],
        source="manual",
        next_stage_on=next_stage_day(values["due_on"], _offsets("manual", ladders), None),
    )
    session.add(deadline)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="deadline",
        object_id=deadline.id,
        new_values={
            "subject": deadline.subject,
            "due_on": deadline.due_on.isoformat(),
            "owner_id": deadline.owner_id,
        },
    )
    return deadline


def acknowledge(session: Session, actor: Actor, deadline_id: int, *, now: datetime) -> Deadline:
    """Seen and being handled: stops escalation for this version. Twice does nothing new."""
    deadline = get_changeable(session, actor, deadline_id)
    if deadline.acknowledged_at is None:
        deadline.acknowledged_at = now
        deadline.acknowledged_by_id = actor.user_id
        session.flush()
        audit.record(
            session,
            actor,
            action="acknowledge",
            object_type="deadline",
            object_id=deadline.id,
            new_values={"deadline_version": deadline.deadline_version},
        )
    return deadline


def set_status(
    session: Session, actor: Actor, deadline_id: int, status: str, reason: str
) -> Deadline:
    deadline = get_changeable(session, actor, deadline_id)
    if status not in STATUS_LABELS:
        raise InvalidInput({"status": "Status: kies open, afgehandeld of niet van toepassing."})
    reason = fields.Text("Reden", max_length=2000, multiline=True).read(reason) or ""
    if status == "not_applicable" and not reason.strip():
        raise InvalidInput(
            {"status_reason": "Reden: geef aan waarom de termijn niet van toepassing is."}
        )
    before = {"status": deadline.status, "status_reason": deadline.status_reason}
    deadline.status, deadline.status_reason = status, reason
    deadline.next_stage_on = None if status != "open" else deadline.next_stage_on
    session.flush()
    audit.record_update(
        session,
        actor,
        object_type="deadline",
        object_id=deadline.id,
        before=before,
        after={"status": status, "status_reason": reason},
        version=deadline.version,
    )
    return deadline
