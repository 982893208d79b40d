"""Reminders: the sweep turns due deadline stages into outbox messages; the dispatcher sends
them. The database is the scheduler of record (docs/architecture.md §5):

- what falls due for one person in one arrangement in one run is one message, a digest that
  lists every municipality's reminder, instead of one message per municipality;
- every message has a unique key (for one reminder: deadline, version, stage, recipient,
  channel; for a digest: the day, the arrangement and every reminder in it, the recipient and
  the channel), inserted with ON CONFLICT DO NOTHING in the transaction that moves each
  deadline past its stage, so a sweep run twice, or by two processes at once, makes it once;
- the dispatcher claims due messages with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL,
  BEGIN IMMEDIATE on SQLite), sends, and marks them sent. A crash between "accepted by the
  mail server" and "marked sent" may send one message twice once the lease runs out; a message
  is never lost. A failed send is retried with a growing pause.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage import deadlines as store
from storage import derivations as derivation_store
from storage import locks
from storage.accounts import User
from storage.arrangements import Arrangement
from storage.database import reading_session
from storage.deadlines import Deadline, Message
from storage.organisations import Organisation
from workflows.deadlines import signals
from workflows.deadlines.deadlines import KIND_LABELS, follow_registers
from workflows.deadlines.deadlines import MARK as DEADLINES_MARK
from workflows.rules.dutch_format import long_date
from workflows.rules.reminders import (
    DEFAULT_LADDERS,
    latest_due_stage,
    local_day,
    next_stage_day,
    send_time,
    stage_label,
)
from workflows.rules.roles import ROLE_LABELS, Role

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 12
DIGEST_DAYS = 14
# Deadlines read per batch of a tick's sweep, and moved past their stage per write transaction.
SWEEP_BATCH = 200
SWEEP_WRITE = 50
# Messages the tick's dispatcher claims per write transaction (each claimed row is updated
# under the lock; after downtime thousands wait).
CLAIM_BATCH = 25
# Messages made outside a write transaction (the daily digest) inserted per write transaction.
MESSAGES_PER_WRITE = 200


class Mailer(Protocol):
    """Sends one e-mail; raises on failure. ``None`` mailer means: keep mail in the outbox."""

    def send(self, *, to: str, subject: str, body: str, message_id: str) -> None: ...


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


@dataclass(frozen=True)
class SweepResult:
    deadlines: int
    messages: int


def _ladder(session: Session) -> Callable[[str], tuple[list[int], list[str], int]]:
    stored = store.ladders(session)

    def lookup(kind: str) -> tuple[list[int], list[str], int]:
        ladder = stored.get(kind)
        if ladder is not None:
            return list(ladder.offsets), list(ladder.roles), ladder.escalate_after_days
        offsets, roles = DEFAULT_LADDERS.get(kind, DEFAULT_LADDERS["manual"])
        return list(offsets), list(roles), 7

    return lookup


@dataclass(frozen=True)
class Reach:
    """Who receives a deadline's reminders; and, when its municipality has nobody who could,
    the sentence that says so to the project group (who then receive them in its place)."""

    users: list[User]
    unreached: str = ""


def recipients(session: Session, deadline: Deadline, roles: Sequence[str]) -> list[User]:
    return reach(session, deadline, roles).users


def reach(session: Session, deadline: Deadline, roles: Sequence[str]) -> Reach:
    """The owner; else the people with the ladder's roles at the organisation concerned; and
    when that organisation has nobody in Besluitwerk, the lead's project group, so that no
    deadline goes unannounced."""
    return _Reaching(session).reach(deadline, roles)


def nobody_at(session: Session, organisation_id: int, roles: Sequence[str]) -> str:
    """'Niemand van Almelo krijgt deze herinnering: er is geen account.' A municipality with
    accounts, but none in the roles the reminder is meant for, is named with those roles."""
    organisation = session.get(Organisation, organisation_id)
    name = organisation.name if organisation is not None else "deze gemeente"
    accounts = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.organisation_id == organisation_id, User.active.is_(True))
    )
    if not accounts:
        return f"Niemand van {name} krijgt deze herinnering: er is geen account."
    labels = [ROLE_LABELS[Role(r)] for r in roles if r in {x.value for x in Role}]
    return (
        f"Niemand van {name} krijgt deze herinnering: er is geen account van een "
        f"{' of '.join(labels) if labels else 'ontvanger'}."
    )


class _Addressed(Protocol):
    """What ``reach`` reads of a deadline."""

    @property
    def owner_id(self) -> int | None: ...
    @property
    def organisation_id(self) -> int | None: ...
    @property
    def arrangement_id(self) -> int | None: ...


class _Reaching:
    """``reach`` for many deadlines in one run: thousands of deadlines share a few dozen
    organisations and ladders, and asking the database once per deadline kept the sweep and
    the digest (and with them the SQLite write lock) busy for seconds (issue 15)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._users: dict[tuple[int | None, tuple[str, ...]], list[User]] = {}
        self._nobody: dict[tuple[int, tuple[str, ...]], str] = {}
        self._leads: dict[int, int | None] = {}
        self._owners: dict[int, User | None] = {}

    def users(self, organisation_id: int | None, roles: Sequence[str]) -> list[User]:
        key = (organisation_id, tuple(roles))
        if key not in self._users:
            self._users[key] = _users(self.session, organisation_id, roles)
        return self._users[key]

    def nobody_at(self, organisation_id: int, roles: Sequence[str]) -> str:
        key = (organisation_id, tuple(roles))
        if key not in self._nobody:
            self._nobody[key] = nobody_at(self.session, organisation_id, roles)
        return self._nobody[key]

    def _lead(self, arrangement_id: int | None) -> int | None:
        if arrangement_id is None:
            return None
        if not self._leads:
            # Every arrangement's lead in one query: a few hundred pairs, where loading each
            # arrangement asked for would load its parts as well.
            self._leads = {
                row[0]: row[1]
                for row in self.session.execute(
                    select(Arrangement.id, Arrangement.lead_organisation_id)
                )
            }
        return self._leads.get(arrangement_id)

    def reach(self, deadline: _Addressed, roles: Sequence[str], *, explain: bool = True) -> Reach:
        """``explain``: with the sentence for a municipality with nobody to remind (the daily
        digest does not say it, and asking costs two queries per municipality)."""
        if deadline.owner_id is not None:
            if deadline.owner_id not in self._owners:
                self._owners[deadline.owner_id] = self.session.get(User, deadline.owner_id)
            owner = self._owners[deadline.owner_id]
            return Reach([owner] if owner is not None and owner.active else [])
        lead_id = self._lead(deadline.arrangement_id)
        found = self.users(deadline.organisation_id or lead_id, roles)
        if found:
            return Reach(found)
        unreached = (
            self.nobody_at(deadline.organisation_id, roles)
            if explain
            and deadline.organisation_id is not None
            and deadline.organisation_id != lead_id
            else ""
        )
        if lead_id is not None:
            found = self.users(lead_id, ["project_group"])
        return Reach(found, unreached)


def unreached(session: Session, deadlines: Sequence[Deadline]) -> dict[int, str]:
    """For the deadlines page: per deadline whose municipality has nobody to remind, the
    sentence that says so."""
    ladder = _ladder(session)
    reaching = _Reaching(session)
    found: dict[int, str] = {}
    for deadline in deadlines:
        if deadline.owner_id is not None or deadline.organisation_id is None:
            continue
        _, roles, _ = ladder(deadline.kind)
        if not reaching.users(deadline.organisation_id, roles):
            found[deadline.id] = reaching.nobody_at(deadline.organisation_id, roles)
    return found


def _users(session: Session, organisation_id: int | None, roles: Sequence[str]) -> list[User]:
    if organisation_id is None:
        return []
    return list(
        session.scalars(
            select(User)
            .where(
                User.organisation_id == organisation_id,
                User.role.in_(list(roles)),
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )


Link = Callable[[int], str]
# Where a reminder points when no public address of Besluitwerk is configured.
WHERE_IN_THE_APP = "in Besluitwerk: Wat moet wanneer > Termijnen"
ACKNOWLEDGE = (
    "Bevestig in Besluitwerk dat u dit oppakt (Wat moet wanneer > Termijnen); anders gaat het "
    "bericht na enkele dagen naar de escalatiecontactpersoon."
)


@dataclass(frozen=True)
class _Due:
    """One due reminder stage for one person, waiting to be put in that person's digest."""

    deadline: Deadline
    stage: int
    unreached: str


def sweep(
    session: Session,
    *,
    now: datetime,
    batch: int = 1000,
    link: Link | None = None,
) -> SweepResult:
    """Materialise the due reminder stages as messages. Touches only deadlines whose next
    stage has come (an index on status and next_stage_on), so its cost follows what is due.

    What falls due for one person in one arrangement in one run becomes one message (a digest
    listing them all) instead of one per municipality. The messages are written in the same
    transaction that moves each deadline past its stage, so a run repeated the same day finds
    nothing new to send, and a crash before the commit leaves nothing half-recorded."""
    today = local_day(now)
    ladder = _ladder(session)
    reaching = _Reaching(session)
    touched = 0
    waiting: dict[tuple[int, int | None], list[_Due]] = {}
    rows: list[dict[str, object]] = []
    while True:
        due = store.due_for_stage(session, today, limit=batch)
        if not due:
            break
        for deadline in due:
            touched += 1
            _sweep_one(
                session,
                deadline,
                now=now,
                ladder=ladder,
                reaching=reaching,
                waiting=waiting,
                escalations=rows,
            )
        session.flush()
        if len(due) < batch:
            break
    rows += _digest_rows(session, waiting, now=now, link=link)
    return SweepResult(touched, _insert(session, rows))


def _insert(session: Session, rows: list[dict[str, object]]) -> int:
    """``insert_messages`` in statements of a bounded size (SQLite limits bound values)."""
    return sum(
        store.insert_messages(session, rows[start : start + MESSAGES_PER_WRITE])
        for start in range(0, len(rows), MESSAGES_PER_WRITE)
    )


# What the sweep changes of a deadline.
_SWEPT = ("last_stage", "last_stage_at", "first_reminded_on", "next_stage_on")


@dataclass
class _Part:
    """Deadlines moved past their stage with the messages that go with them, worked out
    outside any write transaction and written in one: ``steps`` holds per deadline the
    version it was read at and what it becomes."""

    steps: list[tuple[int, int, dict[str, object]]] = field(default_factory=list)
    rows: list[dict[str, object]] = field(default_factory=list)


def _plan(
    session: Session, *, now: datetime, batch: int, link: Link | None
) -> tuple[int, list[_Part]]:
    """One batch of ``sweep`` worked out without writing: the number of due deadlines read,
    and per arrangement (a digest never spans two) what its deadlines become and the messages
    made of them."""
    ladder = _ladder(session)
    reaching = _Reaching(session)
    waiting: dict[tuple[int, int | None], list[_Due]] = {}
    parts: dict[int | None, _Part] = {}
    # The deadlines are changed in memory only; a flush would be a write in a read.
    with session.no_autoflush:
        due = store.due_for_stage(session, local_day(now), limit=batch)
        for deadline in due:
            part = parts.setdefault(deadline.arrangement_id, _Part())
            before = {k: getattr(deadline, k) for k in _SWEPT}
            _sweep_one(
                session,
                deadline,
                now=now,
                ladder=ladder,
                reaching=reaching,
                waiting=waiting,
                escalations=part.rows,
            )
            after = {k: getattr(deadline, k) for k in _SWEPT}
            if after != before:
                # Unchanged (a stage due today before its hour): nothing to write, and a tick
                # that read only such deadlines is done.
                part.steps.append((deadline.id, deadline.version, after))
        for (user_id, arrangement_id), items in waiting.items():
            parts[arrangement_id].rows += _digest_rows(
                session, {(user_id, arrangement_id): items}, now=now, link=link
            )
    return len(due), list(parts.values())


class _Moved(Exception):
    """A deadline changed after the sweep read it."""


def _sweep_in_short_writes(
    sessions: sessionmaker[Session], *, now: datetime, link: Link | None
) -> SweepResult:
    """``sweep`` for the tick: each batch is worked out in a read (who receives what, the
    texts of the digests), then written in transactions of a few arrangements each, which
    hold the SQLite write lock only for their updates and inserts (issue 15).

    A part is written only when every deadline in it is still the version that was read, so
    that what a message says and the stage its deadline is moved past are one: a deadline
    that another scheduler swept, a person acknowledged or the registers moved meanwhile
    leaves its part unwritten, and the next batch (or tick) reads it again. The message keys
    make a stage go out once either way."""
    touched = created = 0
    while True:
        with reading_session(sessions) as session:
            found, parts = _plan(session, now=now, batch=SWEEP_BATCH, link=link)
            session.rollback()
        wrote = False
        for part in _packed(parts):
            try:
                with sessions() as session, session.begin():
                    locks.hold(session, locks.SCHEDULER_SWEEP)
                    if not store.advance(session, part.steps):
                        raise _Moved
                    made = _insert(session, part.rows)
            except _Moved:
                continue
            touched += len(part.steps)
            created += made
            # Only a deadline moved on makes the next read differ from this one.
            wrote = wrote or bool(part.steps)
        if found < SWEEP_BATCH or not wrote:
            return SweepResult(touched, created)


def _packed(parts: Sequence[_Part]) -> list[_Part]:
    """Parts joined up to about ``SWEEP_WRITE`` deadlines per write transaction."""
    packed: list[_Part] = []
    for part in parts:
        if not part.steps and not part.rows:
            continue
        if not packed or len(packed[-1].steps) + len(part.steps) > SWEEP_WRITE:
            packed.append(_Part())
        packed[-1].steps += part.steps
        packed[-1].rows += part.rows
    return packed


def _sweep_one(
    session: Session,
    deadline: Deadline,
    *,
    now: datetime,
    ladder: Callable[[str], tuple[list[int], list[str], int]],
    reaching: _Reaching,
    waiting: dict[tuple[int, int | None], list[_Due]],
    escalations: list[dict[str, object]],
) -> None:
    offsets, roles, escalate_after = ladder(deadline.kind)
    stage = latest_due_stage(deadline.due_on, offsets, now)
    if stage is not None and (deadline.last_stage is None or stage < deadline.last_stage):
        # After downtime only the latest due stage goes out.
        found = reaching.reach(deadline, roles)
        for user in found.users:
            waiting.setdefault((user.id, deadline.arrangement_id), []).append(
                _Due(deadline, stage, found.unreached)
            )
        deadline.last_stage = stage
        deadline.last_stage_at = now
    if stage is not None and deadline.first_reminded_on is None:
        deadline.first_reminded_on = local_day(now)
    escalation_on = (
        deadline.first_reminded_on + timedelta(days=escalate_after)
        if deadline.first_reminded_on is not None and deadline.acknowledged_at is None
        else None
    )
    if escalation_on is not None and local_day(now) >= escalation_on:
        escalations += _escalation_rows(session, deadline, now=now)
        escalation_on = None  # once per version: the message key says so too
    candidates = [
        d
        for d in (next_stage_day(deadline.due_on, offsets, deadline.last_stage), escalation_on)
        if d
    ]
    deadline.next_stage_on = min(candidates) if candidates else None


def _when(deadline: Deadline, now: datetime) -> str:
    return stage_label((deadline.due_on - local_day(now)).days)


def _body(deadline: Deadline, now: datetime) -> str:
    return (
        f"{deadline.subject}\n\n"
        f"Datum: {long_date(deadline.due_on)} ({_when(deadline, now)}).\n\n"
        f"{deadline.explanation}\n\n{ACKNOWLEDGE}"
    )


def _municipality(session: Session, deadline: Deadline) -> str:
    organisation = (
        session.get(Organisation, deadline.organisation_id) if deadline.organisation_id else None
    )
    return organisation.name if organisation is not None else "Hele regio"


def _item(session: Session, due: _Due, *, now: datetime, link: Link | None) -> str:
    deadline = due.deadline
    label = KIND_LABELS.get(deadline.kind, "termijn")
    # A derived subject starts with its kind already ("nieuwe volmacht nodig: ...").
    what = (
        deadline.subject if deadline.subject.startswith(label) else f"{label}: {deadline.subject}"
    )
    lines = [
        f"{_municipality(session, deadline)} – {what}",
        f"Uiterlijk {long_date(deadline.due_on)} ({_when(deadline, now)}).",
    ]
    if deadline.explanation:
        lines.append(deadline.explanation)
    if due.unreached:
        lines.append(f"{due.unreached} Daarom krijgt u als projectgroep deze herinnering.")
    lines.append(f"Bekijken: {link(deadline.id) if link else WHERE_IN_THE_APP}")
    return "\n".join(lines)


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} en {names[-1]}"


def _digest_rows(
    session: Session,
    waiting: dict[tuple[int, int | None], list[_Due]],
    *,
    now: datetime,
    link: Link | None,
) -> list[dict[str, object]]:
    """One e-mail and one in-app message per person and arrangement for what fell due in this
    run. The key names the day and every reminder in it, so the same reminders are never
    made into a second message; reminders that fall due later the same day (a deadline added
    at noon) make a digest of their own."""
    day = local_day(now)
    rows: list[dict[str, object]] = []
    for (user_id, arrangement_id), items in waiting.items():
        items.sort(key=lambda d: (d.deadline.due_on, _municipality(session, d.deadline)))
        arrangement = session.get(Arrangement, arrangement_id) if arrangement_id else None
        if len(items) == 1:
            only = items[0].deadline
            subject = f"[Besluitwerk] {only.subject} – {_when(only, now)}"
            key = f"{only.id}:{only.deadline_version}:{items[0].stage}"
            intro = "Herinnering"
        else:
            about = arrangement.name if arrangement else "termijnen zonder regeling"
            subject = f"[Besluitwerk] {len(items)} herinneringen: {about}"
            fingerprint = hashlib.sha256(
                "|".join(
                    f"{d.deadline.id}:{d.deadline.deadline_version}:{d.stage}" for d in items
                ).encode()
            ).hexdigest()[:24]
            key = f"digest:{day.isoformat()}:{arrangement_id or 0}:{fingerprint}"
            intro = f"{len(items)} herinneringen"
        heading = f"{intro} van {long_date(day)}" + (
            f" over {arrangement.name}:" if arrangement else ":"
        )
        unreached = sorted(
            {_municipality(session, d.deadline) for d in items if d.unreached}, key=str.lower
        )
        summary = (
            [
                f"Bij {len(unreached)} gemeenten heeft niemand een account om deze herinneringen "
                f"te krijgen: {_listed(unreached)}. Daarom krijgt u als projectgroep hun "
                "herinneringen; het staat bij elke termijn hieronder."
            ]
            if len(unreached) > 1
            else []
        )
        body = "\n\n".join(
            [
                heading,
                *summary,
                *(
                    f"{n}. " + _item(session, due, now=now, link=link).replace("\n", "\n   ")
                    for n, due in enumerate(items, start=1)
                ),
                ACKNOWLEDGE,
            ]
        )
        for channel in ("email", "in_app"):
            rows.append(
                {
                    "key": f"{key}:{user_id}:{channel}",
                    "recipient_id": user_id,
                    "channel": channel,
                    "deadline_id": items[0].deadline.id if len(items) == 1 else None,
                    "stage": str(items[0].stage) if len(items) == 1 else "bundle",
                    "subject": subject[:500],
                    "body": body,
                    "due_at": now,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                    "created_at": now,
                }
            )
    return rows


def _escalation_rows(
    session: Session, deadline: Deadline, *, now: datetime
) -> list[dict[str, object]]:
    organisation_id = deadline.organisation_id
    if organisation_id is None and deadline.arrangement_id is not None:
        arrangement = session.get(Arrangement, deadline.arrangement_id)
        organisation_id = arrangement.lead_organisation_id if arrangement else None
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or organisation.escalation_contact_id is None:
        return []
    subject = f"[Besluitwerk] Escalatie: {deadline.subject}"
    body = "Niemand heeft bevestigd dat deze termijn wordt opgepakt.\n\n" + _body(deadline, now)
    return [
        {
            "key": f"{deadline.id}:{deadline.deadline_version}:escalation:"
            f"{organisation.escalation_contact_id}:{channel}",
            "recipient_id": organisation.escalation_contact_id,
            "channel": channel,
            "deadline_id": deadline.id,
            "stage": "escalation",
            "subject": subject[:500],
            "body": body,
            "due_at": now,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for channel in ("email", "in_app")
    ]


def digest(session: Session, *, now: datetime) -> int:
    """One daily digest e-mail per person with open deadlines in the coming two weeks."""
    return store.insert_messages(session, digest_rows(session, now=now))


def digest_rows(session: Session, *, now: datetime) -> list[dict[str, object]]:
    """The messages of ``digest``, read without writing: the tick makes them outside any
    write transaction and inserts them in short ones (the key makes each once)."""
    today = local_day(now)
    if now < send_time(today):
        return []
    horizon = today + timedelta(days=DIGEST_DAYS)
    listed = (Deadline.status == "open", Deadline.due_on <= horizon)
    # Thousands of open deadlines share a few hundred addresses (kind, owner, organisation,
    # arrangement): who receives them is asked once per address, and the deadlines themselves
    # are read only when someone lacks today's digest.
    ladder = _ladder(session)
    reaching = _Reaching(session)
    addressed: dict[_Address, list[int]] = {}

    def receivers(address: _Address) -> list[int]:
        if address not in addressed:
            _, roles, _ = ladder(address.kind)
            addressed[address] = [
                user.id for user in reaching.reach(address, roles, explain=False).users
            ]
        return addressed[address]

    for row in session.execute(
        select(Deadline.kind, Deadline.owner_id, Deadline.organisation_id, Deadline.arrangement_id)
        .where(*listed)
        .distinct()
    ):
        receivers(_Address(*row))
    key = f"digest:{{}}:{today.isoformat()}".format
    everyone = sorted({user_id for users in addressed.values() for user_id in users})
    # Who has today's digest already gets none again (the key says so too): its text is not
    # worth making.
    made = set(
        session.scalars(select(Message.key).where(Message.key.in_([key(u) for u in everyone])))
    )
    lacking = {user_id for user_id in everyone if key(user_id) not in made}
    if not lacking:
        return []
    per_user: dict[int, list[_Listed]] = {}
    # The columns the digest reads, not whole deadlines.
    for line in session.execute(
        select(
            Deadline.kind,
            Deadline.owner_id,
            Deadline.organisation_id,
            Deadline.arrangement_id,
            Deadline.due_on,
            Deadline.subject,
        )
        .where(*listed)
        .order_by(Deadline.due_on, Deadline.id)
    ):
        # A deadline added since the addresses were read may have an address of its own.
        for user_id in receivers(_Address(*line[:4])):
            if user_id in lacking:
                per_user.setdefault(user_id, []).append(_Listed(line.due_on, line.subject))
    return [
        {
            "key": key(user_id),
            "recipient_id": user_id,
            "channel": "email",
            "deadline_id": None,
            "stage": "digest",
            "subject": f"[Besluitwerk] Overzicht termijnen {long_date(today)}",
            "body": "Open termijnen in de komende twee weken:\n\n"
            + "\n".join(f"- {long_date(d.due_on)}: {d.subject}" for d in items),
            "due_at": now,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for user_id, items in per_user.items()
    ]


@dataclass(frozen=True)
class _Address:
    """Who the daily digest lists an open deadline for follows from these alone."""

    kind: str
    owner_id: int | None
    organisation_id: int | None
    arrangement_id: int | None


@dataclass(frozen=True)
class _Listed:
    """An open deadline's line in the daily digest."""

    due_on: date
    subject: str


@dataclass(frozen=True)
class DispatchResult:
    sent: int
    failed: int
    outbox: int


def claim(session: Session, *, now: datetime, limit: int) -> list[Message]:
    """Claim due messages for this process with a lease. Two dispatchers never hold the same
    row: PostgreSQL skips rows another transaction has locked; SQLite serialises writers."""
    query = (
        select(Message)
        .where(
            Message.status.in_(["pending", "sending"]),
            Message.due_at <= now,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
            or_(Message.lease_until.is_(None), Message.lease_until < now),
        )
        .order_by(Message.due_at, Message.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Message)
    messages = list(session.scalars(query))
    for message in messages:
        message.status = "sending"
        message.lease_until = now + LEASE
    session.flush()
    return messages


def dispatch(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    mailer: Mailer | None,
    batch: int = 100,
    clock: Callable[[], datetime] | None = None,
) -> DispatchResult:
    sent = failed = outbox = 0
    while True:
        with sessions() as session, session.begin():
            claimed = [
                (m.id, m.channel, m.recipient.email, m.subject, m.body, m.key, m.attempts)
                for m in claim(session, now=now, limit=batch)
            ]
        if not claimed:
            break
        for message_id, channel, email, subject, body, key, attempts in claimed:
            status, error = "sent", ""
            if channel == "email" and mailer is None:
                status = "outbox"  # no SMTP configured: the outbox page shows it
            elif channel == "email":
                try:
                    assert mailer is not None
                    mailer.send(to=email, subject=subject, body=body, message_id=key)
                except Exception as problem:  # any failure is retried, never lost
                    status, error = "failed", f"{type(problem).__name__}: {problem}"[:500]
            moment = clock() if clock else now
            with sessions() as session, session.begin():
                values: dict[str, object] = {"lease_until": None}
                if status == "failed":
                    tries = attempts + 1
                    values.update(
                        status="pending" if tries < MAX_ATTEMPTS else "failed",
                        attempts=tries,
                        next_attempt_at=moment + backoff(tries),
                        last_error=error,
                    )
                    failed += 1
                else:
                    values.update(status=status, sent_at=moment)
                    sent += status == "sent"
                    outbox += status == "outbox"
                session.execute(update(Message).where(Message.id == message_id).values(**values))
        if len(claimed) < batch:
            break
    return DispatchResult(sent, failed, outbox)


# The daily digest's mark in storage.derivations: the day whose digests are all made, and the
# registers version they were worked out at.
DIGEST_MARK = "digest"


def _digest_in_short_writes(sessions: sessionmaker[Session], *, now: datetime) -> int:
    """``digest``, for the tick: worked out in a read, inserted in short writes.

    Working out every recipient of every open deadline on every tick, only to find that each
    had today's digest already, was most of a repeated tick on a large region (issue 15).
    Once a round has made every digest of the day, a mark says so, with the registers version
    the round read; a later tick the same day makes no digest work while the version is the
    same. Whatever can give someone a digest they lack moves the version, as every audited
    change does (docs/security.md S24): an account added or given another role, a deadline
    added, moved or reopened, a ladder changed. The next tick then works the digests out
    again, and who has none yet today gets one; who has one gets no second (the key says so
    too). The mark is set only when the derived deadlines follow that same version (the
    deadlines' mark), so that a deadline the registers imply but the scheduler has not yet
    written is never taken as done."""
    today = local_day(now)
    if now < send_time(today):
        return 0
    with reading_session(sessions) as session:
        # The version first: everything read after it is at least as new (registers_version).
        version = signals.registers_version(session)[0]
        if _marked(session, DIGEST_MARK) == (version, today):
            return 0
        complete = _marked(session, DEADLINES_MARK) == (version, today)
        rows = digest_rows(session, now=now)
        session.rollback()
    parts = [
        rows[start : start + MESSAGES_PER_WRITE]
        for start in range(0, len(rows), MESSAGES_PER_WRITE)
    ]
    if complete and not parts:
        parts = [[]]
    made = 0
    for number, part in enumerate(parts, start=1):
        with sessions() as session, session.begin():
            locks.hold(session, locks.SCHEDULER_SWEEP)
            made += store.insert_messages(session, part)
            if complete and number == len(parts):
                # With the last insert: a round cut short leaves no mark.
                derivation_store.set_mark(session, DIGEST_MARK, audit_id=version, as_of=today)
    return made


def _marked(session: Session, name: str) -> tuple[int, date] | None:
    mark = derivation_store.mark(session, name)
    return None if mark is None else (mark.audit_id, mark.as_of)


def tick(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    mailer: Mailer | None,
    link: Link | None = None,
) -> dict[str, int]:
    """One scheduler tick: recompute deadlines, sweep due stages, digest, dispatch."""
    # Derived outside any write transaction, written in short ones (follow_registers).
    changes = follow_registers(sessions, as_of=local_day(now))
    # The signals pages' cache, for the arrangements it lacks today (after a change, and every
    # arrangement on a new day): the first page after either need not derive them.
    signals.warm(sessions, as_of=local_day(now))
    swept = _sweep_in_short_writes(sessions, now=now, link=link)
    digests = _digest_in_short_writes(sessions, now=now)
    result = dispatch(sessions, now=now, mailer=mailer, batch=CLAIM_BATCH)
    return {
        **changes,
        "deadlines_due": swept.deadlines,
        "messages": swept.messages + digests,
        "sent": result.sent,
        "failed": result.failed,
        "outbox": result.outbox,
    }
