"""Organisations: municipalities, care providers, the care office and knowledge partners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, UTCDateTime, one_of, utc_now

ORGANISATION_KINDS = ("municipality", "provider", "care_office", "knowledge_partner")


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(one_of("kind", ORGANISATION_KINDS), name="kind"),
        CheckConstraint("inhabitants IS NULL OR inhabitants >= 0", name="inhabitants"),
        CheckConstraint(
            "meeting_weekday IS NULL OR meeting_weekday BETWEEN 0 AND 6", name="meeting_weekday"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    # Inhabitants feed the cost key of vacant beds; the reference date says which count it is.
    inhabitants: Mapped[int | None] = mapped_column(Integer)
    inhabitants_on: Mapped[date | None]
    # B&W meeting calendar: weekday (0 = Monday), agenda closing lead time in working days,
    # co-advice time in working days, ISO weeks without meetings.
    meeting_weekday: Mapped[int | None] = mapped_column(Integer)
    agenda_lead_working_days: Mapped[int | None] = mapped_column(Integer)
    co_advice_working_days: Mapped[int | None] = mapped_column(Integer)
    recess_weeks: Mapped[list[int]] = mapped_column(JSON, default=list)
    no_meetings_christmas_to_new_year: Mapped[bool] = mapped_column(Boolean, default=True)
    escalation_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


def list_organisations(
    session: Session, *, kind: str | None = None, only_id: int | None = None
) -> Sequence[Organisation]:
    query = select(Organisation).order_by(Organisation.kind, Organisation.name)
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    if only_id is not None:
        query = query.where(Organisation.id == only_id)
    return session.scalars(query).all()


def find_organisation_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.name == name)).one_or_none()
