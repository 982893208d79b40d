"""SECURITY.md S21: login throttled per account and per address, with the counts in the
database so that every worker and host sees them; the same answer for unknown users."""

from datetime import timedelta

import pytest

from tests.conftest import LEGAL, PASSWORD, POLICY, csrf_token, make_settings
from webapp import clock
from webapp.app import create_app
from workflows.rules import throttle


def attempt(client, email, password, address="10.1.2.3"):
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def workers(database_url, tmp_path):
    """Two app instances with their own engines: two workers on one database."""
    apps = [create_app(make_settings(database_url, tmp_path / f"w{i}")) for i in range(2)]
    yield [app.test_client() for app in apps]
    for app in apps:
        app.extensions["besluitwerk.engine"].dispose()


def test_s21_five_wrong_passwords_over_two_workers_lock_the_account(workers):
    for i in range(throttle.MAX_PER_ACCOUNT):
        assert attempt(workers[i % 2], POLICY, f"fout-{i}").status_code == 401
    locked = attempt(workers[0], POLICY, PASSWORD)
    assert locked.status_code == 429
    assert "Te veel mislukte pogingen" in locked.get_data(as_text=True)
    # Another account from another address is not affected.
    assert attempt(workers[1], LEGAL, PASSWORD, address="10.9.9.9").status_code == 302


def _alert(response) -> str:
    page = response.get_data(as_text=True)
    start = page.index('role="alert"')
    return page[start : page.index("</div>", start)]


def test_s21_unknown_addresses_are_throttled_with_the_same_answer(workers):
    for i in range(throttle.MAX_PER_ACCOUNT):
        attempt(workers[i % 2], "niemand@nergens.example", f"fout-{i}")
        attempt(workers[i % 2], POLICY, f"fout-{i}", address="10.4.4.4")
    unknown = attempt(workers[0], "niemand@nergens.example", "fout")
    known = attempt(workers[0], POLICY, "fout", address="10.4.4.4")
    assert unknown.status_code == known.status_code == 429
    assert _alert(unknown) == _alert(known)
    assert throttle.MESSAGE in _alert(known)


def test_s21_many_accounts_from_one_address_are_throttled(workers):
    for i in range(throttle.MAX_PER_ADDRESS):
        attempt(workers[i % 2], f"gok{i}@x.example", "fout-wachtwoord", address="10.6.6.6")
    assert attempt(workers[0], POLICY, PASSWORD, address="10.6.6.6").status_code == 429
    assert attempt(workers[0], POLICY, PASSWORD, address="10.7.7.7").status_code == 302


def test_s21_the_lock_lifts_after_the_window(workers, monkeypatch):
    for i in range(throttle.MAX_PER_ACCOUNT):
        attempt(workers[i % 2], POLICY, f"fout-{i}")
    assert attempt(workers[0], POLICY, PASSWORD).status_code == 429
    later = clock.now() + throttle.WINDOW + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert attempt(workers[1], POLICY, PASSWORD).status_code == 302
