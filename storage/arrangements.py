"""Regional arrangements: participants, phases, evaluation moments, locations and beds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    Select,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload
from sqlalchemy.sql.base import ExecutableOption

from storage.base import Base, UTCDateTime, one_of, utc_now
from storage.organisations import Organisation

PHASE_KINDS = ("pilot", "extension", "structural")
FINANCING = ("wmo", "wlz")


class Arrangement(Base):
    __tablename__ = "arrangements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # What follows the last phase: a further extension, a tender, a structural contract, or a stop.
    successor_kind: Mapped[str | None] = mapped_column(String(30))
    successor_start_on: Mapped[date | None]
    successor_description: Mapped[str] = mapped_column(Text, default="")
    # Months before the successor's start that tender preparation must begin (practice, not
    # law: 9–12 months for a regional care contract).
    tender_lead_months: Mapped[int] = mapped_column(Integer, default=9)
    cost_rule: Mapped[str] = mapped_column(
        String(30), default="occupancy_and_vacancy", server_default="occupancy_and_vacancy"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lead_organisation: Mapped[Organisation] = relationship(lazy="joined")
    participants: Mapped[list[Participant]] = relationship(
        back_populates="arrangement", cascade="all, delete-orphan"
    )
    phases: Mapped[list[Phase]] = relationship(
        back_populates="arrangement", cascade="all, delete-orphan", order_by="Phase.start_on"
    )
    evaluation_moments: Mapped[list[EvaluationMoment]] = relationship(
        back_populates="arrangement",
        cascade="all, delete-orphan",
        order_by="EvaluationMoment.due_on",
    )
    beds: Mapped[list[Bed]] = relationship(
        back_populates="arrangement", cascade="all, delete-orphan", order_by="Bed.id"
    )
    budgets: Mapped[list[BudgetLine]] = relationship(
        back_populates="arrangement",
        cascade="all, delete-orphan",
        order_by="(BudgetLine.year, BudgetLine.municipality_id)",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


SUCCESSOR_KINDS = ("extension", "tender", "structural_contract", "stop")


class BudgetLine(Base):
    """What one municipality has budgeted for the arrangement in one year, and from where."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint("arrangement_id", "municipality_id", "year"),
        CheckConstraint("amount >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    source: Mapped[str] = mapped_column(String(300), default="")

    arrangement: Mapped[Arrangement] = relationship(back_populates="budgets")
    municipality: Mapped[Organisation] = relationship(lazy="joined")


COST_LINE_KINDS = ("housing", "stay", "occupancy", "vacancy", "staff", "communication", "other")


class CostLine(Base):
    """One line of an arrangement's budget and realisation in a year (the Hoeksche Waard table:
    housing, stay, staff, communication), for the whole arrangement or one municipality.

    Realisation is typed in for lines that live outside Besluitwerk (staff, communication);
    for the bed-cost lines it may be left empty and is then computed from the registers.
    """

    __tablename__ = "cost_lines"
    __table_args__ = (
        CheckConstraint(one_of("kind", COST_LINE_KINDS), name="kind"),
        UniqueConstraint("arrangement_id", "year", "scope_key", "kind", "label"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # 0 for the whole arrangement: a NULL would let the same line in twice past the constraint.
    scope_key: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200), default="")
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    realised: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    source: Mapped[str] = mapped_column(String(300), default="")

    municipality: Mapped[Organisation | None] = relationship(lazy="joined")


def cost_lines_of(session: Session, arrangement_id: int, year: int) -> Sequence[CostLine]:
    return session.scalars(
        select(CostLine)
        .where(CostLine.arrangement_id == arrangement_id, CostLine.year == year)
        .order_by(CostLine.scope_key, CostLine.id)
    ).all()


class Participant(Base):
    """An organisation taking part in an arrangement; what it is follows from its kind."""

    __tablename__ = "arrangement_participants"
    __table_args__ = (UniqueConstraint("arrangement_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    arrangement: Mapped[Arrangement] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Phase(Base):
    """A phase of an arrangement; ``end_on`` is inclusive, as the agenda forms write "t/m".

    Whether it is planned, running or over follows from the dates and today; it is not stored,
    so it cannot go stale."""

    __tablename__ = "phases"
    __table_args__ = (
        CheckConstraint("end_on >= start_on", name="period"),
        CheckConstraint(one_of("kind", PHASE_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    start_on: Mapped[date]
    end_on: Mapped[date]
    # Set when the colleges approved this phase (an effect of a decision dossier).
    approved_on: Mapped[date | None]

    arrangement: Mapped[Arrangement] = relationship(back_populates="phases")


class EvaluationMoment(Base):
    __tablename__ = "evaluation_moments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text, default="")

    arrangement: Mapped[Arrangement] = relationship(back_populates="evaluation_moments")


class Location(Base):
    """A care location of a provider where respite beds can be."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("provider_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    care_type: Mapped[str] = mapped_column(String(200), default="")

    provider: Mapped[Organisation] = relationship(lazy="joined")


class Bed(Base):
    """A respite bed of an arrangement at a location, available for a period (inclusive)."""

    __tablename__ = "beds"
    __table_args__ = (
        CheckConstraint(one_of("financing", FINANCING), name="financing"),
        CheckConstraint(
            "available_until IS NULL OR available_until >= available_from", name="period"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    financing: Mapped[str] = mapped_column(String(10))
    available_from: Mapped[date]
    available_until: Mapped[date | None]

    arrangement: Mapped[Arrangement] = relationship(back_populates="beds")
    location: Mapped[Location] = relationship(lazy="joined")


def everything() -> list[ExecutableOption]:
    """Every collection of an arrangement, one query per relation for the whole list. The
    organisations they name are read once each, not joined into every participant, bed or
    budget line: a page of fifty arrangements names the same few municipalities 750 times."""
    return [
        selectinload(Arrangement.participants).selectinload(Participant.organisation),
        selectinload(Arrangement.phases),
        selectinload(Arrangement.evaluation_moments),
        selectinload(Arrangement.beds).selectinload(Bed.location).selectinload(Location.provider),
        selectinload(Arrangement.budgets).selectinload(BudgetLine.municipality),
    ]


def list_parts() -> list[ExecutableOption]:
    """``everything`` but the participants, which an API list reads as ids
    (``participant_ids``): fifty arrangements of fifteen participants are 750 mapped rows."""
    return [
        selectinload(Arrangement.lead_organisation),
        selectinload(Arrangement.phases),
        selectinload(Arrangement.evaluation_moments),
        selectinload(Arrangement.beds).selectinload(Bed.location).selectinload(Location.provider),
        selectinload(Arrangement.budgets).selectinload(BudgetLine.municipality),
    ]


def participant_ids(session: Session, arrangement_ids: Sequence[int]) -> dict[int, list[int]]:
    """The organisations taking part in each of the arrangements, by id; one query."""
    found: dict[int, list[int]] = {arrangement_id: [] for arrangement_id in arrangement_ids}
    if arrangement_ids:
        rows = session.execute(
            select(Participant.arrangement_id, Participant.organisation_id).where(
                Participant.arrangement_id.in_(arrangement_ids)
            )
        )
        for arrangement_id, organisation_id in rows:
            found[arrangement_id].append(organisation_id)
    return found


def list_arrangements(
    session: Session, *, participant_id: int | None = None
) -> Sequence[Arrangement]:
    query = select(Arrangement).options(*everything()).order_by(Arrangement.name)
    if participant_id is not None:
        query = query.where(
            (Arrangement.lead_organisation_id == participant_id)
            | Arrangement.participants.any(Participant.organisation_id == participant_id)
        )
    return session.scalars(query).unique().all()


def arrangement_id_query(participant_id: int | None = None) -> Select[Any]:
    """The ids of the arrangements an organisation leads or takes part in (all without one), as
    a subquery for the lists that filter on visibility in SQL."""
    query = select(Arrangement.id)
    if participant_id is not None:
        query = query.where(
            (Arrangement.lead_organisation_id == participant_id)
            | Arrangement.participants.any(Participant.organisation_id == participant_id)
        )
    return query


def arrangement_ids(session: Session, *, participant_id: int | None = None) -> list[int]:
    """The ids only, with the same filter as ``list_arrangements``: visibility checks need no
    phases, beds or budgets."""
    query = select(Arrangement.id).order_by(Arrangement.name)
    if participant_id is not None:
        query = query.where(
            (Arrangement.lead_organisation_id == participant_id)
            | Arrangement.participants.any(Participant.organisation_id == participant_id)
        )
    return list(session.scalars(query).all())


def for_planning(session: Session, ids: Sequence[int]) -> Sequence[Arrangement]:
    """The arrangements with what planning reads of them (participants, phases, evaluation
    moments), in one query per relation whatever their number; no beds or budgets."""
    if not ids:
        return []
    query = (
        select(Arrangement)
        .options(
            selectinload(Arrangement.participants),
            selectinload(Arrangement.phases),
            selectinload(Arrangement.evaluation_moments),
        )
        .where(Arrangement.id.in_(ids))
        .order_by(Arrangement.name)
    )
    return session.scalars(query).unique().all()


@dataclass(frozen=True)
class NamedArrangement:
    """An arrangement as a list names it: read as plain values, without its parts."""

    id: int
    name: str
    lead_name: str


def names(session: Session, ids: Sequence[int]) -> list[NamedArrangement]:
    """Id, name and lead organisation of the given arrangements, by name, in one query."""
    if not ids:
        return []
    rows = session.execute(
        select(Arrangement.id, Arrangement.name, Organisation.name)
        .join(Organisation, Organisation.id == Arrangement.lead_organisation_id)
        .where(Arrangement.id.in_(ids))
        .order_by(Arrangement.name)
    )
    return [NamedArrangement(key, name, lead) for key, name, lead in rows]


@dataclass(frozen=True)
class DueMoment:
    due_on: date
    name: str
    arrangement_id: int
    arrangement_name: str


def upcoming_moments(
    session: Session, ids: Sequence[int], *, from_day: date, limit: int
) -> list[DueMoment]:
    """The first evaluation moments on or after ``from_day`` of the given arrangements."""
    if not ids:
        return []
    rows = session.execute(
        select(EvaluationMoment.due_on, EvaluationMoment.name, Arrangement.id, Arrangement.name)
        .join(Arrangement, Arrangement.id == EvaluationMoment.arrangement_id)
        .where(EvaluationMoment.arrangement_id.in_(ids), EvaluationMoment.due_on >= from_day)
        .order_by(EvaluationMoment.due_on, Arrangement.name, EvaluationMoment.id)
        .limit(limit)
    )
    return [DueMoment(due_on, name, key, arrangement) for due_on, name, key, arrangement in rows]


def get_arrangement(session: Session, arrangement_id: int) -> Arrangement | None:
    return session.scalars(
        select(Arrangement).options(*everything()).where(Arrangement.id == arrangement_id)
    ).one_or_none()


def find_arrangement_by_name(session: Session, name: str) -> Arrangement | None:
    return session.scalars(select(Arrangement).where(Arrangement.name == name)).one_or_none()


def find_location(session: Session, provider_id: int, name: str) -> Location | None:
    return session.scalars(
        select(Location).where(Location.provider_id == provider_id, Location.name == name)
    ).one_or_none()
