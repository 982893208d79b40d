"""Takes the README's screenshots: each demo role's start page and main page, at a desktop
width (1280 px) and a phone width (390 px), as PNG files in docs/screenshots/.

Run by hand after a change to how pages look (needs `bash .ci/setup --tests` for chromium):

    .venv/bin/python docs/screenshots/take.py

It serves its own copy of the Twente demo (seeded for today, in a temporary folder) on a free
port on 127.0.0.1, so a running demo and its data are left alone. The images are reduced to
a palette of 256 colours, which keeps each file small without visible loss for these pages.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pyotp
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))

from storage.accounts import User  # noqa: E402
from storage.database import make_engine, make_session_factory  # noqa: E402
from storage.keys import Keys  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from webapp.app import create_app  # noqa: E402
from webapp.config import Settings  # noqa: E402
from workflows.accounts import second_factor  # noqa: E402
from workflows.actors import system_actor  # noqa: E402
from workflows.demo import demo  # noqa: E402
from workflows.rules import second_factor as second_factor_rules  # noqa: E402
from workflows.rules.roles import Role  # noqa: E402

OUT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"desktop": (1280, 860), "phone": (390, 844)}

# Per role: the file name, the account and the pages shown (file-name suffix, address).
ROLES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "beleidsmedewerker",
        "beleid@enschede.example",
        [("start", "/"), ("signalen", "/signalen"), ("dekking", "/regelingen/1/dekking")],
    ),
    ("jurist", "jurist@enschede.example", [("start", "/"), ("dossier", "/besluiten/1")]),
    (
        "projectgroep",
        "projectgroep@rijssen-holten.example",
        [("start", "/"), ("regeling", "/regelingen/1")],
    ),
    (
        "beheerder",
        "beheer@rijssen-holten.example",
        [("start", "/"), ("gebruikers", "/gebruikers/")],
    ),
    ("auditor", "auditor@enschede.example", [("start", "/"), ("auditlog", "/beheer/auditlog/")]),
    (
        "aanbieder",
        "aanbieder@carintreggeland.example",
        [("start", "/"), ("overeenkomsten", "/overeenkomsten/")],
    ),
]


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: the script prints the files it saves."""

    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


def _demo_database(folder: Path, keys: Keys, totp_secret: str) -> str:
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine, keys=keys)() as session:
        demo.seed_demo(session, system_actor("screenshots"), today=date.today())
        # A known second factor for the providers and the beheerder, so the script can log in.
        for user in session.scalars(select(User)).all():
            if second_factor_rules.required(Role(user.role)):
                second_factor.store_secret(session, user, totp_secret)
                user.totp_confirmed_at = datetime.now(UTC)
        session.commit()
    engine.dispose()
    return url


def _log_in(page: Page, base: str, email: str, totp_secret: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if page.get_by_role("heading", level=1, name="Code invoeren").is_visible():
        page.get_by_label("Code").fill(pyotp.TOTP(totp_secret).now())
        page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def _save(page: Page, path: Path) -> None:
    page.screenshot(path=path)
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    print(f"{path.relative_to(REPOSITORY)}  {path.stat().st_size // 1024} KB")


def main() -> None:
    totp_secret = pyotp.random_base32()
    audit_key = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="besluitwerk-screenshots-") as temporary:
        folder = Path(temporary)
        url = _demo_database(folder, Keys.derive(audit_key), totp_secret)
        settings = Settings(
            database_url=url,
            secret_key=secrets.token_urlsafe(32),
            data_dir=folder / "data",
            audit_key=audit_key,
        )
        app = create_app(settings)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
                for name, email, pages in ROLES:
                    context = browser.new_context(locale="nl-NL")
                    page = context.new_page()
                    _log_in(page, base, email, totp_secret)
                    for suffix, address in pages:
                        page.goto(base + address)
                        for width_name, (width, height) in WIDTHS.items():
                            page.set_viewport_size({"width": width, "height": height})
                            page.evaluate("document.fonts.ready.then(() => true)")
                            _save(page, OUT / f"{name}-{suffix}-{width_name}.png")
                    context.close()
                browser.close()
        finally:
            server.shutdown()
            app.extensions["besluitwerk.engine"].dispose()


if __name__ == "__main__":
    main()
