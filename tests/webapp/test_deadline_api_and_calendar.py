"""The deadlines API and the personal iCalendar feed on the Twente demo, after one scheduler
tick on Monday 2 March 2026 at 08:00 in Amsterdam."""

from __future__ import annotations

import io
import logging
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime

import icalendar
import pytest
import vobject
from sqlalchemy import select
from werkzeug.serving import make_server

from storage.accounts import User
from storage.arrangements import Arrangement
from storage.deadlines import CalendarFeed, Deadline
from storage.organisations import Organisation
from tests.conftest import LEGAL, POLICY, PROJECT, PROVIDER_CR, login
from tests.support.calendar_address import page_with_new_address
from tests.support.first_tick import MANDATE_NEEDED, NOW, user_id
from tests.support.record_changes import update_fields
from webapp.database import sessions
from webapp.logs import configure_logging
from workflows.actors import system_actor
from workflows.deadlines import reminders
from workflows.demo.demo import ARRANGEMENT_NAME
from workflows.registers import arrangements

_ADDRESS = re.compile(r"(https?://[^/\s<]+(/calendar/[A-Za-z0-9_\-]+\.ics))")


def _open_deadlines(app) -> list[Deadline]:
    with sessions(app)() as session:
        found = session.scalars(
            select(Deadline).where(Deadline.status == "open").order_by(Deadline.id)
        ).all()
        session.expunge_all()
        return list(found)


def _visible_to_enschede(app) -> list[Deadline]:
    with sessions(app)() as session:
        enschede = session.scalars(
            select(Organisation.id).where(Organisation.name == "Enschede")
        ).one()
    return [d for d in _open_deadlines(app) if d.organisation_id in (None, enschede)]


def _by_subject(app, part: str) -> Deadline:
    (found,) = [d for d in _open_deadlines(app) if part in d.subject]
    return found


def _arrangement_id(app) -> int:
    with sessions(app)() as session:
        return session.scalars(
            select(Arrangement.id).where(Arrangement.name == ARRANGEMENT_NAME)
        ).one()


# GET /api/v1/deadlines ------------------------------------------------------------------------


def test_deadlines_api_lists_what_the_user_may_see(app, client, ticked, token_for):
    everything = client.get("/api/v1/deadlines", headers=token_for(PROJECT)).get_json()
    assert everything["total"] == 15 == len(everything["items"])
    assert sum(d["kind"] == "mandate_needed" for d in everything["items"]) == 13
    enschede = client.get("/api/v1/deadlines", headers=token_for(LEGAL)).get_json()
    assert {d["id"] for d in enschede["items"]} == {d.id for d in _visible_to_enschede(app)}
    assert enschede["total"] == 3
    item = next(d for d in enschede["items"] if d["kind"] == "mandate_needed")
    assert item["name"] == f"{MANDATE_NEEDED} Enschede"
    assert item["due_on"] == "2026-03-03" == item["start_by_on"]
    assert item["status"] == "open" and item["source"] == "derived"
    assert item["deadline_version"] == 1 and item["acknowledged_at"] is None
    assert item["arrangement_id"] == _arrangement_id(app)


def test_deadlines_api_filters_on_from_to_and_arrangement(app, client, ticked, token_for):
    headers = token_for(PROJECT)

    def dates(query: str) -> list[str]:
        body = client.get(f"/api/v1/deadlines?{query}", headers=headers).get_json()
        assert body["total"] == len(body["items"])
        return [d["due_on"] for d in body["items"]]

    assert dates("from=2026-03-01&to=2026-03-31") == ["2026-03-03"] * 13
    assert dates("from=2026-04-01") == ["2026-04-01", "2026-05-20"]
    assert dates("to=2026-03-02") == []
    assert dates("from=01-04-2026&to=01-04-2026") == ["2026-04-01"]
    assert len(dates(f"arrangement={_arrangement_id(app)}")) == 15
    assert dates("arrangement=999999") == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=31-02-2026", "from", "31-02-2026 bestaat niet in de kalender"),
        ("to=gisteren", "to", "'gisteren' is geen datum"),
        ("from=2026-13-01", "from", "bestaat niet in de kalender"),
        ("arrangement=een", "arrangement", "verwacht een nummer"),
    ],
)
def test_deadlines_api_refuses_bad_filters_with_422_naming_the_field(
    client, ticked, token_for, query, field, message
):
    response = client.get(f"/api/v1/deadlines?{query}", headers=token_for(PROJECT))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert message in error["fields"][field]


def test_deadlines_api_without_token_is_401_and_for_a_provider_403(client, ticked, token_for):
    assert client.get("/api/v1/deadlines").status_code == 401
    provider = token_for(PROVIDER_CR)
    assert client.get("/api/v1/deadlines", headers=provider).status_code == 403
    response = client.post(
        "/api/v1/deadlines",
        json={"subject": "x", "due_on": "2026-04-15", "owner_id": 1},
        headers=provider,
    )
    assert response.status_code == 403


# POST /api/v1/deadlines -----------------------------------------------------------------------


def test_posting_a_manual_deadline_is_201_and_it_is_listed(app, client, ticked, token_for):
    headers = token_for(LEGAL)
    owner = user_id(app, POLICY)
    response = client.post(
        "/api/v1/deadlines",
        json={
            "subject": "Raadsinformatiebrief logeerzorg",
            "due_on": "2026-04-15",
            "owner_id": owner,
            "arrangement_id": _arrangement_id(app),
            "explanation": "Voor de commissie van mei.",
        },
        headers=headers,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "Raadsinformatiebrief logeerzorg"
    assert body["kind"] == "manual" and body["source"] == "manual" and body["status"] == "open"
    assert body["due_on"] == "2026-04-15" and body["owner_id"] == owner
    listed = client.get("/api/v1/deadlines?from=2026-04-15&to=2026-04-15", headers=headers)
    assert body["id"] in [d["id"] for d in listed.get_json()["items"]]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"subject", "due_on", "owner_id"}),
        ({"subject": "Brief", "due_on": "31-02-2026", "owner_id": "POLICY"}, {"due_on"}),
        ({"subject": "", "due_on": "2026-04-15", "owner_id": "POLICY"}, {"subject"}),
        ({"subject": "Brief", "due_on": "2026-04-15", "owner_id": "PROVIDER"}, {"owner_id"}),
        ({"subject": "Brief", "due_on": "2026-04-15", "owner_id": 999999}, {"owner_id"}),
        ({"subject": "Brief", "due_on": "2026-04-15", "owner_id": "een"}, {"owner_id"}),
        (
            {"subject": "Brief", "due_on": "2026-04-15", "owner_id": "POLICY", "arrangement_id": 9},
            {"arrangement_id"},
        ),
        (["geen", "object"], {"body"}),
    ],
    ids=[
        "empty",
        "31-february",
        "no-subject",
        "provider-owner",
        "unknown-owner",
        "owner-not-a-number",
        "unknown-arrangement",
        "not-an-object",
    ],
)
def test_posting_a_bad_manual_deadline_is_422_naming_the_fields(
    app, client, ticked, token_for, body, fields
):
    ids = {"POLICY": user_id(app, POLICY), "PROVIDER": user_id(app, PROVIDER_CR)}
    if isinstance(body, dict) and body.get("owner_id") in ids:
        body = {**body, "owner_id": ids[body["owner_id"]]}
    response = client.post("/api/v1/deadlines", json=body, headers=token_for(LEGAL))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == fields
    assert all(message.strip() for message in error["fields"].values())
    assert len(_open_deadlines(app)) == 15


def test_s14_extra_fields_in_a_deadline_post_change_nothing(app, client, ticked, token_for):
    response = client.post(
        "/api/v1/deadlines",
        json={
            "subject": "Brief",
            "due_on": "2026-04-15",
            "owner_id": user_id(app, POLICY),
            "kind": "mandate_needed",
            "source": "derived",
            "status": "done",
            "deadline_version": 7,
            "acknowledged_at": "2026-03-01T00:00:00+00:00",
            "organisation_id": 1,
        },
        headers=token_for(LEGAL),
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "manual" and body["source"] == "manual" and body["status"] == "open"
    assert body["deadline_version"] == 1 and body["acknowledged_at"] is None
    policy_id = user_id(app, POLICY)
    with sessions(app)() as session:
        policy = session.get(User, policy_id)
        assert policy is not None
        assert body["organisation_id"] == policy.organisation_id


# POST /api/v1/deadlines/<id>/acknowledge ------------------------------------------------------


def test_acknowledging_twice_via_the_api_keeps_the_first_moment(app, client, ticked, token_for):
    deadline = _by_subject(app, f"{MANDATE_NEEDED} Enschede")
    path = f"/api/v1/deadlines/{deadline.id}/acknowledge"
    first = client.post(path, headers=token_for(LEGAL))
    assert first.status_code == 200
    moment = first.get_json()["acknowledged_at"]
    assert moment is not None
    assert datetime.fromisoformat(moment).tzinfo is not None
    second = client.post(path, headers=token_for(POLICY))
    assert second.status_code == 200
    assert second.get_json()["acknowledged_at"] == moment
    legal_id = user_id(app, LEGAL)
    with sessions(app)() as session:
        stored = session.get(Deadline, deadline.id)
        assert stored is not None
        assert stored.acknowledged_by_id == legal_id


def test_s11_acknowledging_a_deadline_of_another_municipality_is_404(
    app, client, ticked, token_for
):
    almelo = _by_subject(app, f"{MANDATE_NEEDED} Almelo")
    response = client.post(f"/api/v1/deadlines/{almelo.id}/acknowledge", headers=token_for(LEGAL))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    unknown = client.post("/api/v1/deadlines/999999/acknowledge", headers=token_for(LEGAL))
    assert unknown.status_code == 404
    with sessions(app)() as session:
        stored = session.get(Deadline, almelo.id)
        assert stored is not None and stored.acknowledged_at is None


# The calendar feed ----------------------------------------------------------------------------


def _new_address(client) -> str:
    """Asks for a new calendar address on the notifications page; returns its path."""
    page = page_with_new_address(client)
    assert "Uw persoonlijke agenda-adres" in page
    match = _ADDRESS.search(page)
    assert match, "no calendar address in the flash message"
    return match.group(2)


def _fetch(app, path: str):
    """As a calendar program does: without any cookie."""
    return app.test_client().get(path)


def _events_icalendar(content: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(content)
    events = list(calendar.walk("VEVENT"))
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    return dict(zip(uids, events, strict=True))


def _events_vobject(content: bytes) -> dict[str, object]:
    calendar = vobject.readOne(content.decode("utf-8"))
    events = list(getattr(calendar, "vevent_list", []))
    uids = [e.uid.value for e in events]
    assert len(set(uids)) == len(uids)
    return dict(zip(uids, events, strict=True))


def _uid(deadline: Deadline) -> str:
    return f"deadline-{deadline.id}@besluitwerk"


@pytest.fixture
def feed_path(app, client, ticked) -> str:
    login(client, LEGAL)
    return _new_address(client)


def test_calendar_feed_is_served_without_a_cookie_as_text_calendar(app, feed_path):
    response = _fetch(app, feed_path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"BEGIN:VCALENDAR")


def test_calendar_feed_has_one_event_per_open_deadline_visible_to_the_user_icalendar(
    app, feed_path
):
    expected = {_uid(d): d for d in _visible_to_enschede(app)}
    assert len(expected) == 3
    events = _events_icalendar(_fetch(app, feed_path).data)
    assert set(events) == set(expected)
    for uid, event in events.items():
        deadline = expected[uid]
        assert int(event["SEQUENCE"]) == deadline.deadline_version == 1
        start = event.decoded("DTSTART")
        assert type(start) is date and start == deadline.due_on
        assert event["DTSTART"].params.get("VALUE") == "DATE"
        assert str(event["SUMMARY"]) == deadline.subject
        alarms = [c for c in event.subcomponents if c.name == "VALARM"]
        assert len(alarms) == 1
        assert str(alarms[0]["ACTION"]) == "DISPLAY"


def test_calendar_feed_has_one_event_per_open_deadline_visible_to_the_user_vobject(app, feed_path):
    expected = {_uid(d): d for d in _visible_to_enschede(app)}
    events = _events_vobject(_fetch(app, feed_path).data)
    assert set(events) == set(expected)
    for uid, event in events.items():
        deadline = expected[uid]
        assert int(event.sequence.value) == deadline.deadline_version
        start = event.dtstart.value
        assert type(start) is date and start == deadline.due_on
        assert len(getattr(event, "valarm_list", [])) == 1
        assert event.summary.value == deadline.subject


def test_calendar_feed_of_the_project_group_holds_every_municipality(app, client, ticked):
    login(client, PROJECT)
    events = _events_icalendar(_fetch(app, _new_address(client)).data)
    assert set(events) == {_uid(d) for d in _open_deadlines(app)}
    assert len(events) == 15


def test_calendar_uids_are_stable_between_fetches(app, feed_path):
    first = _events_icalendar(_fetch(app, feed_path).data)
    second = _events_icalendar(_fetch(app, feed_path).data)
    assert set(first) == set(second)
    assert {u: int(e["SEQUENCE"]) for u, e in first.items()} == {
        u: int(e["SEQUENCE"]) for u, e in second.items()
    }


def test_a_moved_deadline_keeps_its_uid_and_its_sequence_goes_up(app, feed_path):
    before_ical = _events_icalendar(_fetch(app, feed_path).data)
    mandate = _by_subject(app, f"{MANDATE_NEEDED} Enschede")
    tender = _by_subject(app, "aanbesteding voorbereiden: aanbesteding voorbereiden")
    evaluation = next(d for d in _visible_to_enschede(app) if d.kind == "evaluation_due")
    # The successor contract starts two months later: the tender, and the volmacht it
    # needs, move with it.
    arrangement_id = _arrangement_id(app)
    with sessions(app)() as session:
        arrangement = session.get(Arrangement, arrangement_id)
        assert arrangement is not None and arrangement.successor_start_on == date(2027, 1, 1)
        update_fields(
            arrangements.update,
            session,
            system_actor("test"),
            arrangement,
            {"successor_start_on": "2027-03-01"},
        )
        session.commit()
    changes = reminders.tick(sessions(app), now=NOW.replace(minute=5), mailer=None)
    assert changes["moved"] >= 2 and changes["added"] == 0
    moved = {d.id: d for d in _open_deadlines(app)}
    assert moved[tender.id].due_on == date(2026, 6, 1)
    assert moved[mandate.id].due_on > mandate.due_on
    for content in (_fetch(app, feed_path).data,):
        after_ical = _events_icalendar(content)
        after_vobject = _events_vobject(content)
        assert set(after_ical) == set(before_ical) == set(after_vobject)
        for deadline in (mandate, tender):
            uid = _uid(deadline)
            assert int(before_ical[uid]["SEQUENCE"]) == 1
            assert int(after_ical[uid]["SEQUENCE"]) == 2 == moved[deadline.id].deadline_version
            assert int(after_vobject[uid].sequence.value) == 2
            assert after_ical[uid].decoded("DTSTART") == moved[deadline.id].due_on
            assert after_vobject[uid].dtstart.value == moved[deadline.id].due_on
        unchanged = _uid(evaluation)
        assert int(after_ical[unchanged]["SEQUENCE"]) == 1
        assert after_ical[unchanged].decoded("DTSTART") == evaluation.due_on


def test_a_new_address_ends_the_old_one(app, client, feed_path):
    newer = _new_address(client)
    assert newer != feed_path
    assert _fetch(app, feed_path).status_code == 404
    assert _fetch(app, newer).status_code == 200
    with sessions(app)() as session:
        feeds = session.scalars(select(CalendarFeed)).all()
        assert len(feeds) == 1
        # Only a hash of the token is stored.
        token = newer.removeprefix("/calendar/").removesuffix(".ics")
        assert token not in feeds[0].token_hash


def test_an_unknown_calendar_token_is_404(app, ticked):
    assert _fetch(app, "/calendar/onbekend-token.ics").status_code == 404
    assert _fetch(app, "/calendar/.ics").status_code == 404


def test_the_calendar_of_a_blocked_account_is_404(app, feed_path):
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.email == LEGAL)).one()
        user.active = False
        session.commit()
    assert _fetch(app, feed_path).status_code == 404


# S26: the secret token never reaches the request log -----------------------------------------


@pytest.fixture
def werkzeug_log() -> Iterator[io.StringIO]:
    """What the werkzeug logger writes, as a handler attached to it formats it."""
    configure_logging()
    logger = logging.getLogger("werkzeug")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_s26_the_werkzeug_request_log_line_hides_the_calendar_token(werkzeug_log):
    token = "Zm9vYmFyLXNlY3JldC10b2tlbi0xMjM0NTY3ODkwYWJj"
    logger = logging.getLogger("werkzeug")
    for request_line, code in (
        (f"GET /calendar/{token}.ics HTTP/1.1", "200"),
        (f"GET /calendar/{token}.ics?x=1 HTTP/1.1", "200"),
        (f"\x1b[33mGET /calendar/{token}.ics HTTP/1.1\x1b[0m", "404"),
    ):
        logger.info(
            '%s - - [%s] "%s" %s %s', "127.0.0.1", "02/Mar/2026 08:00:00", request_line, code, "-"
        )
    output = werkzeug_log.getvalue()
    assert token not in output
    assert output.count("/calendar/") == 3
    assert "GET /calendar/" in output and "02/Mar/2026 08:00:00" in output


def test_s26_the_werkzeug_log_line_hides_the_token_in_the_message_itself(werkzeug_log):
    token = "c2VjcmV0LXRva2VuLWluLXRoZS1tZXNzYWdlLTEyMzQ1Ng"
    logging.getLogger("werkzeug").info(
        f'127.0.0.1 - - [02/Mar/2026 08:00:00] "GET /calendar/{token}.ics HTTP/1.1" %s %s',
        "200",
        "-",
    )
    output = werkzeug_log.getvalue()
    assert token not in output and "/calendar/" in output


def test_s26_a_real_werkzeug_server_logs_calendar_requests_without_the_token(
    app, feed_path, werkzeug_log
):
    token = feed_path.removeprefix("/calendar/").removesuffix(".ics")
    server = make_server("127.0.0.1", 0, app)  # werkzeug's own request handler and log
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(base + feed_path, timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert b"BEGIN:VCALENDAR" in response.read()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/calendar/{token}x.ics", timeout=10)  # noqa: S310
        assert missing.value.code == 404
        missing.value.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    output = werkzeug_log.getvalue()
    assert output.count("/calendar/") == 2, output
    assert token not in output
