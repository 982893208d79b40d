"""A mandaat on the pages (docs/volmacht-en-mandaat.md): its documents page offers the
mandaatbesluit, not a volmacht, and the B&W dossier that grants it says "verleent mandaat"
and proposes to grant it "namens" the college under Awb 10:1. The volmacht keeps its words."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest

from storage.arrangements import find_arrangement_by_name
from storage.mandates import find_mandate_by_title
from storage.organisations import find_organisation_by_name
from tests.conftest import ADMIN, LEGAL, csrf_token, login
from tests.support import demo_records
from tests.support.demo_day import NOW
from webapp.database import sessions
from workflows.actors import system_actor
from workflows.decisions import decisions
from workflows.demo import demo
from workflows.documents import document_bundles
from workflows.rules.acts import Act

pytestmark = pytest.mark.usefixtures("on_demo_day")


@pytest.fixture
def dossier(app):
    """The regional dossier and draft mandaat for subsidy decisions, as the signal makes them
    for Enschede; the demo registers hold only the volmacht."""
    with sessions(app)() as session:
        arrangement = find_arrangement_by_name(session, demo.ARRANGEMENT_NAME)
        enschede = find_organisation_by_name(session, "Enschede")
        decision = decisions.dossier_for_gap(
            session,
            system_actor("test"),
            arrangement.id,
            act=Act.GRANT_SUBSIDY,
            act_on=date(2026, 3, 1),
            municipality_ids=[enschede.id],
            today=NOW.date(),
            now=NOW,
        )
        found = {
            "decision": decision.id,
            "mandaat": decision.effects[0].mandate_id,
            "volmacht": find_mandate_by_title(session, arrangement.id, demo.VOLMACHT_TITLE).id,
            "Enschede": enschede.id,
        }
        session.commit()
        return found


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def test_mandaat_documents_page_offers_the_mandaatbesluit_and_no_volmacht(app, dossier):
    client = app.test_client()
    login(client, LEGAL)
    page = _page(client, f"/documenten/mandate/{dossier['mandaat']}")
    assert "Mandaatbesluit maken" in page and "Alle mandaatbesluiten maken" in page
    assert "Volmacht maken" not in page and "Alle volmachten maken" not in page
    assert "Mandaatbundel samenstellen (PDF)" in page and "Volmachtenbundel" not in page

    volmacht = _page(client, f"/documenten/mandate/{dossier['volmacht']}")
    assert "Volmacht maken" in volmacht and "Mandaatbesluit maken" not in volmacht
    assert "Volmachtenbundel samenstellen (PDF)" in volmacht and "Mandaatbundel" not in volmacht

    made = client.post(
        "/documenten/maken",
        data={
            "csrf_token": csrf_token(client, f"/documenten/mandate/{dossier['mandaat']}"),
            "kind": "volmacht",
            "subject_type": "mandate",
            "subject_id": str(dossier["mandaat"]),
            "party_id": str(dossier["Enschede"]),
        },
    )
    assert made.status_code == 302
    page = _page(client, f"/documenten/mandate/{dossier['mandaat']}")
    assert "Mandaatbesluit Enschede: Mandaat subsidie verlenen" in page

    with sessions(app)() as session:
        planned = document_bundles.plan(
            session,
            demo_records.actor(session, LEGAL),
            "volmachten",
            dossier["mandaat"],
        )
    assert planned.title.startswith("Mandaatbundel: Mandaat subsidie verlenen")


def test_dossier_granting_a_mandaat_says_verleent_mandaat_namens_under_awb_10_1(app, dossier):
    client = app.test_client()
    login(client, ADMIN)
    page = _page(client, f"/besluiten/{dossier['decision']}")
    assert "verleent mandaat: Mandaat subsidie verlenen" in page
    assert "verleent volmacht:" not in page  # the form still offers "volmacht of mandaat"
    assert "Mandaat te verlenen aan het college van burgemeester en wethouders van " in page
    assert "om namens het college de volgende besluiten te nemen: subsidie verlenen" in page
    assert "(artikel 10:1 Awb)" in page and "Burgerlijk Wetboek" not in page
