"""Browser tests of the registers: the legal officer walks the coverage matrix of the Twente
demo and asks the question the product exists for; every register page passes axe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.test_start_pages import assert_accessible, has_horizontal_scroll, log_in
from tests.conftest import LEGAL, PROJECT, PROVIDER_CR
from workflows.demo.demo import ARRANGEMENT_NAME, VOLMACHT_TITLE

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
).expect


def test_legal_officer_walks_the_coverage_matrix_and_finds_the_tender_gap(
    live_server: str, page: Page, artifacts: Path
) -> None:
    log_in(page, live_server, LEGAL)
    page.get_by_role("link", name=ARRANGEMENT_NAME).first.click()
    page.get_by_role("link", name="Wie mag wat doen (dekking)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wie mag wat doen")
    # The extension phase: concluding agreements is covered for Enschede, not yet for Borne.
    table = page.get_by_role("table", name="Overeenkomst sluiten")
    enschede = table.get_by_role("row", name=re.compile(r"^Enschede"))
    expect(enschede).to_contain_text("gedekt")
    borne = table.get_by_role("row", name=re.compile(r"^Borne"))
    expect(borne).to_contain_text("Borne heeft nog niet besloten.")
    assert_accessible(page, "the coverage matrix")

    page.get_by_label("Handeling").select_option("run_tender")
    page.get_by_label("Datum").fill("2026-03-01")
    page.get_by_role("button", name="Vraag").click()
    answer = page.get_by_role("table", name=re.compile("aanbesteding uitvoeren"))
    hengelo = answer.get_by_role("row", name=re.compile(r"^Hengelo"))
    expect(hengelo).to_contain_text("nee")
    expect(hengelo).to_contain_text("niet voor 'aanbesteding uitvoeren'")
    lead = answer.get_by_role("row", name=re.compile(r"^Rijssen-Holten"))
    expect(lead).to_contain_text("eigen bevoegdheid")
    page.screenshot(path=artifacts / "dekking-aanbesteding.png", full_page=True)
    assert_accessible(page, "the coverage answer")


def test_mandate_register_pages_are_accessible(
    live_server: str, page: Page, artifacts: Path
) -> None:
    log_in(page, live_server, LEGAL)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Volmachten").click()
    expect(page.get_by_role("row", name=re.compile(VOLMACHT_TITLE))).to_contain_text(
        "12 van 13 verleend"
    )
    assert not has_horizontal_scroll(page)
    assert_accessible(page, "the mandate register")
    page.get_by_role("link", name=VOLMACHT_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(VOLMACHT_TITLE)
    page.screenshot(path=artifacts / "volmacht.png", full_page=True)
    assert_accessible(page, "the mandate detail with the grant forms")
    # Granted: its text is not edited in place; a change is a new version, a draft.
    expect(page.get_by_role("link", name="Bewerken")).to_have_count(0)
    page.get_by_role("button", name="Nieuwe versie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{VOLMACHT_TITLE} (versie 2)")
    versions = page.get_by_role("region", name="Versies")
    expect(versions.get_by_role("listitem")).to_have_count(2)
    expect(versions.get_by_role("listitem").first).to_contain_text("12 van 13 verleend")
    assert_accessible(page, "the new version of the mandate with its versions")
    page.get_by_role("link", name="Bewerken").click()
    assert_accessible(page, "the mandate edit form")
    page.get_by_role("link", name="Annuleren").click()
    page.get_by_role("link", name="Geschiedenis").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Geschiedenis")
    assert_accessible(page, "the mandate history")


def test_agreement_pages_are_accessible_and_a_provider_sees_only_its_own(
    live_server: str, page: Page
) -> None:
    log_in(page, live_server, PROVIDER_CR)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Overeenkomsten"
    ).click()
    expect(page.get_by_role("table")).to_contain_text("LOG-TW-2025-CR")
    expect(page.get_by_role("table")).not_to_contain_text("LOG-TW-2025-LI")
    assert_accessible(page, "the provider's agreement list")
    page.get_by_role("link", name="LOG-TW-2025-CR").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Carintreggeland")
    assert_accessible(page, "the provider's agreement")


def test_project_group_previews_an_extension_before_adding_it(
    live_server: str, page: Page, artifacts: Path
) -> None:
    log_in(page, live_server, PROJECT)
    page.get_by_role("link", name=ARRANGEMENT_NAME).first.click()
    page.get_by_role("link", name="Verlengen").click()
    page.get_by_label("Nieuwe einddatum (t/m)").fill("2026-12-31")
    page.get_by_role("button", name="Bekijk wat het raakt").click()
    expect(page.get_by_role("heading", name="Wat de verlenging raakt")).to_be_visible()
    expect(page.get_by_text("LOG-TW-2025-CR – Carintreggeland", exact=False)).to_be_visible()
    page.screenshot(path=artifacts / "verlengen.png", full_page=True)
    assert_accessible(page, "the extension preview")
    page.get_by_role("button", name="Verlenging toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("Verlenging 2 is toegevoegd")
    expect(page.get_by_role("table", name="Fasen (einddatum t/m)")).to_contain_text("Verlenging 2")


def test_arrangement_parts_page_is_accessible_with_errors(live_server: str, page: Page) -> None:
    log_in(page, live_server, PROJECT)
    page.get_by_role("link", name=ARRANGEMENT_NAME).first.click()
    page.get_by_role("link", name="Fasen, evaluaties, capaciteit en budget").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("capaciteit")
    assert_accessible(page, "the arrangement parts page")
    page.get_by_role("button", name="Budget vastleggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Gemeente")
    assert_accessible(page, "the arrangement parts page with errors")


def test_signals_dashboard_and_term_calculator_are_accessible(
    live_server: str, page: Page, artifacts: Path
) -> None:
    log_in(page, live_server, LEGAL)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Wat moet wanneer"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wat moet wanneer gebeuren")
    page.get_by_label("Peildatum").fill("2025-06-01")
    page.get_by_role("button", name="Bijwerken").click()
    # The gap is Enschede's too, so it shows whole in her own view (issue 16, point 2); the
    # whole region is one click away.
    expect(page.get_by_text("is niet gedekt voor 13 gemeenten")).to_be_visible()
    page.get_by_role("link", name="Hele regio").click()
    expect(page.get_by_text("U ziet de hele regio.")).to_be_visible()
    expect(page.get_by_text("is niet gedekt voor 13 gemeenten")).to_be_visible()
    page.screenshot(path=artifacts / "signalen.png", full_page=True)
    assert_accessible(page, "the signals dashboard")
    page.get_by_role("link", name="Termijn berekenen (Algemene termijnenwet)").click()
    page.get_by_label("Begindatum").fill("2026-03-24")
    page.get_by_label("Aantal").fill("6")
    page.get_by_role("button", name="Bereken").click()
    expect(page.get_by_text("5 mei, Bevrijdingsdag", exact=False)).to_be_visible()
    assert_accessible(page, "the term calculator")


def test_figures_and_costs_page_is_accessible(
    live_server: str, page: Page, artifacts: Path
) -> None:
    log_in(page, live_server, PROJECT)
    page.get_by_role("link", name=ARRANGEMENT_NAME).first.click()
    page.get_by_role("link", name="Cijfers en kosten").click()
    page.get_by_label("Jaar").fill("2025")
    page.get_by_role("button", name="Tonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cijfers en kosten 2025")
    expect(page.get_by_text("77,7%")).to_be_visible()
    page.screenshot(path=artifacts / "cijfers.png", full_page=True)
    assert_accessible(page, "the figures and costs page")


def test_project_group_imports_figures_previews_confirms_and_sees_the_chart(
    live_server: str, page: Page, tmp_path: Path
) -> None:
    csv_file = tmp_path / "aanvragen-2026.csv"
    csv_file.write_text(
        "Aanbieder;Aanvragen;Geplaatst;Niet geplaatst;Onbekend;Geannuleerd\n"
        "Carintreggeland;10;6;4;0;0\n"
        "Liberein;9;9;0;0;1\n",
        encoding="utf-8",
    )
    log_in(page, live_server, PROJECT)
    page.get_by_role("link", name=ARRANGEMENT_NAME).first.click()
    page.get_by_role("link", name="Cijfers en kosten").click()
    page.get_by_role("link", name="Gegevens inlezen").click()
    assert_accessible(page, "the import form")
    page.get_by_label("Jaar").fill("2026")
    page.get_by_label("Bestand (.xlsx of .csv, ten hoogste 5 MB)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Voorbeeld tonen").click()
    expect(page.get_by_text("2 regels, waarvan 1 met fouten")).to_be_visible()
    expect(page.get_by_text("Totalen kloppen niet: 9 aanvragen")).to_be_visible()
    assert_accessible(page, "the import preview with an error")
    page.get_by_role("button", name="Bevestigen en opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("Regel 3 bevat fouten")
    page.get_by_label("regel 3 uitsluiten").check()
    page.get_by_role("button", name="Bevestigen en opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("1 regel opgeslagen; 1 uitgesloten")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cijfers en kosten 2026")
    chart = page.get_by_role("img", name="Aanvragen per aanbieder in 2026")
    expect(chart).to_contain_text("Carintreggeland")


def test_account_page_is_accessible(live_server: str, page: Page) -> None:
    log_in(page, live_server, LEGAL)
    page.get_by_role("link", name="Jurist Enschede").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw account")
    assert_accessible(page, "the account page")
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(page.get_by_role("alert")).to_contain_text("Huidig wachtwoord: klopt niet.")
    assert_accessible(page, "the account page with errors")


def test_audit_log_page_is_accessible(live_server: str, page: Page) -> None:
    from tests.conftest import AUDITOR

    log_in(page, live_server, AUDITOR)
    page.get_by_role("link", name="auditlogboek").click()
    expect(page.get_by_text("De hashketen is intact")).to_be_visible()
    assert_accessible(page, "the audit log")
