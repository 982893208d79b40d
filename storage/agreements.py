"""Purchasing and framework agreements with the care providers of an arrangement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload
from sqlalchemy.sql.base import ExecutableOption

from storage.arrangements import Arrangement, Bed
from storage.base import Base, UTCDateTime, one_of, utc_now
from storage.mandates import Mandate
from storage.organisations import Organisation

AGREEMENT_KINDS = ("purchase", "framework")
AGREEMENT_STATUSES = (
    "draft",
    "sent",
    "signed_by_provider",
    "signed",
    "active",
    "extended",
    "ended",
    "terminated",
)

agreement_mandates = Table(
    "agreement_mandates",
    Base.metadata,
    Column("agreement_id", ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("mandate_id", ForeignKey("mandates.id", ondelete="CASCADE"), primary_key=True),
)

agreement_beds = Table(
    "agreement_beds",
    Base.metadata,
    Column("agreement_id", ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("bed_id", ForeignKey("beds.id", ondelete="CASCADE"), primary_key=True),
)


class Agreement(Base):
    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint(one_of("kind", AGREEMENT_KINDS), name="kind"),
        CheckConstraint(one_of("status", AGREEMENT_STATUSES), name="status"),
        CheckConstraint("end_on >= start_on", name="term"),
        CheckConstraint("maximum_end_on >= end_on", name="maximum_end"),
        CheckConstraint(
            "extension_count >= 0 AND extension_months >= 0 AND extensions_used >= 0 "
            "AND extensions_used <= extension_count",
            name="extensions",
        ),
        CheckConstraint("notice_months >= 0", name="notice"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    contracting_party_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    start_on: Mapped[date]
    end_on: Mapped[date]
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    extensions_used: Mapped[int] = mapped_column(Integer, default=0)
    notice_months: Mapped[int] = mapped_column(Integer, default=0)
    maximum_end_on: Mapped[date]
    tariff_occupied_day: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    tariff_vacant_day: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    indexation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    notes: Mapped[str] = mapped_column(Text, default="")
    approved_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    arrangement: Mapped[Arrangement] = relationship(lazy="joined")
    provider: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[provider_id])
    contracting_party: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys=[contracting_party_id]
    )
    mandates: Mapped[list[Mandate]] = relationship(secondary=agreement_mandates)
    beds: Mapped[list[Bed]] = relationship(secondary=agreement_beds)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


def loaded() -> list[ExecutableOption]:
    """What an agreement is read with: its mandates and beds, one query each for a list."""
    return [selectinload(Agreement.mandates), selectinload(Agreement.beds)]


def list_agreements(
    session: Session,
    *,
    arrangement_ids: Sequence[int] | None = None,
    provider_id: int | None = None,
) -> Sequence[Agreement]:
    """Agreements, scoped in the query: a provider's list holds its own agreements only."""
    query = select(Agreement).options(*loaded()).order_by(Agreement.reference, Agreement.id)
    if arrangement_ids is not None:
        query = query.where(Agreement.arrangement_id.in_(arrangement_ids))
    if provider_id is not None:
        query = query.where(Agreement.provider_id == provider_id)
    return session.scalars(query).unique().all()


def get_agreement(
    session: Session, agreement_id: int, *, provider_id: int | None = None
) -> Agreement | None:
    query = select(Agreement).options(*loaded()).where(Agreement.id == agreement_id)
    if provider_id is not None:
        query = query.where(Agreement.provider_id == provider_id)
    return session.scalars(query).one_or_none()


def find_agreement_by_reference(session: Session, reference: str) -> Agreement | None:
    return session.scalars(select(Agreement).where(Agreement.reference == reference)).one_or_none()
