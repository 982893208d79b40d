"""From signal to authority, end to end (issue 13, points 4 and 5): a "nieuwe volmacht nodig"
signal starts one regional dossier fanned out to the colleges of the gap and one draft volmacht
that covers the act; a college deciding as proposed records its grant, coverage recomputes, the
signal for that municipality is gone on the next request and its reminders stop. Through the
pages for Enschede, through the API for all 13 grantors of the demo.

The demo's "today" is moved to Monday 2 June 2025: the tender of the successor contract
(preparation from 1 April 2026) has no volmacht yet, for any of the 13 municipalities that
are not the lead (Rijssen-Holten acts for itself)."""

from datetime import UTC, date, datetime, time
from html import unescape

import pytest
from sqlalchemy import select

from storage.accounts import find_user_by_email
from storage.deadlines import Deadline, Message
from storage.decisions import Decision
from storage.mandates import Mandate
from storage.organisations import Organisation, find_organisation_by_name
from tests.conftest import ADMIN, AUDITOR, LEGAL, POLICY, PROJECT, csrf_token, login
from tests.support.api_tokens import api_headers
from webapp import clock
from webapp.database import sessions
from workflows.actors import system_actor
from workflows.deadlines import deadlines, reminders
from workflows.demo import demo
from workflows.registers import coverage
from workflows.registers.organisations import calendar_of
from workflows.rules.acts import Act
from workflows.rules.planning import next_meeting
from workflows.rules.reminders import AMSTERDAM

MONDAY = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
ACT_ON = date(2026, 4, 1)  # the tender's preparation: the first act of the route
MEETING = "2025-06-24"  # Enschede's college; its agenda closes on 10 June
BORNE_JURIST = "jurist@borne.example"
DRAFTED = "Volmacht aanbesteding en nieuwe overeenkomst"  # the title of the drafted volmacht


@pytest.fixture(autouse=True)
def monday(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: MONDAY)


def at(monkeypatch, day: date) -> None:
    moment = datetime.combine(day, time(14, 0), tzinfo=AMSTERDAM).astimezone(UTC)
    monkeypatch.setattr(clock, "now", lambda: moment)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def tender_box(page: str) -> str:
    """The box of the tender gap on the signals page, up to the next box."""
    start = page.index("'aanbesteding voorbereiden' per")
    end = page.find('role="note"', start)
    return page[start : end if end != -1 else len(page)]


def gap_form(client) -> dict:
    """What the signal's "Besluitvormingsdossier opstellen" form posts."""
    box = tender_box(client.get("/signalen").get_data(as_text=True))
    form = box[box.index('action="/signalen/besluit"') :].split("</form>")[0]
    return {
        "arrangement_id": form.split('name="arrangement_id" value="')[1].split('"')[0],
        "act": form.split('name="act" value="')[1].split('"')[0],
        "act_on": form.split('name="act_on" value="')[1].split('"')[0],
        "municipality_ids": [
            c.split('"')[0] for c in form.split('name="municipality_ids" value="')[1:]
        ],
    }


def start_from_the_signal(client) -> int:
    data = gap_form(client)
    response = client.post(
        "/signalen/besluit", data={**data, "csrf_token": csrf_token(client, "/signalen")}
    )
    assert response.status_code == 302, text(response)
    return int(response.headers["Location"].split("/besluiten/")[1].split("#")[0])


def name_of(app, organisation_id) -> str:
    with sessions(app)() as session:
        return session.get(Organisation, organisation_id).name


def gap_names(page: str) -> list[str]:
    box = tender_box(page)
    listed = box.split("is niet gedekt voor ")[1].split(": ", 1)[1].split(".")[0]
    return listed.split(", ")


# --- point 4: the signal starts the right work ---------------------------------------------------


def test_the_gap_for_13_municipalities_starts_one_regional_dossier_fanned_out_to_those_13(app):
    client = app.test_client()
    login(client, PROJECT)
    data = gap_form(client)
    assert len(data["municipality_ids"]) == 13
    regional_id = start_from_the_signal(client)
    page = text(client.get(f"/besluiten/{regional_id}"))
    assert "uitgespreid over 13 colleges" in page
    with sessions(app)() as session:
        regional = session.get(Decision, regional_id)
        assert regional.municipality_id is None
        children = session.scalars(select(Decision).where(Decision.parent_id == regional_id)).all()
        assert sorted(str(c.municipality_id) for c in children) == sorted(data["municipality_ids"])
        [mandate_id] = {e.mandate_id for e in regional.effects}
        # Every college grants the one draft volmacht, and it is the only one of the gap.
        assert {e.mandate_id for c in children for e in c.effects} == {mandate_id}
        drafts = session.scalars(select(Mandate).where(Mandate.title.startswith(DRAFTED))).all()
        assert [m.id for m in drafts] == [mandate_id]
        assert {str(g.grantor_id) for g in drafts[0].grants} == set(data["municipality_ids"])


def test_the_draft_volmacht_is_valid_from_the_act_s_date_not_from_today(app):
    client = app.test_client()
    login(client, PROJECT)
    start_from_the_signal(client)
    with sessions(app)() as session:
        draft = session.scalars(select(Mandate).where(Mandate.title.startswith(DRAFTED))).one()
        assert draft.acts == ["prepare_tender", "run_tender", "award_tender", "conclude_agreement"]
        assert draft.valid_from == ACT_ON and draft.valid_until is None
        assert draft.ratifies_since is None  # every college can still decide before the act


def test_a_gap_whose_meeting_is_missed_gets_a_volmacht_that_ratifies_from_the_act_s_date(
    app, monkeypatch
):
    at(monkeypatch, date(2026, 3, 20))  # the agendas before 1 April 2026 have closed
    client = app.test_client()
    login(client, PROJECT)
    start_from_the_signal(client)
    with sessions(app)() as session:
        draft = session.scalars(select(Mandate).where(Mandate.title.startswith(DRAFTED))).one()
        assert draft.valid_from == ACT_ON and draft.ratifies_since == ACT_ON


def test_an_act_already_past_is_ratified_from_its_date_not_covered_from_today(app, monkeypatch):
    at(monkeypatch, date(2026, 12, 3))
    client = app.test_client()
    login(client, PROJECT)
    start_from_the_signal(client)
    with sessions(app)() as session:
        draft = session.scalars(select(Mandate).where(Mandate.title.startswith(DRAFTED))).one()
        assert draft.ratifies_since == ACT_ON and draft.valid_from == date(2026, 12, 3)


def test_a_jurist_starts_the_dossier_of_her_own_college_for_the_one_draft_volmacht(app):
    lawyer = app.test_client()
    login(lawyer, LEGAL)
    own_id = start_from_the_signal(lawyer)
    assert "Besluitvormingsdossier voor het college van Enschede" in text(
        lawyer.get(f"/besluiten/{own_id}")
    )
    project = app.test_client()
    login(project, PROJECT)
    regional_id = start_from_the_signal(project)
    with sessions(app)() as session:
        enschede = find_organisation_by_name(session, "Enschede")
        own = session.get(Decision, own_id)
        assert own.municipality_id == enschede.id and own.parent_id is None
        children = session.scalars(select(Decision).where(Decision.parent_id == regional_id)).all()
        # Enschede keeps its own dossier; the other 12 colleges get theirs from the region.
        assert len(children) == 12 and enschede.id not in {c.municipality_id for c in children}
        assert {e.mandate_id for c in [own, *children] for e in c.effects} == {
            own.effects[0].mandate_id
        }
    again = app.test_client()
    login(again, LEGAL)
    assert start_from_the_signal(again) == own_id  # shown, not made twice


@pytest.mark.parametrize(
    ("email", "who"),
    [
        (AUDITOR, "Een jurist van Enschede of de projectgroep kan dit starten."),
        (POLICY, "Een jurist van Enschede of de projectgroep kan dit starten."),
    ],
)
def test_who_cannot_start_the_dossier_is_told_who_can(app, email, who):
    client = app.test_client()
    login(client, email)
    box = tender_box(text(client.get("/signalen")))
    assert 'action="/signalen/besluit"' not in box
    assert "U kunt het besluitvormingsdossier hiervoor niet zelf starten. " + who in box


def only_the_volmacht(client) -> None:
    """The signal's "Alleen conceptvolmacht opstellen"."""
    data = gap_form(client)
    response = client.post(
        "/signalen/volmacht", data={**data, "csrf_token": csrf_token(client, "/signalen")}
    )
    assert response.status_code == 302, text(response)


def test_the_policy_officer_starts_her_college_s_dossier_once_the_draft_volmacht_exists(app):
    officer = app.test_client()
    login(officer, POLICY)
    box = tender_box(text(officer.get("/signalen")))
    assert 'action="/signalen/besluit"' not in box
    assert "Zodra de conceptvolmacht er is, start u hier het dossier van uw college." in box
    lawyer = app.test_client()
    login(lawyer, LEGAL)
    only_the_volmacht(lawyer)
    decision_id = start_from_the_signal(officer)
    assert "Besluitvormingsdossier voor het college van Enschede" in text(
        officer.get(f"/besluiten/{decision_id}")
    )
    with sessions(app)() as session:
        [draft] = session.scalars(select(Mandate).where(Mandate.title.startswith(DRAFTED)))
        decision = session.get(Decision, decision_id)
        assert decision.municipality.name == "Enschede"
        assert [e.mandate_id for e in decision.effects] == [draft.id]
    assert start_from_the_signal(officer) == decision_id  # shown again, not made twice


def test_after_the_fan_out_the_policy_officer_is_shown_her_college_s_dossier(app):
    project = app.test_client()
    login(project, PROJECT)
    regional_id = start_from_the_signal(project)
    officer = app.test_client()
    login(officer, POLICY)
    shown = start_from_the_signal(officer)
    with sessions(app)() as session:
        decision = session.get(Decision, shown)
        assert decision.parent_id == regional_id and decision.municipality.name == "Enschede"


def test_an_officer_of_a_municipality_outside_the_gap_is_told_who_can_and_is_refused(app):
    """Borne's jurist, on a gap of the other municipalities only (Borne has a volmacht)."""
    with sessions(app)() as session:
        borne = find_organisation_by_name(session, "Borne")
    client = app.test_client()
    login(client, PROJECT)
    data = gap_form(client)
    others = [i for i in data["municipality_ids"] if i != str(borne.id)]
    lawyer = app.test_client()
    login(lawyer, BORNE_JURIST)
    refused = lawyer.post(
        "/signalen/besluit",
        data={
            **data,
            "municipality_ids": others,
            "csrf_token": csrf_token(lawyer, "/signalen"),
        },
        follow_redirects=True,
    )
    assert "Een jurist van een van deze gemeenten of de projectgroep kan dit starten." in text(
        refused
    )
    with sessions(app)() as session:
        assert session.scalars(select(Mandate).where(Mandate.title.startswith(DRAFTED))).all() == (
            []
        )


# --- point 5: deciding clears the signal, through the pages for one municipality ---------------


def form_fields(page: str) -> dict:
    from tests.webapp.test_decision_pages_and_api import form_of

    return form_of(page)


def edit_section(client, decision_id, section, **values):
    path = f"/besluiten/{decision_id}/bewerken/{section}"
    data = form_fields(client.get(path).get_data(as_text=True))
    data.update(values)
    response = client.post(path, data=data)
    assert response.status_code == 302, text(response)


def move(client, decision_id, to, **extra):
    token = csrf_token(client, f"/besluiten/{decision_id}")
    response = client.post(
        f"/besluiten/{decision_id}/overgang", data={"csrf_token": token, "to": to, **extra}
    )
    assert response.status_code == 302, text(response)


def sync_and_remind(app, day: date) -> None:
    """The scheduler's work of that day: deadlines from the registers, then due reminders."""
    with sessions(app)() as session, session.begin():
        deadlines.sync(session, as_of=day)
        reminders.sweep(session, now=datetime.combine(day, time(9, 0), tzinfo=AMSTERDAM))


def reminded(app, municipality: str) -> list[str]:
    """The reminder messages of the tender gap of a municipality."""
    with sessions(app)() as session:
        organisation = find_organisation_by_name(session, municipality)
        return list(
            session.scalars(
                select(Message.subject)
                .join(Deadline, Deadline.id == Message.deadline_id)
                .where(
                    Deadline.kind == "mandate_needed",
                    Deadline.organisation_id == organisation.id,
                    Deadline.subject.contains("aanbesteding"),
                )
            )
        )


def open_tender_deadlines(app) -> list[str]:
    with sessions(app)() as session:
        return list(
            session.scalars(
                select(Deadline.key).where(
                    Deadline.kind == "mandate_needed",
                    Deadline.status == "open",
                    Deadline.subject.contains("aanbesteding"),
                )
            )
        )


def test_deciding_as_proposed_clears_the_signal_for_that_municipality(app, monkeypatch):
    project = app.test_client()
    login(project, PROJECT)
    # The signal is shown, for Enschede among the 13.
    assert "Enschede" in gap_names(text(project.get("/signalen")))
    sync_and_remind(app, MONDAY.date())
    regional_id = start_from_the_signal(project)
    with sessions(app)() as session:
        enschede = find_organisation_by_name(session, "Enschede")
        decision_id = session.scalars(
            select(Decision.id).where(
                Decision.parent_id == regional_id, Decision.municipality_id == enschede.id
            )
        ).one()
        jurist_id = find_user_by_email(session, LEGAL).id

    # Enschede's policy officer completes her college's dossier: meeting, co-advice, advice.
    officer = app.test_client()
    login(officer, POLICY)
    assert "Nog mogelijk" not in text(officer.get(f"/besluiten/{decision_id}"))
    edit_section(officer, decision_id, "kop", meeting_on=MEETING, case_number="BV25000123")
    asked = officer.post(
        f"/besluiten/{decision_id}/mee-adviseurs",
        data={
            "csrf_token": csrf_token(officer, f"/besluiten/{decision_id}"),
            "user_id": jurist_id,
            "unit": "Juridische Zaken",
        },
    )
    assert asked.status_code == 302
    move(officer, decision_id, "co_advice")
    lawyer = app.test_client()
    login(lawyer, LEGAL)
    advised = lawyer.post(
        f"/besluiten/{decision_id}/advies",
        data={"csrf_token": csrf_token(lawyer, f"/besluiten/{decision_id}"), "advice": "agree"},
    )
    assert advised.status_code == 302
    move(officer, decision_id, "secretary_advice")
    edit_section(officer, decision_id, "advies", secretary_advice="Akkoord.")
    move(officer, decision_id, "scheduled")

    # The college meets and decides as proposed.
    at(monkeypatch, date(2025, 6, 24))
    login(officer, POLICY)
    move(officer, decision_id, "decided", outcome="as_proposed", decided_on=MEETING)
    page = text(officer.get(f"/besluiten/{decision_id}"))
    assert "verleend en van kracht vanaf 24 juni 2025" in page

    # The register records the grant; coverage says the act is covered for Enschede.
    with sessions(app)() as session:
        draft = session.scalars(select(Mandate).where(Mandate.title.startswith(DRAFTED))).one()
        grant = next(g for g in draft.grants if g.grantor_id == enschede.id)
        assert (grant.status, grant.granted_on) == ("active", date(2025, 6, 24))
        rows = coverage.answers(
            session, system_actor("test"), draft.arrangement_id, act=Act.PREPARE_TENDER, on=ACT_ON
        )
        answers = {r.municipality.name: r.answer.covered for r in rows}
        assert answers["Enschede"] is True and answers["Borne"] is False
    login(project, PROJECT)

    # On the next request the signal for Enschede is gone; the other 12 remain.
    names = gap_names(text(project.get("/signalen")))
    assert "Enschede" not in names and len(names) == 12

    # Reminders stop for Enschede: its deadline has vanished; Borne's still reminds.
    sync_and_remind(app, date(2026, 3, 3))
    assert reminded(app, "Enschede") == []
    assert reminded(app, "Borne") != []
    with sessions(app)() as session:
        enschede_deadline = session.scalars(
            select(Deadline).where(
                Deadline.kind == "mandate_needed",
                Deadline.organisation_id == enschede.id,
                Deadline.subject.contains("aanbesteding"),
            )
        ).one()
        assert enschede_deadline.status == "not_applicable"


# --- point 5: the same through the API for all 13 ---------------------------------------------


@pytest.fixture
def admin_token(app):
    """The beheerder decides for the colleges without an account of their own in the demo."""
    return api_headers(app, ADMIN)


def tender_gaps(client, headers, day: date) -> list[dict]:
    body = client.get(f"/api/v1/signals?as_of={day.isoformat()}", headers=headers).get_json()
    return [s for s in body["items"] if s["kind"] == "mandate_needed" and "run_tender" in s["acts"]]


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_deciding_as_proposed_in_all_13_colleges_clears_every_signal_through_the_api(
    app, monkeypatch, admin_token
):
    client = app.test_client()
    headers = admin_token
    gaps = tender_gaps(client, headers, MONDAY.date())
    assert len(gaps) == 13
    sync_and_remind(app, MONDAY.date())
    assert len(open_tender_deadlines(app)) == 13
    assert {g["municipality"]["name"] for g in gaps} == set(demo.MUNICIPALITIES) - {
        demo.LEAD_MUNICIPALITY
    }
    first = gaps[0]
    with sessions(app)() as session:
        lead = find_organisation_by_name(session, demo.LEAD_MUNICIPALITY)
        calendars = {
            g["municipality"]["id"]: calendar_of(session.get(Organisation, g["municipality"]["id"]))
            for g in gaps
        }
    # The draft volmacht the signal asks for: its acts, valid from the act's date.
    mandate = ok(
        client.post(
            "/api/v1/mandates",
            headers=headers,
            json={
                "arrangement_id": first["arrangement"]["id"],
                "kind": first["mandate_kind"],
                "title": "Volmacht aanbesteding en nieuwe overeenkomst",
                "grantee_id": lead.id,
                "acts": first["acts"],
                "valid_from": first["act_on"],
                "grantor_ids": [g["municipality"]["id"] for g in gaps],
            },
        ),
        201,
    )
    regional = ok(
        client.post(
            "/api/v1/decisions",
            headers=headers,
            json={
                "arrangement_id": first["arrangement"]["id"],
                "subject": "Verlenen volmacht aanbesteding en nieuwe overeenkomst",
                "decide_by": first["act_on"],
                "effects": [{"kind": "grant_mandate", "mandate_id": mandate["id"]}],
            },
        ),
        201,
    )
    fanned = ok(client.post(f"/api/v1/decisions/{regional['id']}/fan-out", headers=headers), 201)
    children = {
        i["municipality"]["id"]: i["id"]
        for i in fanned["items"]
        if i["municipality"]["id"] in calendars
    }
    assert len(children) == 13

    # Each college on its own next meeting, in its own calendar.
    meetings = {}
    for municipality_id, decision_id in children.items():
        meeting = next_meeting(MONDAY.date(), date(2026, 4, 1), calendars[municipality_id])
        meetings[municipality_id] = meeting.latest_meeting_on
        path = f"/api/v1/decisions/{decision_id}"
        current = ok(client.get(path, headers=headers))
        ok(
            client.patch(
                path,
                headers=headers,
                json={
                    "version": current["version"],
                    "meeting_on": meeting.latest_meeting_on.isoformat(),
                    "secretary_advice": "Akkoord.",
                },
            )
        )
        for target in ("co_advice", "secretary_advice", "scheduled"):
            ok(client.post(f"{path}/transitions", headers=headers, json={"to": target}))
    # Still 13 signals until the colleges have decided.
    assert len(tender_gaps(client, headers, MONDAY.date())) == 13

    last = max(meetings.values())
    at(monkeypatch, last)
    for municipality_id, decision_id in children.items():
        decided = ok(
            client.post(
                f"/api/v1/decisions/{decision_id}/transitions",
                headers=headers,
                json={
                    "to": "decided",
                    "outcome": "as_proposed",
                    "decided_on": meetings[municipality_id].isoformat(),
                },
            )
        )
        [effect] = decided["effects"]
        assert "verleend en van kracht vanaf" in effect["result"]
    granted = ok(client.get(f"/api/v1/mandates/{mandate['id']}", headers=headers))
    assert granted["granted"] == 13 and granted["grantors"] == 13
    assert tender_gaps(client, headers, last) == []
    # And the scheduler's next run closes their deadlines: no reminders for any of them.
    sync_and_remind(app, date(2026, 3, 3))
    assert open_tender_deadlines(app) == []
    for name in ("Enschede", "Borne", "Almelo"):
        assert reminded(app, name) == []


def test_a_signal_form_without_municipalities_makes_nothing(app):
    client = app.test_client()
    login(client, PROJECT)
    data = {**gap_form(client), "municipality_ids": []}
    refused = client.post(
        "/signalen/besluit",
        data={**data, "csrf_token": csrf_token(client, "/signalen")},
        follow_redirects=True,
    )
    assert "Gemeenten: het signaal noemt geen gemeente" in text(refused)
    with sessions(app)() as session:
        assert session.scalars(select(Mandate).where(Mandate.title.startswith(DRAFTED))).all() == (
            []
        )
