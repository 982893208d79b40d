"""The provider's pages say, per agreement, the status of the day and the next step (issue
#16, point 3); a provider sees only its own agreements (S11)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.agreements import find_agreement_by_reference
from tests.conftest import PROVIDER_CR, login
from webapp import clock
from webapp.database import sessions


def _set_status(app, reference, status):
    with sessions(app)() as session:
        agreement = find_agreement_by_reference(session, reference)
        agreement.status = status
        session.commit()
        return agreement.id


@pytest.fixture
def at(monkeypatch):
    def set_day(year, month, day):
        moment = datetime(year, month, day, 9, 0, tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return set_day


def test_provider_home_shows_next_step_for_an_agreement_to_sign(app, client, at):
    at(2025, 6, 2)
    _set_status(app, "LOG-TW-2025-CR", "sent")
    login(client, PROVIDER_CR)
    for path in ("/documenten/aanbieder", "/"):
        page = client.get(path).get_data(as_text=True)
        assert "LOG-TW-2025-CR" in page, path
        assert "Wacht tot de gemeente de overeenkomstbundel klaarzet" in page, path


def test_provider_home_shows_next_step_wait_for_the_municipality(app, client, at):
    at(2025, 6, 2)
    _set_status(app, "LOG-TW-2025-CR", "signed_by_provider")
    login(client, PROVIDER_CR)
    page = client.get("/documenten/aanbieder").get_data(as_text=True)
    assert "Wacht op ondertekening door de gemeente." in page


def test_provider_home_shows_next_step_running_until(client, at):
    at(2025, 6, 2)
    login(client, PROVIDER_CR)
    page = client.get("/documenten/aanbieder").get_data(as_text=True)
    assert "lopend" in page
    assert "Loopt tot en met 1 januari 2026." in page


def test_ended_agreement_is_not_lopend_on_the_provider_pages(app, client, at):
    at(2026, 2, 3)
    agreement_id = _set_status(app, "LOG-TW-2025-CR", "active")
    login(client, PROVIDER_CR)
    for path in ("/documenten/aanbieder", "/", f"/documenten/agreement/{agreement_id}"):
        page = client.get(path).get_data(as_text=True)
        assert "afgelopen op 1 januari 2026" in page, path
        assert "lopend" not in page, path
    with sessions(app)() as session:
        # Only the words change: the stored status stays as recorded.
        assert find_agreement_by_reference(session, "LOG-TW-2025-CR").status == "active"


def test_provider_upload_not_possible_is_explained(app, client, at):
    at(2025, 6, 2)
    agreement_id = _set_status(app, "LOG-TW-2025-CR", "signed")
    login(client, PROVIDER_CR)
    page = client.get(f"/documenten/agreement/{agreement_id}").get_data(as_text=True)
    assert "Getekend exemplaar uploaden" not in page
    assert "U hoeft geen getekend exemplaar meer te uploaden" in page


def test_s11_provider_home_lists_only_its_own_agreements(client, at):
    at(2025, 6, 2)
    login(client, PROVIDER_CR)
    page = client.get("/documenten/aanbieder").get_data(as_text=True)
    assert "LOG-TW-2025-CR" in page
    assert "LOG-TW-2025-LI" not in page and "LOG-TW-2025-ZA" not in page
    assert "Liberein" not in page and "ZorgAccent" not in page
    assert "1 overeenkomst" in page
