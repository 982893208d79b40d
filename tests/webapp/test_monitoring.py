"""The monitoring figures and costs of the Twente demo, on the page, in Excel and in the API."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from storage.arrangements import Arrangement
from tests.conftest import PROJECT, PROVIDER_CR, csrf_token, login
from tests.support.api_tokens import api_headers
from webapp.database import sessions
from workflows.actors import system_actor
from workflows.registers import arrangement_parts


@pytest.fixture
def arrangement_id(app):
    with sessions(app)() as session:
        return session.scalars(select(Arrangement.id)).one()


@pytest.fixture
def headers(app):
    return api_headers(app, PROJECT)


def test_figures_api_gives_the_2025_monitoring_with_a_placement_rate_of_0_777(
    client, headers, arrangement_id
):
    body = client.get(
        f"/api/v1/arrangements/{arrangement_id}/figures?year=2025", headers=headers
    ).get_json()
    assert body["requested"] == 130 and body["placed"] == 101
    assert body["placement_rate"] == 0.777
    assert body["days_stayed"] == {"wmo": 403, "wlz": 1345}
    stadskwartier = next(b for b in body["beds"] if b["location"] == "Stadskwartier")
    assert stadskwartier["available_days"] == 262  # opened on 14 April
    assert all(0 <= b["occupancy"] <= 1 for b in body["beds"])
    almelo = next(c for c in body["clients"] if c["municipality"]["name"] == "Almelo")
    assert (almelo["wlz"], almelo["wmo"]) == (14, 7)


def test_costs_api_rows_add_up_exactly_to_the_total(client, headers, arrangement_id):
    body = client.get(
        f"/api/v1/arrangements/{arrangement_id}/costs?year=2025", headers=headers
    ).get_json()
    assert body["year"] == 2025 and len(body["items"]) == 14
    assert sum(Decimal(i["total"]) for i in body["items"]) == Decimal(body["total"])
    for item in body["items"]:
        assert Decimal(item["occupied_cost"]) + Decimal(item["vacancy_share"]) == Decimal(
            item["total"]
        )
        assert item["total"].count(".") == 1 and len(item["total"].split(".")[1]) == 2
    enschede = next(i for i in body["items"] if i["municipality"]["name"] == "Enschede")
    # No Wmo residents of Enschede stayed, yet it pays the largest vacancy share (inhabitants).
    assert enschede["occupied_days"] == 0 and Decimal(enschede["vacancy_share"]) > 0
    # The demo budgets Enschede's share from GALA; realisation is compared with it per row.
    assert enschede["budget"] == "28400.00" and enschede["budget_source"].startswith("GALA")
    assert Decimal(enschede["budget_remaining"]) == Decimal("28400.00") - Decimal(enschede["total"])
    hengelo = next(i for i in body["items"] if i["municipality"]["name"] == "Hengelo")
    assert hengelo["budget"] is None and hengelo["budget_remaining"] is None
    largest = max(body["items"], key=lambda i: Decimal(i["vacancy_share"]))
    assert largest["municipality"]["name"] == "Enschede"


def test_a_bad_year_is_refused_in_dutch(client, headers, arrangement_id):
    response = client.get(
        f"/api/v1/arrangements/{arrangement_id}/costs?year=twintig", headers=headers
    )
    assert response.status_code == 422
    assert "Jaar: kies een jaar" in response.get_json()["error"]["fields"]["year"]


def test_figures_page_shows_charts_with_the_tables_beside_them(client, arrangement_id):
    login(client, PROJECT)
    page = client.get(f"/regelingen/{arrangement_id}/cijfers?jaar=2025").get_data(as_text=True)
    assert page.count('class="bw-chart" role="img"') == 3
    assert "77,7%" in page and "83.830,00" in page
    assert "Stadskwartier" in page


def test_the_excel_export_opens_with_the_same_figures(client, arrangement_id):
    login(client, PROJECT)
    response = client.get(f"/regelingen/{arrangement_id}/cijfers.xlsx?jaar=2025")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Aanvragen", "Bezetting", "Kosten"]
    requests = list(workbook["Aanvragen"].iter_rows(values_only=True))
    assert requests[0][0] == "Aanbieder" and sum(r[1] for r in requests[1:]) == 130
    costs = list(workbook["Kosten"].iter_rows(values_only=True))
    assert len(costs) == 15


def test_a_budget_short_of_the_realisation_is_named_on_the_page_and_in_excel(
    app, client, arrangement_id
):
    with sessions(app)() as session:
        arrangement = session.get(Arrangement, arrangement_id)
        enschede = next(b for b in arrangement.budgets if b.year == 2025)
        enschede.amount = Decimal("100.00")
        session.commit()
    login(client, PROJECT)
    page = client.get(f"/regelingen/{arrangement_id}/cijfers?jaar=2025").get_data(as_text=True)
    assert "Budget niet toereikend in 2025 voor: Enschede." in page
    assert " tekort</strong>" in page
    response = client.get(f"/regelingen/{arrangement_id}/cijfers.xlsx?jaar=2025")
    rows = list(load_workbook(io.BytesIO(response.data))["Kosten"].iter_rows(values_only=True))
    header, enschede_row = rows[0], next(r for r in rows if r[0] == "Enschede")
    assert header[-2:] == ("Budget min totaal", "Budgetbron")
    total = Decimal(str(enschede_row[header.index("Totaal")]))
    assert Decimal(str(enschede_row[-2])) == Decimal("100.00") - total < 0


def test_providers_see_no_municipal_figures_or_costs(client, arrangement_id):
    login(client, PROVIDER_CR)
    assert client.get(f"/regelingen/{arrangement_id}/cijfers").status_code == 403


def test_the_cost_rule_is_chosen_on_the_edit_form_and_changes_the_costs_answer(
    client, headers, arrangement_id
):
    login(client, PROJECT)
    form = client.get(f"/regelingen/{arrangement_id}/bewerken").get_data(as_text=True)
    assert 'name="cost_rule"' in form
    assert re.search(r'<option value="occupancy_and_vacancy"\s+selected', form)
    before = client.get(f"/api/v1/arrangements/{arrangement_id}", headers=headers).get_json()
    assert before["cost_rule"] == "occupancy_and_vacancy"
    changed = client.patch(
        f"/api/v1/arrangements/{arrangement_id}",
        json={"cost_rule": "housing_and_stay", "version": before["version"]},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.get_json()["cost_rule"] == "housing_and_stay"
    body = client.get(
        f"/api/v1/arrangements/{arrangement_id}/costs?year=2025", headers=headers
    ).get_json()
    assert body["rule"] == "housing_and_stay"
    assert all(Decimal(i["vacancy_share"]) == 0 for i in body["items"])
    for item in body["items"]:
        assert Decimal(item["occupied_cost"]) + Decimal(item["housing_share"]) == Decimal(
            item["total"]
        )
    assert sum(Decimal(i["total"]) for i in body["items"]) == Decimal(body["total"])
    page = client.get(f"/regelingen/{arrangement_id}/cijfers?jaar=2025").get_data(as_text=True)
    assert ">Huisvesting</th>" in page and "Hoeksche Waardse verdeling" in page


def test_cost_lines_are_set_on_the_parts_page_and_shown_beside_the_figures(client, arrangement_id):
    login(client, PROJECT)
    token = csrf_token(client, f"/regelingen/{arrangement_id}/onderdelen")
    response = client.post(
        f"/regelingen/{arrangement_id}/kostenposten",
        data={
            "csrf_token": token,
            "year": "2025",
            "kind": "staff",
            "budget": "12.000,00",
            "realised": "13.250,50",
            "source": "GALA-middelen",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/regelingen/{arrangement_id}/cijfers?jaar=2025").get_data(as_text=True)
    assert "Begroting en realisatie per kostenpost" in page
    assert "Personeel" in page and "1.250,50 overschreden" in page
    refused = client.post(
        f"/regelingen/{arrangement_id}/kostenposten",
        data={"csrf_token": token, "year": "2025", "kind": "staff", "budget": "NaN"},
    )
    assert refused.status_code == 422
    assert "Begroting" in refused.get_data(as_text=True)


def test_cost_lines_api_gives_budget_realisation_and_difference(
    client, headers, app, arrangement_id
):
    with sessions(app)() as session:
        arrangement_parts.set_cost_line(
            session,
            system_actor("test"),
            arrangement_id,
            {"year": "2025", "kind": "communication", "budget": "500", "realised": "650"},
        )
        session.commit()
    body = client.get(
        f"/api/v1/arrangements/{arrangement_id}/cost-lines?year=2025", headers=headers
    ).get_json()
    (line,) = body["items"]
    assert line["label"] == "Communicatie" and line["municipality"] is None
    assert (line["budget"], line["realised"], line["difference"]) == ("500.00", "650.00", "-150.00")
    assert body["complete"] is True and body["budget"] == "500.00"
