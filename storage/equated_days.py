"""Days equated with a recognised holiday by Royal Decree (Algemene termijnenwet art. 3 lid 3):
one row per day, with the decree that equates it and where it was published."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, UTCDateTime, utc_now


class EquatedDay(Base):
    __tablename__ = "equated_days"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    # The decree: its title or date and number, as the Staatscourant publishes it.
    decree: Mapped[str] = mapped_column(String(300))
    # Where it was published: the Staatscourant number or the address of the text.
    source: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


def list_equated_days(session: Session) -> Sequence[EquatedDay]:
    return session.scalars(select(EquatedDay).order_by(EquatedDay.day)).all()


def decrees_by_day(session: Session) -> dict[date, str]:
    """Day -> decree of every equated day: one small query, what every term and plan needs."""
    return {
        day: decree for day, decree in session.execute(select(EquatedDay.day, EquatedDay.decree))
    }


def find_equated_day(session: Session, day: date) -> EquatedDay | None:
    return session.scalars(select(EquatedDay).where(EquatedDay.day == day)).one_or_none()
