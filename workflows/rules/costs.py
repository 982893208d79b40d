"""Dividing the costs of an arrangement over its municipalities, exactly to the cent.

The Twente rule (the seed agenda form, risk 2.1): a municipality pays cost per day × days
stayed for its own residents; the cost of vacant bed-days is split over all participating
municipalities by number of inhabitants. Amounts are whole cents, divided with the largest
remainder method, so that the parts always add up to the total exactly.

The Hoeksche Waard rule: a fixed housing cost for every calendar day of the year plus a stay
cost for the days actually used.

Subsidy by key: the municipalities finance the arrangement together, each by its share of the
inhabitants, whoever used the beds (how a pilot is often funded before the costs can be tied
to use).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from workflows.rules.vocabulary import Labelled

CENT = Decimal("0.01")


class Financing(Labelled):
    """Who pays a stay: the municipality of residence (Wmo) or the care office (Wlz)."""

    WMO = "wmo", "Wmo"
    WLZ = "wlz", "Wlz"


class CostLineKind(Labelled):
    HOUSING = "housing", "Huisvesting"
    STAY = "stay", "Verblijf"
    OCCUPANCY = "occupancy", "Bezette dagen"
    VACANCY = "vacancy", "Leegstand"
    STAFF = "staff", "Personeel"
    COMMUNICATION = "communication", "Communicatie"
    OTHER = "other", "Overig"


class CostRule(Labelled):
    """How an arrangement divides its bed costs over the municipalities (docs/domain.md).
    Twente: occupied days to the municipality of residence, vacant days split by inhabitants.
    Hoeksche Waard: a fixed housing cost for every available day plus a stay cost for every
    used day."""

    OCCUPANCY_AND_VACANCY = (
        "occupancy_and_vacancy",
        "bezette dagen per woongemeente, leegstand naar inwonertal (Twente)",
    )
    HOUSING_AND_STAY = (
        "housing_and_stay",
        "huisvesting per beschikbare dag naar inwonertal, verblijf per gebruikte "
        "dag per woongemeente (Hoeksche Waard)",
    )
    SUBSIDY_BY_KEY = (
        "subsidy_by_key",
        "alle kosten samen naar inwonertal, als gezamenlijke subsidie, los van "
        "wie de bedden gebruikte",
    )


COST_RULE_LABELS = CostRule.labels()


def to_cents(amount: Decimal) -> int:
    return int((amount / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) * CENT).quantize(CENT)


def split_by_weight(total_cents: int, weights: Mapping[int, int]) -> dict[int, int]:
    """Largest remainder: each share is floored, the cents left go to the largest remainders
    (ties to the lowest key, so the result is the same every time)."""
    keys = sorted(weights)
    weight_sum = sum(max(weights[k], 0) for k in keys)
    if total_cents == 0 or weight_sum == 0:
        return dict.fromkeys(keys, 0)
    floors: dict[int, int] = {}
    remainders: list[tuple[int, int]] = []
    for key in keys:
        exact = total_cents * max(weights[key], 0)
        floors[key], remainder = divmod(exact, weight_sum)
        remainders.append((remainder, key))
    left = total_cents - sum(floors.values())
    for _, key in sorted(remainders, key=lambda r: (-r[0], r[1]))[:left]:
        floors[key] += 1
    return floors


def days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def available_days(year: int, start: date, end: date | None) -> int:
    """Days a bed was available in ``year`` (inclusive ends; open end runs to year end)."""
    first = max(start, date(year, 1, 1))
    last = min(end or date(year, 12, 31), date(year, 12, 31))
    return max((last - first).days + 1, 0)


@dataclass(frozen=True)
class Share:
    municipality_id: int
    occupied_days: int
    occupied_cents: int
    vacancy_cents: int

    @property
    def total_cents(self) -> int:
        return self.occupied_cents + self.vacancy_cents


@dataclass(frozen=True)
class Allocation:
    year: int
    bed_days: int
    occupied_days: int
    vacant_days: int
    shares: list[Share]

    @property
    def total_cents(self) -> int:
        return sum(s.total_cents for s in self.shares)


def occupancy_and_vacancy(
    *,
    year: int,
    bed_days: int,
    occupied_days: Mapping[int, int],
    inhabitants: Mapping[int, int],
    tariff_occupied: Decimal,
    tariff_vacant: Decimal,
) -> Allocation:
    """The Twente rule for one year. ``occupied_days`` per municipality of residence;
    ``inhabitants`` for every participating municipality (also those without residents)."""
    used = sum(occupied_days.values())
    if used > bed_days:
        raise ValueError(
            f"Er zijn {used} ligdagen geteld maar er waren maar {bed_days} beddagen in {year}."
        )
    vacant = bed_days - used
    vacancy_total = to_cents(tariff_vacant * vacant)
    vacancy = split_by_weight(vacancy_total, inhabitants)
    shares = [
        Share(
            municipality_id=m,
            occupied_days=occupied_days.get(m, 0),
            occupied_cents=to_cents(tariff_occupied * occupied_days.get(m, 0)),
            vacancy_cents=vacancy.get(m, 0),
        )
        for m in sorted(set(inhabitants) | set(occupied_days))
    ]
    return Allocation(year, bed_days, used, vacant, shares)


@dataclass(frozen=True)
class HousingAndStay:
    housing_cents: int
    stay_cents: int

    @property
    def total_cents(self) -> int:
        return self.housing_cents + self.stay_cents


def housing_and_stay(
    *, year: int, rooms: int, used_days: int, housing_per_day: Decimal, stay_per_day: Decimal
) -> HousingAndStay:
    """The Hoeksche Waard rule: housing for every day of the year, stay for the days used."""
    return HousingAndStay(
        housing_cents=to_cents(housing_per_day * days_in_year(year) * rooms),
        stay_cents=to_cents(stay_per_day * used_days),
    )


def nights(arrival: date, departure: date, *, arrived_before_20h: bool = True) -> int:
    """Etmalen counted as the Wlz counts them: the arrival day counts when arriving before
    20:00, the departure day counts; at least one."""
    days = (departure - arrival).days + 1
    if not arrived_before_20h:
        days -= 1
    return max(days, 1)


def stays_per_year(stays: Sequence[tuple[date, date]], year: int) -> int:
    """Days within ``year`` covered by inclusive stays."""
    total = 0
    for start, end in stays:
        first = max(start, date(year, 1, 1))
        last = min(end, date(year, 12, 31))
        if last >= first:
            total += (last - first).days + 1
    return total
