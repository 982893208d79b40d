"""What is derived from the registers, kept in the database so that every worker and the
scheduler share it: the signals of one arrangement on one day, and how far the scheduler's
deadlines have followed the registers. Both are marked with the audit event (the registers
version) they were derived at; what changed after it is told by the audit log itself."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    Select,
    String,
    Text,
    case,
    delete,
    exc,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import (
    Mapped,
    Session,
    lazyload,
    mapped_column,
    selectinload,
    sessionmaker,
)

from storage.agreements import Agreement
from storage.audit import AuditEvent
from storage.base import Base, UTCDateTime, utc_now
from storage.database import write_session_or_nothing
from storage.mandates import Grant, Mandate
from storage.paging import AnyRow

logger = logging.getLogger("besluitwerk.derivations")


class SignalCacheEntry(Base):
    """The signals of one arrangement as derived on one day (they depend on the day: overdue,
    missed meetings), kept at the registers version ``audit_id``; the signals themselves are
    its ``SignalRow``s, so that a list reads, sorts and counts in SQL and decodes only the rows
    it shows. No foreign key to the arrangement: an entry of a deleted arrangement is never asked
    for again and goes with the day's cleanup."""

    __tablename__ = "signal_cache"

    arrangement_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    audit_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class SignalRow(Base):
    """One signal of a kept entry (``position``: its place in the arrangement's derivation).
    The columns the lists sort, filter and page by are plain columns: the date by which work
    must start, the kind, the municipality (its name as the lists sort by it; a rename of an
    organisation re-derives every arrangement, see workflows.deadlines.register_changes)."""

    __tablename__ = "signal_rows"
    __table_args__ = (
        ForeignKeyConstraint(
            ["arrangement_id", "as_of"],
            ["signal_cache.arrangement_id", "signal_cache.as_of"],
            ondelete="CASCADE",
        ),
        # The order every list of signals reads in, within one day.
        Index(
            "ix_signal_rows_day_order",
            "as_of",
            "start_by_on",
            "kind",
            "municipality_name",
            "arrangement_name",
            "arrangement_id",
            "position",
        ),
    )

    arrangement_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    arrangement_name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text)
    act_on: Mapped[date] = mapped_column(Date)
    latest_meeting_on: Mapped[date] = mapped_column(Date)
    agenda_closes_on: Mapped[date] = mapped_column(Date)
    start_by_on: Mapped[date] = mapped_column(Date)
    explanation: Mapped[str] = mapped_column(Text)
    municipality_id: Mapped[int | None] = mapped_column(Integer)
    # Empty for a signal of the whole arrangement: first among equal dates and kinds.
    municipality_name: Mapped[str] = mapped_column(String(200))
    act: Mapped[str | None] = mapped_column(String(40))
    # The acts of the route, in order, separated by spaces.
    acts: Mapped[str] = mapped_column(Text)
    mandate_id: Mapped[int | None] = mapped_column(Integer)
    mandate_kind: Mapped[str] = mapped_column(String(30))
    overdue: Mapped[bool] = mapped_column(Boolean)
    signal_key: Mapped[str] = mapped_column(Text)
    missed: Mapped[bool] = mapped_column(Boolean)
    next_act_on: Mapped[date | None] = mapped_column(Date)
    next_meeting_on: Mapped[date | None] = mapped_column(Date)
    next_agenda_closes_on: Mapped[date | None] = mapped_column(Date)
    next_start_by_on: Mapped[date | None] = mapped_column(Date)
    gap_now: Mapped[bool] = mapped_column(Boolean)
    advice: Mapped[str] = mapped_column(Text)
    ratification: Mapped[str] = mapped_column(Text)


SIGNAL_ORDER = (
    SignalRow.start_by_on,
    SignalRow.kind,
    SignalRow.municipality_name,
    SignalRow.arrangement_name,
    SignalRow.arrangement_id,
    SignalRow.position,
)


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
    """An entry to keep: the signals of an arrangement derived at ``audit_id`` (the values of
    its ``SignalRow``s, in order), or, with ``rows`` None, the kept signals found still valid
    at the newer ``audit_id``."""

    arrangement_id: int
    audit_id: int
    rows: Sequence[Mapping[str, Any]] | None = None


# Up to this many arrangements a statement names their ids; for more (a region's hundreds) it
# reads the day's entries of all arrangements, one per arrangement, and keeps those asked for:
# binding and matching hundreds of ids cost more than the few rows that adds.
NAMED_IDS = 50


def cached_versions(
    session: Session, arrangement_ids: Sequence[int], as_of: date
) -> list[tuple[int, int]]:
    """Arrangement and registers version of the kept entries of these arrangements for the
    day."""
    wanted = set(arrangement_ids)
    query = select(SignalCacheEntry.arrangement_id, SignalCacheEntry.audit_id).where(
        SignalCacheEntry.as_of == as_of
    )
    if len(wanted) <= NAMED_IDS:
        query = query.where(SignalCacheEntry.arrangement_id.in_(wanted))
    return [(row[0], row[1]) for row in session.execute(query) if row[0] in wanted]


# A signal row as a tuple rather than a mapped object: a page of signals reads a hundred rows
# of thirty columns, and the identity map's bookkeeping per object costs more than reading
# them. Rows are only read through these, never changed; the readers unpack them in this
# order (workflows.deadlines.signals._from_rows).
SIGNAL_COLUMNS = (
    SignalRow.arrangement_id,
    SignalRow.as_of,
    SignalRow.position,
    SignalRow.kind,
    SignalRow.arrangement_name,
    SignalRow.subject,
    SignalRow.act_on,
    SignalRow.latest_meeting_on,
    SignalRow.agenda_closes_on,
    SignalRow.start_by_on,
    SignalRow.explanation,
    SignalRow.municipality_id,
    SignalRow.municipality_name,
    SignalRow.act,
    SignalRow.acts,
    SignalRow.mandate_id,
    SignalRow.mandate_kind,
    SignalRow.overdue,
    SignalRow.signal_key,
    SignalRow.missed,
    SignalRow.next_act_on,
    SignalRow.next_meeting_on,
    SignalRow.next_agenda_closes_on,
    SignalRow.next_start_by_on,
    SignalRow.gap_now,
    SignalRow.advice,
    SignalRow.ratification,
)


def signal_rows(
    as_of: date, arrangement_ids: Sequence[int], *, municipality_id: int | None = None
) -> Select[*tuple[Any, ...]]:
    """The kept signals of these arrangements for the day (``SIGNAL_COLUMNS``), in the lists'
    order; with ``municipality_id`` only that municipality's and the whole arrangements' (the
    rule in workflows.rules.own_municipality)."""
    query = (
        select(*SIGNAL_COLUMNS)
        .where(SignalRow.as_of == as_of, SignalRow.arrangement_id.in_(list(arrangement_ids)))
        .order_by(*SIGNAL_ORDER)
    )
    if municipality_id is not None:
        query = query.where(
            SignalRow.municipality_id.is_(None) | (SignalRow.municipality_id == municipality_id)
        )
    return query


def earliest_starts(
    session: Session, as_of: date, arrangement_ids: Sequence[int]
) -> list[tuple[int, date]]:
    """Per arrangement among these with kept signals for the day, the earliest date by which
    work on one of them must start."""
    wanted = set(arrangement_ids)
    query = (
        select(SignalRow.arrangement_id, func.min(SignalRow.start_by_on))
        .where(SignalRow.as_of == as_of)
        .group_by(SignalRow.arrangement_id)
    )
    if len(wanted) <= NAMED_IDS:
        query = query.where(SignalRow.arrangement_id.in_(wanted))
    return [(row[0], row[1]) for row in session.execute(query) if row[0] in wanted]


def first_signals(
    session: Session,
    as_of: date,
    arrangement_ids: Sequence[int],
    *,
    first: int,
    municipality_id: int | None = None,
) -> tuple[list[AnyRow], int]:
    """The first kept signals of these arrangements for the day in the lists' order, and how
    many of all of them are overdue: one statement (the count is a window over all the rows
    before the limit), asked even for no arrangements so that the start page reads as many
    statements whatever the table holds."""
    overdue = func.sum(case((SignalRow.overdue, 1), else_=0)).over()
    rows = session.execute(
        signal_rows(as_of, arrangement_ids, municipality_id=municipality_id)
        .add_columns(overdue)
        .limit(first)
    ).all()
    return list(rows), int(rows[0][-1] or 0) if rows else 0


def put_signals(session: Session, entries: Iterable[Cached], as_of: date) -> None:
    """Replaces the entries of these arrangements for the day (or moves a still valid one to
    its newer version), and drops those of earlier days (nobody asks for yesterday's signals
    at the version of yesterday); an entry's rows go with it (ON DELETE CASCADE)."""
    found = list(entries)
    if not found:
        return
    session.execute(delete(SignalCacheEntry).where(SignalCacheEntry.as_of < as_of))
    # Each to the version it was found valid at (one per request, as a rule), and only
    # forward: another worker may have stored a newer derivation meanwhile.
    for version in sorted({e.audit_id for e in found if e.rows is None}):
        session.execute(
            update(SignalCacheEntry)
            .where(
                SignalCacheEntry.arrangement_id.in_(
                    [e.arrangement_id for e in found if e.rows is None and e.audit_id == version]
                ),
                SignalCacheEntry.as_of == as_of,
                SignalCacheEntry.audit_id < version,
            )
            .values(audit_id=version)
        )
    derived = [e for e in found if e.rows is not None]
    if not derived:
        return
    session.execute(
        delete(SignalCacheEntry).where(
            SignalCacheEntry.arrangement_id.in_([e.arrangement_id for e in derived]),
            SignalCacheEntry.as_of == as_of,
        )
    )
    now = utc_now()
    session.execute(
        insert(SignalCacheEntry),
        [
            {
                "arrangement_id": e.arrangement_id,
                "as_of": as_of,
                "audit_id": e.audit_id,
                "created_at": now,
            }
            for e in derived
        ],
    )
    rows = [
        {**values, "arrangement_id": e.arrangement_id, "as_of": as_of, "position": position}
        for e in derived
        for position, values in enumerate(e.rows or ())
    ]
    if rows:
        # With its NULLs written out, one statement for all rows, instead of one per pattern
        # of empty columns.
        session.execute(insert(SignalRow).execution_options(render_nulls=True), rows)
    session.flush()


def planning_mandates(session: Session, arrangement_ids: Sequence[int]) -> Sequence[Mandate]:
    """The mandates of these arrangements with what a derivation reads of them: phases and
    grants. Without the organisations and arrangement the lists join to each row, which for a
    region's thousands of grants cost more than the derivation itself."""
    return session.scalars(
        select(Mandate)
        .options(
            lazyload(Mandate.arrangement),
            lazyload(Mandate.grantee),
            selectinload(Mandate.phases),
            selectinload(Mandate.grants).lazyload(Grant.grantor),
        )
        .where(Mandate.arrangement_id.in_(list(arrangement_ids)))
        .order_by(Mandate.id)
    ).all()


def planning_agreements(session: Session, arrangement_ids: Sequence[int]) -> Sequence[Agreement]:
    """The agreements of these arrangements with their provider, in the lists' order; their
    mandates, beds and other parties are not read (a derivation needs their terms only)."""
    return session.scalars(
        select(Agreement)
        .options(lazyload(Agreement.arrangement), lazyload(Agreement.contracting_party))
        .where(Agreement.arrangement_id.in_(list(arrangement_ids)))
        .order_by(Agreement.reference, Agreement.id)
    ).all()


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
