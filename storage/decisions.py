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
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload
from sqlalchemy.sql.base import ExecutableOption

from storage.accounts import User
from storage.base import Base, UTCDateTime, one_of, utc_now
from storage.organisations import Organisation

DECISION_STATUSES = ("draft", "co_advice", "secretary_advice", "scheduled", "decided", "closed")
OUTCOMES = ("as_proposed", "amended", "deferred", "rejected")
ADVICES = ("agree", "agree_with_remarks", "disagree")
EFFECT_KINDS = ("grant_mandate", "approve_phase", "approve_agreement")

decision_access = Table(
    "decision_access",
    Base.metadata,
    Column("decision_id", ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(one_of("status", DECISION_STATUSES), name="status"),
        CheckConstraint(f"outcome IS NULL OR {one_of('outcome', OUTCOMES)}", name="outcome"),
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
    # Woo art. 3.3 and archiving (docs/security.md S32); geheim (S12)
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

    @property
    def co_advisers(self) -> list[str]:
        """The agenda form's "mee geadviseerd door": every co-adviser asked, with their unit."""
        return [advice.label for advice in self.advices]


class CoAdvice(Base):
    """One co-adviser asked for advice on a dossier, and the advice once it is recorded.

    A co-adviser is an account (``adviser_id``), who may name a stand-in; only they record the
    advice. Advisers from before accounts were used stay as text without an account."""

    __tablename__ = "decision_advices"
    __table_args__ = (
        CheckConstraint(f"advice IS NULL OR {one_of('advice', ADVICES)}", name="advice"),
        UniqueConstraint("decision_id", "adviser_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    # The name as the agenda form shows it (the account's name when it was named).
    adviser: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(200), default="")
    adviser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    stand_in_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Empty until the advice is recorded.
    advice: Mapped[str | None] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decision: Mapped[Decision] = relationship(back_populates="advices")
    adviser_user: Mapped[User | None] = relationship(foreign_keys=[adviser_id])
    stand_in: Mapped[User | None] = relationship(foreign_keys=[stand_in_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def label(self) -> str:
        return f"{self.adviser}, {self.unit}" if self.unit else self.adviser

    @property
    def on_behalf(self) -> bool:
        """Recorded by the stand-in, "namens" the adviser."""
        return (
            self.recorded_by_id is not None
            and self.adviser_id is not None
            and self.recorded_by_id != self.adviser_id
        )


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
    __table_args__ = (CheckConstraint(one_of("kind", EFFECT_KINDS), name="kind"),)

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
        selectinload(Decision.advices).selectinload(CoAdvice.recorded_by),
        selectinload(Decision.advices).selectinload(CoAdvice.stand_in),
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


def open_advice_request_query(user_id: int) -> Select[CoAdvice]:
    """The advice still asked of this person, as the adviser or as the stand-in, on dossiers
    in co-advice (the "Te adviseren" list); the dossier is joined, to filter on what it is."""
    return (
        select(CoAdvice)
        .join(Decision, CoAdvice.decision_id == Decision.id)
        .options(selectinload(CoAdvice.decision), selectinload(CoAdvice.adviser_user))
        .where(
            Decision.status == "co_advice",
            CoAdvice.advice.is_(None),
            (CoAdvice.adviser_id == user_id) | (CoAdvice.stand_in_id == user_id),
        )
        .order_by(Decision.meeting_on, Decision.id, CoAdvice.id)
    )


def get_advice(session: Session, advice_id: int) -> CoAdvice | None:
    return session.get(CoAdvice, advice_id)


def find_by_case_number(session: Session, case_number: str) -> Decision | None:
    return session.scalars(select(Decision).where(Decision.case_number == case_number)).first()
