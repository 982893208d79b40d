"""The acts of a tender for a successor contract, and the day each falls.

Practice, not law (docs/domain.md): preparation of a regional care tender starts some 9–12 months
before the contract starts, the arrangement's "voorbereiding aanbesteding" in months. We split
that time in thirds: preparation (market consultation, specifications), the procedure from
publication to the award, and what follows the award: the standstill period (at least 20 days,
Aanbestedingswet 2012 art. 2.127) and the provider's implementation. The new agreement is
concluded at the latest on the day the contract starts. Each act needs authority on its own
day, so a tender volmacht that ends before the award leaves the award uncovered.
"""

from __future__ import annotations

from datetime import date

from workflows.rules.acts import Act
from workflows.rules.periods import add_months


def timetable(start: date, lead_months: int) -> list[tuple[Act, date]]:
    """The tender's acts in order, for a contract starting on ``start``."""
    return [
        (Act.PREPARE_TENDER, add_months(start, -lead_months)),
        (Act.RUN_TENDER, add_months(start, -((2 * lead_months) // 3))),
        (Act.AWARD_TENDER, add_months(start, -(lead_months // 3))),
        (Act.CONCLUDE_AGREEMENT, start),
    ]
