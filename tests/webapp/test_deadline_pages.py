"""The deadline, notification, outbox and reminder-ladder pages on the Twente demo, after one
scheduler tick on Monday 2 March 2026 at 08:00 in Amsterdam (no mail server: e-mail stays in
the outbox)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from storage.accounts import User
from storage.arrangements import Arrangement
from storage.audit import AuditEvent
from storage.deadlines import CalendarFeed, Deadline, Message, ReminderLadder
from storage.organisations import Organisation
from tests.conftest import (
    ADMIN,
    AUDITOR,
    LEGAL,
    POLICY,
    PROJECT,
    PROVIDER_CR,
    csrf_token,
    login,
)
from tests.support.first_tick import (
    MANDATE_NEEDED,
    NOW,
    manual_count,
    only_deadline,
    page_text,
    user_id,
)
from tests.support.record_changes import update_fields
from webapp.database import sessions
from workflows.actors import system_actor
from workflows.deadlines import reminders
from workflows.demo.demo import ARRANGEMENT_NAME
from workflows.registers import arrangements

KIND_CELL = '<td class="utrecht-table__cell">nieuwe volmacht nodig</td>'
TWENTE_MUNICIPALITIES_BUT_THE_LEAD = [
    "Almelo",
    "Borne",
    "Dinkelland",
    "Enschede",
    "Haaksbergen",
    "Hellendoorn",
    "Hengelo",
    "Hof van Twente",
    "Losser",
    "Oldenzaal",
    "Tubbergen",
    "Twenterand",
    "Wierden",
]


def _reload(app, deadline_id: int) -> Deadline:
    with sessions(app)() as session:
        deadline = session.get(Deadline, deadline_id)
        assert deadline is not None
        session.expunge_all()
        return deadline


def _post(client, path: str, data: dict | None = None, *, form_page: str = "/signalen/termijnen"):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **(data or {})})


# The deadlines page ------------------------------------------------------------------------


def test_the_tick_derives_13_mandate_needed_deadlines_from_the_demo(app, ticked):
    assert ticked["added"] == 15
    with sessions(app)() as session:
        kinds = session.scalars(select(Deadline.kind).where(Deadline.status == "open")).all()
    assert list(kinds).count("mandate_needed") == 13


def test_project_group_sees_the_13_mandate_needed_deadlines_of_every_municipality(
    app, client, ticked
):
    login(client, PROJECT)
    page = page_text(client.get("/signalen/termijnen"))
    assert page.count(KIND_CELL) == 13
    for name in TWENTE_MUNICIPALITIES_BUT_THE_LEAD:
        assert f"{MANDATE_NEEDED} {name}" in page
    assert "15 termijnen (open)" in page
    # The date the co-advice must start: Tuesday 3 March 2026.
    assert "3 maart 2026" in page


def test_enschede_legal_officer_sees_only_deadlines_without_organisation_or_of_enschede(
    app, client, ticked
):
    with sessions(app)() as session:
        enschede = session.scalars(
            select(Organisation.id).where(Organisation.name == "Enschede")
        ).one()
        rows = session.scalars(select(Deadline).where(Deadline.status == "open")).all()
        expected = {d.subject for d in rows if d.organisation_id in (None, enschede)}
        hidden = {d.subject for d in rows} - expected
    assert len(expected) == 3 and len(hidden) == 12
    login(client, LEGAL)
    page = page_text(client.get("/signalen/termijnen"))
    assert f"{len(expected)} termijnen (open)" in page
    for subject in expected:
        assert subject in page
    for subject in hidden:
        assert subject not in page
    assert page.count(KIND_CELL) == 1 and f"{MANDATE_NEEDED} Enschede" in page


def test_acknowledging_via_the_page_records_when_and_by_whom(app, client, ticked):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    assert deadline.acknowledged_at is None
    login(client, LEGAL)
    before = datetime.now(UTC)
    response = _post(client, f"/signalen/termijnen/{deadline.id}/bevestigen")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/signalen/termijnen")
    after = _reload(app, deadline.id)
    assert after.acknowledged_at is not None
    assert before <= after.acknowledged_at <= datetime.now(UTC)
    assert after.acknowledged_by_id == user_id(app, LEGAL)
    page = page_text(client.get("/signalen/termijnen"))
    assert "Bevestigd: u pakt deze termijn op." in page
    assert f"Bevestigen: {deadline.subject}" not in page


def test_acknowledging_a_second_time_changes_nothing(app, client, ticked):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    login(client, LEGAL)
    _post(client, f"/signalen/termijnen/{deadline.id}/bevestigen")
    first = _reload(app, deadline.id)
    colleague = app.test_client()
    login(colleague, POLICY)  # a colleague acknowledges too, later
    assert _post(colleague, f"/signalen/termijnen/{deadline.id}/bevestigen").status_code == 302
    assert _post(client, f"/signalen/termijnen/{deadline.id}/bevestigen").status_code == 302
    second = _reload(app, deadline.id)
    assert second.acknowledged_at == first.acknowledged_at
    assert second.acknowledged_by_id == first.acknowledged_by_id == user_id(app, LEGAL)
    assert second.version == first.version
    with sessions(app)() as session:
        events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.object_type == "deadline",
                AuditEvent.object_id == str(deadline.id),
                AuditEvent.action == "acknowledge",
            )
        )
    assert events == 1


def test_s15_acknowledging_without_csrf_token_is_refused_and_records_nothing(app, client, ticked):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    login(client, LEGAL)
    response = client.post(f"/signalen/termijnen/{deadline.id}/bevestigen")
    assert response.status_code == 400
    assert _reload(app, deadline.id).acknowledged_at is None


def test_s15_every_deadline_form_without_csrf_token_is_refused_and_changes_nothing(
    app, client, ticked
):
    deadline_id = only_deadline(app, f"{MANDATE_NEEDED} Almelo").id
    message_id = _in_app(app, PROJECT)[0].id
    login(client, ADMIN)
    posts = {
        f"/signalen/termijnen/{deadline_id}/status": {"status": "done"},
        "/signalen/termijnen": {
            "subject": "x",
            "due_on": "2026-04-15",
            "owner_id": str(user_id(app, POLICY)),
        },
        f"/meldingen/{message_id}/gelezen": {},
        "/meldingen/agenda": {},
        "/beheer/herinneringen": _ladder_form("manual", "7", ["legal_officer"]),
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 400, path
    assert _reload(app, deadline_id).status == "open"
    assert manual_count(app) == 0
    assert _stored_ladders(app) == {}
    with sessions(app)() as session:
        assert session.scalars(select(CalendarFeed)).all() == []
        message = session.get(Message, message_id)
        assert message is not None and message.read_at is None


def test_s11_enschede_cannot_acknowledge_or_close_a_deadline_of_almelo(app, client, ticked):
    almelo = only_deadline(app, f"{MANDATE_NEEDED} Almelo")
    login(client, LEGAL)
    assert _post(client, f"/signalen/termijnen/{almelo.id}/bevestigen").status_code == 404
    response = _post(
        client,
        f"/signalen/termijnen/{almelo.id}/status",
        {"status": "done", "status_reason": "niet van ons"},
    )
    assert response.status_code == 404
    after = _reload(app, almelo.id)
    assert after.acknowledged_at is None and after.status == "open"


def test_acknowledging_redirects_only_within_the_app(app, client, ticked):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    login(client, LEGAL)
    response = _post(
        client,
        f"/signalen/termijnen/{deadline.id}/bevestigen",
        {"terug": "https://phishing.example/besluitwerk"},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "phishing.example" not in location
    assert location.startswith("/") or location.startswith("http://localhost/")


def test_not_applicable_without_a_reason_is_refused_in_dutch(app, client, ticked):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    login(client, LEGAL)
    response = _post(
        client,
        f"/signalen/termijnen/{deadline.id}/status",
        {"status": "not_applicable", "status_reason": "   "},
    )
    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert "Reden: geef aan waarom de termijn niet van toepassing is." in page
    after = _reload(app, deadline.id)
    assert after.status == "open" and after.status_reason == ""


def test_an_unknown_status_is_refused_in_dutch(app, client, ticked):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    login(client, LEGAL)
    response = _post(client, f"/signalen/termijnen/{deadline.id}/status", {"status": "vergeten"})
    page = page_text(client.get(response.headers["Location"]))
    assert "Status: kies open, afgehandeld of niet van toepassing." in page
    assert _reload(app, deadline.id).status == "open"


def test_not_applicable_with_a_reason_is_recorded_and_leaves_the_open_list(app, client, ticked):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    login(client, LEGAL)
    reason = "Enschede voert deze aanbesteding zelf uit."
    response = _post(
        client,
        f"/signalen/termijnen/{deadline.id}/status",
        {"status": "not_applicable", "status_reason": reason},
    )
    assert response.status_code == 302
    after = _reload(app, deadline.id)
    assert after.status == "not_applicable" and after.status_reason == reason
    assert after.next_stage_on is None
    assert "De status van de termijn is bijgewerkt." in page_text(client.get("/signalen/termijnen"))
    open_page = page_text(client.get("/signalen/termijnen"))
    assert deadline.subject not in open_page and "2 termijnen (open)" in open_page
    closed = page_text(client.get("/signalen/termijnen?status=not_applicable"))
    assert deadline.subject in closed and reason in closed


def test_a_deadline_set_not_applicable_with_a_reason_stays_so_after_the_next_tick(
    app, client, ticked
):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    login(client, LEGAL)
    reason = "Enschede voert deze aanbesteding zelf uit."
    _post(
        client,
        f"/signalen/termijnen/{deadline.id}/status",
        {"status": "not_applicable", "status_reason": reason},
    )
    # The scheduler runs every minute; the officer's decision must survive it.
    reminders.tick(sessions(app), now=NOW.replace(minute=1), mailer=None)
    after = _reload(app, deadline.id)
    assert after.status == "not_applicable"
    assert after.status_reason == reason


def test_done_needs_no_reason(app, client, ticked):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    login(client, LEGAL)
    _post(client, f"/signalen/termijnen/{deadline.id}/status", {"status": "done"})
    after = _reload(app, deadline.id)
    assert after.status == "done" and after.next_stage_on is None


# Manual deadlines -----------------------------------------------------------------------


def _arrangement_id(app) -> int:
    with sessions(app)() as session:
        return session.scalars(
            select(Arrangement.id).where(Arrangement.name == ARRANGEMENT_NAME)
        ).one()


def test_adding_a_manual_deadline_via_the_page(app, client, ticked):
    login(client, LEGAL)
    owner = user_id(app, POLICY)
    response = _post(
        client,
        "/signalen/termijnen",
        {
            "subject": "Raadsinformatiebrief logeerzorg",
            "due_on": "15-04-2026",
            "arrangement_id": str(_arrangement_id(app)),
            "owner_id": str(owner),
            "explanation": "Voor de commissie van mei.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/signalen/termijnen")
    page = page_text(client.get("/signalen/termijnen"))
    assert "De termijn is toegevoegd; herinneringen volgen vanzelf." in page
    assert "Raadsinformatiebrief logeerzorg" in page and "15 april 2026" in page
    deadline = only_deadline(app, "Raadsinformatiebrief logeerzorg")
    assert deadline.kind == "manual" and deadline.source == "manual"
    assert deadline.due_on == date(2026, 4, 15)
    assert deadline.owner_id == owner
    assert deadline.explanation == "Voor de commissie van mei."
    with sessions(app)() as session:
        policy = session.scalars(select(User).where(User.id == owner)).one()
        assert deadline.organisation_id == policy.organisation_id
    # The first stage of the manual ladder: 14 days before.
    assert deadline.next_stage_on == date(2026, 4, 1)


def test_the_deadline_form_offers_no_provider_as_owner(app, client, ticked):
    with sessions(app)() as session:
        users = session.scalars(select(User)).all()
        officers = {f"{u.name} ({u.organisation.name})" for u in users if u.role != "provider"}
        providers = {f"{u.name} ({u.organisation.name})" for u in users if u.role == "provider"}
    assert len(officers) == 6 and len(providers) == 5
    login(client, LEGAL)
    page = page_text(client.get("/signalen/termijnen"))
    form = page[page.index('id="kop-nieuw"') :]
    for label in officers:
        assert label in form
    for label in providers:
        assert label not in form


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"due_on": "31-02-2026"}, "Datum: 31-02-2026 bestaat niet in de kalender."),
        ({"subject": ""}, "Onderwerp: vul dit veld in."),
        ({"owner_id": PROVIDER_CR}, "Eigenaar: kies een actief account van een gemeente."),
        ({"owner_id": ""}, "Eigenaar: kies wie deze termijn bewaakt."),
    ],
    ids=["31-february", "no-subject", "provider-owner", "no-owner"],
)
def test_a_manual_deadline_with_bad_input_is_refused_in_dutch_and_adds_nothing(
    app, client, ticked, change, message
):
    login(client, LEGAL)
    data = {
        "subject": "Raadsinformatiebrief logeerzorg",
        "due_on": "2026-04-15",
        "owner_id": str(user_id(app, POLICY)),
    }
    data.update(change)
    if data["owner_id"] == PROVIDER_CR:
        data["owner_id"] = str(user_id(app, PROVIDER_CR))
    response = _post(client, "/signalen/termijnen", data)
    assert response.status_code == 422
    page = page_text(response)
    assert message in page
    if data["subject"]:
        assert 'value="Raadsinformatiebrief logeerzorg"' in page  # what was typed stays
    assert manual_count(app) == 0


# Notifications ----------------------------------------------------------------------------


def _in_app(app, email: str) -> list[Message]:
    with sessions(app)() as session:
        found = session.scalars(
            select(Message)
            .join(User, Message.recipient_id == User.id)
            .where(User.email == email, Message.channel == "in_app")
            .order_by(Message.id)
        ).all()
        session.expunge_all()
        return list(found)


def test_notifications_page_shows_the_in_app_reminders_of_the_logged_in_user_only(
    app, client, ticked
):
    mine = _in_app(app, LEGAL)
    theirs = _in_app(app, PROJECT)
    # Borne's reminders go to Borne's own jurist; the project group's twelve (eleven
    # municipalities without an account and the regional tender) come as one digest.
    assert len(mine) == 1 and len(theirs) == 1
    assert len(_in_app(app, "jurist@borne.example")) == 1
    assert all(m.status == "sent" for m in mine + theirs)
    login(client, LEGAL)
    page = page_text(client.get("/meldingen"))
    assert mine[0].subject in page
    assert page.count("ongelezen") == 1
    for message in theirs:
        assert message.subject not in page
    assert "namens Almelo" not in page
    # The daily digest is e-mail only.
    assert "Overzicht termijnen" not in page


def test_the_project_group_gets_one_digest_naming_each_municipality_without_an_account(
    app, client, ticked
):
    (digest,) = _in_app(app, PROJECT)
    assert digest.subject == f"[Besluitwerk] 12 herinneringen: {ARRANGEMENT_NAME}"
    without_account = [
        n for n in TWENTE_MUNICIPALITIES_BUT_THE_LEAD if n not in {"Borne", "Enschede"}
    ]
    for name in without_account:
        assert f"{MANDATE_NEEDED} {name}" in digest.body
        assert f"Niemand van {name} krijgt deze herinnering: er is geen account." in digest.body
    # Borne and Enschede have their own jurist: they are reminded themselves.
    assert "namens Borne" not in digest.body and "Niemand van Enschede" not in digest.body
    login(client, PROJECT)
    page = page_text(client.get("/meldingen"))
    assert page.count("ongelezen") == 1
    assert "Niemand van Almelo krijgt deze herinnering: er is geen account." in page


def test_the_deadlines_page_names_each_municipality_without_an_account(app, client, ticked):
    login(client, PROJECT)
    page = page_text(client.get("/signalen/termijnen"))
    assert "11 termijnen van een gemeente zonder account" in page
    for name in TWENTE_MUNICIPALITIES_BUT_THE_LEAD:
        named = f"Niemand van {name} krijgt deze herinnering: er is geen account." in page
        assert named is (name not in {"Borne", "Enschede"}), name


def test_gelezen_marks_that_one_message_read(app, client, ticked):
    # The next morning brings the project group a second digest (the day itself).
    reminders.tick(sessions(app), now=NOW + timedelta(days=1), mailer=None)
    messages = _in_app(app, PROJECT)
    assert len(messages) == 2
    chosen = messages[0]
    login(client, PROJECT)
    assert page_text(client.get("/meldingen")).count("ongelezen") == 2
    response = _post(client, f"/meldingen/{chosen.id}/gelezen", form_page="/meldingen")
    assert response.status_code == 302 and response.headers["Location"].endswith("/meldingen")
    after = {m.id: m.read_at for m in _in_app(app, PROJECT)}
    assert after[chosen.id] is not None
    assert [i for i, read in after.items() if read is not None] == [chosen.id]
    page = page_text(client.get("/meldingen"))
    assert page.count("ongelezen") == 1
    assert f"Gelezen: {chosen.subject}" not in page


def test_marking_another_users_message_read_is_404_and_changes_nothing(app, client, ticked):
    theirs = _in_app(app, PROJECT)[0]
    login(client, LEGAL)
    response = _post(client, f"/meldingen/{theirs.id}/gelezen", form_page="/meldingen")
    assert response.status_code == 404
    assert _in_app(app, PROJECT)[0].read_at is None
    assert _post(client, "/meldingen/999999/gelezen", form_page="/meldingen").status_code == 404


# The outbox ---------------------------------------------------------------------------------


def test_outbox_lists_every_email_with_status_postvak_for_the_administrator(app, client, ticked):
    with sessions(app)() as session:
        emails = session.scalars(select(Message).where(Message.channel == "email")).all()
        recipients = {m.recipient.email for m in emails}
        statuses = {m.status for m in emails}
    # One digest per person and arrangement, not one mail per municipality; plus the overviews.
    assert ticked["outbox"] == len(emails) == 8
    assert statuses == {"outbox"}
    login(client, ADMIN)
    response = client.get("/beheer/postvak-uit")
    assert response.status_code == 200
    page = page_text(response)
    assert f"{len(emails)} berichten, nieuwste eerst" in page
    cells = re.findall(r'<td class="utrecht-table__cell">(\w+)', page)
    assert cells.count("postvak") == len(emails)
    for email in recipients:
        assert email in page
    assert "Overzicht termijnen" in page  # the overview of the coming two weeks
    assert f"12 herinneringen: {ARRANGEMENT_NAME}" in page  # the project group's digest
    assert page.count("Niemand van Almelo krijgt deze herinnering") == 1


@pytest.mark.parametrize("email", [POLICY, LEGAL, PROJECT, AUDITOR, PROVIDER_CR])
def test_outbox_is_403_for_everyone_but_the_administrator(client, ticked, email):
    login(client, email)
    assert client.get("/beheer/postvak-uit").status_code == 403


# Reminder ladders ---------------------------------------------------------------------------


def _ladder_form(kind: str, offsets: str, roles: list[str], escalate: str = "7") -> dict:
    return {"kind": kind, "offsets": offsets, "roles": roles, "escalate_after_days": escalate}


def _stored_ladders(app) -> dict[str, ReminderLadder]:
    with sessions(app)() as session:
        found = {ladder.kind: ladder for ladder in session.scalars(select(ReminderLadder))}
        session.expunge_all()
        return found


def test_administrator_saves_offsets_and_roles_of_a_ladder(app, client, ticked):
    login(client, ADMIN)
    page = page_text(client.get("/beheer/herinneringen"))
    assert 'value="90, 60, 30, 14, 7, 0, -1"' in page  # the default for mandate_needed
    response = _post(
        client,
        "/beheer/herinneringen",
        _ladder_form("mandate_needed", "60, 30, 7, 0", ["legal_officer", "project_group"], "5"),
        form_page="/beheer/herinneringen",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/beheer/herinneringen#ladder-mandate_needed")
    stored = _stored_ladders(app)["mandate_needed"]
    assert stored.offsets == [60, 30, 7, 0]
    assert sorted(stored.roles) == ["legal_officer", "project_group"]
    assert stored.escalate_after_days == 5
    page = page_text(client.get("/beheer/herinneringen"))
    assert "De herinneringsladder is opgeslagen." in page
    section = page[page.index('id="ladder-mandate_needed"') :]
    section = section[: section.index("</section>")]
    assert 'value="60, 30, 7, 0"' in section
    assert re.search(r'value="legal_officer"\s+checked', section)
    assert re.search(r'value="project_group"\s+checked', section)
    assert not re.search(r'value="policy_officer"\s+checked', section)
    assert 'value="5"' in section


@pytest.mark.parametrize(
    ("offsets", "roles", "message"),
    [
        ("abc", ["legal_officer"], "Momenten: 'abc' is geen aantal dagen."),
        ("1000", ["legal_officer"], "Momenten: kies dagen tussen 730 ervoor en 60 erna."),
        ("", ["legal_officer"], "Momenten: noem ten minste één moment, bijvoorbeeld 30, 7, 0."),
        ("60, 30, 7, 0", [], "Ontvangers: kies een of meer rollen van een gemeente."),
        (
            "60, 30, 7, 0",
            ["legal_officer", "provider"],
            "Ontvangers: kies een of meer rollen van een gemeente.",
        ),
    ],
    ids=["not-a-number", "too-far-ahead", "no-offsets", "no-roles", "provider-role"],
)
def test_a_bad_ladder_is_refused_with_422_and_a_dutch_message_and_saves_nothing(
    app, client, ticked, offsets, roles, message
):
    login(client, ADMIN)
    response = _post(
        client,
        "/beheer/herinneringen",
        _ladder_form("mandate_needed", offsets, roles),
        form_page="/beheer/herinneringen",
    )
    assert response.status_code == 422
    page = page_text(response)
    section = page[page.index('id="ladder-mandate_needed"') :]
    section = section[: section.index("</section>")]
    assert message in section and 'role="alert"' in section
    assert _stored_ladders(app) == {}


def test_a_ladder_of_an_unknown_kind_is_404(app, client, ticked):
    login(client, ADMIN)
    response = _post(
        client,
        "/beheer/herinneringen",
        _ladder_form("verjaardag", "7, 0", ["legal_officer"]),
        form_page="/beheer/herinneringen",
    )
    assert response.status_code == 404
    assert _stored_ladders(app) == {}


@pytest.mark.parametrize("email", [POLICY, LEGAL, PROJECT, AUDITOR])
def test_only_the_administrator_may_see_or_change_the_ladders(app, client, ticked, email):
    login(client, email)
    assert client.get("/beheer/herinneringen").status_code == 403
    response = _post(
        client,
        "/beheer/herinneringen",
        _ladder_form("mandate_needed", "7, 0", ["legal_officer"]),
        form_page="/",
    )
    assert response.status_code == 403
    assert _stored_ladders(app) == {}


# Providers --------------------------------------------------------------------------------


def test_s11_a_provider_gets_403_on_every_deadline_page(app, client, ticked):
    deadline_id = only_deadline(app, f"{MANDATE_NEEDED} Enschede").id
    message_id = _in_app(app, PROJECT)[0].id
    login(client, PROVIDER_CR)
    for path in ("/signalen/termijnen", "/meldingen", "/beheer/postvak-uit"):
        assert client.get(path).status_code == 403, path
    assert client.get("/beheer/herinneringen").status_code == 403
    token = csrf_token(client, "/")
    posts = {
        f"/signalen/termijnen/{deadline_id}/bevestigen": {},
        f"/signalen/termijnen/{deadline_id}/status": {"status": "done"},
        "/signalen/termijnen": {"subject": "x", "due_on": "2026-04-15", "owner_id": "1"},
        f"/meldingen/{message_id}/gelezen": {},
        "/meldingen/agenda": {},
        "/beheer/herinneringen": _ladder_form("manual", "7", ["legal_officer"]),
    }
    for path, data in posts.items():
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    after = _reload(app, deadline_id)
    assert after.acknowledged_at is None and after.status == "open"
    assert manual_count(app) == 0


def test_a_derived_deadline_that_vanished_and_came_back_is_reminded_again(app, client):
    """The tender is called off (its deadlines lapse), then put back: the deadline reopens
    and its reminders must follow the ladder again."""
    start = datetime(2025, 12, 1, 8, 0, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)
    reminders.tick(sessions(app), now=start, mailer=None)
    deadline = only_deadline(app, "aanbesteding voorbereiden: aanbesteding voorbereiden")
    assert deadline.due_on == date(2026, 4, 1) and deadline.next_stage_on == date(2026, 1, 1)
    arrangement_id = _arrangement_id(app)
    for minute, kind in ((1, "stop"), (2, "tender")):
        with sessions(app)() as session:
            arrangement = session.get(Arrangement, arrangement_id)
            assert arrangement is not None
            update_fields(
                arrangements.update,
                session,
                system_actor("test"),
                arrangement,
                {"successor_kind": kind},
            )
            session.commit()
        reminders.tick(sessions(app), now=start.replace(minute=minute), mailer=None)
        assert _reload(app, deadline.id).status == ("not_applicable" if kind == "stop" else "open")
    # 1 January 2026, 08:00: 90 days before the tender must start.
    stage = datetime(2026, 1, 1, 8, 0, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)
    reminders.tick(sessions(app), now=stage, mailer=None)
    login(client, PROJECT)
    page = page_text(client.get("/meldingen"))
    # In the project group's digest of that day.
    assert "Hele regio – aanbesteding voorbereiden: aanbesteding voorbereiden" in page
    assert "Uiterlijk 1 april 2026 (over 90 dagen)." in page
