"""Every page of the app, logged in as every role of the demo, at a desktop width (1280 px) and
a phone width (390 px): the page does not scroll sideways as a whole (wide tables scroll inside
their own box or become stacked rows) and axe-core finds no WCAG 2.1 A/AA violations.
Screenshots of each page at both widths land in tests/artifacts/every-page/.

The pages are taken from the app's own routes: a GET route that is neither visited here nor
excluded with a reason fails the test, so a new page is checked from the day it is added."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text

from storage.database import make_engine
from storage.files import LocalFileStore
from tests.browser.test_start_pages import ROLES, axe_violations, log_in
from tests.conftest import make_settings, session_factory
from webapp.app import create_app
from workflows.actors import system_actor
from workflows.decisions.decisions import SECTIONS
from workflows.documents import document_templates
from workflows.monitoring import imports
from workflows.rules.document_fields import KIND_LABELS

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from werkzeug.routing import Map

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
SHOT_HEIGHT = 6000

# Routes that are answered with something else than a page, or that cannot be reached by
# walking the demo as it is seeded; each with the reason it is not visited here.
NOT_A_PAGE = {
    "static": "the style sheets, fonts and icon the pages use",
    "pages.health": "the health check for a load balancer: plain text",
    "deadlines.calendar": "an iCal feed for a calendar app",
    "documents.download": "a document file (Word or PDF)",
    "documents.bundle_download": "a bundle file (zip)",
    "documents.signed_download": "a signed copy uploaded by a provider (PDF)",
    "document_templates.download": "a template file (Word)",
    "document_templates.preview": "a filled-in template (Word)",
    "arrangements.export": "a CSV file",
    "arrangements.figures_export": "a spreadsheet (xlsx)",
    "agreements.export": "a CSV file",
    "mandates.export": "a CSV file",
    "organisations.export": "a CSV file",
    "audit_log.export": "a CSV file",
    "imports.template": "an empty CSV file to fill in",
}
UNREACHABLE_FROM_DEMO = {
    "auth.second_step": "exists only halfway through a login with a second factor; every "
    "provider and the beheerder log in through it here and in test_start_pages.py",
    "users.set_password": "needs a one-time link made by the beheerder; its page is checked "
    "by tests/webapp/test_user_admin.py",
    "documents.job": "the demo has no document job: jobs are made by generating a document",
}


@dataclass(frozen=True)
class Demo:
    """Ids from the seeded demo to fill in the routes' parameters."""

    arrangement: int
    decisions: list[int]
    draft_decision: int
    mandate: int
    agreement: int
    municipality: int
    provider: int
    user: int
    equated_day: int
    template_version: int
    import_preview: int


def _demo(database_url: str, files: Path) -> Demo:
    engine = make_engine(database_url)
    try:
        # The built-in templates as the first version of each kind, as the first document
        # generated would store them (the demo has none yet), and the preview of an import
        # (the empty template file) as an upload leaves it.
        with session_factory(engine)() as session:
            document_templates.ensure_all(session, LocalFileStore(files))
            operator = system_actor("test_every_page")
            arrangement = session.execute(text("SELECT MIN(id) FROM arrangements")).scalar_one()
            found = imports.lookup(session, operator, arrangement, kind="requests")
            table = imports.read_table("aanvragen.csv", imports.template_csv("requests"))
            imports.preview(
                session, operator, found, year=2025, filename="aanvragen.csv", table=table
            )
            session.commit()
        with engine.connect() as connection:

            def first(sql: str) -> int:
                return int(connection.execute(text(sql)).scalar_one())

            # One decision in each state the demo has: the pages differ per state.
            rows = connection.execute(text("SELECT status, MIN(id) FROM decisions GROUP BY status"))
            return Demo(
                arrangement=first("SELECT MIN(id) FROM arrangements"),
                decisions=sorted(int(row[1]) for row in rows),
                draft_decision=first("SELECT MIN(id) FROM decisions WHERE status = 'draft'"),
                mandate=first("SELECT MIN(id) FROM mandates"),
                agreement=first("SELECT MIN(id) FROM agreements"),
                municipality=first("SELECT MIN(id) FROM organisations WHERE kind = 'municipality'"),
                provider=first("SELECT MIN(id) FROM organisations WHERE kind = 'provider'"),
                user=first("SELECT MIN(id) FROM users"),
                equated_day=first("SELECT MIN(id) FROM equated_days"),
                template_version=first("SELECT MIN(id) FROM document_templates"),
                import_preview=first("SELECT MIN(id) FROM imports"),
            )
    finally:
        engine.dispose()


Arguments = list[dict[str, Any]]
ONCE: Arguments = [{}]

# Every page route and the arguments it is visited with.
PAGES: dict[str, Callable[[Demo], Arguments]] = {
    "auth.login": lambda d: ONCE,
    "pages.home": lambda d: ONCE,
    "account.password": lambda d: ONCE,
    "account.second_factor_page": lambda d: ONCE,
    "account.api_tokens": lambda d: ONCE,
    "signals.dashboard": lambda d: ONCE,
    "signals.term_calculator": lambda d: ONCE,
    "deadlines.index": lambda d: ONCE,
    "deadlines.my_notifications": lambda d: ONCE,
    "deadlines.ladders": lambda d: ONCE,
    "deadlines.outbox": lambda d: ONCE,
    "decisions.index": lambda d: ONCE,
    "decisions.create": lambda d: ONCE,
    "decisions.to_advise": lambda d: ONCE,
    "decisions.decision_list": lambda d: ONCE,
    "decisions.detail": lambda d: [{"decision_id": i} for i in d.decisions],
    "decisions.overview": lambda d: [{"decision_id": d.decisions[0]}],
    "decisions.edit": lambda d: [{"decision_id": d.draft_decision, "section": s} for s in SECTIONS],
    "arrangements.index": lambda d: ONCE,
    "arrangements.create": lambda d: ONCE,
    "arrangements.detail": lambda d: [{"arrangement_id": d.arrangement}],
    "arrangements.edit": lambda d: [{"arrangement_id": d.arrangement}],
    "arrangements.figures": lambda d: [{"arrangement_id": d.arrangement}],
    "arrangements.coverage_matrix": lambda d: [{"arrangement_id": d.arrangement}],
    "arrangements.changes": lambda d: [{"arrangement_id": d.arrangement}],
    "arrangements.extend": lambda d: [{"arrangement_id": d.arrangement}],
    "arrangement_parts.manage": lambda d: [{"arrangement_id": d.arrangement}],
    "imports.upload": lambda d: [{"arrangement_id": d.arrangement}],
    "imports.show": lambda d: [{"import_id": d.import_preview}],
    "mandates.index": lambda d: ONCE,
    "mandates.create": lambda d: ONCE,
    "mandates.detail": lambda d: [{"mandate_id": d.mandate}],
    "mandates.edit": lambda d: [{"mandate_id": d.mandate}],
    "mandates.changes": lambda d: [{"mandate_id": d.mandate}],
    "agreements.index": lambda d: ONCE,
    "agreements.create": lambda d: ONCE,
    "agreements.detail": lambda d: [{"agreement_id": d.agreement}],
    "agreements.edit": lambda d: [{"agreement_id": d.agreement}],
    "agreements.changes": lambda d: [{"agreement_id": d.agreement}],
    "documents.index": lambda d: [
        {"subject_type": "decision", "subject_id": d.decisions[0]},
        {"subject_type": "mandate", "subject_id": d.mandate},
        {"subject_type": "agreement", "subject_id": d.agreement},
        {"subject_type": "arrangement", "subject_id": d.arrangement},
    ],
    "documents.provider_home": lambda d: ONCE,
    "organisations.index": lambda d: ONCE,
    "organisations.detail": lambda d: [
        {"organisation_id": d.municipality},
        {"organisation_id": d.provider},
    ],
    "organisations.edit": lambda d: [{"organisation_id": d.municipality}],
    "users.index": lambda d: ONCE,
    "users.create": lambda d: ONCE,
    "users.edit": lambda d: [{"user_id": d.user}],
    "users.sessions": lambda d: ONCE,
    "users.api_tokens": lambda d: ONCE,
    "document_templates.index": lambda d: ONCE,
    # One page for every kind of document: two kinds show it is filled in per kind.
    "document_templates.kind": lambda d: [{"kind": k} for k in list(KIND_LABELS)[:2]],
    "document_templates.version": lambda d: [{"template_id": d.template_version}],
    "equated_days.index": lambda d: ONCE,
    "equated_days.edit": lambda d: [{"equated_day_id": d.equated_day}],
    "audit_log.index": lambda d: ONCE,
}


def _url_map(tmp_path: Path) -> Map:
    """The app's routes, from an app on a database of its own."""
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'routes.sqlite3'}", tmp_path / "data"))
    app.extensions["besluitwerk.engine"].dispose()
    return app.url_map


def _get_endpoints(tmp_path: Path) -> set[str]:
    return {
        rule.endpoint
        for rule in _url_map(tmp_path).iter_rules()
        if "GET" in (rule.methods or ()) and not rule.endpoint.startswith("api.")
    }


def test_every_page_route_is_visited_or_excluded_with_a_reason(tmp_path: Path) -> None:
    """The JSON API (api.*) has its own contract tests; every other GET route is a page that
    the browser test below visits, or a file or step named in the exclusions."""
    endpoints = _get_endpoints(tmp_path)
    excluded = set(NOT_A_PAGE) | set(UNREACHABLE_FROM_DEMO)
    missing = sorted(endpoints - set(PAGES) - excluded)
    assert not missing, f"GET routes neither visited by test_every_page nor excluded: {missing}"
    gone = sorted((set(PAGES) | excluded) - endpoints)
    assert not gone, f"test_every_page names routes the app no longer has: {gone}"
    assert not set(PAGES) & excluded


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def _check(page: Page, what: str, shots: Path, findings: Findings) -> None:
    """Overflow, screenshot and axe at both widths, for the page as it is now."""
    for name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            wide = page.evaluate(_WIDEST)
            findings.problems.append(
                f"{what} at {width} px: the page is {scroll_width} px wide; widest: {wide}"
            )
        # The top of a page: the coverage matrix on a phone is metres long, and capturing all
        # of it cost more than checking it.
        height = min(page.evaluate("document.documentElement.scrollHeight"), SHOT_HEIGHT)
        clip = {"x": 0, "y": 0, "width": width, "height": height}
        page.screenshot(path=shots / f"{_file_name(what)}-{name}.png", full_page=True, clip=clip)
        for line in axe_violations(page):
            findings.problems.append(f"{what} at {width} px: {line}")


# The first elements without children that stick out to the right of the window: where to look.
_WIDEST = """() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && el.children.length === 0) {
      const id = el.id ? "#" + el.id : "";
      const cls = el.className && typeof el.className === "string"
        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      out.push(el.tagName.toLowerCase() + id + cls + " (" + Math.round(r.right) + ")");
    }
    if (out.length >= 4) break;
  }
  return out.join(", ");
}"""


def _file_name(what: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in what).strip("-")


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_and_passes_axe(
    live_server: str, database_url: str, page: Page, artifacts: Path, tmp_path: Path, role: str
) -> None:
    # The live server's file store (tests/browser/conftest.py: its data folder in tmp_path).
    demo = _demo(database_url, tmp_path / "data" / "files")
    shots = artifacts / "every-page" / role
    shots.mkdir(parents=True, exist_ok=True)
    findings = Findings()
    page.set_default_navigation_timeout(30_000)

    if role == next(iter(ROLES)):
        page.goto(f"{live_server}/login")
        _check(page, "login", shots, findings)
    log_in(page, live_server, ROLES[role])

    checked_errors: set[int] = set()
    urls = _url_map(tmp_path).bind("127.0.0.1")
    paths = [
        (endpoint, urls.build(endpoint, arguments))
        for endpoint, fill in PAGES.items()
        if endpoint != "auth.login"
        for arguments in fill(demo)
    ]

    for endpoint, path in paths:
        response = page.goto(live_server + path)
        assert response is not None, path
        status = response.status
        findings.statuses[path] = status
        if status >= 500 or status not in (200, 403, 404):
            findings.problems.append(f"{path}: answered {status}")
            continue
        if page.url.startswith(f"{live_server}/login"):
            findings.problems.append(f"{path}: sent {role} to the login page")
            continue
        # A page this role may not see is the same error page everywhere: checked once.
        if status != 200:
            if status in checked_errors:
                continue
            checked_errors.add(status)
        # A page that sends this role on (a volmacht no longer editable shows its detail) is
        # checked where it lands.
        _check(page, f"{endpoint} {path}", shots, findings)

    allowed = sorted(p for p, s in findings.statuses.items() if s == 200)
    print(f"{role}: {len(allowed)} pages checked, {len(paths) - len(allowed)} not allowed")
    # Every role has its start page, account pages, arrangements and agreements at least.
    assert len(allowed) >= 8, f"{role} saw only {allowed}"
    assert not findings.problems, f"{len(findings.problems)} problem(s) as {role}:\n" + "\n".join(
        findings.problems
    )
