"""Browser test of the decision dossiers: a new Enschede dossier goes from concept to besloten
through the hands of the policy officer and the legal officer (asked as co-adviser, who finds it
on her "Te adviseren" list), from today's real date to the day of the meeting; the list, the
detail, a section edit form, the "Te adviseren" list and the fan-out overview pass axe."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from storage.database import make_engine
from storage.organisations import find_organisation_by_name
from tests.browser.test_start_pages import assert_accessible, has_horizontal_scroll, log_in
from tests.conftest import LEGAL, POLICY, PROJECT, session_factory
from webapp import clock
from workflows.demo.demo import ARRANGEMENT_NAME
from workflows.demo.demo_decisions import REGIONAL_SUBJECT
from workflows.registers.organisations import calendar_of
from workflows.rules.dutch_format import long_date
from workflows.rules.planning import is_meeting_day, plan_backwards

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
).expect

SUBJECT = "Verlengen pilot logeerzorg tot en met 2026"


def first_open_meeting(database_url: str, today: date) -> date:
    """Enschede's first college meeting whose agenda is still open today, from the calendar
    stored for Enschede (Tuesdays, agenda closing 10 working days before, recess weeks)."""
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            enschede = find_organisation_by_name(session, "Enschede")
            assert enschede is not None
            calendar = calendar_of(enschede)
    finally:
        engine.dispose()
    day = today
    for _ in range(120):
        day += timedelta(days=1)
        if not is_meeting_day(day, calendar):
            continue
        if today <= plan_backwards(day + timedelta(days=1), calendar).agenda_closes_on:
            return day
    raise AssertionError("no meeting with an open agenda in the next 120 days")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")


def next_step(page: Page, status: str) -> None:
    page.get_by_label("Volgende stap").select_option(label=status)
    page.get_by_role("button", name="Status bijwerken").click()


def test_a_new_enschede_dossier_goes_from_concept_to_besloten_through_the_roles(
    live_server: str,
    database_url: str,
    page: Page,
    artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    today = clock.today()
    meeting = first_open_meeting(database_url, today)
    assert meeting > today and meeting.weekday() == 1  # a Tuesday in the future

    # The policy officer starts the dossier: Besluiten > Nieuw dossier > the arrangement.
    log_in(page, live_server, POLICY)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Besluiten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Besluitvormingsdossiers")
    expect(page.get_by_role("table", name="2 dossiers")).to_contain_text("BV25000055")
    assert not has_horizontal_scroll(page)
    assert_accessible(page, "the decision list")
    page.get_by_role("link", name="Nieuw dossier").click()
    page.get_by_role("link", name=ARRANGEMENT_NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuw besluitvormingsdossier")
    expect(page.get_by_label("Onderwerp")).to_have_value(REGIONAL_SUBJECT)  # prefilled
    page.get_by_label("Onderwerp").fill(SUBJECT)
    page.get_by_label("B&W-vergadering").fill(meeting.isoformat())
    page.get_by_label("Casenummer").fill("BV26000123")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Het dossier is aangemaakt als concept.")
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(page.get_by_text("Status: concept")).to_be_visible()
    detail = page.url
    assert re.search(r"/besluiten/\d+$", detail)
    assert_accessible(page, "the detail of a new dossier")

    # The officer asks Enschede's jurist, an account of the municipality, to co-advise.
    page.get_by_label("Mee-adviseur", exact=True).select_option(label="Jurist Enschede (jurist)")
    page.get_by_label("Organisatieonderdeel").fill("Juridische Zaken")
    page.get_by_role("button", name="Mee-adviseur vragen").click()
    expect(page.get_by_role("status")).to_contain_text("Jurist Enschede is gevraagd")
    adviser = page.get_by_role("row", name=re.compile("^Jurist Enschede, Juridische Zaken"))

    # A refused step is explained on the page, in Dutch.
    next_step(page, "mee-advisering")
    expect(page.get_by_text("Status: mee-advisering")).to_be_visible()
    expect(adviser).to_contain_text("nog geen advies")
    next_step(page, "advies gemeentesecretaris")
    expect(page.get_by_role("alert")).to_contain_text(
        "Nog niet alle mee-adviseurs hebben geadviseerd (0 van 1)."
    )
    log_out(page)

    # The legal officer finds the dossier on her "Te adviseren" list and records her advice.
    log_in(page, live_server, LEGAL)
    page.get_by_role("link", name="1 dossier wacht op uw advies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Te adviseren")
    assert_accessible(page, "the list of dossiers to advise on")
    page.get_by_role("link", name=SUBJECT).click()
    assert re.sub(r"#.*$", "", page.url) == detail
    page.get_by_label("Advies", exact=True).select_option(label="akkoord met opmerkingen")
    page.get_by_label("Toelichting").fill("Let op: de volmacht dekt geen aanbesteding.")
    page.get_by_role("button", name="Advies vastleggen").click()
    expect(page.get_by_role("status")).to_contain_text("Het advies is vastgelegd.")
    expect(adviser).to_contain_text(
        "akkoord met opmerkingen – Let op: de volmacht dekt geen aanbesteding."
    )
    expect(adviser).to_contain_text(f"Jurist Enschede, {long_date(today)}")
    log_out(page)

    # The policy officer fills in the advice of the secretary, schedules and records the decision.
    log_in(page, live_server, POLICY)
    page.goto(detail)
    next_step(page, "advies gemeentesecretaris")
    expect(page.get_by_text("Status: advies gemeentesecretaris")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Bewerken\s*:\s*Advies gemeentesecretaris$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Advies gemeentesecretaris")
    assert_accessible(page, "a section edit form")
    page.get_by_label("Advies gemeentesecretaris").fill("Akkoord.")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Advies gemeentesecretaris: opgeslagen.")
    next_step(page, "geagendeerd")
    expect(page.get_by_text("Status: geagendeerd")).to_be_visible()
    agenda_form = f"Agendaformulier B&W-vergadering {long_date(meeting)}"
    expect(page.get_by_text(agenda_form)).to_be_visible()

    # The form proposes the meeting date; that lies in the future, so it is refused; and the
    # college does not decide before its meeting either.
    page.get_by_label("Volgende stap").select_option(label="besloten")
    page.get_by_label("Uitkomst (bij besloten)").select_option(label="conform")
    expect(page.get_by_label("B&W besluit d.d.")).to_have_value(meeting.isoformat())
    page.get_by_role("button", name="Status bijwerken").click()
    expect(page.get_by_role("alert")).to_contain_text("Datum besluit: ligt in de toekomst.")
    assert_accessible(page, "the detail with a refused step")
    page.get_by_label("Volgende stap").select_option(label="besloten")
    page.get_by_label("Uitkomst (bij besloten)").select_option(label="conform")
    page.get_by_label("B&W besluit d.d.").fill(today.isoformat())
    page.get_by_role("button", name="Status bijwerken").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Datum besluit: {long_date(today)} ligt vóór de collegevergadering van "
        f"{long_date(meeting)}"
    )

    # The afternoon of the meeting (the server's clock moved on; the session has long ended).
    afternoon = datetime(meeting.year, meeting.month, meeting.day, 13, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: afternoon)
    log_in(page, live_server, POLICY)
    page.goto(detail)
    page.get_by_label("Volgende stap").select_option(label="besloten")
    page.get_by_label("Uitkomst (bij besloten)").select_option(label="conform")
    page.get_by_role("button", name="Status bijwerken").click()
    expect(page.get_by_role("status")).to_contain_text("De status van het dossier is bijgewerkt.")
    expect(
        page.get_by_text(f"Status: besloten – besluit conform op {long_date(meeting)}")
    ).to_be_visible()
    history = page.get_by_role("table", name="Verloop")
    expect(history.get_by_role("row")).to_have_count(5)  # the header and four steps
    expect(history).to_contain_text("Beleidsmedewerker Enschede")
    # A taken decision is no longer edited.
    expect(page.get_by_role("link", name=re.compile("^Bewerken"))).to_have_count(0)
    page.screenshot(path=artifacts / "besluit-besloten.png", full_page=True)
    assert_accessible(page, "the detail of the decided dossier")
    log_out(page)

    # The project group follows the regional dossier over the 14 colleges.
    log_in(page, live_server, PROJECT)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Besluiten").click()
    page.get_by_role("row", name=re.compile("regionaal")).get_by_role(
        "link", name=REGIONAL_SUBJECT
    ).click()
    page.get_by_role("link", name="Overzicht per gemeente").click()
    expect(page.get_by_text("13 van 14 colleges besloten")).to_be_visible()
    overview = page.get_by_role("table", name=re.compile("Per gemeente"))
    expect(overview.get_by_role("row")).to_have_count(15)
    expect(overview.get_by_role("row", name=re.compile("^Borne"))).to_contain_text("mee-advisering")
    assert not has_horizontal_scroll(page)
    page.screenshot(path=artifacts / "besluit-overzicht.png", full_page=True)
    assert_accessible(page, "the fan-out overview")
