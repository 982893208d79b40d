"""The cost rule chosen per arrangement: the Hoeksche Waard model reproduced from its tariffs
and days (docs/domain.md), and the Twente rule unchanged for the demo."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from storage.agreements import Agreement
from storage.arrangements import Arrangement, Bed, Location, Participant
from storage.monitoring import Stay
from storage.organisations import Organisation
from tests.support.record_changes import update_fields
from workflows.actors import system_actor
from workflows.decisions import decisions
from workflows.errors import InvalidInput
from workflows.monitoring import cost_lines, monitoring
from workflows.registers import arrangement_parts, arrangements
from workflows.rules import costs as rule

ACTOR = system_actor("test")
# 2020: 284 used days in one respite room, spread over the year as real stays are.
STAYS = [
    (date(2020, 1, 3), date(2020, 3, 31)),  # 89
    (date(2020, 4, 10), date(2020, 7, 31)),  # 113
    (date(2020, 9, 1), date(2020, 11, 21)),  # 82
]


@pytest.fixture
def hoeksche_waard(session) -> Arrangement:
    municipality = Organisation(kind="municipality", name="Hoeksche Waard", inhabitants=88_000)
    provider = Organisation(kind="provider", name="Logeerhuis De Waard")
    session.add_all([municipality, provider])
    session.flush()
    arrangement = Arrangement(
        name="Logeerzorg Hoeksche Waard",
        lead_organisation_id=municipality.id,
        cost_rule="housing_and_stay",
        participants=[Participant(organisation_id=municipality.id)],
    )
    location = Location(provider_id=provider.id, name="Logeerkamer")
    session.add_all([arrangement, location])
    session.flush()
    bed = Bed(
        arrangement_id=arrangement.id,
        location_id=location.id,
        financing="wmo",
        available_from=date(2020, 1, 1),
        available_until=None,
    )
    session.add(bed)
    session.add(
        Agreement(
            arrangement_id=arrangement.id,
            kind="purchase",
            reference="HW-2020",
            title="Logeerzorg 2020",
            provider_id=provider.id,
            contracting_party_id=municipality.id,
            start_on=date(2020, 1, 1),
            end_on=date(2021, 12, 31),
            maximum_end_on=date(2021, 12, 31),
            # € 166 per day = stay € 86 + housing € 80.
            tariff_occupied_day=Decimal("86.00"),
            tariff_vacant_day=Decimal("80.00"),
            status="active",
        )
    )
    session.flush()
    for start, end in STAYS:
        session.add(
            Stay(
                arrangement_id=arrangement.id,
                bed_id=bed.id,
                municipality_id=municipality.id,
                financing="wmo",
                start_on=start,
                end_on=end,
            )
        )
    session.flush()
    return arrangement


def test_the_stays_add_up_to_the_284_billed_days_of_2020():
    assert rule.stays_per_year(STAYS, 2020) == 284


def test_hoeksche_waard_housing_every_day_of_the_leap_year_and_stay_for_the_days_used(
    session, hoeksche_waard
):
    found = monitoring.costs(session, ACTOR, hoeksche_waard.id, year=2020)
    (row,) = found.rows
    assert found.rule == "housing_and_stay"
    # docs/domain.md: housing 29 280 (366 × € 80), stay 24 424 (284 × € 86) realised in 2020.
    assert row.housing_share == Decimal("29280.00")
    assert row.occupied_days == 284 and row.occupied_cost == Decimal("24424.00")
    assert row.vacancy_share == Decimal("0.00")
    assert row.total == found.total == Decimal("53704.00")


def test_hoeksche_waard_housing_is_charged_for_an_empty_year_too(session, hoeksche_waard):
    found = monitoring.costs(session, ACTOR, hoeksche_waard.id, year=2021)
    (row,) = found.rows
    assert row.housing_share == Decimal("29200.00")  # 365 × € 80, no stays
    assert row.occupied_cost == Decimal("0.00") and row.total == Decimal("29200.00")


def test_switching_the_demo_to_the_housing_rule_charges_all_available_days(session):
    twente = session.scalars(select(Arrangement)).first()
    assert twente.cost_rule == "occupancy_and_vacancy"
    before = monitoring.costs(session, ACTOR, twente.id, year=2025)
    update_fields(arrangements.update, session, ACTOR, twente, {"cost_rule": "housing_and_stay"})
    after = monitoring.costs(session, ACTOR, twente.id, year=2025)
    # The stay charges are the same; the split part now covers every available day instead of
    # the vacant ones only, so it grows.
    assert [r.occupied_cost for r in after.rows] == [r.occupied_cost for r in before.rows]
    assert sum(r.housing_share for r in after.rows) > sum(r.vacancy_share for r in before.rows)
    assert all(r.vacancy_share == 0 for r in after.rows)
    assert sum(r.total for r in after.rows) == after.total


def test_an_unknown_cost_rule_is_refused_in_dutch_and_nothing_changes(session):
    twente = session.scalars(select(Arrangement)).first()
    with pytest.raises(InvalidInput) as refused:
        update_fields(arrangements.update, session, ACTOR, twente, {"cost_rule": "naar_gevoel"})
    assert refused.value.errors["cost_rule"].startswith("Kostenverdeling: kies een van:")
    assert twente.cost_rule == "occupancy_and_vacancy"


def test_the_agenda_form_text_names_the_housing_part_under_that_rule(session, hoeksche_waard):
    municipality = hoeksche_waard.participants[0].organisation_id
    text = decisions._realised_costs(session, ACTOR, hoeksche_waard.id, municipality, year=2020)
    assert "€ 53.704,00" in text.replace("\xa0", " ")
    assert "huisvesting van elke beschikbare dag" in text


def test_subsidy_by_key_splits_all_costs_by_inhabitants_whoever_used_the_beds(session):
    twente = session.scalars(select(Arrangement)).first()
    by_use = monitoring.costs(session, ACTOR, twente.id, year=2025)
    update_fields(arrangements.update, session, ACTOR, twente, {"cost_rule": "subsidy_by_key"})
    by_key = monitoring.costs(session, ACTOR, twente.id, year=2025)
    # The same pool of money, only divided differently, and still exact to the cent.
    assert by_key.total == by_use.total
    assert sum(r.total for r in by_key.rows) == by_key.total
    inhabitants = {r.municipality.id: r.municipality.inhabitants for r in by_key.rows}
    expected = rule.split_by_weight(rule.to_cents(by_key.total), inhabitants)
    assert {r.municipality.id: rule.to_cents(r.total) for r in by_key.rows} == expected
    assert all(r.key_share == r.total and r.occupied_cost == 0 for r in by_key.rows)
    # Haaksbergen had no residents staying, yet pays its share by inhabitants.
    haaksbergen = next(r for r in by_key.rows if r.municipality.name == "Haaksbergen")
    assert haaksbergen.occupied_days == 0 and haaksbergen.total > 0
    enschede = next(r for r in by_key.rows if r.municipality.name == "Enschede")
    assert enschede.total > next(r for r in by_key.rows if r.municipality.name == "Losser").total


def test_the_hoeksche_waard_budget_and_realisation_table_per_cost_line(session, hoeksche_waard):
    # docs/domain.md, 2020: housing 29 280 / 29 280; stay 31 476 / 24 424; staff 142 908 / 93 394;
    # communication 6 000 / 6 000; total 209 664 / 153 098. Housing and stay are realised in
    # the registers (computed); staff and communication are typed in.
    lines = [
        {"kind": "housing", "budget": "29280"},
        {"kind": "stay", "budget": "31476"},
        {"kind": "staff", "budget": "142908", "realised": "93394"},
        {"kind": "communication", "budget": "6000", "realised": "6000"},
    ]
    for line in lines:
        arrangement_parts.set_cost_line(session, ACTOR, hoeksche_waard.id, {"year": "2020", **line})
    found = cost_lines.table(session, ACTOR, hoeksche_waard.id, year=2020)
    by_label = {r.label: r for r in found.rows}
    assert by_label["Huisvesting"].realised == Decimal("29280.00")
    assert by_label["Huisvesting"].computed
    assert by_label["Verblijf"].realised == Decimal("24424.00")
    assert by_label["Verblijf"].difference == Decimal("7052.00")
    assert by_label["Personeel"].realised == Decimal("93394.00")
    assert not by_label["Personeel"].computed
    assert found.budget == Decimal("209664.00")
    assert found.realised == Decimal("153098.00")
    assert not found.incomplete


def test_a_cost_line_set_twice_is_replaced_and_bad_input_stores_nothing(session, hoeksche_waard):
    for budget in ("6000", "6500"):
        arrangement_parts.set_cost_line(
            session,
            ACTOR,
            hoeksche_waard.id,
            {"year": "2020", "kind": "communication", "budget": budget},
        )
    (only,) = cost_lines.table(session, ACTOR, hoeksche_waard.id, year=2020).rows
    assert only.line.budget == Decimal("6500.00") and only.realised is None
    with pytest.raises(InvalidInput) as refused:
        arrangement_parts.set_cost_line(
            session, ACTOR, hoeksche_waard.id, {"year": "2020", "kind": "other", "budget": "-5"}
        )
    assert "Begroting" in str(refused.value) or "Omschrijving" in str(refused.value)
    assert len(cost_lines.table(session, ACTOR, hoeksche_waard.id, year=2020).rows) == 1
