"""Documents never act without authority (issue 13, point 6): an agreement names as principals
only the municipalities its contracting party may conclude it for on its start date, and an
agreement is sent only with its current document. The web clock is Monday 2 June 2025, when
Borne is the one college of the demo that has not yet granted the Twente volmacht."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from html import unescape

import docx
import pytest
from sqlalchemy import select

from storage.agreements import Agreement
from storage.documents import Document
from tests.conftest import LEGAL, PROVIDER_CR, csrf_token, signed_in
from tests.support import demo_records
from webapp import clock
from webapp.database import sessions

pytestmark = pytest.mark.usefixtures("on_demo_day")


@pytest.fixture
def cr(app):
    """The demo's Carintreggeland agreement, put back to draft as if it were still being made."""
    with sessions(app)() as session:
        return demo_records.agreement_put_at(session, "CR", "draft")


def post(client, page, action, data):
    return client.post(action, data={**data, "csrf_token": csrf_token(client, page)})


def text(response):
    return unescape(response.get_data(as_text=True))


def generate(client, agreement_id):
    page = f"/documenten/agreement/{agreement_id}"
    data = {"kind": "inkoopovereenkomst", "subject_type": "agreement"}
    return post(client, page, "/documenten/maken", {**data, "subject_id": str(agreement_id)})


def send(client, agreement_id):
    detail = f"/overeenkomsten/{agreement_id}"
    version = re.search(r'name="version" value="(\d+)"', client.get(detail).get_data(as_text=True))
    return post(client, detail, f"{detail}/status", {"status": "sent", "version": version.group(1)})


def word_text(client, document_id):
    word = client.get(f"/documenten/{document_id}/bestand?formaat=docx")
    assert word.status_code == 200
    body = docx.Document(io.BytesIO(word.data))
    cells = [c.text for t in body.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in body.paragraphs] + cells)


def latest(app, agreement_id):
    with sessions(app)() as session:
        return session.scalars(
            select(Document)
            .where(Document.kind == "inkoopovereenkomst", Document.subject_id == agreement_id)
            .order_by(Document.version.desc())
        ).first()


def status_of(app, agreement_id):
    with sessions(app)() as session:
        return session.get(Agreement, agreement_id).status


def set_start(app, agreement_id, start_on):
    with sessions(app)() as session:
        agreement = session.get(Agreement, agreement_id)
        agreement.start_on = start_on
        agreement.end_on = agreement.maximum_end_on = date(start_on.year + 1, 12, 31)
        session.commit()


def test_agreement_document_leaves_out_a_municipality_without_authority(app, cr):
    legal = signed_in(app, LEGAL)
    page = text(legal.get(f"/documenten/agreement/{cr}"))
    assert "Niet opgenomen:" in page and "Borne: Borne heeft nog niet besloten." in page

    made = generate(legal, cr)
    assert made.status_code == 302
    after = text(legal.get(made.headers["Location"]))
    assert "Niet in de overeenkomst opgenomen: Borne: Borne heeft nog niet besloten." in after

    body = word_text(legal, latest(app, cr).id)
    assert "Enschede" in body and "Hengelo" in body
    assert "Borne" not in body  # neither among the principals nor among the volmachten


def test_agreement_document_refused_when_no_municipality_is_covered_on_its_start(app, cr):
    # The Twente volmacht covers the pilot and its extensions; from 2026 on it covers nothing.
    set_start(app, cr, date(2026, 6, 1))
    legal = signed_in(app, LEGAL)
    refused = generate(legal, cr)
    assert refused.status_code == 422
    page = text(refused)
    assert "Rijssen-Holten mag deze overeenkomst op 1 juni 2026 voor geen enkele andere" in page
    assert "1 juni 2026 valt daarbuiten" in page
    assert latest(app, cr) is None


def test_sending_an_agreement_without_its_document_is_refused(app, cr):
    legal = signed_in(app, LEGAL)
    refused = send(legal, cr)
    assert refused.status_code == 302
    assert "Maak eerst de inkoopovereenkomst" in text(legal.get(refused.headers["Location"]))
    assert status_of(app, cr) == "draft"

    assert generate(legal, cr).status_code == 302
    assert send(legal, cr).status_code == 302
    assert status_of(app, cr) == "sent"


def test_sending_is_refused_when_the_agreement_changed_after_its_document(app, cr):
    legal = signed_in(app, LEGAL)
    assert generate(legal, cr).status_code == 302
    with sessions(app)() as session:
        session.get(Agreement, cr).title = "Logeerzorg Twente, gewijzigde titel"
        session.commit()
    refused = send(legal, cr)
    message = text(legal.get(refused.headers["Location"]))
    assert "zijn gewijzigd sinds versie 1 van de inkoopovereenkomst" in message
    assert status_of(app, cr) == "draft"

    assert generate(legal, cr).status_code == 302  # version 2, with the new title
    assert send(legal, cr).status_code == 302 and status_of(app, cr) == "sent"


def test_a_document_made_earlier_stays_current_while_nothing_it_shows_changed(app, cr, monkeypatch):
    legal = signed_in(app, LEGAL)
    assert generate(legal, cr).status_code == 302
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 6, 9, 9, 30, tzinfo=UTC))
    a_week_later = signed_in(app, LEGAL)  # the earlier session timed out in the meantime
    assert send(a_week_later, cr).status_code == 302 and status_of(app, cr) == "sent"


def test_api_sending_an_agreement_without_its_document_is_refused(app, client, cr, token_for):
    with sessions(app)() as session:
        version = session.get(Agreement, cr).version
    refused = client.patch(
        f"/api/v1/agreements/{cr}",
        json={"status": "sent", "version": version},
        headers=token_for(LEGAL),
    )
    assert refused.status_code == 422
    assert "Maak eerst de inkoopovereenkomst" in refused.get_json()["error"]["fields"]["status"]
    assert status_of(app, cr) == "draft"


def test_the_provider_is_not_told_which_municipalities_are_left_out(app, cr):
    legal = signed_in(app, LEGAL)
    assert generate(legal, cr).status_code == 302 and send(legal, cr).status_code == 302
    provider = signed_in(app, PROVIDER_CR)
    assert "Niet opgenomen" not in text(provider.get(f"/documenten/agreement/{cr}"))
