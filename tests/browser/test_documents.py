"""Browser tests of the documents: the legal officer has all volmachten of the Twente demo made
as a bulk job, watches the job page refresh itself until it is done, and downloads the bundle;
the provider finds its exchange page, the administrator the templates. Every page passes axe.

The live server runs the document job worker thread (``DOCUMENT_JOB_WORKER`` is on by default;
only the ``app`` fixture of tests/conftest.py switches it off), and LibreOffice makes the PDFs."""

from __future__ import annotations

import re
import shutil
from io import BytesIO
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.test_start_pages import assert_accessible, log_in
from tests.conftest import ADMIN, LEGAL, PROVIDER_CR
from workflows.demo.demo import VOLMACHT_TITLE

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
).expect

# The demo volmacht has a grant for each of the 13 municipalities (12 granted, 1 draft).
MUNICIPALITIES = 13
# Making 13 documents and converting them with LibreOffice takes a while on a slow machine.
JOB_TIMEOUT_MS = 60_000
DOCUMENTS_LINK = re.compile(
    r"^(Documenten maken en downloaden|Alle documenten, versies en bundels)$"
)


def _menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Hoofdmenu")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is missing")
def test_legal_officer_makes_all_volmachten_and_downloads_the_bundle(
    live_server: str, page: Page, artifacts: Path
) -> None:
    from pypdf import PdfReader

    log_in(page, live_server, LEGAL)
    _menu(page).get_by_role("link", name="Volmachten").click()
    page.get_by_role("link", name=VOLMACHT_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(VOLMACHT_TITLE)
    # The link to the documents page: its wording is being reworked (a "Documenten" section
    # with one-click buttons on the subject page, linking to all versions and bundles).
    page.get_by_role("link", name=DOCUMENTS_LINK).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documenten")
    expect(page.get_by_text("Er zijn nog geen bundels.")).to_be_visible()
    assert_accessible(page, "the documents of the mandate")

    page.get_by_role("button", name="Alle volmachten maken, met PDF en bundel").click()
    expect(page).to_have_url(re.compile(r"/documenten/opdrachten/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alle volmachten van")
    expect(page.get_by_role("progressbar", name="Voortgang")).to_be_visible()

    # The page refreshes itself every 2 seconds while the worker thread runs the job.
    status = page.get_by_role("status")
    expect(status).to_contain_text("Klaar", timeout=JOB_TIMEOUT_MS)
    expect(status).to_have_text(f"Klaar: {MUNICIPALITIES} documenten en een bundel.")
    progress = page.get_by_role("progressbar", name="Voortgang")
    expect(progress).to_be_visible()
    assert progress.get_attribute("value") == progress.get_attribute("max")
    page.screenshot(path=artifacts / "opdracht-volmachten.png", full_page=True)
    assert_accessible(page, "the finished job")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bundel downloaden (PDF)").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")

    reader = PdfReader(BytesIO(content))
    bookmarks: list[tuple[str, int]] = []
    for item in reader.outline:
        assert not isinstance(item, list), "the bundle's outline is flat"
        page_number = reader.get_destination_page_number(item)
        assert page_number is not None, item.title
        bookmarks.append((str(item.title), page_number))
    assert len(bookmarks) == 1 + MUNICIPALITIES, bookmarks
    assert bookmarks[0] == ("Inhoud", 0)
    titles = [title for title, _ in bookmarks[1:]]
    volmacht = re.compile(rf"Volmacht .+: {re.escape(VOLMACHT_TITLE)}")
    assert all(volmacht.fullmatch(title) for title in titles), titles
    assert titles == sorted(set(titles)), "one volmacht per municipality, alphabetical"
    assert f"Volmacht Enschede: {VOLMACHT_TITLE}" in titles
    assert f"Volmacht Borne: {VOLMACHT_TITLE}" in titles
    # One index page, then the 13 volmachten, each as long as the others (same template).
    starts = [start for _, start in bookmarks[1:]] + [len(reader.pages)]
    assert starts[0] == 1, bookmarks
    lengths = {later - earlier for earlier, later in pairwise(starts)}
    assert len(lengths) == 1 and min(lengths) >= 1, (bookmarks, len(reader.pages))
    assert len(reader.pages) == 1 + MUNICIPALITIES * lengths.pop()
    index_text = reader.pages[0].extract_text()
    assert "Volmachtenbundel" in index_text
    assert "nog niet verleend" in index_text  # Borne has not granted yet

    # Back on the documents page the volmachten and the bundle are listed.
    page.get_by_role("link", name="Naar de documenten van het mandaat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documenten")
    expect(page.get_by_role("heading", name="Bundels")).to_be_visible()
    expect(page.get_by_text("Er zijn nog geen bundels.")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^Volmachtenbundel"))).to_be_visible()
    enschede_pdf = page.get_by_role("link", name=re.compile(r"^PDF Volmacht Enschede"))
    expect(enschede_pdf.first).to_be_visible()
    assert_accessible(page, "the documents of the mandate with documents and a bundle")


def test_provider_sees_its_exchange_page_and_the_administrator_the_templates(
    live_server: str, page: Page
) -> None:
    log_in(page, live_server, PROVIDER_CR)
    expect(_menu(page).get_by_role("link", name="Sjablonen")).to_have_count(0)
    _menu(page).get_by_role("link", name="Te tekenen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn overeenkomsten")
    expect(_menu(page).get_by_role("link", name="Te tekenen")).to_have_attribute(
        "aria-current", "page"
    )
    assert_accessible(page, "the provider's exchange page")
    page.get_by_role("button", name="Uitloggen").click()

    log_in(page, live_server, ADMIN)
    _menu(page).get_by_role("link", name="Sjablonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sjablonen")
    expect(page.get_by_role("table")).to_contain_text("versie")
    assert_accessible(page, "the templates page")
