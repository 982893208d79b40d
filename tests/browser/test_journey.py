"""Browser test of the walkthrough "from signal to authority" (README): the project group starts
the dossier from the signal "nieuwe volmacht nodig", Enschede's policy officer and jurist take
Enschede's own dossier through co-advice to the college's decision, and on the next request the
signal no longer names Enschede. The server's clock is set to Monday 2 June 2025, when the
tender of the successor contract has no volmacht yet.

With JOURNEY_SCREENSHOTS=1 the steps are saved as docs/screenshots/journey-*.png, the pictures
of the README's walkthrough; otherwise they go to tests/artifacts."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import REPOSITORY
from tests.browser.test_decisions import log_out, next_step
from tests.browser.test_start_pages import log_in
from tests.conftest import LEGAL, POLICY, PROJECT
from webapp import clock

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
).expect

MONDAY = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
MEETING_AFTERNOON = datetime(2025, 6, 24, 13, 0, tzinfo=UTC)
TENDER_GAP = "'aanbesteding voorbereiden' per"
SUBJECT = re.compile("^Verlenen volmacht aanbesteding")


def shots(artifacts: Path) -> Path:
    if os.environ.get("JOURNEY_SCREENSHOTS") == "1":
        folder = REPOSITORY / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return artifacts


def clip_below(page: Page, heading: str, path: Path, *, height: int = 130) -> None:
    """A picture of a section of the page: its heading and what follows it."""
    found = page.get_by_role("heading", name=heading, exact=True)
    found.scroll_into_view_if_needed()
    top = found.bounding_box()
    assert top is not None
    page.screenshot(path=path, clip={"x": 0, "y": top["y"] - 16, "width": 1280, "height": height})


def gap_box(page: Page) -> Locator:
    return page.get_by_role("note").filter(has_text=TENDER_GAP)


def test_from_the_signal_to_a_granted_volmacht_the_signal_for_enschede_disappears(
    live_server: str, page: Page, artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = shots(artifacts)
    monkeypatch.setattr(clock, "now", lambda: MONDAY)

    # 1. The project group sees the gap on "Wat moet wanneer gebeuren".
    log_in(page, live_server, PROJECT)
    page.goto(f"{live_server}/signalen")
    box = gap_box(page)
    expect(box).to_contain_text("is niet gedekt voor 13 gemeenten")
    expect(box).to_contain_text("Enschede")
    box.screenshot(path=folder / "journey-1-signal.png")

    # 2. One click: a regional dossier, fanned out to the 13 colleges, and one draft volmacht.
    box.get_by_role("button", name=re.compile("^Besluitvormingsdossier opstellen")).click()
    expect(page.get_by_role("status")).to_contain_text("uitgespreid over 13 colleges")
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    page.screenshot(path=folder / "journey-2-dossier.png")
    log_out(page)

    # 3. Enschede's policy officer completes her college's dossier and asks the jurist.
    log_in(page, live_server, POLICY)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Besluiten").click()
    page.get_by_role("row", name=re.compile("Enschede")).get_by_role("link", name=SUBJECT).click()
    detail = page.url
    page.get_by_role("link", name=re.compile(r"^Bewerken\s*:\s*Agendaformulier: kop$")).click()
    page.get_by_label("B&W-vergadering").fill("2025-06-24")
    page.get_by_label("Casenummer").fill("BV25000123")
    page.get_by_role("button", name="Opslaan").click()
    page.goto(detail)
    page.get_by_label("Mee-adviseur", exact=True).select_option(label="Jurist Enschede (jurist)")
    page.get_by_label("Organisatieonderdeel").fill("Juridische Zaken")
    page.get_by_role("button", name="Mee-adviseur vragen").click()
    next_step(page, "mee-advisering")
    expect(page.get_by_text("Status: mee-advisering")).to_be_visible()
    clip_below(page, "Mee-advisering", folder / "journey-3-co-advice.png", height=230)
    log_out(page)

    # 4. The jurist finds it on her "Te adviseren" list and agrees.
    log_in(page, live_server, LEGAL)
    page.get_by_role("link", name="1 dossier wacht op uw advies").click()
    page.get_by_role("link", name=SUBJECT).click()
    page.get_by_label("Advies", exact=True).select_option(label="akkoord")
    page.get_by_role("button", name="Advies vastleggen").click()
    expect(page.get_by_role("status")).to_contain_text("Het advies is vastgelegd.")
    log_out(page)

    # 5. The secretary's advice, the agenda, and on the day of the meeting: conform.
    log_in(page, live_server, POLICY)
    page.goto(detail)
    next_step(page, "advies gemeentesecretaris")
    page.get_by_role("link", name=re.compile(r"^Bewerken\s*:\s*Advies gemeentesecretaris$")).click()
    page.get_by_label("Advies gemeentesecretaris").fill("Akkoord.")
    page.get_by_role("button", name="Opslaan").click()
    next_step(page, "geagendeerd")
    expect(page.get_by_text("Status: geagendeerd")).to_be_visible()
    monkeypatch.setattr(clock, "now", lambda: MEETING_AFTERNOON)
    log_in(page, live_server, POLICY)
    page.goto(detail)
    page.get_by_label("Volgende stap").select_option(label="besloten")
    page.get_by_label("Uitkomst (bij besloten)").select_option(label="conform")
    page.get_by_role("button", name="Status bijwerken").click()
    expect(page.get_by_text("Status: besloten – besluit conform op 24 juni 2025")).to_be_visible()
    expect(
        page.get_by_text(re.compile("verleend en van kracht vanaf 24 juni 2025"))
    ).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=folder / "journey-4-decided.png")
    # What the decision did to the register: the grant, in force from the day of the meeting.
    clip_below(page, "Wat het besluit doet met de registers", folder / "journey-5-grant.png")

    # 6. On the next request the signal no longer names Enschede: 12 colleges to go. Enschede's
    # own view has nothing left for her; the gap is in the whole region's view.
    page.goto(f"{live_server}/signalen")
    expect(
        page.get_by_role("note").filter(has_text="'aanbesteding voorbereiden' per")
    ).to_have_count(0)
    page.get_by_role("link", name=re.compile("Hele regio")).first.click()
    box = gap_box(page)
    expect(box).to_contain_text("is niet gedekt voor 12 gemeenten")
    listed = box.locator("p").first.inner_text().split("gemeenten:")[1]
    assert "Enschede" not in listed and "Borne" in listed
    box.screenshot(path=folder / "journey-6-signal-gone.png")
