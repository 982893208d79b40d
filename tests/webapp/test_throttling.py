"""docs/security.md S21: login throttled per account and per address, with the counts in the
database so that every worker and host sees them; the same answer for unknown users. Issue #14:
throttled, not locked: failures by others lock neither the owner nor an office out."""

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


def test_s21_five_wrong_passwords_over_two_workers_throttle_the_account_from_that_address(workers):
    for i in range(throttle.MAX_PER_ACCOUNT_AND_ADDRESS):
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
    for i in range(throttle.MAX_PER_ACCOUNT_AND_ADDRESS):
        attempt(workers[i % 2], "niemand@nergens.example", f"fout-{i}")
        attempt(workers[i % 2], POLICY, f"fout-{i}", address="10.4.4.4")
    unknown = attempt(workers[0], "niemand@nergens.example", "fout")
    known = attempt(workers[0], POLICY, "fout", address="10.4.4.4")
    assert unknown.status_code == known.status_code == 429
    assert _alert(unknown) == _alert(known)
    assert throttle.MESSAGE in _alert(known)


def test_s21_many_accounts_from_one_address_are_throttled(workers):
    for i in range(throttle.MAX_PER_ADDRESS):
        attempt(workers[i % 2], f"gok{i}@enschede.example", "fout-wachtwoord", address="10.6.6.6")
    assert attempt(workers[0], POLICY, PASSWORD, address="10.6.6.6").status_code == 429
    assert attempt(workers[0], POLICY, PASSWORD, address="10.7.7.7").status_code == 302


def test_s21_the_lock_lifts_after_the_window(workers, monkeypatch):
    for i in range(throttle.MAX_PER_ACCOUNT_AND_ADDRESS):
        attempt(workers[i % 2], POLICY, f"fout-{i}")
    assert attempt(workers[0], POLICY, PASSWORD).status_code == 429
    later = clock.now() + throttle.WINDOW + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert attempt(workers[1], POLICY, PASSWORD).status_code == 302


def _logged_in_once(client, email, address):
    """The account logs in from ``address`` and out again: that address is now known for it."""
    assert attempt(client, email, PASSWORD, address=address).status_code == 302
    token = csrf_token(client, "/")
    client.post("/logout", data={"csrf_token": token}, environ_base={"REMOTE_ADDR": address})


def test_s21_an_attacker_failing_on_an_account_cannot_lock_its_owner_out(workers):
    _logged_in_once(workers[0], POLICY, "10.20.0.1")  # the owner's desk
    # Someone guesses from several addresses until the account is throttled for strangers.
    guesses = 0
    for address in ("10.66.0.1", "10.66.0.2", "10.66.0.3"):
        for i in range(throttle.MAX_PER_ACCOUNT_AND_ADDRESS):
            attempt(workers[guesses % 2], POLICY, f"fout-{i}", address=address)
            guesses += 1
    assert guesses >= throttle.MAX_PER_ACCOUNT
    assert attempt(workers[0], POLICY, PASSWORD, address="10.66.0.9").status_code == 429
    # The owner, from the address they logged in from before, still gets in.
    assert attempt(workers[1], POLICY, PASSWORD, address="10.20.0.1").status_code == 302


def test_s21_one_guesser_behind_an_office_address_cannot_lock_the_office_out(workers):
    office = "10.30.0.1"  # one NAT address for the whole town hall
    _logged_in_once(workers[0], LEGAL, office)
    for i in range(throttle.MAX_PER_ADDRESS):
        attempt(workers[i % 2], f"gok{i}@enschede.example", "fout-wachtwoord", address=office)
    # A stranger from that address is throttled; the colleague who works there is not.
    assert attempt(workers[0], POLICY, PASSWORD, address=office).status_code == 429
    assert attempt(workers[1], LEGAL, PASSWORD, address=office).status_code == 302


def test_s21_guessing_from_the_owners_own_address_is_still_throttled(workers):
    _logged_in_once(workers[0], POLICY, "10.40.0.1")
    for i in range(throttle.MAX_PER_ACCOUNT_AND_ADDRESS):
        assert attempt(workers[i % 2], POLICY, f"fout-{i}", address="10.40.0.1").status_code == 401
    assert attempt(workers[0], POLICY, "nog-een-gok", address="10.40.0.1").status_code == 429


def test_s21_x_forwarded_for_counts_only_from_the_configured_proxy(database_url, tmp_path):
    app = create_app(
        make_settings(database_url, tmp_path / "p", proxy_hops=1, trusted_proxies=("10.0.0.5",))
    )
    client = app.test_client()
    try:
        forged = {"X-Forwarded-For": "192.0.2.77"}
        for i in range(throttle.MAX_PER_ADDRESS):
            # Straight to the app, around the proxy: the forged header is ignored, so every
            # guess counts against the real address whatever it claims.
            token = csrf_token(client)
            client.post(
                "/login",
                data={"email": f"gok{i}@enschede.example", "password": "x", "csrf_token": token},
                headers={"X-Forwarded-For": f"192.0.2.{i}"},
                environ_base={"REMOTE_ADDR": "10.9.9.9"},
            )
        token = csrf_token(client)
        blocked = client.post(
            "/login",
            data={"email": POLICY, "password": PASSWORD, "csrf_token": token},
            headers=forged,
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
        assert blocked.status_code == 429
        # Through the proxy, the client address it names is believed.
        token = csrf_token(client)
        through = client.post(
            "/login",
            data={"email": POLICY, "password": PASSWORD, "csrf_token": token},
            headers=forged,
            environ_base={"REMOTE_ADDR": "10.0.0.5"},
        )
        assert through.status_code == 302
    finally:
        app.extensions["besluitwerk.engine"].dispose()
