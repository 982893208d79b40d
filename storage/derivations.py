"""What is derived from the registers, kept in the database so that every worker and the
scheduler share it: the signals of one arrangement on one day, and how far the scheduler's
deadlines have followed the registers. Both are marked with the audit event (the registers
version) they were derived at; what changed after it is told by the audit log itself."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String, Text, delete, exc, literal, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from storage.audit import AuditEvent
from storage.base import Base, UTCDateTime, utc_now
from storage.database import write_session_or_nothing

logger = logging.getLogger("besluitwerk.derivations")


class SignalCacheEntry(Base):
    """The signals of one arrangement as derived on one day (they depend on the day: overdue,
    missed meetings), at the registers version ``audit_id``. No foreign key: an entry of a
    deleted arrangement is never asked for again and goes with the day's cleanup."""

    __tablename__ = "signal_cache"

    arrangement_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    audit_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class DerivationMark(Base):
    """How far a derivation has followed the registers: for the scheduler's deadlines, the
    audit event and the day of its last re-derivation."""

    __tablename__ = "derivation_marks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    audit_id: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


@dataclass(frozen=True)
class Cached:
    arrangement_id: int
    audit_id: int
    payload: str


def cached_signals(
    session: Session, arrangement_ids: Sequence[int], as_of: date, *, with_payload: bool = True
) -> list[Cached]:
    """The entries of these arrangements for the day; without their payloads (empty) when
    only their versions are wanted."""
    payload = SignalCacheEntry.payload if with_payload else literal("")
    rows = session.execute(
        select(SignalCacheEntry.arrangement_id, SignalCacheEntry.audit_id, payload).where(
            SignalCacheEntry.as_of == as_of,
            SignalCacheEntry.arrangement_id.in_(list(arrangement_ids)),
        )
    )
    return [Cached(row[0], row[1], row[2]) for row in rows]


def put_signals(session: Session, entries: Iterable[Cached], as_of: date) -> None:
    """Replaces the entries of these arrangements for the day, and drops those of earlier
    days (nobody asks for yesterday's signals at the version of yesterday)."""
    found = list(entries)
    if not found:
        return
    ids = [e.arrangement_id for e in found]
    session.execute(
        delete(SignalCacheEntry).where(
            SignalCacheEntry.arrangement_id.in_(ids), SignalCacheEntry.as_of == as_of
        )
    )
    session.execute(delete(SignalCacheEntry).where(SignalCacheEntry.as_of < as_of))
    session.add_all(
        SignalCacheEntry(
            arrangement_id=e.arrangement_id, as_of=as_of, audit_id=e.audit_id, payload=e.payload
        )
        for e in found
    )
    session.flush()


def put_signals_if_free(
    factory: sessionmaker[Session], entries: Sequence[Cached], as_of: date
) -> bool:
    """Stores what a reading request derived, in a short transaction of its own, unless the
    database is busy with a write: a cache is not worth waiting for, the next request derives
    again. False when not stored."""
    if not entries:
        return True
    with write_session_or_nothing(factory) as session:
        try:
            put_signals(session, entries, as_of)
            session.commit()
        except (exc.OperationalError, exc.IntegrityError):
            # Busy (SQLite), or another worker stored the same entry first (PostgreSQL).
            session.rollback()
            logger.info("signal cache not stored: the database is busy")
            return False
    return True


def mark(session: Session, name: str) -> DerivationMark | None:
    return session.get(DerivationMark, name)


def set_mark(session: Session, name: str, *, audit_id: int, as_of: date) -> None:
    found = session.get(DerivationMark, name)
    if found is None:
        session.add(DerivationMark(name=name, audit_id=audit_id, as_of=as_of))
    else:
        found.audit_id, found.as_of = audit_id, as_of
    session.flush()


def events_since(
    session: Session, audit_id: int, *, skip_actions: Sequence[str], limit: int
) -> list[tuple[int, str, str | None, dict[str, Any] | None]]:
    """Id, object type, object id and old values of the events after ``audit_id`` that may
    have changed the registers, oldest first, at most ``limit``."""
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.old_values)
        .where(AuditEvent.id > audit_id, AuditEvent.action.not_in(list(skip_actions)))
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]
