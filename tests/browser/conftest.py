"""Browser fixtures: the real app served by Werkzeug in a thread, and Debian's chromium driven
through Playwright. Nothing is downloaded: without /usr/bin/chromium the tests are skipped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import make_settings
from webapp.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

REPOSITORY = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPOSITORY / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPOSITORY / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def backend() -> str:
    """Overrides the parametrized backend of tests/conftest.py: the browser runs on SQLite."""
    return "sqlite"


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request in the test output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def _buffered(app: Any) -> Any:
    """The whole answer read and its file closed before the first byte goes out.

    When the browser drops a connection mid-answer (it navigates away while the favicon is
    still coming), werkzeug's development server can skip closing the answer's iterator, and
    the open static file surfaces later as a ResourceWarning in an unrelated test.
    """

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        answer = app(environ, start_response)
        try:
            return list(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return wsgi


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The real application on 127.0.0.1 and a free port, with the Twente demo loaded."""
    app = create_app(make_settings(database_url, tmp_path / "data"))
    server = make_server(
        "127.0.0.1", 0, _buffered(app), threaded=True, request_handler=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["besluitwerk.engine"].dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing: install Debian's chromium (bash .ci/setup --tests)"
        pytest.skip(reason=missing + "; the browser tests never download a browser")
    if not AXE.exists():
        pytest.skip(reason=f"{AXE} is missing: run bash .ci/setup --tests to install axe-core")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # The app's content security policy forbids inline scripts, which is how Playwright
    # injects axe-core; bypassing it in the test browser leaves the app's header untouched.
    context = browser.new_context(
        bypass_csp=True, locale="nl-NL", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
