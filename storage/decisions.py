"""Decision dossiers of the college van B&W: every field of the agenda form, the workflow,
co-advice, what the decision does to the registers, and who may see a secret dossier."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload
from sqlalchemy.sql.base import ExecutableOption

from storage.accounts import User
from storage.base import Base, UTCDateTime, utc_now
from storage.organisations import Organisation

decision_access = Table(
    "decision_access",
    Base.metadata,
    Column("decision_id", ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'co_advice', 'secretary_advice', 'scheduled', 'decided', "
            "'closed')",
            name="status",
        ),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('as_proposed', 'amended', 'deferred', 'rejected')",
            name="outcome",
        ),
        UniqueConstraint("parent_id", "municipality_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int | None] = mapped_column(
        ForeignKey("arrangements.id", ondelete="SET NULL"), index=True
    )
    # A regional dossier has no municipality and fans out into one dossier per municipality.
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # A regional dossier: the date by which every college must have decided.
    decide_by: Mapped[date | None]
    # The agenda form (seeds/000): header
    meeting_on: Mapped[date | None]
    portfolio_holder: Mapped[str] = mapped_column(String(200), default="")
    agenda_letter: Mapped[str] = mapped_column(String(10), default="")
    subject: Mapped[str] = mapped_column(String(500))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    department: Mapped[str] = mapped_column(String(300), default="")
    corsa_number: Mapped[str] = mapped_column(String(50), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    case_number: Mapped[str] = mapped_column(String(50), default="")
    urgency: Mapped[str] = mapped_column(String(300), default="")
    council_decision_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    inform_council: Mapped[bool] = mapped_column(Boolean, default=False)
    co_advisers: Mapped[list[str]] = mapped_column(JSON, default=list)
    secretary_advice: Mapped[str] = mapped_column(Text, default="")
    # body
    draft_decision: Mapped[str] = mapped_column(Text, default="")
    public_summary: Mapped[str] = mapped_column(Text, default="")
    introduction: Mapped[str] = mapped_column(Text, default="")
    desired_effect: Mapped[str] = mapped_column(Text, default="")
    arguments: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    costs: Mapped[str] = mapped_column(Text, default="")
    alternatives: Mapped[str] = mapped_column(Text, default="")
    participation: Mapped[str] = mapped_column(Text, default="")
    communication: Mapped[str] = mapped_column(Text, default="")
    press_release: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up: Mapped[str] = mapped_column(Text, default="")
    annexes: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    # after the meeting
    decided_on: Mapped[date | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    # Woo art. 3.3 and archiving (SECURITY.md S32); geheim (S12)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    woo_publication: Mapped[str] = mapped_column(String(30), default="actively_published")
    woo_ground: Mapped[str] = mapped_column(Text, default="")
    retention_category: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    municipality: Mapped[Organisation | None] = relationship(lazy="joined")
    advices: Mapped[list[CoAdvice]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="CoAdvice.id"
    )
    transitions: Mapped[list[Transition]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="Transition.id"
    )
    effects: Mapped[list[Effect]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="Effect.id"
    )
    readers: Mapped[list[User]] = relationship(secondary=decision_access)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CoAdvice(Base):
    __tablename__ = "decision_advices"
    __table_args__ = (
        CheckConstraint("advice IN ('agree', 'agree_with_remarks', 'disagree')", name="advice"),
        UniqueConstraint("decision_id", "adviser"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    adviser: Mapped[str] = mapped_column(String(300))
    advice: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    decision: Mapped[Decision] = relationship(back_populates="advices")


class Transition(Base):
    __tablename__ = "decision_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    note: Mapped[str] = mapped_column(Text, default="")

    decision: Mapped[Decision] = relationship(back_populates="transitions")


class Effect(Base):
    """What the decision does to the registers when it is taken (conform or amended)."""

    __tablename__ = "decision_effects"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('grant_mandate', 'approve_phase', 'approve_agreement')", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    mandate_id: Mapped[int | None] = mapped_column(ForeignKey("mandates.id", ondelete="CASCADE"))
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"))
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE")
    )
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(Text, default="")

    decision: Mapped[Decision] = relationship(back_populates="effects")


def _loaded() -> list[ExecutableOption]:
    return [
        selectinload(Decision.advices),
        selectinload(Decision.transitions),
        selectinload(Decision.effects),
        selectinload(Decision.readers),
    ]


def list_decisions(session: Session) -> Sequence[Decision]:
    return session.scalars(
        select(Decision).options(*_loaded()).order_by(Decision.meeting_on, Decision.id)
    ).all()


def get_decision(session: Session, decision_id: int) -> Decision | None:
    return session.scalars(
        select(Decision).options(*_loaded()).where(Decision.id == decision_id)
    ).one_or_none()


def children_of(session: Session, parent_id: int) -> Sequence[Decision]:
    return session.scalars(
        select(Decision).options(*_loaded()).where(Decision.parent_id == parent_id)
    ).all()


def find_by_case_number(session: Session, case_number: str) -> Decision | None:
    return session.scalars(select(Decision).where(Decision.case_number == case_number)).first()
