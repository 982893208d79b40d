"""The walkthrough's first steps with the demo's "today" moved across 2024–2028: on each day the
project group reads a gap that makes sense for that day (a missed meeting offers the next one and
ratification when the act is already past), starts the work from it in one click, and a second
click shows the dossier in progress instead of making another. The whole path to the decision on
one day is tests/browser/test_journey.py; the story of every day in the registers is
tests/workflows/deadlines/test_signals.py (STORY)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from tests.browser.test_start_pages import log_in
from tests.conftest import PROJECT
from webapp import clock

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
).expect

START = re.compile("^Besluitvormingsdossier opstellen")

# (moment, the first gap's words, whether its meeting is missed, whether its act is past)
DAYS = {
    # Before the first contract's start: concluding it is the first gap, its meeting is gone.
    "1 februari 2024": (datetime(2024, 2, 1, 9, 0, tzinfo=UTC), "overeenkomst sluiten", True),
    # The tender ran without volmacht; the last meeting of the year can still decide.
    "3 december 2026": (datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "aanbesteding voorbereiden", True),
    # The new contract began without volmacht: ratification is what is left.
    "1 juni 2027": (datetime(2027, 6, 1, 9, 0, tzinfo=UTC), "aanbesteding voorbereiden", True),
    "1 juni 2028": (datetime(2028, 6, 1, 9, 0, tzinfo=UTC), "aanbesteding voorbereiden", True),
}


@pytest.mark.parametrize("day", list(DAYS))
def test_on_any_day_the_project_group_starts_the_gap_s_work_once_from_the_signal(
    live_server: str, page: Page, monkeypatch: pytest.MonkeyPatch, day: str
) -> None:
    moment, act_words, missed = DAYS[day]
    monkeypatch.setattr(clock, "now", lambda: moment)
    log_in(page, live_server, PROJECT)
    page.goto(f"{live_server}/signalen")

    box = page.get_by_role("note").filter(has_text=f"'{act_words}' per").first
    expect(box).to_contain_text("is niet gedekt voor")
    if missed:
        expect(box).to_contain_text("Vergadering gemist.")
        expect(box).to_contain_text("Nog mogelijk: de collegevergadering van")
        expect(box).to_contain_text("Bekrachtiging (art. 3:69 BW)")
    # Every date the user reads is in words: no ISO date anywhere on the page.
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", page.locator("main").inner_text())

    box.get_by_role("button", name=START).click()
    expect(page.get_by_role("status")).to_contain_text("uitgespreid over")
    heading = page.get_by_role("heading", level=1).inner_text()
    first = page.url

    # Clicking the same gap again shows the dossier in progress; it makes no second one.
    page.goto(f"{live_server}/signalen")
    again = page.get_by_role("note").filter(has_text=f"'{act_words}' per").first
    again.get_by_role("button", name=START).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert page.url == first
