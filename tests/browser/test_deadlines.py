"""Browser tests of the deadline pages after one scheduler tick on the Twente demo: the
deadlines, the notifications with the calendar address, and (as administrator) the outbox and
the reminder ladders; every page passes axe."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from storage.database import make_engine
from tests.browser.test_start_pages import assert_accessible, log_in
from tests.conftest import ADMIN, LEGAL, PROJECT, session_factory
from workflows.deadlines import reminders

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
).expect

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)


@pytest.fixture
def ticked_server(live_server: str, database_url: str) -> str:
    """The live server, after one scheduler tick on its database (no mail server)."""
    engine = make_engine(database_url)
    try:
        reminders.tick(session_factory(engine), now=NOW, mailer=None)
    finally:
        engine.dispose()
    return live_server


def test_deadlines_page_is_accessible_and_a_deadline_is_acknowledged(
    ticked_server: str, page: Page, artifacts: Path
) -> None:
    log_in(page, ticked_server, PROJECT)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Termijnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Termijnen")
    table = page.get_by_role("table", name=re.compile("termijnen"))
    expect(table).to_contain_text("15 termijnen (open)")
    expect(table.get_by_role("row", name=re.compile("nieuwe volmacht nodig:"))).to_have_count(13)
    page.screenshot(path=artifacts / "termijnen.png", full_page=True)
    assert_accessible(page, "the deadlines page")

    row = table.get_by_role("row", name=re.compile("namens Almelo"))
    row.get_by_role("button", name=re.compile("^Bevestigen")).click()
    expect(page.get_by_role("status")).to_contain_text("Bevestigd: u pakt deze termijn op.")
    row = page.get_by_role("row", name=re.compile("namens Almelo"))
    expect(row.get_by_role("button", name=re.compile("^Bevestigen"))).to_have_count(0)
    row.get_by_text("Afhandelen").click()
    assert_accessible(page, "the deadlines page after acknowledging, with a form opened")


def test_deadlines_page_shows_refused_input_accessibly(ticked_server: str, page: Page) -> None:
    log_in(page, ticked_server, LEGAL)
    page.goto(f"{ticked_server}/signalen/termijnen")
    expect(page.get_by_role("table", name=re.compile("termijnen"))).to_contain_text(
        "3 termijnen (open)"
    )
    section = page.get_by_role("region", name="Termijn toevoegen")
    # A date input only takes real dates; 31-02-2026 is refused by the server tests.
    section.get_by_label("Datum").fill("2026-04-15")
    section.get_by_role("button", name="Termijn toevoegen").click()
    # The form comes back (422) with the error summary and the field marked invalid.
    expect(page.get_by_role("alert")).to_contain_text("Onderwerp: vul dit veld in.")
    subject = page.get_by_role("region", name="Termijn toevoegen").get_by_label("Onderwerp")
    expect(subject).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the deadlines page with refused input")


def test_notifications_page_is_accessible_with_a_calendar_address(
    ticked_server: str, page: Page, artifacts: Path
) -> None:
    log_in(page, ticked_server, LEGAL)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Meldingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meldingen")
    reminders_section = page.get_by_role("region", name="Herinneringen")
    expect(reminders_section).to_contain_text("namens Enschede")
    expect(reminders_section).not_to_contain_text("namens Almelo")
    assert_accessible(page, "the notifications page")

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ticked_server)
    page.get_by_role("button", name="Agenda-adres maken").click()
    expect(page.get_by_role("status")).to_contain_text("Uw nieuwe agenda-adres staat hieronder")
    address = page.get_by_role("textbox", name="Uw persoonlijke agenda-adres")
    expect(address).to_have_value(re.compile(r"^http://.+/calendar/.+\.ics$"))
    expect(address).to_have_attribute("readonly", "")
    # The script shows the button; a click puts the address on the clipboard and says so.
    page.get_by_role("button", name=re.compile("^Kopieer")).click()
    expect(page.get_by_text("Gekopieerd.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
    expect(page.get_by_role("button", name="Nieuw agenda-adres maken")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Gelezen")).first.click()
    expect(page.get_by_role("region", name="Herinneringen")).not_to_contain_text("ongelezen")
    page.screenshot(path=artifacts / "meldingen.png", full_page=True)
    assert_accessible(page, "the notifications page with a calendar address")


def test_outbox_and_ladder_pages_are_accessible_for_the_administrator(
    ticked_server: str, page: Page, artifacts: Path
) -> None:
    log_in(page, ticked_server, ADMIN)
    page.get_by_role("link", name="Postvak uit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Postvak uit")
    outbox = page.get_by_role("table", name=re.compile("berichten"))
    # 8: one reminder digest and one overview each for the project group, Borne's own jurist
    # (the demo's co-adviser) and Enschede's jurist and policy officer.
    expect(outbox).to_contain_text("8 berichten, nieuwste eerst")
    expect(outbox.get_by_role("cell", name="postvak", exact=True)).to_have_count(8)
    page.screenshot(path=artifacts / "postvak-uit.png", full_page=True)
    assert_accessible(page, "the outbox")

    page.goto(f"{ticked_server}/")
    page.get_by_role("link", name="Herinneringen instellen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Herinneringen instellen")
    assert_accessible(page, "the reminder ladders")
    ladder = page.get_by_role("region", name="Nieuwe volmacht nodig")
    ladder.get_by_label("Momenten (dagen vooraf)").fill("abc")
    ladder.get_by_role("button", name=re.compile("^Opslaan")).click()
    ladder = page.get_by_role("region", name="Nieuwe volmacht nodig")
    expect(ladder.get_by_role("alert")).to_contain_text("Momenten: 'abc' is geen aantal dagen.")
    assert_accessible(page, "the reminder ladders with an error")
    ladder.get_by_label("Momenten (dagen vooraf)").fill("60, 30, 7, 0")
    ladder.get_by_role("button", name=re.compile("^Opslaan")).click()
    expect(page.get_by_role("status")).to_contain_text("De herinneringsladder is opgeslagen.")
    expect(
        page.get_by_role("region", name="Nieuwe volmacht nodig").get_by_label(
            "Momenten (dagen vooraf)"
        )
    ).to_have_value("60, 30, 7, 0")
    page.screenshot(path=artifacts / "herinneringen.png", full_page=True)
