"""Budget and realisation per cost line (issue 7; the Hoeksche Waard table: housing, stay,
staff, communication), for the whole arrangement or per municipality.

The bed-cost lines (housing, stay, occupancy, vacancy) are realised in the registers: when their
realisation is left empty it is computed from the year's cost allocation, so the table and the
figures can never disagree. Staff, communication and other lines are typed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from storage import arrangements as store
from storage.arrangements import CostLine
from workflows.actors import Actor
from workflows.errors import WorkflowError
from workflows.monitoring import monitoring
from workflows.registers.arrangement_parts import COST_LINE_LABELS
from workflows.rules.roles import Permission

_COMPUTED = ("housing", "stay", "occupancy", "vacancy")


@dataclass(frozen=True)
class LineRow:
    line: CostLine
    label: str
    realised: Decimal | None
    computed: bool

    @property
    def difference(self) -> Decimal | None:
        """Budget minus realisation: negative when the line overran."""
        return None if self.realised is None else self.line.budget - self.realised


@dataclass(frozen=True)
class LineTable:
    year: int
    rows: list[LineRow]
    budget: Decimal
    realised: Decimal
    incomplete: bool


def table(session: Session, actor: Actor, arrangement_id: int, *, year: int) -> LineTable:
    actor.require(Permission.VIEW_SIGNALS)
    lines = store.cost_lines_of(session, arrangement_id, year)
    computed: dict[tuple[int, str], Decimal] = {}
    if any(line.kind in _COMPUTED and line.realised is None for line in lines):
        try:
            allocation = monitoring.costs(session, actor, arrangement_id, year=year)
        except WorkflowError:
            allocation = None
        if allocation is not None:
            computed = _computed(allocation)
    rows = []
    for line in lines:
        realised = line.realised
        is_computed = False
        if realised is None and line.kind in _COMPUTED:
            realised = computed.get((line.scope_key, line.kind))
            is_computed = realised is not None
        label = COST_LINE_LABELS[line.kind] + (f": {line.label}" if line.label else "")
        if line.municipality is not None:
            label = f"{label} ({line.municipality.name})"
        rows.append(LineRow(line, label, realised, is_computed))
    return LineTable(
        year=year,
        rows=rows,
        budget=sum((r.line.budget for r in rows), Decimal("0.00")),
        realised=sum((r.realised for r in rows if r.realised is not None), Decimal("0.00")),
        incomplete=any(r.realised is None for r in rows),
    )


def _computed(allocation: monitoring.Costs) -> dict[tuple[int, str], Decimal]:
    found: dict[tuple[int, str], Decimal] = {}
    for row in allocation.rows:
        parts = {
            "stay": row.occupied_cost,
            "occupancy": row.occupied_cost,
            "housing": row.housing_share,
            "vacancy": row.vacancy_share,
        }
        for kind, amount in parts.items():
            found[(row.municipality.id, kind)] = amount
            found[(0, kind)] = found.get((0, kind), Decimal("0.00")) + amount
    return found
