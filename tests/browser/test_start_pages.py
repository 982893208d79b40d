"""The start page of every demo role in a real browser: it loads, it looks right (screenshots
in tests/artifacts/), axe-core finds no WCAG 2.1 A/AA violations, and it works by keyboard."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyotp
import pytest

from tests.browser.conftest import AXE, WCAG_TAGS
from tests.conftest import (
    ADMIN,
    AUDITOR,
    LEGAL,
    PASSWORD,
    POLICY,
    PROJECT,
    PROVIDER_CR,
    TOTP_SECRET,
)
from workflows.demo.demo import ARRANGEMENT_NAME

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
).expect

ROLES = {
    "policy-officer": POLICY,
    "legal-officer": LEGAL,
    "project-group": PROJECT,
    "administrator": ADMIN,
    "auditor": AUDITOR,
    "provider": PROVIDER_CR,
}

_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    targets: v.nodes.map((n) => n.target.map((t) => [].concat(t).join(" >>> ")).join(" ")),
  }));
}"""


def axe_violations(page: Page) -> list[str]:
    """Runs axe-core on the page as it is now: one line per violation and where, or none."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(_RUN_AXE, WCAG_TAGS)
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}]: {v['help']} ({v['helpUrl']})")
        lines.extend(f"    at {target}" for target in v["targets"])
    return lines


def assert_accessible(page: Page, what: str) -> None:
    """Runs axe-core on the page as it is now; fails with what to fix and where."""
    lines = axe_violations(page)
    if lines:
        count = sum(1 for line in lines if line.startswith("- "))
        header = f"axe found {count} WCAG 2.1 A/AA violation(s) on {what} ({page.url}):"
        report = "\n".join([header, *lines])
        print(report)
        pytest.fail(report)


def has_horizontal_scroll(page: Page) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if page.get_by_role("heading", level=1, name="Code invoeren").is_visible():
        # The second factor (S19): type the code as the authenticator app shows it; a code
        # already used in this 30-second step is refused, so the next step's code is the retry.
        totp = pyotp.TOTP(TOTP_SECRET)
        for offset in (0, 30):
            page.get_by_label("Code").fill(totp.at(time.time() + offset))
            page.get_by_role("button", name="Inloggen").click()
            if not page.get_by_role("alert").is_visible():
                break
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def test_login_page_is_accessible(live_server: str, page: Page, artifacts: Path) -> None:
    page.goto(f"{live_server}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    assert not has_horizontal_scroll(page)
    page.screenshot(path=artifacts / "login.png", full_page=True)
    assert_accessible(page, "the login page")


def test_failed_login_is_accessible(live_server: str, page: Page) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mailadres").fill(POLICY)
    page.get_by_label("Wachtwoord").fill("not-the-password")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("klopt niet")
    assert_accessible(page, "the login page with an error")


@pytest.mark.parametrize("role", list(ROLES))
def test_start_page_and_arrangement(
    live_server: str, page: Page, artifacts: Path, role: str
) -> None:
    log_in(page, live_server, ROLES[role])
    assert page.url == f"{live_server}/"
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()
    assert not has_horizontal_scroll(page)
    page.screenshot(path=artifacts / f"start-{role}.png", full_page=True)
    assert_accessible(page, f"the start page of the {role}")

    page.get_by_role("link", name=ARRANGEMENT_NAME).click()
    expect(page).to_have_url(re.compile(r"/regelingen/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ARRANGEMENT_NAME)
    page.screenshot(path=artifacts / f"regeling-{role}.png", full_page=True)
    assert_accessible(page, f"the arrangement overview as {role}")


def test_administrator_pages_are_accessible(live_server: str, page: Page, artifacts: Path) -> None:
    log_in(page, live_server, ADMIN)
    nav = page.get_by_role("navigation", name="Hoofdmenu")

    nav.get_by_role("link", name="Organisaties").click()
    expect(page).to_have_url(f"{live_server}/organisaties/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisaties")
    page.screenshot(path=artifacts / "organisaties.png", full_page=True)
    assert_accessible(page, "the organisation list")

    page.get_by_role("link", name="Enschede", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enschede")
    page.get_by_role("link", name="Bewerken").click()
    expect(page).to_have_url(re.compile(r"/organisaties/\d+/bewerken$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enschede bewerken")
    page.screenshot(path=artifacts / "organisatie-bewerken.png", full_page=True)
    assert_accessible(page, "the organisation edit page")

    nav.get_by_role("link", name="Gebruikers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebruikers")
    assert_accessible(page, "the user list")

    page.get_by_role("link", name="Sessies en mislukte aanmeldingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessies en mislukte aanmeldingen")
    expect(page.get_by_role("table").first).to_contain_text(ADMIN)
    page.screenshot(path=artifacts / "sessies.png", full_page=True)
    assert_accessible(page, "the session overview")
    page.get_by_role("link", name="Terug naar de gebruikers").click()

    page.get_by_role("link", name="Nieuw account").click()
    expect(page).to_have_url(f"{live_server}/gebruikers/nieuw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuw account")
    page.screenshot(path=artifacts / "gebruiker-nieuw.png", full_page=True)
    assert_accessible(page, "the new account form")

    # The same form after a submit without input: the error summary and invalid fields, each
    # field marked invalid and described by its own message, the selects as the text fields.
    page.get_by_role("button", name="Account aanmaken").click()
    expect(page.get_by_role("alert")).to_contain_text("Controleer de invoer")
    for label in ("Naam", "E-mailadres", "Rol", "Organisatie", "Beginwachtwoord"):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(r"\w"))
    page.screenshot(path=artifacts / "gebruiker-nieuw-fouten.png", full_page=True)
    assert_accessible(page, "the new account form with errors")


def test_keyboard_only_login(live_server: str, page: Page, artifacts: Path) -> None:
    page.goto(f"{live_server}/login")
    skip_link = page.get_by_role("link", name="Direct naar de inhoud")

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.screenshot(path=artifacts / "login-skip-link.png")

    # The skip link moves focus to the main content, so the next Tab reaches the first field.
    page.keyboard.press("Enter")
    expect(page.locator("main#inhoud")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mailadres")).to_be_focused()
    page.keyboard.type(POLICY)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wachtwoord")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    assert page.url == f"{live_server}/"


def test_keyboard_tab_order_on_login_page(live_server: str, page: Page) -> None:
    """Tab walks the skip link, the header, the fields and the button in reading order."""
    page.goto(f"{live_server}/login")
    expected = [
        page.get_by_role("link", name="Direct naar de inhoud"),
        page.get_by_role("link", name="Besluitwerk"),
        page.get_by_label("E-mailadres"),
        page.get_by_label("Wachtwoord"),
        page.get_by_role("button", name="Inloggen"),
    ]
    for locator in expected:
        page.keyboard.press("Tab")
        expect(locator).to_be_focused()
