"""The main task of the roles the other browser tests do not drive, done in the browser as
the person would: the provider returns a signed agreement, the beheerder changes an account's
role and hands out a one-time link for a new password, the auditor finds both in the audit log
in Dutch words. Every page on the way passes axe."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import pytest
from reportlab.pdfgen import canvas

from storage.agreements import find_agreement_by_reference
from storage.database import make_engine
from tests.browser.test_start_pages import assert_accessible, log_in
from tests.conftest import ADMIN, AUDITOR, POLICY, PROVIDER_CR, session_factory

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
).expect

NEW_PASSWORD = "paarse olifant fietst langs de Regge"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _signed_pdf() -> bytes:
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer)
    drawing.drawString(72, 720, "Inkoopovereenkomst LOG-TW-2025-CR, getekend door Carintreggeland")
    drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def _menu(page: Page):
    return page.get_by_role("navigation", name="Hoofdmenu")


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")


def test_the_provider_returns_its_signed_agreement(
    database_url: str, live_server: str, page: Page
) -> None:
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            agreement = find_agreement_by_reference(session, "LOG-TW-2025-CR")
            assert agreement is not None
            agreement.status = "sent"
            session.commit()
    finally:
        engine.dispose()

    log_in(page, live_server, PROVIDER_CR)
    _menu(page).get_by_role("link", name="Te tekenen").click()
    row = page.get_by_role("row").filter(has_text="LOG-TW-2025-CR")
    expect(row).to_contain_text("verstuurd")
    row.get_by_role("link", name=re.compile("^Documenten en uploaden")).click()
    assert_accessible(page, "the provider's page of one agreement")
    page.get_by_label(re.compile("^Getekende overeenkomst")).set_input_files(
        {"name": "getekend.pdf", "mimeType": "application/pdf", "buffer": _signed_pdf()}
    )
    page.get_by_role("button", name="Getekend exemplaar uploaden").click()
    expect(page.get_by_text("Het getekende document is ontvangen")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Getekend exemplaar van"))).to_be_visible()
    assert_accessible(page, "the agreement after the upload")

    _menu(page).get_by_role("link", name="Te tekenen").click()
    row = page.get_by_role("row").filter(has_text="LOG-TW-2025-CR")
    expect(row).to_contain_text("getekend door aanbieder")
    expect(row).to_contain_text("Wacht op ondertekening door de gemeente.")


def test_the_beheerder_changes_a_role_and_the_user_sets_a_new_password_with_a_one_time_link(
    live_server: str, page: Page
) -> None:
    log_in(page, live_server, ADMIN)
    _menu(page).get_by_role("link", name="Gebruikers").click()
    page.get_by_role("link", name="Wijzigen Beleidsmedewerker Enschede").click()
    assert_accessible(page, "the account page")
    page.get_by_role("combobox", name=re.compile("^Rol")).select_option(label="jurist")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text(f"Het account {POLICY} is opgeslagen.")).to_be_visible()

    page.get_by_role("link", name="Wijzigen Beleidsmedewerker Enschede").click()
    page.get_by_role("button", name="Link voor nieuw wachtwoord maken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Link voor nieuw wachtwoord")
    link = page.locator("code.bw-secret").inner_text().strip()
    assert link.startswith(live_server + "/gebruikers/nieuw-wachtwoord/")
    assert_accessible(page, "the page with the one-time link")
    _log_out(page)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuw wachtwoord instellen")
    page.get_by_label(re.compile(r"^Nieuw wachtwoord(?! herhalen)")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile("^Nieuw wachtwoord herhalen")).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Wachtwoord instellen").click()

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mailadres").fill(POLICY)
    page.get_by_label("Wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    expect(page.get_by_text("jurist · Enschede")).to_be_visible()
    _log_out(page)

    # The link worked once.
    page.goto(link)
    expect(page.get_by_role("heading", level=1, name="Nieuw wachtwoord instellen")).to_have_count(0)

    log_in(page, live_server, AUDITOR)
    page.get_by_role("link", name="Auditlogboek").first.click()
    page.get_by_label("Wie (deel van naam of e-mailadres)").fill(ADMIN)
    page.get_by_role("button", name="Filteren").click()
    events = page.get_by_role("region", name="Gebeurtenissen")
    expect(events).to_contain_text("jurist")
    assert not ISO_DATE.search(events.inner_text())
    assert_accessible(page, "the audit log filtered on the beheerder")
