"""The mandate register: volmachten, mandaten and machtigingen, and who granted each.

One mandate is one text (its scope, grantee, validity); each granting municipality's decision
is a grant of it. The Twente volmacht is one mandate with thirteen grants.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    func,
    select,
)
from sqlalchemy.orm import (
    Mapped,
    Session,
    defaultload,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
)
from sqlalchemy.sql.base import ExecutableOption

from storage.arrangements import Arrangement, Phase
from storage.base import Base, UTCDateTime, one_of, utc_now
from storage.organisations import Organisation

MANDATE_KINDS = ("volmacht", "mandaat", "machtiging")
GRANT_STATUSES = ("draft", "granted", "active", "expired", "revoked")

mandate_phases = Table(
    "mandate_phases",
    Base.metadata,
    Column("mandate_id", ForeignKey("mandates.id", ondelete="CASCADE"), primary_key=True),
    Column("phase_id", ForeignKey("phases.id", ondelete="CASCADE"), primary_key=True),
)


class Mandate(Base):
    __tablename__ = "mandates"
    __table_args__ = (
        CheckConstraint(one_of("kind", MANDATE_KINDS), name="kind"),
        CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
            name="validity",
        ),
        CheckConstraint("ceiling IS NULL OR ceiling >= 0", name="ceiling"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    grantee_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    grantee_function: Mapped[str] = mapped_column(String(200), default="")
    acts: Mapped[list[str]] = mapped_column(JSON, default=list)
    includes_extensions: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    ceiling: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    sub_mandate_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("mandates.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    ratifies_since: Mapped[date | None]
    ratified_acts: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    # A granted mandate is never changed in place: a change is a new version of it, a draft
    # that every grantor decides on again. At most one version follows each mandate.
    predecessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("mandates.id"), index=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    arrangement: Mapped[Arrangement] = relationship(lazy="joined")
    grantee: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[grantee_id])
    # By id too, so that two phases starting the same day keep one order (``phase_names``).
    phases: Mapped[list[Phase]] = relationship(
        secondary=mandate_phases, order_by=(Phase.start_on, Phase.id)
    )
    grants: Mapped[list[Grant]] = relationship(
        back_populates="mandate", cascade="all, delete-orphan", order_by="Grant.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Grant(Base):
    """One grantor's decision to grant a mandate (for a sub-mandate: the parent's grantee)."""

    __tablename__ = "mandate_grants"
    __table_args__ = (
        UniqueConstraint("mandate_id", "grantor_id"),
        CheckConstraint(one_of("status", GRANT_STATUSES), name="status"),
        CheckConstraint(
            "revoked_on IS NULL OR granted_on IS NULL OR revoked_on >= granted_on", name="revoked"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mandate_id: Mapped[int] = mapped_column(
        ForeignKey("mandates.id", ondelete="CASCADE"), index=True
    )
    grantor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    granted_on: Mapped[date | None]
    revoked_on: Mapped[date | None]
    decision_reference: Mapped[str] = mapped_column(String(300), default="")
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    mandate: Mapped[Mandate] = relationship(back_populates="grants")
    grantor: Mapped[Organisation] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


def loaded() -> list[ExecutableOption]:
    """What a mandate is read with: its phases and grants, one query each for a whole list."""
    return [selectinload(Mandate.phases), selectinload(Mandate.grants)]


def _named_parts() -> list[ExecutableOption]:
    # A list row names its arrangement and its grantee and no more: the arrangement's name
    # joined in (not its lead organisation nor its text), and the few grantees read once each
    # rather than joined into every row.
    return [
        joinedload(Mandate.arrangement).load_only(Arrangement.id, Arrangement.name),
        defaultload(Mandate.arrangement).lazyload(Arrangement.lead_organisation),
        selectinload(Mandate.grantee),
    ]


def list_row() -> list[ExecutableOption]:
    """What a row of the register's page shows of a mandate: no phases and no grants (their
    tally is counted in SQL, ``grant_tallies``)."""
    return _named_parts()


class MandateLine(NamedTuple):
    """A mandate as the API's list shows it, with its arrangement's name and its grantee: a
    row, not a mapped object (as ``GrantLine``). Reading fifty mapped mandates with their
    arrangements and grantees cost twice the time of the rows (bench/scale.py)."""

    id: int
    arrangement_id: int
    arrangement_name: str
    kind: str
    title: str
    grantee_id: int
    grantee_name: str
    grantee_kind: str
    grantee_function: str
    acts: list[str]
    includes_extensions: bool
    valid_from: date | None
    valid_until: date | None
    ceiling: Decimal | None
    sub_mandate_allowed: bool
    parent_id: int | None
    predecessor_id: int | None
    legal_basis: str
    ratifies_since: date | None
    ratified_acts: list[str]
    description: str
    version: int


def line_query() -> Select[*tuple[Any, ...]]:
    """The mandates as ``MandateLine`` columns, in that order, for a reader to filter and
    page."""
    return (
        select(
            Mandate.id,
            Mandate.arrangement_id,
            Arrangement.name,
            Mandate.kind,
            Mandate.title,
            Organisation.id,
            Organisation.name,
            Organisation.kind,
            Mandate.grantee_function,
            Mandate.acts,
            Mandate.includes_extensions,
            Mandate.valid_from,
            Mandate.valid_until,
            Mandate.ceiling,
            Mandate.sub_mandate_allowed,
            Mandate.parent_id,
            Mandate.predecessor_id,
            Mandate.legal_basis,
            Mandate.ratifies_since,
            Mandate.ratified_acts,
            Mandate.description,
            Mandate.version,
        )
        .join(Arrangement, Mandate.arrangement_id == Arrangement.id)
        .join(Organisation, Mandate.grantee_id == Organisation.id)
    )


def mandate_line(mandate: Mandate) -> MandateLine:
    return MandateLine(
        mandate.id,
        mandate.arrangement_id,
        mandate.arrangement.name,
        mandate.kind,
        mandate.title,
        mandate.grantee.id,
        mandate.grantee.name,
        mandate.grantee.kind,
        mandate.grantee_function,
        list(mandate.acts),
        mandate.includes_extensions,
        mandate.valid_from,
        mandate.valid_until,
        mandate.ceiling,
        mandate.sub_mandate_allowed,
        mandate.parent_id,
        mandate.predecessor_id,
        mandate.legal_basis,
        mandate.ratifies_since,
        list(mandate.ratified_acts),
        mandate.description,
        mandate.version,
    )


class PhaseName(NamedTuple):
    id: int
    name: str


def phase_names(session: Session, mandate_ids: Sequence[int]) -> dict[int, list[PhaseName]]:
    """The phases of each of a page of mandates, in the order of ``Mandate.phases``; one
    query."""
    found: dict[int, list[PhaseName]] = {mandate_id: [] for mandate_id in mandate_ids}
    if not mandate_ids:
        return found
    rows = session.execute(
        select(mandate_phases.c.mandate_id, Phase.id, Phase.name)
        .join(Phase, Phase.id == mandate_phases.c.phase_id)
        .where(mandate_phases.c.mandate_id.in_(mandate_ids))
        .order_by(Phase.start_on, Phase.id)
    )
    for mandate_id, phase_id, name in rows:
        found[mandate_id].append(PhaseName(phase_id, name))
    return found


class GrantLine(NamedTuple):
    """A grant as a list shows it, with its grantor's id, name and kind: a row, not a mapped
    object, so that a page of fifty mandates with thirteen grants each stays light."""

    id: int
    mandate_id: int
    grantor_id: int
    grantor_name: str
    grantor_kind: str
    status: str
    granted_on: date | None
    revoked_on: date | None
    decision_reference: str
    version: int


def grant_line(grant: Grant) -> GrantLine:
    return GrantLine(
        grant.id,
        grant.mandate_id,
        grant.grantor.id,
        grant.grantor.name,
        grant.grantor.kind,
        grant.status,
        grant.granted_on,
        grant.revoked_on,
        grant.decision_reference,
        grant.version,
    )


def grant_lines(session: Session, mandate_ids: Sequence[int]) -> dict[int, list[GrantLine]]:
    """The grants of each of a page of mandates, in the order of ``Mandate.grants``; one
    query."""
    found: dict[int, list[GrantLine]] = {mandate_id: [] for mandate_id in mandate_ids}
    if not mandate_ids:
        return found
    rows = session.execute(
        select(
            Grant.id,
            Grant.mandate_id,
            Organisation.id,
            Organisation.name,
            Organisation.kind,
            Grant.status,
            Grant.granted_on,
            Grant.revoked_on,
            Grant.decision_reference,
            Grant.version,
        )
        .join(Organisation, Grant.grantor_id == Organisation.id)
        .where(Grant.mandate_id.in_(mandate_ids))
        # By mandate first, as the index on mandate_id already orders them: SQLite then needs
        # no sort of its own, and each mandate's grants still come in the order of their ids.
        .order_by(Grant.mandate_id, Grant.id)
    )
    for row in rows:
        found[row[1]].append(GrantLine._make(row))
    return found


def grant_tallies(
    session: Session, mandate_ids: Sequence[int], decided: Collection[str]
) -> dict[int, tuple[int, int]]:
    """Per mandate: how many of its grants have a status in ``decided``, and how many it has;
    one query for a page of mandates, whatever their grants."""
    if not mandate_ids:
        return {}
    rows = session.execute(
        select(
            Grant.mandate_id,
            func.count(case((Grant.status.in_(list(decided)), 1))),
            func.count(),
        )
        .where(Grant.mandate_id.in_(mandate_ids))
        .group_by(Grant.mandate_id)
    )
    found = {mandate_id: (int(done), int(total)) for mandate_id, done, total in rows}
    return {mandate_id: found.get(mandate_id, (0, 0)) for mandate_id in mandate_ids}


def list_mandates(
    session: Session,
    *,
    arrangement_id: int | None = None,
    arrangement_ids: Sequence[int] | None = None,
) -> Sequence[Mandate]:
    query = select(Mandate).options(*loaded()).order_by(Mandate.id)
    if arrangement_id is not None:
        query = query.where(Mandate.arrangement_id == arrangement_id)
    if arrangement_ids is not None:
        query = query.where(Mandate.arrangement_id.in_(arrangement_ids))
    return session.scalars(query).unique().all()


def get_mandate(session: Session, mandate_id: int) -> Mandate | None:
    return session.scalars(
        select(Mandate).options(*loaded()).where(Mandate.id == mandate_id)
    ).one_or_none()


def successor_of(session: Session, mandate_id: int) -> Mandate | None:
    return session.scalars(
        select(Mandate).options(*loaded()).where(Mandate.predecessor_id == mandate_id)
    ).one_or_none()


def find_mandate_by_title(session: Session, arrangement_id: int, title: str) -> Mandate | None:
    return session.scalars(
        select(Mandate).where(Mandate.arrangement_id == arrangement_id, Mandate.title == title)
    ).one_or_none()
