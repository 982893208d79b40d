"""Coverage of the registers: which mandate lets the lead organisation act for each
participating municipality, per act and date, and where the gaps are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from storage import mandates as mandate_store
from storage.arrangements import Arrangement
from storage.mandates import Mandate
from storage.organisations import Organisation
from workflows.actors import Actor
from workflows.errors import InvalidInput
from workflows.registers import arrangements
from workflows.rules import coverage as rule
from workflows.rules.acts import ACT_LABELS, Act, is_public_law
from workflows.rules.dates import parse_date
from workflows.rules.dutch_format import long_date
from workflows.rules.roles import Permission


@dataclass(frozen=True)
class Row:
    municipality: Organisation
    answer: rule.Answer


@dataclass(frozen=True)
class Column:
    """One moment of the matrix: a phase (asked on its first day) or the planned successor."""

    label: str
    on: date


def facts(
    arrangement: Arrangement, mandates: Sequence[Mandate]
) -> tuple[list[rule.PhaseFact], list[rule.MandateFact]]:
    phases = [
        rule.PhaseFact(p.id, p.name, p.kind, p.start_on, p.end_on) for p in arrangement.phases
    ]
    mandate_facts = [
        rule.MandateFact(
            id=m.id,
            kind=m.kind,
            grantee_id=m.grantee_id,
            acts=frozenset(Act(a) for a in m.acts),
            phase_ids=frozenset(p.id for p in m.phases),
            includes_extensions=m.includes_extensions,
            grants=tuple(
                rule.GrantFact(g.grantor_id, g.status, g.granted_on, g.revoked_on) for g in m.grants
            ),
            valid_from=m.valid_from,
            valid_until=m.valid_until,
            ratifies_since=m.ratifies_since,
            sub_mandate_allowed=m.sub_mandate_allowed,
            parent_id=m.parent_id,
        )
        for m in mandates
    ]
    return phases, mandate_facts


def municipalities_of(arrangement: Arrangement) -> list[Organisation]:
    return sorted(
        (p.organisation for p in arrangement.participants if p.organisation.kind == "municipality"),
        key=lambda o: o.name,
    )


def read_question(raw_act: str | None, raw_on: str | None) -> tuple[Act, date]:
    errors: dict[str, str] = {}
    act: Act | None = None
    on: date | None = None
    try:
        act = Act(raw_act or "")
    except ValueError:
        errors["act"] = "Handeling: kies uit " + ", ".join(a.value for a in Act) + "."
    try:
        on = parse_date(raw_on or "", label="Datum")
    except ValueError as error:
        errors["on"] = str(error)
    if errors:
        raise InvalidInput(errors)
    assert act is not None and on is not None
    return act, on


def answers(
    session: Session,
    actor: Actor,
    arrangement_id: int,
    *,
    act: Act,
    on: date,
    acting_id: int | None = None,
) -> list[Row]:
    """One row per participating municipality: may the acting organisation (by default the
    lead) do ``act`` for it on ``on``, and why (not)."""
    actor.require(Permission.VIEW_MANDATES)
    arrangement = arrangements.visible(session, actor, arrangement_id)
    return principals(session, arrangement, act=act, on=on, acting_id=acting_id)


def principals(
    session: Session,
    arrangement: Arrangement,
    *,
    act: Act,
    on: date,
    acting_id: int | None = None,
) -> list[Row]:
    """Coverage of every participating municipality for an arrangement the caller has already
    found visible (a document that names principals asks this before it names them)."""
    mandates = mandate_store.list_mandates(session, arrangement_id=arrangement.id)
    phases, mandate_facts = facts(arrangement, mandates)
    acting = acting_id if acting_id is not None else arrangement.lead_organisation_id
    names = {p.organisation_id: p.organisation.name for p in arrangement.participants}
    names[arrangement.lead_organisation_id] = arrangement.lead_organisation.name
    for m in mandates:
        names.setdefault(m.grantee_id, m.grantee.name)
    return [
        Row(
            municipality,
            rule.answer(
                acting_id=acting,
                municipality_id=municipality.id,
                act=act,
                on=on,
                lead_id=arrangement.lead_organisation_id,
                names=names,
                phases=phases,
                mandates=mandate_facts,
            ),
        )
        for municipality in municipalities_of(arrangement)
    ]


def columns(arrangement: Arrangement) -> list[Column]:
    cols = [
        Column(f"{p.name} (vanaf {long_date(p.start_on)})", p.start_on) for p in arrangement.phases
    ]
    if arrangement.successor_start_on is not None:
        cols.append(Column("Opvolger (beoogde start)", arrangement.successor_start_on))
    return cols


@dataclass(frozen=True)
class Matrix:
    arrangement: Arrangement
    columns: list[Column]
    acts: list[Act]
    # (act, column index) -> rows per municipality
    cells: dict[tuple[Act, int], list[Row]]

    def gaps(self) -> int:
        return sum(1 for rows in self.cells.values() for row in rows if not row.answer.covered)


def matrix(
    session: Session, actor: Actor, arrangement_id: int, *, acts: Sequence[Act] | None = None
) -> Matrix:
    arrangement = arrangements.visible(session, actor, arrangement_id)
    chosen = list(acts) if acts else default_acts(session, arrangement)
    cols = columns(arrangement)
    cells = {
        (act, index): answers(session, actor, arrangement.id, act=act, on=column.on)
        for act in chosen
        for index, column in enumerate(cols)
    }
    return Matrix(arrangement, cols, chosen, cells)


def default_acts(session: Session, arrangement: Arrangement) -> list[Act]:
    """What the matrix shows unless asked otherwise: every private-law act (the registers
    imply them: agreements, tenders), and a public-law decision only where a mandaat of the
    arrangement names it; an arrangement without decisions under mandaat is not a matrix of
    gaps nobody needs to fill."""
    named = {
        Act(a)
        for m in mandate_store.list_mandates(session, arrangement_id=arrangement.id)
        for a in m.acts
    }
    return [a for a in ACT_LABELS if not is_public_law(a) or a in named]
