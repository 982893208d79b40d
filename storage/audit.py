"""The append-only audit log (docs/security.md S24). The database itself refuses UPDATE and DELETE
on this table: see the triggers in the first migration.

Tamper evidence (S25): each event carries a keyed MAC (HMAC-SHA256) over the previous event's
MAC and its own content. The key is kept outside the database (storage/keys.py), so someone who
can write the database can change, insert or append events only by leaving a MAC that does not
verify. What a MAC cannot show — the last events deleted — is shown by comparing with a head
recorded outside the database: in every backup manifest and in the scheduler's log.

Events written before migration 0014 carry a plain SHA-256 link (0006) or none at all (before
0006). They are verified as they were written, and only below the event from which the MAC
applies, which that migration recorded in ``audit_chain_starts``; the first keyed event links to
the last of them, so changing an old event still breaks the chain at the first keyed one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Connection, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import keys, locks
from storage.base import Base, UTCDateTime, utc_now
from storage.database import begin_writing

RESULTS = ("success", "denied", "failed")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_hash", "hash", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    actor_label: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50), index=True)
    object_id: Mapped[str | None] = mapped_column(String(50))
    result: Mapped[str] = mapped_column(String(10))
    origin: Mapped[str] = mapped_column(String(100))
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Tamper evidence (docs/security.md S25): each event carries the MAC of the one before it.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainStart(Base):
    """From which event on the chain is keyed (HMAC); written once by migration 0014 and, like
    the log, never changed. Should rows be added, the lowest counts: stricter, never looser."""

    __tablename__ = "audit_chain_starts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    keyed_from_id: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


GENESIS = "0" * 64


def _content(event: AuditEvent, prev_hash: str) -> bytes:
    content = {
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "result": event.result,
        "origin": event.origin,
        "old_values": event.old_values,
        "new_values": event.new_values,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (prev_hash + text).encode("utf-8")


def legacy_digest(event: AuditEvent, prev_hash: str) -> str:
    """The plain SHA-256 link of events written before the chain was keyed (migration 0006)."""
    return hashlib.sha256(_content(event, prev_hash)).hexdigest()


def mac(key: bytes, event: AuditEvent, prev_hash: str) -> str:
    """HMAC-SHA256 over the previous MAC and the event's content in a canonical form."""
    return hmac.new(key, _content(event, prev_hash), hashlib.sha256).hexdigest()


def _last_hash(session: Session) -> str:
    locks.hold(session, locks.AUDIT_CHAIN)  # one writer at a time extends the chain
    last = session.scalars(
        select(AuditEvent.hash)
        .where(AuditEvent.hash.is_not(None))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    return last or GENESIS


def add_event(
    session: Session,
    *,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str | int | None,
    result: str,
    origin: str,
    old_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    if at is not None and at.tzinfo is None:
        raise ValueError("naive datetime given where an aware UTC datetime is required")
    key = keys.of(session).audit  # before anything is written: no event without its MAC
    # A read-only request (a download, an export, a refusal) writes its event under the lock.
    begin_writing(session)
    moment = (at or utc_now()).astimezone(UTC)
    event = AuditEvent(
        # Microseconds survive every database; the MAC is over what is stored.
        at=moment,
        actor_id=actor_id,
        actor_label=actor_label[:300],
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        origin=origin[:100],
        old_values=_canonical(old_values),
        new_values=_canonical(new_values),
    )
    session.flush()  # earlier events of this transaction first
    event.prev_hash = _last_hash(session)
    event.hash = mac(key, event, event.prev_hash)
    session.add(event)
    session.flush()
    return event


def _canonical(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """As the JSON column gives it back, so that the MAC can be recomputed from the row."""
    return None if values is None else json.loads(json.dumps(values, default=str))


@dataclass(frozen=True)
class Head:
    """The newest event of the chain as recorded outside the database (a backup manifest, the
    log): the chain read later must still hold this event with this MAC."""

    id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.id}:{self.hash}"


def head(session: Session | Connection) -> Head | None:
    row = session.execute(
        select(AuditEvent.id, AuditEvent.hash)
        .where(AuditEvent.hash.is_not(None))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    return None if row is None or row.hash is None else Head(row.id, row.hash)


def keyed_from(session: Session) -> int:
    """The first event whose link is a MAC; without a record, every event must be keyed."""
    found = session.scalar(select(func.min(AuditChainStart.keyed_from_id)))
    return int(found) if found is not None else 1


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    broken_id: int | None
    unchained: int
    legacy: int = 0
    head: Head | None = None
    problem: str | None = None  # Dutch, naming the first broken event

    @property
    def intact(self) -> bool:
        return self.broken_id is None


def verify_chain(
    session: Session, *, known_heads: Sequence[Head] = (), batch: int = 5_000
) -> ChainCheck:
    """Recompute the chain in order; the first event whose MAC or link does not match is where
    someone changed, inserted or removed history. Then each head recorded outside the database
    must still be there, unchanged: otherwise the end of the log was removed or replaced."""
    key = keys.of(session).audit
    boundary = keyed_from(session)
    previous = GENESIS
    checked = unchained = legacy = 0
    last: Head | None = None
    last_id = 0

    def broken(event_id: int, problem: str) -> ChainCheck:
        return ChainCheck(checked, event_id, unchained, legacy, last, problem)

    while True:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            break
        for event in events:
            last_id = event.id
            if event.hash is None:
                if last is not None or event.id >= boundary:
                    return broken(
                        event.id,
                        f"gebeurtenis #{event.id} heeft geen hash, terwijl de keten daarvóór al "
                        "begonnen was: zij is buiten Besluitwerk om toegevoegd.",
                    )
                unchained += 1  # written before the chain existed (before migration 0006)
                continue
            checked += 1
            if event.prev_hash != previous:
                return broken(
                    event.id,
                    f"gebeurtenis #{event.id} verwijst niet naar de gebeurtenis ervoor: daar is "
                    "een gebeurtenis verwijderd, gewijzigd of tussengevoegd.",
                )
            if event.id >= boundary:
                expected = mac(key, event, previous)
            else:
                expected = legacy_digest(event, previous)
                legacy += 1
            if not hmac.compare_digest(expected, event.hash):
                return broken(
                    event.id,
                    f"gebeurtenis #{event.id} is gewijzigd, of toegevoegd zonder de sleutel van "
                    "het auditlogboek.",
                )
            previous = event.hash
            last = Head(event.id, event.hash)
        session.expunge_all()
    for known in known_heads:
        recorded = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == known.id))
        end = f"#{last.id}" if last is not None else "het begin"
        if recorded is None:
            return broken(
                known.id,
                f"gebeurtenis #{known.id} (de bekende kop van de keten) ontbreekt; de keten "
                f"eindigt bij {end}: het einde van het logboek is verwijderd.",
            )
        if not hmac.compare_digest(recorded, known.hash):
            return broken(
                known.id,
                f"gebeurtenis #{known.id} wijkt af van de bekende kop van de keten: het einde "
                "van het logboek is verwijderd of vervangen.",
            )
    return ChainCheck(checked, None, unchained, legacy, last)


def events_for(session: Session, object_type: str, object_id: str | int) -> Sequence[AuditEvent]:
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)
    ).all()
