"""Deadlines, the reminder ladders per kind, the outbox of messages and calendar feeds.

The database is the scheduler of record (docs/architecture.md §5): a message row exists once per
idempotency key, so sweeping twice or in two processes at once creates it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage.accounts import User
from storage.base import Base, UTCDateTime, one_of, utc_now

DEADLINE_STATUSES = ("open", "done", "not_applicable")
MESSAGE_STATUSES = ("pending", "sending", "sent", "failed", "outbox")


class Deadline(Base):
    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint(one_of("status", DEADLINE_STATUSES), name="status"),
        # The sweep reads only what is due: open deadlines by the date of their next stage.
        Index("ix_deadlines_due_stage", "status", "next_stage_on"),
        # The lists read a page of one status by due date, and count the whole list, from the
        # index alone: it holds every column their visibility filters on (issue 15).
        Index(
            "ix_deadlines_list", "status", "due_on", "arrangement_id", "organisation_id", "owner_id"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(500))
    explanation: Mapped[str] = mapped_column(Text, default="")
    arrangement_id: Mapped[int | None] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    due_on: Mapped[date]
    start_by_on: Mapped[date | None]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="derived")
    # Raised when the due date moves: reminders and calendar events follow the new version.
    deadline_version: Mapped[int] = mapped_column(Integer, default=1)
    last_stage: Mapped[int | None] = mapped_column(Integer)
    last_stage_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The day the first reminder of this version went out: escalation counts from there.
    first_reminded_on: Mapped[date | None]
    next_stage_on: Mapped[date | None]
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    owner: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[owner_id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReminderLadder(Base):
    """For one kind of deadline: the days before the due date on which reminders go out
    (0 = on the day, negative = overdue), and to which roles."""

    __tablename__ = "reminder_ladders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), unique=True)
    offsets: Mapped[list[int]] = mapped_column(JSON, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    escalate_after_days: Mapped[int] = mapped_column(Integer, default=7)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Message(Base):
    """One message to one person on one channel: the outbox row is the idempotency key."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'outbox')", name="status"
        ),
        CheckConstraint("channel IN ('email', 'in_app')", name="channel"),
        Index("ix_messages_dispatch", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))
    deadline_id: Mapped[int | None] = mapped_column(
        ForeignKey("deadlines.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(20), default="")
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    recipient: Mapped[User] = relationship(lazy="joined")


class CalendarFeed(Base):
    """A personal secret calendar address; only the hash of its token is kept."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


def deadlines_by_key(session: Session, keys: Sequence[str] | None = None) -> dict[str, Deadline]:
    query = select(Deadline)
    if keys is not None:
        query = query.where(Deadline.key.in_(keys))
    return {d.key: d for d in session.scalars(query)}


def derived_deadlines(session: Session, *, arrangement_ids: Sequence[int]) -> dict[str, Deadline]:
    """The derived deadlines of these arrangements, by key (the index on arrangement_id)."""
    if not arrangement_ids:
        return {}
    query = select(Deadline).where(
        Deadline.arrangement_id.in_(list(arrangement_ids)), Deadline.source == "derived"
    )
    return {d.key: d for d in session.scalars(query)}


def due_for_stage(session: Session, today: date, *, limit: int = 1000) -> Sequence[Deadline]:
    return session.scalars(
        select(Deadline)
        .where(Deadline.status == "open", Deadline.next_stage_on <= today)
        .order_by(Deadline.next_stage_on, Deadline.id)
        .limit(limit)
    ).all()


def advance(session: Session, steps: Sequence[tuple[int, int, dict[str, object]]]) -> bool:
    """Writes to each deadline (id, the version it was read at, its new values: the same
    columns for each) what sweeping worked out, in one statement; False when any of them
    changed since it was read (the version moves with every change), and then the caller
    rolls back."""
    if not steps:
        return True
    table = cast(Table, Deadline.__table__)
    names = list(steps[0][2])
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values(
            {
                **{name: bindparam(f"b_{name}", type_=table.c[name].type) for name in names},
                "version": bindparam("b_version") + 1,
                "updated_at": bindparam("b_updated_at", type_=table.c.updated_at.type),
            }
        )
    )
    moment = utc_now()
    result = session.execute(
        statement,
        [
            {"b_id": i, "b_version": version, "b_updated_at": moment}
            | {f"b_{name}": values[name] for name in names}
            for i, version, values in steps
        ],
    )
    return getattr(result, "rowcount", -1) == len(steps)


def insert_messages(session: Session, rows: list[dict[str, object]]) -> int:
    """Insert what is new; a row whose key exists already is skipped (the idempotency key)."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Message)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Message.id)
    )
    return len(session.execute(statement).all())


def ladders(session: Session) -> dict[str, ReminderLadder]:
    return {ladder.kind: ladder for ladder in session.scalars(select(ReminderLadder))}


def find_feed(session: Session, token_hash: str) -> CalendarFeed | None:
    return session.scalars(
        select(CalendarFeed).where(CalendarFeed.token_hash == token_hash)
    ).one_or_none()


def _delivered_in_app(recipient_id: object) -> Select[Message]:
    """A recipient's delivered in-app messages, newest first (the notifications page)."""
    return (
        select(Message)
        .where(
            Message.recipient_id == recipient_id,
            Message.channel == "in_app",
            Message.status == "sent",
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
    )


def delivered_in_app(
    session: Session, recipient_id: int | None, *, newest: int
) -> Sequence[Message]:
    return session.scalars(_delivered_in_app(recipient_id).limit(newest)).all()


def _unread_in_app_statement() -> Select[int]:
    latest = (
        _delivered_in_app(bindparam("recipient_id"))
        .with_only_columns(Message.read_at)
        .limit(bindparam("newest"))
        .subquery()
    )
    return select(func.count()).select_from(latest).where(latest.c.read_at.is_(None))


# Built once: it is asked on every start page, and building it costs more than running it.
_UNREAD_IN_APP = _unread_in_app_statement()


def unread_in_app(session: Session, recipient_id: int | None, *, newest: int) -> int:
    """How many of the recipient's ``newest`` delivered in-app messages are unread, counted
    in the database rather than by loading them."""
    found = session.scalar(_UNREAD_IN_APP, {"recipient_id": recipient_id, "newest": newest})
    return int(found or 0)
