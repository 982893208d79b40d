"""Dividing costs: exact to the cent, vacancy by inhabitants, the Hoeksche Waard model."""

from datetime import date
from decimal import Decimal

import pytest

from workflows.rules.costs import (
    available_days,
    days_in_year,
    from_cents,
    housing_and_stay,
    nights,
    occupancy_and_vacancy,
    split_by_weight,
    stays_per_year,
)

# Twente inhabitants (indicative, docs/domain.md), by an id per municipality.
TWENTE = {
    1: 74_000,
    2: 24_000,
    3: 26_700,
    4: 161_000,
    5: 24_600,
    6: 36_500,
    7: 82_000,
    8: 35_500,
    9: 22_900,
    10: 32_000,
    11: 38_500,
    12: 21_700,
    13: 34_000,
    14: 25_000,
}


def test_the_parts_add_up_exactly_to_the_total_whatever_the_weights():
    for total in (0, 1, 99, 100, 12_345, 6_060_600):
        shares = split_by_weight(total, TWENTE)
        assert sum(shares.values()) == total
        assert all(v >= 0 for v in shares.values())


def test_largest_remainder_gives_the_left_over_cents_to_the_largest_remainders():
    assert split_by_weight(100, {1: 1, 2: 1, 3: 1}) == {1: 34, 2: 33, 3: 33}
    assert split_by_weight(10, {1: 3, 2: 1}) == {1: 8, 2: 2}  # 7.5 and 2.5: a tie to key 1


def test_twente_rule_residents_pay_their_days_and_vacancy_is_split_by_inhabitants():
    bed_days = available_days(2025, date(2024, 2, 1), None)  # the Wmo bed, all of 2025
    assert bed_days == 365
    occupied = {4: 150, 7: 50, 11: 10}  # Enschede, Hengelo, Rijssen-Holten
    result = occupancy_and_vacancy(
        year=2025,
        bed_days=bed_days,
        occupied_days=occupied,
        inhabitants=TWENTE,
        tariff_occupied=Decimal("166"),
        tariff_vacant=Decimal("166"),
    )
    assert result.vacant_days == 155
    by_id = {s.municipality_id: s for s in result.shares}
    assert from_cents(by_id[4].occupied_cents) == Decimal("24900.00")
    vacancy_total = 155 * 166 * 100
    assert sum(s.vacancy_cents for s in result.shares) == vacancy_total
    assert result.total_cents == (210 * 166 * 100) + vacancy_total
    # Enschede has the most inhabitants and so the largest part of the vacancy.
    assert max(result.shares, key=lambda s: s.vacancy_cents).municipality_id == 4


def test_a_municipality_without_residents_still_pays_its_vacancy_share():
    result = occupancy_and_vacancy(
        year=2025,
        bed_days=365,
        occupied_days={4: 100},
        inhabitants=TWENTE,
        tariff_occupied=Decimal("166"),
        tariff_vacant=Decimal("166"),
    )
    haaksbergen = next(s for s in result.shares if s.municipality_id == 5)
    assert haaksbergen.occupied_cents == 0 and haaksbergen.vacancy_cents > 0


def test_a_bed_that_opened_on_14_april_is_counted_from_then():
    assert available_days(2025, date(2025, 4, 14), None) == 262
    assert available_days(2025, date(2024, 2, 1), date(2025, 9, 7)) == 250
    assert available_days(2024, date(2025, 4, 14), None) == 0


def test_a_leap_year_has_366_bed_days():
    assert days_in_year(2024) == 366 and days_in_year(2025) == 365
    assert available_days(2024, date(2024, 1, 1), None) == 366


def test_more_occupied_days_than_bed_days_is_refused_in_dutch():
    with pytest.raises(ValueError, match="maar er waren maar 365 beddagen"):
        occupancy_and_vacancy(
            year=2025,
            bed_days=365,
            occupied_days={1: 400},
            inhabitants={1: 1},
            tariff_occupied=Decimal(1),
            tariff_vacant=Decimal(1),
        )


def test_the_hoeksche_waard_budget_and_realisation_table_is_reproduced():
    # 2020 has 366 days; one room; housing € 80 every day, stay € 86 per day used.
    budget = housing_and_stay(
        year=2020, rooms=1, used_days=366, housing_per_day=Decimal(80), stay_per_day=Decimal(86)
    )
    realised = housing_and_stay(
        year=2020, rooms=1, used_days=284, housing_per_day=Decimal(80), stay_per_day=Decimal(86)
    )
    assert (
        from_cents(budget.housing_cents)
        == from_cents(realised.housing_cents)
        == Decimal("29280.00")
    )
    assert from_cents(budget.stay_cents) == Decimal("31476.00")
    assert from_cents(realised.stay_cents) == Decimal("24424.00")
    # With staff and communication (not tariff-driven) the totals of docs/domain.md follow.
    staff = (Decimal("142908"), Decimal("93394"))
    communication = Decimal("6000")
    assert from_cents(budget.total_cents) + staff[0] + communication == Decimal("209664.00")
    assert from_cents(realised.total_cents) + staff[1] + communication == Decimal("153098.00")


def test_wlz_nights_count_the_arrival_day_before_20h_and_the_departure_day():
    assert nights(date(2025, 3, 1), date(2025, 3, 3)) == 3
    assert nights(date(2025, 3, 1), date(2025, 3, 3), arrived_before_20h=False) == 2
    assert nights(date(2025, 3, 1), date(2025, 3, 1), arrived_before_20h=False) == 1


def test_stays_are_cut_at_the_year_boundary():
    stays = [(date(2024, 12, 30), date(2025, 1, 2)), (date(2025, 6, 1), date(2025, 6, 3))]
    assert stays_per_year(stays, 2025) == 5
    assert stays_per_year(stays, 2024) == 2
