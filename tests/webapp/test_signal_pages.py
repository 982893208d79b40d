import html
from datetime import date

import pytest
from sqlalchemy import select

from storage.mandates import Mandate
from tests.conftest import LEGAL, POLICY, PROVIDER_CR, csrf_token, login
from tests.support.api_tokens import api_headers
from webapp import clock
from webapp.database import sessions


@pytest.fixture
def headers(app):
    return api_headers(app, POLICY)


def test_signals_api_gives_13_mandate_needed_with_planning_dates(client, headers):
    body = client.get("/api/v1/signals?as_of=2025-06-01", headers=headers).get_json()
    gaps = [s for s in body["items"] if s["kind"] == "mandate_needed" and "run_tender" in s["acts"]]
    assert len(gaps) == 13
    enschede = next(s for s in gaps if s["municipality"]["name"] == "Enschede")
    assert enschede["act"] == "prepare_tender" and enschede["mandate_kind"] == "volmacht"
    assert enschede["acts"] == [
        "prepare_tender",
        "run_tender",
        "award_tender",
        "conclude_agreement",
    ]
    assert enschede["act_on"] == "2026-04-01"
    assert enschede["latest_meeting_on"] == "2026-03-31"
    assert enschede["agenda_closes_on"] == "2026-03-17"
    assert enschede["start_by_on"] == "2026-03-03"
    assert enschede["explanation"]
    assert enschede["missed"] is False and enschede["next_meeting"] is None
    assert enschede["advice"] == "" and enschede["ratification"] == ""


def test_signals_api_gives_a_missed_meeting_its_next_meeting_and_ratification(client, headers):
    body = client.get("/api/v1/signals?as_of=2026-12-03", headers=headers).get_json()
    enschede = next(
        s
        for s in body["items"]
        if s["kind"] == "mandate_needed" and s["municipality"]["name"] == "Enschede"
    )
    assert enschede["missed"] is True and enschede["gap_now"] is True
    assert enschede["next_meeting"] == {
        "meeting_on": "2026-12-22",
        "agenda_closes_on": "2026-12-08",
        "start_by_on": "2026-11-24",
    }
    assert "Nog mogelijk: de collegevergadering van 22 december 2026" in enschede["advice"]
    assert enschede["ratification"].startswith("Bekrachtiging (art. 3:69 BW): Enschede")


def _tender_group(page: str) -> str:
    """The page from the box of the tender gap on: its forms come first."""
    return page[page.index("'aanbesteding voorbereiden' per") :]


def test_signals_api_refuses_a_bad_date_in_dutch(client, headers):
    response = client.get("/api/v1/signals?as_of=31-02-2026", headers=headers)
    assert response.status_code == 422
    assert "bestaat niet in de kalender" in response.get_json()["error"]["fields"]["as_of"]


def test_term_api_follows_the_algemene_termijnenwet(client, headers):
    body = client.get("/api/v1/terms/end?start=2026-03-24&weeks=6", headers=headers).get_json()
    assert body == {
        "start_on": "2026-03-24",
        "end_on": "2026-05-06",
        "unadjusted_end_on": "2026-05-05",
        "applies": True,
        "reason": "5 mei, Bevrijdingsdag: de termijn eindigt op woensdag 6 mei 2026 (art. 1 Atw)",
    }
    bad = client.get("/api/v1/terms/end?start=2026-03-24&weeks=6&days=2", headers=headers)
    assert bad.status_code == 422
    assert (
        client.get("/api/v1/terms/end?start=2026-03-24&days=abc", headers=headers).status_code
        == 422
    )


def test_dashboard_shows_the_gap_and_the_legal_officer_drafts_a_volmacht_in_one_click(app, client):
    login(client, LEGAL)
    page = client.get("/signalen?per=2025-06-01").get_data(as_text=True)
    assert "Wat moet wanneer gebeuren" in page
    assert "is niet gedekt voor 13 gemeenten" in page
    assert "17 maart 2026" in page  # agenda closes
    group = _tender_group(page)
    form = group[group.index('action="/signalen/volmacht"') :]
    ids = [chunk.split('"')[0] for chunk in form.split('name="municipality_ids" value="')[1:14]]
    response = client.post(
        "/signalen/volmacht",
        data={
            "csrf_token": csrf_token(client, "/signalen"),
            "arrangement_id": form.split('name="arrangement_id" value="')[1].split('"')[0],
            "act": "run_tender",
            "municipality_ids": ids,
        },
    )
    assert response.status_code == 302 and "/bewerken" in response.headers["Location"]
    detail = client.get(response.headers["Location"].replace("/bewerken", "")).get_data(
        as_text=True
    )
    assert "0 van 13 verleend" in detail


def test_dashboard_says_the_meeting_was_missed_and_drafts_a_ratifying_volmacht(
    app, client, monkeypatch
):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 3))
    login(client, LEGAL)
    page = html.unescape(client.get("/signalen").get_data(as_text=True))
    group = _tender_group(page)
    assert "Nodig: een volmacht (BW 3:60)." in group
    assert "Nu al een gat:" in group and "Vergadering gemist." in group
    assert "Nog mogelijk: de collegevergadering van 22 december 2026" in group
    assert "Bekrachtiging (art. 3:69 BW): elke gemeente kan de handelingen vanaf 1 april 2026" in (
        group
    )
    assert '31 maart 2026 <span class="bw-gap">(gemist)</span>' in page
    form = group[group.index('action="/signalen/volmacht"') :]
    assert 'name="act_on" value="2026-04-01"' in form
    ids = [c.split('"')[0] for c in form.split('name="municipality_ids" value="')[1:14]]
    response = client.post(
        "/signalen/volmacht",
        data={
            "csrf_token": csrf_token(client, "/signalen"),
            "arrangement_id": form.split('name="arrangement_id" value="')[1].split('"')[0],
            "act": "prepare_tender",
            "act_on": "2026-04-01",
            "municipality_ids": ids,
        },
        follow_redirects=True,
    )
    assert "Conceptvolmacht opgesteld met een conceptbesluit voor 13 gemeenten" in (
        response.get_data(as_text=True)
    )
    with sessions(app)() as session:
        draft = session.scalars(
            select(Mandate).where(Mandate.title.startswith("Volmacht aanbesteding en nieuwe"))
        ).one()
        assert draft.ratifies_since == date(2026, 4, 1) and draft.valid_from == date(2026, 12, 3)


def test_term_calculator_page_explains_the_shift(client):
    login(client, POLICY)
    page = client.get("/termijnen?start=2026-03-24&aantal=6&eenheid=weeks").get_data(as_text=True)
    assert "6 mei 2026" in page and "5 mei, Bevrijdingsdag" in page
    bad = client.get("/termijnen?start=31-02-2026&aantal=0&eenheid=weeks").get_data(as_text=True)
    assert "bestaat niet in de kalender" in bad and "Aantal: vul een geheel getal" in bad


def test_a_provider_cannot_see_the_signals(client):
    login(client, PROVIDER_CR)
    assert client.get("/signalen").status_code == 403


def test_one_click_from_the_gap_to_a_regional_dossier_that_grants_the_drafted_volmacht(app):
    from tests.conftest import PROJECT

    client = app.test_client()
    login(client, PROJECT)
    page = _tender_group(client.get("/signalen?per=2025-06-01").get_data(as_text=True))
    form = page[page.index('action="/signalen/besluit"') :]
    ids = [c.split('"')[0] for c in form.split('name="municipality_ids" value="')[1:14]]
    response = client.post(
        "/signalen/besluit",
        data={
            "csrf_token": csrf_token(client, "/signalen"),
            "arrangement_id": form.split('name="arrangement_id" value="')[1].split('"')[0],
            "act": "run_tender",
            "act_on": form.split('name="act_on" value="')[1].split('"')[0],
            "municipality_ids": ids,
        },
    )
    assert response.status_code == 302 and "/besluiten/" in response.headers["Location"]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Verlenen volmacht aanbesteding" in detail
    assert "regionaal dossier" in detail and "verleent volmacht" in detail
    assert "Uitspreiden over de gemeenten" not in detail  # fanned out at once to the gap


def test_clicking_a_gap_twice_shows_the_dossier_in_progress_and_makes_no_second_draft(app):
    """Issue 13, point 4: one regional dossier and one draft volmacht per gap, whoever clicks
    and however often; its draft decision names the acts in words."""
    from sqlalchemy import func, select

    from storage.decisions import Decision
    from storage.mandates import Mandate
    from tests.conftest import PROJECT

    client = app.test_client()
    login(client, PROJECT)
    page = _tender_group(client.get("/signalen?per=2025-06-01").get_data(as_text=True))
    form = page[page.index('action="/signalen/besluit"') :]
    data = {
        "arrangement_id": form.split('name="arrangement_id" value="')[1].split('"')[0],
        "act": "run_tender",
        "act_on": form.split('name="act_on" value="')[1].split('"')[0],
        "municipality_ids": [
            c.split('"')[0] for c in form.split('name="municipality_ids" value="')[1:14]
        ],
    }

    def counts():
        with sessions(app)() as session:
            return (
                session.scalar(select(func.count()).select_from(Mandate)),
                session.scalar(select(func.count()).select_from(Decision)),
            )

    before = counts()
    first = client.post(
        "/signalen/besluit", data={**data, "csrf_token": csrf_token(client, "/signalen")}
    )
    after_first = counts()
    # One draft volmacht; one regional dossier fanned out to the 13 colleges of the gap.
    assert after_first == (before[0] + 1, before[1] + 1 + 13)
    second = client.post(
        "/signalen/besluit", data={**data, "csrf_token": csrf_token(client, "/signalen")}
    )
    assert second.headers["Location"] == first.headers["Location"]
    assert counts() == after_first
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Voor dit signaal is al een concept in behandeling" in shown
    assert "aanbesteding uitvoeren" in shown and "run_tender" not in shown
    only_volmacht = client.post(
        "/signalen/volmacht", data={**data, "csrf_token": csrf_token(client, "/signalen")}
    )
    assert only_volmacht.status_code == 302 and counts() == after_first
