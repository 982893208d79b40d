"""Beheer > Gelijkgestelde dagen, and the term calculator and API that count with them."""

from datetime import date

import pytest
from sqlalchemy import func, select

from storage.audit import AuditEvent
from storage.equated_days import EquatedDay, find_equated_day
from tests.conftest import ADMIN, AUDITOR, LEGAL, POLICY, csrf_token, login
from tests.support.api_tokens import api_headers
from webapp.database import sessions

PAGE = "/beheer/gelijkgestelde-dagen/"


@pytest.fixture
def headers(app):
    return api_headers(app, POLICY)


def _count(app):
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(EquatedDay))


def _add(client, **data):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), **data})


def _hengelo(client, headers):
    body = client.get("/api/v1/signals?as_of=2025-06-01", headers=headers).get_json()
    return next(
        s
        for s in body["items"]
        if s["kind"] == "mandate_needed" and s["municipality"]["name"] == "Hengelo"
    )


def test_the_beheerder_sees_the_decree_days_with_dutch_dates(client):
    login(client, ADMIN)
    page = client.get(PAGE).get_data(as_text=True)
    assert "17 gelijkgestelde dagen" in page
    assert "vrijdag 15 mei 2026" in page and "Besluit gelijkstelling van 2 januari 2026" in page
    assert "Besluit van 24 oktober 2016, nr. 2016001827" in page
    assert "2026-05-15" not in page


def test_a_beheerder_adds_a_decree_day_and_the_calculator_api_and_planning_use_it(
    app, client, headers
):
    # Before: Tuesday 31 March 2026 is the Hengelo college's last meeting before the act,
    # and 2 weeks from Tuesday 17 March end on that ordinary working day.
    assert _hengelo(client, headers)["latest_meeting_on"] == "2026-03-31"
    before = client.get("/api/v1/terms/end?start=2026-03-17&weeks=2", headers=headers)
    assert before.get_json()["end_on"] == "2026-03-31"

    login(client, ADMIN)
    response = _add(
        client,
        day="31-03-2026",
        decree="Besluit van 2 februari 2026, nr. 2026000123",
        source="Stcrt. 2026, 4567",
        note="",
    )
    assert response.status_code == 302
    flashed = client.get(PAGE).get_data(as_text=True)
    assert "31 maart 2026 is toegevoegd als gelijkgestelde dag." in flashed

    api = client.get("/api/v1/terms/end?start=2026-03-17&weeks=2", headers=headers).get_json()
    assert api["end_on"] == "2026-04-01"
    assert "Besluit van 2 februari 2026, nr. 2026000123" in api["reason"]
    page = client.get("/termijnen?start=2026-03-17&aantal=2&eenheid=weeks").get_data(as_text=True)
    assert "1 april 2026" in page and "Besluit van 2 februari 2026, nr. 2026000123" in page
    assert _hengelo(client, headers)["latest_meeting_on"] == "2026-03-24"
    with sessions(app)() as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "equated_day", AuditEvent.action == "create"
            )
        ).one()
        assert event.new_values["decree"] == "Besluit van 2 februari 2026, nr. 2026000123"
        assert event.actor_label and event.actor_id is not None


def test_the_beheerder_edits_and_removes_a_decree_day(app, client):
    login(client, ADMIN)
    with sessions(app)() as session:
        row = find_equated_day(session, date(2026, 5, 15))
        row_id, version = row.id, row.version
    path = f"{PAGE}{row_id}/bewerken"
    form = client.get(path).get_data(as_text=True)
    assert 'value="2026-05-15"' in form and f'name="version" value="{version}"' in form
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "day": "2026-05-15",
            "decree": "Besluit van 14 juli 2025, nr. 2025001234",
            "source": "Stcrt. 2025, 22222",
            "note": "",
            "version": str(version),
        },
    )
    assert response.status_code == 302
    with sessions(app)() as session:
        assert session.get(EquatedDay, row_id).decree == "Besluit van 14 juli 2025, nr. 2025001234"
    removed = client.post(
        f"{PAGE}{row_id}/verwijderen", data={"csrf_token": csrf_token(client, PAGE)}
    )
    assert removed.status_code == 302
    with sessions(app)() as session:
        assert session.get(EquatedDay, row_id) is None
    # Without the decree day, Friday 15 May 2026 is an ordinary working day again.
    page = client.get("/termijnen?start=2026-05-01&aantal=2&eenheid=weeks").get_data(as_text=True)
    assert "Geen verschuiving nodig." in page


def test_s28_the_second_save_with_an_old_version_gets_409_and_overwrites_nothing(app, client):
    login(client, ADMIN)
    with sessions(app)() as session:
        row = session.scalars(select(EquatedDay).order_by(EquatedDay.id)).first()
        row_id, day, version = row.id, row.day.isoformat(), row.version
    path = f"{PAGE}{row_id}/bewerken"

    def save(decree):
        return client.post(
            path,
            data={
                "csrf_token": csrf_token(client, path),
                "day": day,
                "decree": decree,
                "source": "",
                "note": "",
                "version": str(version),
            },
        )

    assert save("Eerste versie").status_code == 302
    second = save("Tweede versie")
    assert second.status_code == 409
    assert "Iemand anders heeft deze gelijkgestelde dag intussen gewijzigd" in second.get_data(
        as_text=True
    )
    with sessions(app)() as session:
        assert session.get(EquatedDay, row_id).decree == "Eerste versie"


def test_a_wrong_day_gets_422_with_a_dutch_message_and_nothing_is_saved(app, client):
    login(client, ADMIN)
    count = _count(app)
    response = _add(client, day="16-05-2026", decree="Besluit", source="", note="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "zaterdag 16 mei 2026 valt in het weekend" in page
    assert 'value="16-05-2026"' in page  # what was typed comes back
    assert _count(app) == count


@pytest.mark.parametrize("email", [AUDITOR, POLICY, LEGAL])
def test_the_auditor_and_officers_cannot_see_or_edit_decree_days(app, client, email):
    login(client, email)
    count = _count(app)
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/termijnen")
    added = client.post(PAGE, data={"csrf_token": token, "day": "2029-05-11", "decree": "B"})
    assert added.status_code == 403
    assert client.post(f"{PAGE}1/verwijderen", data={"csrf_token": token}).status_code == 403
    assert client.post(f"{PAGE}1/bewerken", data={"csrf_token": token}).status_code == 403
    assert _count(app) == count


def test_s15_adding_without_csrf_token_is_refused_and_saves_nothing(app, client):
    login(client, ADMIN)
    count = _count(app)
    response = client.post(PAGE, data={"day": "2029-05-11", "decree": "Besluit"})
    assert response.status_code == 400
    assert _count(app) == count


def test_before_1_april_1965_the_calculator_and_api_say_niet_van_toepassing(client, headers):
    body = client.get("/api/v1/terms/end?start=1965-03-01&days=10", headers=headers).get_json()
    assert body["applies"] is False
    assert body["reason"].startswith("Algemene termijnenwet niet van toepassing: de wet geldt")
    login(client, POLICY)
    page = client.get("/termijnen?start=01-03-1965&aantal=10&eenheid=days").get_data(as_text=True)
    assert "niet van toepassing: de wet geldt vanaf 1 april 1965 (art. 7)" in page


def test_the_calculator_warns_when_no_decree_days_are_known_for_the_end_year(client):
    login(client, POLICY)
    later = client.get("/termijnen?start=2029-03-01&aantal=2&eenheid=weeks").get_data(as_text=True)
    assert "voor 2029 zijn nog geen dagen vastgelegd" in later
    assert "de laatste bekende is 26 mei 2028" in later
    known = client.get("/termijnen?start=2028-03-01&aantal=2&eenheid=weeks").get_data(as_text=True)
    assert "nog geen dagen vastgelegd" not in known
