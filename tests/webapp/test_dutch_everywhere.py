"""Everything a user reads is Dutch (issue 13, point 8): no code identifiers (``prepare_tender``,
``grantor_ids``), no Python values (``{'rows': 1}``, ``None``) and no ISO dates in the pages
of the demo as each role walks them, in the generated documents, the mails and the calendar
feed.

A page is read as a person reads it: its text and the attributes that are spoken or shown
(``title``, ``aria-label``, ``alt``, ``placeholder``). Form values and addresses are not read:
a date field carries ISO dates by HTML's own rule. Text in ``<code>`` is meant literally (the
names of template fields shown to the beheerder who writes a template) and is left out too.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from storage.deadlines import Message
from storage.documents import Document
from tests.conftest import (
    ADMIN,
    AUDITOR,
    LEGAL,
    POLICY,
    PROJECT,
    PROVIDER_CR,
    signed_in,
)
from tests.support import word_documents
from tests.support.demo_day import NOW
from webapp.database import sessions
from webapp.jobs import run_queued
from workflows.deadlines import reminders

pytestmark = pytest.mark.usefixtures("on_demo_day")

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# snake_case words (two parts or more) are code, as are Python's reprs of values.
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PYTHON_VALUE = re.compile(r"\{'|'[a-z_]+':\s|\bNone\b|\bTrue\b|\bFalse\b")

SPOKEN_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")
LITERAL_ELEMENTS = {"code", "script", "style", "kbd", "samp"}
# Addresses a walk must not follow: they end the session or change nothing readable.
NOT_FOLLOWED = re.compile(r"^/(logout|static/)|/bestand|/export|\.(csv|xlsx|ics|json)$")
MAX_PAGES_PER_ROLE = 250
MAX_VARIANTS_PER_PATH = 2


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._literal = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in LITERAL_ELEMENTS:
            self._literal += 1
        values = dict(attrs)
        self.texts.extend(v for k, v in values.items() if k in SPOKEN_ATTRIBUTES and v)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in LITERAL_ELEMENTS and self._literal:
            self._literal -= 1

    def handle_data(self, data: str) -> None:
        if not self._literal and data.strip():
            self.texts.append(data)


# An address is quoted as it is (a source such as wetten.overheid.nl carries dates in its path).
ADDRESS = re.compile(r"https?://\S+")


def problems_in(text: str) -> list[str]:
    text = ADDRESS.sub("", text)
    found = []
    for pattern, what in (
        (ISO_DATE, "ISO-datum"),
        (IDENTIFIER, "code"),
        (PYTHON_VALUE, "Python-waarde"),
    ):
        found += [
            f"{what}: {m.group(0)!r} in …{text[max(0, m.start() - 40) : m.end() + 40]}…"
            for m in pattern.finditer(text)
        ]
    return found


def walk(client, start: str = "/") -> tuple[dict[str, list[str]], int]:
    """Every page reachable by links from the start page, each with what it shows wrongly,
    and how many pages were read."""
    seen: set[str] = set()
    variants: dict[str, int] = {}
    queue = deque([start])
    report: dict[str, list[str]] = {}
    read = 0
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        address = queue.popleft()
        if address in seen:
            continue
        seen.add(address)
        response = client.get(address)
        if response.status_code >= 500:
            report[address] = [f"antwoordt {response.status_code}"]
            continue
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        read += 1
        reader = _Reader()
        reader.feed(response.get_data(as_text=True))
        wrong = [p for text in reader.texts for p in problems_in(text)]
        if wrong:
            report[address] = wrong
        for href in reader.links:
            target = urlsplit(urljoin(address, href))
            if target.netloc and target.netloc != "localhost":
                continue
            path = target.path + (f"?{target.query}" if target.query else "")
            if NOT_FOLLOWED.search(target.path) or path in seen:
                continue
            if variants.get(target.path, 0) >= MAX_VARIANTS_PER_PATH and target.query:
                continue
            variants[target.path] = variants.get(target.path, 0) + 1
            queue.append(path)
    return report, read


# At least this many pages per role, so that a broken walk cannot pass by reading nothing.
LEAST_PAGES = {POLICY: 40, LEGAL: 40, PROJECT: 40, ADMIN: 20, AUDITOR: 5, PROVIDER_CR: 3}


@pytest.mark.parametrize("email", list(LEAST_PAGES))
def test_every_page_a_role_reaches_is_dutch(app, email):
    report, read = walk(signed_in(app, email))
    assert read >= LEAST_PAGES[email], f"only {read} pages read as {email}"
    assert not report, "\n".join(
        f"{address}: {problem}" for address, wrong in report.items() for problem in wrong[:3]
    )


def test_every_generated_document_of_the_demo_is_dutch(app):
    """The project group makes every document the demo offers (the bulk actions too), and each
    one's text is read back."""
    client = signed_in(app, PROJECT)
    pages = [a for a in walk_document_pages(client)]
    assert pages, "the demo offers no documents page"
    for page in pages:
        made_on(client, page)
    run_queued(app)
    with sessions(app)() as session:
        made = session.scalars(select(Document)).all()
        assert {d.kind for d in made} >= {"agendaformulier", "volmacht", "inkoopovereenkomst"}
        ids = [(d.id, d.title) for d in made]
    wrong = []
    for document_id, title in ids:
        word = client.get(f"/documenten/{document_id}/bestand?formaat=docx")
        assert word.status_code == 200
        wrong += [f"{title}: {p}" for p in problems_in("\n".join(word_documents.texts(word.data)))]
    assert not wrong, "\n".join(wrong[:20])


def walk_document_pages(client) -> list[str]:
    found: list[str] = []
    for address in ("/regelingen/", "/volmachten/", "/overeenkomsten/", "/besluiten/"):
        reader = _Reader()
        reader.feed(client.get(address).get_data(as_text=True))
        for href in reader.links:
            subject = re.match(r"^/(regelingen|volmachten|overeenkomsten|besluiten)/(\d+)$", href)
            if subject:
                page = client.get(href).get_data(as_text=True)
                found += re.findall(r'href="(/documenten/[a-z]+/\d+)"', page)
    return sorted(set(found))


_FORM = re.compile(r"<form[^>]*action=\"/documenten/maken\"[^>]*>(.*?)</form>", re.S)


def made_on(client, page: str) -> None:
    """Submits every 'maken' form of a documents page, with each party it offers."""
    html = client.get(page).get_data(as_text=True)
    for form in _FORM.findall(html):
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        parties = re.findall(r'<option value="(\d+)"', form) or [None]
        for party in parties[:3]:
            data = dict(fields)
            if party is not None:
                data["party_id"] = party
            client.post("/documenten/maken", data=data)


def test_mails_and_calendar_texts_are_dutch(app):
    reminders.tick(sessions(app), now=NOW, mailer=None)
    with sessions(app)() as session:
        texts = [f"{m.subject}\n{m.body}" for m in session.scalars(select(Message))]
    assert texts, "the demo's tick made no messages"
    wrong = [p for text in texts for p in problems_in(text)]

    client = signed_in(app, PROJECT)
    page = client.get("/meldingen").get_data(as_text=True)
    feed = re.search(r"(/agenda/[^\"<\s]+\.ics)", page) or re.search(
        r"(/calendar/[^\"<\s]+\.ics)", page
    )
    if feed:
        calendar = client.get(feed.group(1)).get_data(as_text=True)
        readable = [
            line.split(":", 1)[1]
            for line in calendar.splitlines()
            if line.startswith(("SUMMARY", "DESCRIPTION"))
        ]
        wrong += [p for text in readable for p in problems_in(text)]
    assert not wrong, "\n".join(wrong[:20])
