"""Issue 16, point 6, in a real browser: a form sent with errors comes back with the focus on
its error summary, so a screen reader reads what went wrong first. The browser enforces the
app's Content-Security-Policy here (no bypass), so this also shows the focus script is
allowed by it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.test_start_pages import log_in
from tests.conftest import PROJECT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
).expect


@pytest.fixture
def strict_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def test_focus_lands_on_the_error_summary(live_server: str, strict_context: BrowserContext) -> None:
    page = strict_context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    log_in(page, live_server, PROJECT)
    page.goto(f"{live_server}/regelingen/nieuw")
    page.get_by_role("button", name="Opslaan").click()
    summary = page.locator("[data-bw-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Controleer de invoer")
    assert page.title().startswith("Fout: ")
    # The summary's link takes the keyboard user to the field.
    summary.get_by_role("link").first.click()
    field_id = page.evaluate("document.activeElement.id")
    assert field_id, "following a link of the summary puts the focus on a field"
    assert blocked == []
