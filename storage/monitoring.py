"""Monitoring figures of an arrangement: requests per provider, stays per bed, unique clients
per municipality, and the imports they came from (preview first, stored on confirmation)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage.arrangements import FINANCING, Bed
from storage.base import Base, UTCDateTime, one_of, utc_now
from storage.organisations import Organisation

IMPORT_KINDS = ("requests", "stays", "clients")


class Import(Base):
    __tablename__ = "imports"
    __table_args__ = (
        CheckConstraint(one_of("kind", IMPORT_KINDS), name="kind"),
        CheckConstraint("status IN ('preview', 'confirmed', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(20), default="preview")
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RequestFigure(Base):
    """Requests for a respite stay at one provider in one year (Kennispunt Twente's table)."""

    __tablename__ = "request_figures"
    __table_args__ = (
        UniqueConstraint("arrangement_id", "year", "provider_id"),
        CheckConstraint(
            "requested >= 0 AND placed >= 0 AND not_placed >= 0 AND unknown >= 0 "
            "AND cancelled >= 0",
            name="counts",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    requested: Mapped[int] = mapped_column(Integer)
    placed: Mapped[int] = mapped_column(Integer)
    not_placed: Mapped[int] = mapped_column(Integer, default=0)
    unknown: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[str] = mapped_column(Text, default="")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id", ondelete="SET NULL"))

    provider: Mapped[Organisation] = relationship(lazy="joined")


class Stay(Base):
    """One respite stay in one bed (dates inclusive), paid by the municipality of residence
    (Wmo) or the care office (Wlz)."""

    __tablename__ = "stays"
    __table_args__ = (
        UniqueConstraint("bed_id", "start_on"),
        CheckConstraint("end_on >= start_on", name="period"),
        CheckConstraint(one_of("financing", FINANCING), name="financing"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    bed_id: Mapped[int] = mapped_column(ForeignKey("beds.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    financing: Mapped[str] = mapped_column(String(10))
    start_on: Mapped[date]
    end_on: Mapped[date]
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id", ondelete="SET NULL"))

    bed: Mapped[Bed] = relationship(lazy="joined")


class ClientCount(Base):
    """Unique clients per municipality in a year, Wmo and Wlz."""

    __tablename__ = "client_counts"
    __table_args__ = (
        UniqueConstraint("arrangement_id", "year", "municipality_id"),
        CheckConstraint("wmo >= 0 AND wlz >= 0", name="counts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    wmo: Mapped[int] = mapped_column(Integer, default=0)
    wlz: Mapped[int] = mapped_column(Integer, default=0)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id", ondelete="SET NULL"))

    municipality: Mapped[Organisation] = relationship(lazy="joined")


def requests_of(session: Session, arrangement_id: int, year: int) -> Sequence[RequestFigure]:
    return session.scalars(
        select(RequestFigure)
        .where(RequestFigure.arrangement_id == arrangement_id, RequestFigure.year == year)
        .order_by(RequestFigure.id)
    ).all()


def stays_of(session: Session, arrangement_id: int) -> Sequence[Stay]:
    return session.scalars(
        select(Stay).where(Stay.arrangement_id == arrangement_id).order_by(Stay.start_on, Stay.id)
    ).all()


def clients_of(session: Session, arrangement_id: int, year: int) -> Sequence[ClientCount]:
    return session.scalars(
        select(ClientCount)
        .where(ClientCount.arrangement_id == arrangement_id, ClientCount.year == year)
        .order_by(ClientCount.id)
    ).all()
