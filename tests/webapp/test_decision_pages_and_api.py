"""The decision dossier pages (list, detail in agenda-form order, section edits, the workflow
form, co-advice, fan-out and its overview, the besluitenlijst) and the JSON API, on the Twente
demo with the web layer's clock set to Monday 2 June 2025."""

from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from storage.accounts import find_user_by_email
from storage.arrangements import find_arrangement_by_name
from storage.audit import AuditEvent
from storage.decisions import Decision
from storage.mandates import find_mandate_by_title
from storage.organisations import find_organisation_by_name
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
from tests.support import demo_records
from tests.support.demo_day import NOW
from webapp import clock
from webapp.database import sessions
from workflows.accounts import accounts
from workflows.decisions import decisions
from workflows.demo import demo
from workflows.demo.demo_decisions import REGIONAL_SUBJECT

pytestmark = pytest.mark.usefixtures("on_demo_day")
OPEN_MEETING = "2025-06-24"  # its agenda closes on 10 June


@pytest.fixture
def ids(app):
    with sessions(app)() as session:
        arrangement = find_arrangement_by_name(session, demo.ARRANGEMENT_NAME)
        regional = session.scalars(
            select(Decision).where(
                Decision.municipality_id.is_(None), Decision.subject == REGIONAL_SUBJECT
            )
        ).one()
        found = {
            "arrangement": arrangement.id,
            "regional": regional.id,
            "volmacht": find_mandate_by_title(session, arrangement.id, demo.VOLMACHT_TITLE).id,
            "jurist": find_user_by_email(session, LEGAL).id,
        }
        for name in ("Enschede", "Borne", "Rijssen-Holten"):
            municipality = find_organisation_by_name(session, name)
            found[name] = municipality.id
            found[f"{name} dossier"] = session.scalars(
                select(Decision.id).where(
                    Decision.parent_id == regional.id, Decision.municipality_id == municipality.id
                )
            ).one()
    return found


def text(response):
    return unescape(response.get_data(as_text=True))


def stored(app, decision_id):
    with sessions(app)() as session:
        decision = session.get(Decision, decision_id)
        _ = decision.transitions, decision.advices, decision.effects, decision.municipality
        return decision


class _Form(HTMLParser):
    """What a browser submits for the page's own form (a post form to the page's address, not
    the log-out form of the header): every named field with the value it shows (checked boxes
    only, the selected option, the text of a textarea)."""

    def __init__(self):
        super().__init__()
        self.fields = {}
        self._in_form = self._done = False
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "form" and a.get("method") == "post" and "action" not in a:
            self._in_form = True
        if not self._in_form or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self.fields.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_of(page):
    parser = _Form()
    parser.feed(page)
    return dict(parser.fields)


def create_via_form(client, arrangement_id, *, regional=False, **changes):
    path = f"/besluiten/nieuw?regeling={arrangement_id}" + ("&regionaal=1" if regional else "")
    data = form_of(client.get(path).get_data(as_text=True))
    data.update(changes)
    response = client.post(path, data=data)
    assert response.status_code == 302, text(response)
    return int(response.headers["Location"].split("/besluiten/")[1].split("#")[0])


def user_id_of(app, email):
    with sessions(app)() as session:
        return find_user_by_email(session, email).id


def ask_adviser(client, decision_id, email=LEGAL, unit="Juridische Zaken", **extra):
    token = csrf_token(client, f"/besluiten/{decision_id}")
    data = {"csrf_token": token, "user_id": user_id_of(client.application, email), "unit": unit}
    return client.post(f"/besluiten/{decision_id}/mee-adviseurs", data={**data, **extra})


def new_dossier(client, arrangement_id, **changes):
    """A new Enschede dossier through the form; Enschede's jurist is asked to co-advise."""
    values = {
        "subject": "Verlengen pilot logeerzorg 2026",
        "meeting_on": OPEN_MEETING,
        "case_number": "BV25000099",
    }
    values.update(changes)
    decision_id = create_via_form(client, arrangement_id, **values)
    assert ask_adviser(client, decision_id).status_code == 302
    return decision_id


def post_transition(client, decision_id, to, **extra):
    token = csrf_token(client, f"/besluiten/{decision_id}")
    return client.post(
        f"/besluiten/{decision_id}/overgang", data={"csrf_token": token, "to": to, **extra}
    )


def edit_section(client, decision_id, section, **values):
    path = f"/besluiten/{decision_id}/bewerken/{section}"
    data = form_of(client.get(path).get_data(as_text=True))
    data.update(values)
    return client.post(path, data=data)


# --- list and detail -----------------------------------------------------------------------------


def test_the_list_of_an_enschede_officer_holds_her_college_and_the_regional_dossier(client, ids):
    login(client, POLICY)
    page = text(client.get("/besluiten/"))
    assert "2 dossiers" in page
    assert "Verlenen volmacht pilot Logeerzorg" in page and "BV25000055" in page
    assert f'href="/besluiten/{ids["Enschede dossier"]}"' in page
    assert f'href="/besluiten/{ids["regional"]}"' in page
    assert f'href="/besluiten/{ids["Borne dossier"]}"' not in page


def test_the_list_filters_on_status_municipality_meeting_and_arrangement(client, ids):
    login(client, PROJECT)
    assert "15 dossiers" in text(client.get("/besluiten/"))
    borne = text(client.get(f"/besluiten/?gemeente={ids['Borne']}"))
    assert "1 dossier<" in borne and "mee-advisering" in borne
    assert f'href="/besluiten/{ids["Borne dossier"]}"' in borne
    drafts = text(client.get("/besluiten/?status=draft"))
    assert "1 dossier<" in drafts and "regionaal" in drafts
    meeting = text(client.get("/besluiten/?vergadering=2025-05-27"))
    assert "1 dossier<" in meeting and "BV25000055" in meeting
    closed = text(client.get("/besluiten/?status=closed"))
    assert "7 dossiers" in closed
    assert "15 dossiers" in text(client.get(f"/besluiten/?regeling={ids['arrangement']}"))


def test_the_detail_shows_the_enschede_agenda_form_of_27_may_2025(client, ids):
    login(client, POLICY)
    page = text(client.get(f"/besluiten/{ids['Enschede dossier']}"))
    assert "Agendaformulier B&W-vergadering 27 mei 2025 – Enschede" in page
    assert '<h1 class="utrecht-heading-1">Verlenen volmacht pilot Logeerzorg</h1>' in page
    for fact in (
        "BV25000055",
        "2500004409",
        "Niels van den Berg",
        "L. Toebes",
        "Cluster Strategie en Beleid Sociaal",
        "E. van 't Hoog en I. Lungu – van Twisk, JZ",
    ):
        assert fact in page
    assert "besloten</strong> – besluit conform op 27 mei 2025" in page
    assert "<li>Volmacht te verlenen aan de gemeente Rijssen-Holten" in page
    assert "<strong>1.1 Pilot is noodzakelijk om logeerzorg te kunnen bieden</strong>" in page
    assert "<strong>2.1 De pilot voldoet aan de opdracht uit GALA</strong>" in page
    assert "Bijlage 1: Volmacht" in page
    assert "actief openbaar gemaakt (Woo art. 3.3)" in page
    # A taken decision is no longer edited.
    assert f"/besluiten/{ids['Enschede dossier']}/bewerken/" not in page


def test_another_college_s_dossier_is_not_found_and_a_provider_is_refused(client, ids):
    login(client, POLICY)
    assert client.get(f"/besluiten/{ids['Borne dossier']}").status_code == 404
    assert client.get(f"/besluiten/{ids['Borne dossier']}/bewerken/kop").status_code == 404
    other = client.application.test_client()
    login(other, PROVIDER_CR)
    assert other.get("/besluiten/").status_code == 403
    assert other.get(f"/besluiten/{ids['Enschede dossier']}").status_code == 403


def test_an_unknown_section_is_not_found(client, ids):
    login(client, POLICY)
    assert client.get(f"/besluiten/{ids['regional']}/bewerken/geheimen").status_code == 404


# --- creating and editing ------------------------------------------------------------------------


def test_the_new_dossier_form_is_prefilled_from_the_previous_decision(client, ids):
    login(client, POLICY)
    form = form_of(client.get(f"/besluiten/nieuw?regeling={ids['arrangement']}").get_data(True))
    assert form["subject"] == REGIONAL_SUBJECT
    assert form["portfolio_holder"] == "Niels van den Berg"
    assert "co_advisers" not in form  # co-advisers are accounts, asked on the dossier page
    assert form["draft_decision"].startswith("1. Volmacht te verlenen")
    assert form["public"] == "1"


def test_a_new_dossier_keeps_the_introduction_and_costs_the_form_was_prefilled_with(
    app, client, ids
):
    """The form says "Vooraf ingevuld uit de registers en het vorige besluit": submitting it
    unchanged must not lose the prefilled texts of the other sections."""
    with sessions(app)() as session:
        actor = accounts.actor_for(find_user_by_email(session, POLICY), "test")
        expected = decisions.prefill(session, actor, ids["arrangement"], today=NOW.date())
    assert expected["introduction"] and expected["costs"] and expected["arguments"]
    login(client, POLICY)
    decision_id = create_via_form(client, ids["arrangement"], meeting_on=OPEN_MEETING)
    decision = stored(app, decision_id)
    assert decision.municipality.name == "Enschede" and decision.status == "draft"
    assert decision.subject == expected["subject"]
    assert decision.introduction == expected["introduction"]
    assert decision.costs == expected["costs"]
    assert decision.arguments == expected["arguments"]


def test_a_new_dossier_with_a_vertical_tab_is_refused_with_the_typed_values_kept(app, client, ids):
    login(client, POLICY)
    path = f"/besluiten/nieuw?regeling={ids['arrangement']}"
    data = form_of(client.get(path).get_data(as_text=True))
    data["subject"] = "Zorg & Co\x0b<B.V.>"
    response = client.post(path, data=data)
    assert response.status_code == 422
    page = text(response)
    assert "Onderwerp bevat een onzichtbaar stuurteken (U+000B) op positie 10" in page
    with sessions(app)() as session:
        assert session.scalars(select(Decision).where(Decision.subject.like("Zorg%"))).all() == []


def test_a_section_edit_is_saved_and_shown_in_the_agenda_form(app, client, ids):
    login(client, POLICY)
    decision_id = new_dossier(client, ids["arrangement"])
    costs = "€ 28.400,- uit GALA-middelen & <Mantelzorg>\nRegel twee"
    response = edit_section(client, decision_id, "financien", costs=costs)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/besluiten/{decision_id}#financien")
    page = client.get(f"/besluiten/{decision_id}").get_data(as_text=True)
    assert "€ 28.400,- uit GALA-middelen &amp; &lt;Mantelzorg&gt;\nRegel twee" in page
    assert stored(app, decision_id).costs == costs


def test_s14_extra_posted_fields_in_a_section_edit_change_nothing(app, client, ids):
    login(client, POLICY)
    decision_id = new_dossier(client, ids["arrangement"])
    response = edit_section(
        client,
        decision_id,
        "financien",
        costs="Binnen budget.",
        status="decided",
        outcome="as_proposed",
        municipality_id=str(ids["Borne"]),
        secret="1",
        subject="Overschreven",
    )
    assert response.status_code == 302
    decision = stored(app, decision_id)
    assert decision.costs == "Binnen budget."
    assert decision.status == "draft" and decision.outcome is None
    assert decision.municipality_id == ids["Enschede"]
    assert decision.secret is False
    assert decision.subject == "Verlengen pilot logeerzorg 2026"


def test_s28_a_stale_section_form_gets_409_with_what_changed_and_overwrites_nothing(
    app, client, ids
):
    login(client, POLICY)
    decision_id = new_dossier(client, ids["arrangement"])
    path = f"/besluiten/{decision_id}/bewerken/financien"
    stale = form_of(client.get(path).get_data(as_text=True))
    colleague = app.test_client()
    login(colleague, LEGAL)
    assert edit_section(colleague, decision_id, "financien", costs="Versie jurist").status_code == (
        302
    )
    stale["costs"] = "Versie beleid"
    response = client.post(path, data=stale)
    assert response.status_code == 409
    page = text(response)
    assert "Intussen gewijzigd" in page
    assert "Kosten en financiële dekking: Versie jurist" in page
    assert ">Versie beleid</textarea>" in page  # what was typed is kept in the form
    assert stored(app, decision_id).costs == "Versie jurist"


def test_s32_not_publishing_without_a_ground_is_refused_on_the_field(app, client, ids):
    login(client, POLICY)
    decision_id = new_dossier(client, ids["arrangement"])
    response = edit_section(client, decision_id, "openbaarheid", woo_publication="not_published")
    assert response.status_code == 422
    assert "Grond: noem de grond van art. 5.1 of 5.2 Woo" in text(response)
    assert stored(app, decision_id).woo_publication == "actively_published"


def test_s12_a_secret_dossier_is_not_listed_nor_shown_to_a_colleague(app, client, ids):
    login(client, POLICY)
    decision_id = new_dossier(client, ids["arrangement"], subject="Geheim: integriteitsmelding")
    assert edit_section(client, decision_id, "openbaarheid", secret="1").status_code == 302
    assert "Geheim: integriteitsmelding" in text(client.get("/besluiten/"))
    for email in (LEGAL, ADMIN, AUDITOR):
        other = app.test_client()
        login(other, email)
        assert "integriteitsmelding" not in text(other.get("/besluiten/"))
        assert other.get(f"/besluiten/{decision_id}").status_code == 404


# --- the workflow --------------------------------------------------------------------------------


def test_an_illegal_transition_via_the_form_is_refused_in_dutch(app, client, ids):
    login(client, POLICY)
    decision_id = new_dossier(client, ids["arrangement"])
    response = post_transition(
        client, decision_id, "decided", outcome="as_proposed", decided_on="2025-06-02"
    )
    assert response.status_code == 422
    assert "Van 'concept' kan het dossier niet naar 'besloten'; wel naar: mee-advisering." in text(
        response
    )
    assert stored(app, decision_id).status == "draft"


def test_a_taken_decision_is_not_scheduled_again_via_the_form(client, ids):
    login(client, POLICY)
    response = post_transition(client, ids["Enschede dossier"], "scheduled")
    assert response.status_code == 422
    assert "Alleen een aangehouden besluit kan opnieuw worden geagendeerd." in text(response)


def test_the_workflow_via_the_forms_to_besloten_on_the_day_of_the_meeting(
    app, client, ids, monkeypatch
):
    login(client, POLICY)
    decision_id = new_dossier(client, ids["arrangement"])
    assert post_transition(client, decision_id, "co_advice").status_code == 302
    detail = text(client.get(f"/besluiten/{decision_id}"))
    assert "Status: <strong>mee-advisering</strong>" in detail
    row = detail[detail.index("Jurist Enschede, Juridische Zaken</th>") :].split("</tr>")[0]
    assert '<span class="bw-gap">nog geen advies</span>' in row
    assert "Advies vastleggen" not in detail  # only the jurist asked records the advice

    lawyer = app.test_client()
    login(lawyer, LEGAL)
    token = csrf_token(lawyer, f"/besluiten/{decision_id}")
    refused = lawyer.post(
        f"/besluiten/{decision_id}/advies",
        data={"csrf_token": token, "advice": "disagree"},
    )
    assert refused.status_code == 422
    assert "Toelichting: licht opmerkingen of 'niet akkoord' toe." in text(refused)
    advised = lawyer.post(
        f"/besluiten/{decision_id}/advies",
        data={
            "csrf_token": token,
            "advice": "agree_with_remarks",
            "text": "Let op de looptijd & de verlenging.",
        },
    )
    assert advised.status_code == 302
    detail = text(client.get(f"/besluiten/{decision_id}"))
    row = detail[detail.index("Jurist Enschede, Juridische Zaken</th>") :].split("</tr>")[0]
    assert "akkoord met opmerkingen – " in row
    assert "Jurist Enschede, 2 juni 2025" in row  # who recorded it, and when

    assert post_transition(client, decision_id, "secretary_advice").status_code == 302
    waiting = post_transition(client, decision_id, "scheduled")
    assert "Vul eerst het advies van de gemeentesecretaris in." in text(waiting)
    assert edit_section(client, decision_id, "advies", secretary_advice="Akkoord.").status_code == (
        302
    )
    assert post_transition(client, decision_id, "scheduled").status_code == 302
    future = post_transition(
        client, decision_id, "decided", outcome="as_proposed", decided_on=OPEN_MEETING
    )
    assert future.status_code == 422
    assert "Datum besluit: ligt in de toekomst." in text(future)
    # The day of the meeting (a new session: the old one has long timed out).
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 6, 24, 14, 0, tzinfo=UTC))
    login(client, POLICY)
    done = post_transition(
        client, decision_id, "decided", outcome="as_proposed", decided_on=OPEN_MEETING
    )
    assert done.status_code == 302
    decision = stored(app, decision_id)
    assert decision.status == "decided" and decision.outcome == "as_proposed"
    assert decision.decided_on.isoformat() == OPEN_MEETING
    assert [t.to_status for t in decision.transitions] == [
        "co_advice",
        "secretary_advice",
        "scheduled",
        "decided",
    ]
    assert "Beleidsmedewerker Enschede" in text(client.get(f"/besluiten/{decision_id}"))


def test_a_deferred_decision_is_moved_to_a_later_meeting_via_the_pages(
    app, client, ids, monkeypatch
):
    """Aangehouden on 24 June: the officer opens the head of the agenda form from the detail
    page, chooses the meeting of 8 July (agenda still open that day) and schedules it again."""
    login(client, POLICY)
    decision_id = new_dossier(client, ids["arrangement"])
    post_transition(client, decision_id, "co_advice")
    lawyer = app.test_client()
    login(lawyer, LEGAL)
    advised = lawyer.post(
        f"/besluiten/{decision_id}/advies",
        data={"csrf_token": csrf_token(lawyer, f"/besluiten/{decision_id}"), "advice": "agree"},
    )
    assert advised.status_code == 302
    post_transition(client, decision_id, "secretary_advice")
    edit_section(client, decision_id, "advies", secretary_advice="Akkoord.")
    assert post_transition(client, decision_id, "scheduled").status_code == 302
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 6, 24, 14, 0, tzinfo=UTC))
    login(client, POLICY)
    deferred = post_transition(
        client, decision_id, "decided", outcome="deferred", decided_on=OPEN_MEETING
    )
    assert deferred.status_code == 302
    detail = text(client.get(f"/besluiten/{decision_id}"))
    assert "besloten</strong> – besluit aangehouden op 24 juni 2025" in detail
    assert f'href="/besluiten/{decision_id}/bewerken/kop"' in detail
    assert edit_section(client, decision_id, "kop", meeting_on="2025-07-08").status_code == 302
    assert post_transition(client, decision_id, "scheduled").status_code == 302
    decision = stored(app, decision_id)
    assert decision.status == "scheduled" and decision.meeting_on.isoformat() == "2025-07-08"
    assert decision.outcome is None and decision.decided_on is None


# --- fan-out, overview and besluitenlijst --------------------------------------------------------


def test_the_project_group_fans_out_a_new_regional_dossier_over_14_colleges(app, client, ids):
    login(client, PROJECT)
    regional_id = create_via_form(
        client, ids["arrangement"], regional=True, subject="Volmacht aanbesteding logeerzorg"
    )
    regional = stored(app, regional_id)
    assert regional.municipality_id is None
    detail = text(client.get(f"/besluiten/{regional_id}"))
    assert "Uitspreiden over de gemeenten" in detail and "– regionaal dossier" in detail
    token = csrf_token(client, f"/besluiten/{regional_id}")
    response = client.post(f"/besluiten/{regional_id}/uitspreiden", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/besluiten/{regional_id}/overzicht")
    overview = text(client.get(response.headers["Location"]))
    assert "14 gemeentelijke dossiers aangemaakt." in overview
    assert "0 van 14 colleges besloten" in overview
    again = client.post(
        f"/besluiten/{regional_id}/uitspreiden", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Alle gemeenten hadden al een dossier." in text(again)
    with sessions(app)() as session:
        children = session.scalars(select(Decision).where(Decision.parent_id == regional_id)).all()
    assert len(children) == 14


def test_after_a_fan_out_to_some_colleges_the_page_offers_only_the_rest_and_then_nothing(
    app, client, ids
):
    """A gap signal fans a dossier out to the municipalities of the gap only; the regional
    dossier then names the colleges still without a dossier and offers just those, and once
    every college has one it offers no fan-out at all."""
    login(client, PROJECT)
    regional_id = create_via_form(
        client, ids["arrangement"], regional=True, subject="Volmacht aanbesteding logeerzorg"
    )
    with sessions(app)() as session:
        hengelo = find_organisation_by_name(session, "Hengelo")
        borne = find_organisation_by_name(session, "Borne")
        assert hengelo is not None and borne is not None
        decisions.fan_out(
            session,
            demo_records.actor(session, PROJECT),
            regional_id,
            now=datetime(2025, 6, 2, 9, 0, tzinfo=UTC),
            only={hengelo.id, borne.id},
        )
        session.commit()
    detail = text(client.get(f"/besluiten/{regional_id}"))
    assert "Uitspreiden over de gemeenten" not in detail
    assert "Ook uitspreiden naar 12 gemeenten" in detail
    missing = detail.split("Nog geen eigen dossier: ")[1].split(".")[0].split(", ")
    assert len(missing) == 12 and "Enschede" in missing
    assert "Hengelo" not in missing and "Borne" not in missing
    token = csrf_token(client, f"/besluiten/{regional_id}")
    response = client.post(f"/besluiten/{regional_id}/uitspreiden", data={"csrf_token": token})
    assert response.status_code == 302
    with sessions(app)() as session:
        children = session.scalars(select(Decision).where(Decision.parent_id == regional_id)).all()
    assert len(children) == 14
    detail = text(client.get(f"/besluiten/{regional_id}"))
    assert "uitspreiden" not in detail.lower() and "Nog geen eigen dossier" not in detail


def test_the_overview_of_the_demo_says_13_of_14_colleges_decided(client, ids):
    login(client, PROJECT)
    page = text(client.get(f"/besluiten/{ids['regional']}/overzicht"))
    assert "13 van 14 colleges besloten" in page
    assert "uiterlijk besloten op 31 juli 2025" in page
    assert "Borne</a></th>" in page
    assert "(te laat)" not in page  # on 2 June Borne's last possible agenda is still open


def test_the_overview_marks_borne_late_once_its_last_agenda_has_closed(client, ids, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 7, 2, 9, 0, tzinfo=UTC))
    login(client, PROJECT)
    page = text(client.get(f"/besluiten/{ids['regional']}/overzicht"))
    assert page.count("(te laat)") == 1
    borne_row = page[page.index("Borne</a></th>") :].split("</tr>")[0]
    assert "mee-advisering (te laat)" in borne_row


def test_the_besluitenlijst_of_enschede_27_may_2025(client, ids):
    login(client, POLICY)
    index = text(client.get("/besluiten/besluitenlijst"))
    assert "Enschede, 27 mei 2025" in index
    page = text(
        client.get(f"/besluiten/besluitenlijst?gemeente={ids['Enschede']}&vergadering=2025-05-27")
    )
    assert "Besluitenlijst Enschede, collegevergadering 27 mei 2025" in page
    published = page[page.index("Te publiceren") : page.index("Niet actief openbaar gemaakt")]
    assert "<strong>Verlenen volmacht pilot Logeerzorg</strong> – conform" in published
    withheld = page[page.index("Niet actief openbaar gemaakt</h3>") :]
    assert "Geen." in withheld


def test_the_besluitenlijst_refuses_a_date_that_does_not_exist(client, ids):
    login(client, POLICY)
    page = text(
        client.get(f"/besluiten/besluitenlijst?gemeente={ids['Enschede']}&vergadering=31-02-2025")
    )
    assert "bestaat niet in de kalender" in page


# --- the JSON API --------------------------------------------------------------------------------


def api_create(client, headers, ids, **changes):
    body = {
        "arrangement_id": ids["arrangement"],
        "subject": "Verlengen pilot logeerzorg 2026",
        "meeting_on": OPEN_MEETING,
        "case_number": "BV25000099",
    }
    body.update(changes)
    response = client.post("/api/v1/decisions", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_api_list_items_carry_municipality_subject_numbers_status_and_meeting(
    client, token_for, ids
):
    body = client.get("/api/v1/decisions", headers=token_for(POLICY)).get_json()
    assert body["total"] == 2
    enschede = next(i for i in body["items"] if i["id"] == ids["Enschede dossier"])
    assert enschede["municipality"] == {"id": ids["Enschede"], "name": "Enschede"}
    assert enschede["subject"] == REGIONAL_SUBJECT
    assert enschede["case_number"] == "BV25000055"
    assert enschede["corsa_number"] == "2500004409"
    assert enschede["status"] == "decided"
    assert enschede["meeting_on"] == "2025-05-27"
    assert enschede["decided_on"] == "2025-05-27" and enschede["outcome"] == "as_proposed"
    regional = next(i for i in body["items"] if i["id"] == ids["regional"])
    assert regional["municipality"] is None and regional["meeting_on"] is None


def test_api_list_filters_on_status_and_municipality(client, token_for, ids):
    headers = token_for(PROJECT)
    assert client.get("/api/v1/decisions", headers=headers).get_json()["total"] == 15
    borne = client.get(f"/api/v1/decisions?municipality={ids['Borne']}", headers=headers)
    assert [i["status"] for i in borne.get_json()["items"]] == ["co_advice"]
    closed = client.get("/api/v1/decisions?status=closed", headers=headers).get_json()
    assert closed["total"] == 7
    meeting = client.get("/api/v1/decisions?meeting_on=2025-05-27", headers=headers).get_json()
    assert [i["case_number"] for i in meeting["items"]] == ["BV25000055"]


def test_api_creates_a_dossier_for_the_officer_s_college_with_its_effects(client, token_for, ids):
    body = api_create(
        client,
        token_for(POLICY),
        ids,
        effects=[{"kind": "grant_mandate", "mandate_id": ids["volmacht"]}],
        advisers=[{"user_id": ids["jurist"], "unit": "Juridische Zaken"}],
    )
    assert body["municipality"] == {"id": ids["Enschede"], "name": "Enschede"}
    assert body["status"] == "draft"
    assert body["co_advisers"] == ["Jurist Enschede, Juridische Zaken"]
    assert body["meeting_on"] == OPEN_MEETING
    assert body["effects"] == [
        {
            "kind": "grant_mandate",
            "mandate_id": ids["volmacht"],
            "phase_id": None,
            "agreement_id": None,
            "applied_at": None,
            "result": "",
        }
    ]
    assert body["transitions"] == []
    [asked] = body["advices"]
    assert (asked["adviser"], asked["unit"], asked["adviser_id"]) == (
        "Jurist Enschede",
        "Juridische Zaken",
        ids["jurist"],
    )
    assert asked["advice"] is None and asked["recorded_at"] is None


def test_api_refuses_a_vertical_tab_in_dutch_and_saves_nothing(client, token_for, ids):
    headers = token_for(POLICY)
    response = client.post(
        "/api/v1/decisions",
        json={"arrangement_id": ids["arrangement"], "subject": "Zorg\x0bCo"},
        headers=headers,
    )
    assert response.status_code == 422
    assert "U+000B" in response.get_json()["error"]["fields"]["subject"]
    assert client.get("/api/v1/decisions", headers=headers).get_json()["total"] == 2


def test_api_get_and_patch_a_dossier_with_its_version(client, token_for, ids):
    headers = token_for(POLICY)
    created = api_create(client, headers, ids)
    path = f"/api/v1/decisions/{created['id']}"
    got = client.get(path, headers=headers).get_json()
    assert got["subject"] == "Verlengen pilot logeerzorg 2026"
    patched = client.patch(
        path,
        json={"version": got["version"], "costs": "Zorg & Co <B.V.>\n€ 28.400,-"},
        headers=headers,
    )
    assert patched.status_code == 200
    assert patched.get_json()["costs"] == "Zorg & Co <B.V.>\n€ 28.400,-"
    assert patched.get_json()["version"] == got["version"] + 1


def test_s28_api_patch_with_a_stale_version_gives_409_naming_what_changed(client, token_for, ids):
    headers = token_for(POLICY)
    created = api_create(client, headers, ids)
    path = f"/api/v1/decisions/{created['id']}"
    first = client.patch(
        path, json={"version": created["version"], "risks": "1.1 Nieuw risico"}, headers=headers
    )
    assert first.status_code == 200
    stale = client.patch(
        path,
        json={"version": created["version"], "risks": "1.1 Ander risico"},
        headers=token_for(LEGAL),
    )
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "conflict" and error["changed"] == {"risks": "1.1 Nieuw risico"}
    assert client.get(path, headers=headers).get_json()["risks"] == "1.1 Nieuw risico"


def test_s14_extra_fields_in_a_patch_change_nothing(client, token_for, ids):
    headers = token_for(POLICY)
    created = api_create(client, headers, ids)
    path = f"/api/v1/decisions/{created['id']}"
    response = client.patch(
        path,
        json={
            "version": created["version"],
            "subject": "Verlengen pilot logeerzorg 2027",
            "status": "decided",
            "outcome": "as_proposed",
            "decided_on": "2025-06-02",
            "municipality_id": ids["Borne"],
            "arrangement_id": None,
            "parent_id": ids["regional"],
            "id": 1,
        },
        headers=headers,
    )
    assert response.status_code == 200
    body = client.get(path, headers=headers).get_json()
    assert body["id"] == created["id"]
    assert body["subject"] == "Verlengen pilot logeerzorg 2027"
    assert body["status"] == "draft"
    assert body["outcome"] is None and body["decided_on"] is None
    assert body["municipality"] == {"id": ids["Enschede"], "name": "Enschede"}
    assert body["arrangement_id"] == ids["arrangement"]
    assert body["parent_id"] is None


def test_api_transitions_move_the_dossier_or_refuse_in_dutch(client, token_for, ids):
    headers = token_for(POLICY)
    created = api_create(client, headers, ids)
    path = f"/api/v1/decisions/{created['id']}/transitions"
    moved = client.post(path, json={"to": "co_advice", "note": "Naar JZ"}, headers=headers)
    assert moved.status_code == 200
    body = moved.get_json()
    assert body["status"] == "co_advice"
    [transition] = body["transitions"]
    assert transition["from"] == "draft" and transition["to"] == "co_advice"
    assert transition["by"] == "Beleidsmedewerker Enschede <beleid@enschede.example>"
    assert transition["note"] == "Naar JZ"
    assert transition["at"].startswith("2025-06-02T09:30")
    refused = client.post(path, json={"to": "decided"}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["status"] == (
        "Van 'mee-advisering' kan het dossier niet naar 'besloten'; wel naar: concept, "
        "advies gemeentesecretaris."
    )
    nonsense = client.post(path, json={"to": 5}, headers=headers)
    assert nonsense.status_code == 422
    assert nonsense.get_json()["error"]["fields"]["to"].startswith("to: noem de nieuwe status")


def test_api_fan_out_creates_14_dossiers_once(client, token_for, ids):
    headers = token_for(PROJECT)
    created = api_create(client, headers, ids, meeting_on=None, case_number="")
    assert created["municipality"] is None
    path = f"/api/v1/decisions/{created['id']}/fan-out"
    first = client.post(path, headers=headers)
    assert first.status_code == 201
    body = first.get_json()
    assert (body["created"], body["decided"], body["total"]) == (14, 0, 14)
    assert {i["municipality"]["name"] for i in body["items"]} == set(demo.MUNICIPALITIES)
    second = client.post(path, headers=headers)
    assert second.status_code == 200
    assert (second.get_json()["created"], second.get_json()["total"]) == (0, 14)


def test_api_fan_out_of_the_demo_reports_13_of_14_decided(client, token_for, ids):
    response = client.post(
        f"/api/v1/decisions/{ids['regional']}/fan-out", headers=token_for(PROJECT)
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["created"], body["decided"], body["total"]) == (0, 13, 14)


def test_api_a_dossier_with_an_effect_of_another_kind_is_refused_and_nothing_saved(
    client, token_for, ids
):
    headers = token_for(POLICY)
    response = client.post(
        "/api/v1/decisions",
        json={
            "arrangement_id": ids["arrangement"],
            "subject": "Met een verkeerd gevolg",
            "effects": [{"kind": "delete_everything"}],
        },
        headers=headers,
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["kind"].startswith("Gevolg: kies een van:")
    assert client.get("/api/v1/decisions", headers=headers).get_json()["total"] == 2


def test_api_a_provider_gets_403(client, token_for, ids):
    headers = token_for(PROVIDER_CR)
    assert client.get("/api/v1/decisions", headers=headers).status_code == 403
    assert client.get(
        f"/api/v1/decisions/{ids['Enschede dossier']}", headers=headers
    ).status_code == (403)
    response = client.post(
        "/api/v1/decisions",
        json={"arrangement_id": ids["arrangement"], "subject": "Van een aanbieder"},
        headers=headers,
    )
    assert response.status_code == 403


def test_api_another_college_s_dossier_gives_404(client, token_for, ids):
    headers = token_for(POLICY)
    path = f"/api/v1/decisions/{ids['Borne dossier']}"
    assert client.get(path, headers=headers).status_code == 404
    assert client.patch(path, json={"version": 1, "subject": "x"}, headers=headers).status_code == (
        404
    )
    assert client.post(
        f"{path}/transitions", json={"to": "draft"}, headers=headers
    ).status_code == (404)


@pytest.mark.parametrize("email", [LEGAL, ADMIN, AUDITOR])
def test_s12_api_a_secret_dossier_is_invisible_to_others_until_access_is_granted(
    app, client, token_for, ids, email
):
    created = api_create(client, token_for(POLICY), ids, subject="Geheim dossier", secret=True)
    headers = token_for(email)
    assert client.get(f"/api/v1/decisions/{created['id']}", headers=headers).status_code == 404
    listed = client.get("/api/v1/decisions", headers=headers).get_json()["items"]
    assert created["id"] not in [i["id"] for i in listed]
    with sessions(app)() as session:
        policy = accounts.actor_for(find_user_by_email(session, POLICY), "test")
        reader = find_user_by_email(session, email)
        decisions.grant_access(session, policy, created["id"], reader.id)
        session.commit()
    assert client.get(f"/api/v1/decisions/{created['id']}", headers=headers).status_code == 200


# --- co-advice by accounts ------------------------------------------------------------------------

BORNE_JURIST = "jurist@borne.example"
STAND_IN = demo_records.STAND_IN


def in_co_advice(client, arrangement_id, **ask):
    """A new Enschede dossier in co-advice, Enschede's jurist asked (with ``ask`` options)."""
    decision_id = create_via_form(
        client, arrangement_id, subject="Verlengen pilot logeerzorg 2026", meeting_on=OPEN_MEETING
    )
    assert ask_adviser(client, decision_id, **ask).status_code == 302
    assert post_transition(client, decision_id, "co_advice").status_code == 302
    return decision_id


def add_stand_in(app):
    with sessions(app)() as session:
        return demo_records.stand_in(session).id


def test_the_dossier_page_asks_an_account_of_the_municipality_to_co_advise(app, client, ids):
    login(client, POLICY)
    decision_id = create_via_form(client, ids["arrangement"], meeting_on=OPEN_MEETING)
    page = text(client.get(f"/besluiten/{decision_id}"))
    form = page[page.index("Mee-adviseur vragen</h3>") :]
    assert "Jurist Enschede (jurist)" in form and "Beleidsmedewerker Enschede" in form
    assert "Jurist Borne" not in form and "Informatiebeveiliging" not in form  # auditor
    refused = ask_adviser(client, decision_id, email=BORNE_JURIST)
    assert refused.status_code == 422
    assert "Mee-adviseur: kies een actief account van Enschede dat mag adviseren." in text(refused)
    asked = ask_adviser(client, decision_id, unit="JZ")
    assert asked.status_code == 302
    page = text(client.get(f"/besluiten/{decision_id}"))
    assert "Jurist Enschede is gevraagd mee te adviseren; de melding volgt zodra" in page
    assert "<dt>Mee geadviseerd door</dt><dd>Jurist Enschede, JZ</dd>" in page
    assert stored(app, decision_id).advices[0].adviser_id == ids["jurist"]


def test_co_adviser_notified_and_listed(app, client, ids):
    """On entering co-advice the jurist gets a notification; her start page says a dossier
    waits for her advice and links the "Te adviseren" list, which leads to the dossier."""
    login(client, POLICY)
    decision_id = in_co_advice(client, ids["arrangement"])
    lawyer = app.test_client()
    login(lawyer, LEGAL)
    start = text(lawyer.get("/"))
    assert (
        '<a class="utrecht-link" href="/besluiten/te-adviseren">1 dossier wacht op uw advies'
        in (start)
    )
    listed = text(lawyer.get("/besluiten/te-adviseren"))
    assert f'href="/besluiten/{decision_id}#mee-advisering">Verlengen pilot logeerzorg 2026' in (
        listed
    )
    assert "24 juni 2025" in listed and "u (Juridische Zaken)" in listed
    assert "Mee-adviseren gevraagd: 'Verlengen pilot logeerzorg 2026'" in text(
        lawyer.get("/meldingen")
    )
    token = csrf_token(lawyer, f"/besluiten/{decision_id}")
    lawyer.post(f"/besluiten/{decision_id}/advies", data={"csrf_token": token, "advice": "agree"})
    assert "Er wachten geen dossiers op uw advies." in text(lawyer.get("/besluiten/te-adviseren"))
    assert "wacht op uw advies" not in text(lawyer.get("/"))
    # The officer who drafted it is asked nothing.
    assert "Er wachten geen dossiers op uw advies." in text(client.get("/besluiten/te-adviseren"))


def test_the_demo_borne_jurist_is_asked_for_borne_s_dossier(client, ids):
    login(client, BORNE_JURIST)
    assert "1 dossier wacht op uw advies" in text(client.get("/"))
    listed = text(client.get("/besluiten/te-adviseren"))
    assert f'href="/besluiten/{ids["Borne dossier"]}#mee-advisering"' in listed
    page = text(client.get(f"/besluiten/{ids['Borne dossier']}"))
    assert "Advies vastleggen" in page
    assert '<option value="' in page and ">Jurist Borne, Juridische Zaken</option>" in page


def test_only_named_adviser_records_advice_on_the_page_and_in_the_api(app, client, ids, token_for):
    login(client, POLICY)
    decision_id = in_co_advice(client, ids["arrangement"])
    token = csrf_token(client, f"/besluiten/{decision_id}")
    page = client.post(
        f"/besluiten/{decision_id}/advies", data={"csrf_token": token, "advice": "agree"}
    )
    assert page.status_code == 403
    assert (
        "U bent niet gevraagd mee te adviseren over dit dossier; gevraagd zijn: Jurist Enschede."
        in text(page)
    )
    [asked] = stored(app, decision_id).advices
    api = client.post(
        f"/api/v1/decisions/{decision_id}/advices",
        json={"adviser": asked.id, "advice": "agree"},
        headers=token_for(ADMIN),
    )
    assert api.status_code == 403
    assert api.get_json()["error"] == {
        "code": "forbidden",
        "message": "Alleen Jurist Enschede kan dit advies vastleggen.",
    }
    assert stored(app, decision_id).advices[0].advice is None
    with sessions(app)() as session:  # S27: each refusal is in the audit log
        refusals = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "access",
                AuditEvent.object_type == "decision",
                AuditEvent.object_id == str(decision_id),
                AuditEvent.result == "denied",
            )
        ).all()
    assert len(refusals) == 2
    answered = client.post(
        f"/api/v1/decisions/{decision_id}/advices",
        json={"advice": "agree"},
        headers=token_for(LEGAL),
    )
    assert answered.status_code == 201
    [advice] = answered.get_json()["advices"]
    assert advice["advice"] == "agree" and advice["recorded_by"] == "Jurist Enschede"
    assert advice["on_behalf"] is False and advice["recorded_at"].startswith("2025-06-02T09:30")


def test_stand_in_records_advice_named_on_the_page(app, client, ids):
    stand_in_id = add_stand_in(app)
    login(client, POLICY)
    decision_id = in_co_advice(client, ids["arrangement"], stand_in_id=str(stand_in_id))
    other = app.test_client()
    login(other, STAND_IN)
    page = text(other.get(f"/besluiten/{decision_id}"))
    assert ">namens Jurist Enschede, Juridische Zaken</option>" in page
    token = csrf_token(other, f"/besluiten/{decision_id}")
    response = other.post(
        f"/besluiten/{decision_id}/advies",
        data={"csrf_token": token, "advice": "agree_with_remarks", "text": "Let op de termijn."},
    )
    assert response.status_code == 302
    detail = text(client.get(f"/besluiten/{decision_id}"))
    row = detail[detail.index("Jurist Enschede, Juridische Zaken<br>") :].split("</tr>")[0]
    assert "plaatsvervanger: M. de Vries" in row
    assert "akkoord met opmerkingen – " in row and "Let op de termijn." in row
    assert "M. de Vries namens Jurist Enschede, 2 juni 2025" in row


def test_api_asks_lists_and_withdraws_advice_requests(client, token_for, ids):
    policy = token_for(POLICY)
    created = api_create(client, policy, ids)
    path = f"/api/v1/decisions/{created['id']}"
    asked = client.post(
        f"{path}/advisers", json={"user_id": ids["jurist"], "unit": "JZ"}, headers=policy
    )
    assert asked.status_code == 201
    assert asked.get_json()["co_advisers"] == ["Jurist Enschede, JZ"]
    again = client.post(f"{path}/advisers", json={"user_id": ids["jurist"]}, headers=policy)
    assert again.status_code == 422
    assert again.get_json()["error"]["fields"]["user_id"] == (
        "Mee-adviseur: Jurist Enschede is al gevraagd."
    )
    jurist = token_for(LEGAL)
    assert client.get("/api/v1/advice-requests", headers=jurist).get_json()["total"] == 0
    client.post(f"{path}/transitions", json={"to": "co_advice"}, headers=policy)
    requests = client.get("/api/v1/advice-requests", headers=jurist).get_json()
    [request] = requests["items"]
    assert request["decision"]["id"] == created["id"] and request["as_stand_in"] is False
    assert request["unit"] == "JZ"
    withdrawn = client.delete(f"/api/v1/advice-requests/{request['id']}", headers=policy)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["advices"] == []
    assert client.get("/api/v1/advice-requests", headers=jurist).get_json()["total"] == 0
    gone = client.delete(f"/api/v1/advice-requests/{request['id']}", headers=policy)
    assert gone.status_code == 404


# --- the decision date and the fan-out -----------------------------------------------------------


def scheduled_via_api(client, headers, ids):
    created = api_create(client, headers, ids, secretary_advice="Akkoord.")
    path = f"/api/v1/decisions/{created['id']}/transitions"
    for target in ("co_advice", "secretary_advice", "scheduled"):
        moved = client.post(path, json={"to": target}, headers=headers)
        assert moved.status_code == 200, moved.get_json()
    return path


def test_decision_date_before_meeting_refused_on_the_page_and_in_the_api(
    app, client, ids, token_for, monkeypatch
):
    headers = token_for(POLICY)
    path = scheduled_via_api(client, headers, ids)
    decision_id = int(path.split("/")[4])
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 6, 25, 9, 0, tzinfo=UTC))
    early = client.post(
        path,
        json={"to": "decided", "outcome": "as_proposed", "decided_on": "2025-06-23"},
        headers=headers,
    )
    assert early.status_code == 422
    assert early.get_json()["error"]["fields"]["decided_on"] == (
        "Datum besluit: 23 juni 2025 ligt vóór de collegevergadering van 24 juni 2025 waarvoor "
        "het dossier is geagendeerd; het college besluit op of na die vergadering."
    )
    login(client, POLICY)
    form = text(client.get(f"/besluiten/{decision_id}"))
    assert 'name="decided_on" value="2025-06-24"' in form  # the meeting's date is proposed
    refused = post_transition(
        client, decision_id, "decided", outcome="as_proposed", decided_on="2025-06-17"
    )
    assert refused.status_code == 422
    assert "Datum besluit: 17 juni 2025 ligt vóór de collegevergadering van 24 juni 2025" in text(
        refused
    )
    assert stored(app, decision_id).status == "scheduled"
    # Without a date the API takes the meeting's date.
    decided = client.post(path, json={"to": "decided", "outcome": "as_proposed"}, headers=headers)
    assert decided.status_code == 200
    assert decided.get_json()["decided_on"] == OPEN_MEETING


def test_api_fan_out_leaves_municipal_fields_empty(client, token_for, ids):
    headers = token_for(PROJECT)
    created = api_create(
        client,
        headers,
        ids,
        meeting_on=None,
        case_number="RH-2025-3",
        corsa_number="RH-9",
        department="Projectgroep",
        urgency="Voor 1 oktober",
        secretary_advice="Akkoord (Rijssen-Holten)",
    )
    body = client.post(f"/api/v1/decisions/{created['id']}/fan-out", headers=headers).get_json()
    for item in body["items"]:
        child = client.get(f"/api/v1/decisions/{item['id']}", headers=headers).get_json()
        for name in ("case_number", "corsa_number", "department", "urgency", "secretary_advice"):
            assert child[name] == "", (item["municipality"]["name"], name)
        assert child["meeting_on"] is None and child["subject"] == created["subject"]
