"""POST /api/v1/signals/dossiers: the signals page's "Besluitvormingsdossier opstellen" for an
integration. It takes a gap as GET /api/v1/signals lists it and makes what the page makes: one
draft volmacht covering the act and one regional dossier fanned out to the gap's colleges; a gap
started twice gives the dossier in progress. Who may not start it is refused with the reason, and
bad input is named in Dutch with nothing made.

The demo's "today" is Monday 2 June 2025: the successor contract's tender (from 1 April 2026) has
no volmacht for any of the 13 municipalities that are not the lead."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage.decisions import Decision
from storage.mandates import Mandate
from tests.conftest import AUDITOR, POLICY, PROJECT
from tests.support.api_tokens import api_headers
from webapp import clock
from webapp.database import sessions

MONDAY = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
PATH = "/api/v1/signals/dossiers"


@pytest.fixture(autouse=True)
def monday(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: MONDAY)


def _tender_gap(client, headers) -> dict:
    """The body for the tender's gap, made from the signals as the API lists them."""
    items = client.get("/api/v1/signals?limit=500", headers=headers).get_json()["items"]
    gaps = [s for s in items if s["kind"] == "mandate_needed" and "run_tender" in s["acts"]]
    first = gaps[0]
    return {
        "arrangement_id": first["arrangement"]["id"],
        "act": first["act"],
        "act_on": first["act_on"],
        "municipality_ids": [g["municipality"]["id"] for g in gaps],
    }


def _counts(app) -> tuple[int, int]:
    with sessions(app)() as session:
        return (
            session.scalar(select(func.count()).select_from(Decision)),
            session.scalar(select(func.count()).select_from(Mandate)),
        )


def test_a_gap_started_through_the_api_makes_one_fanned_out_dossier_and_one_draft(app):
    client = app.test_client()
    headers = api_headers(app, PROJECT)
    body = _tender_gap(client, headers)
    assert len(body["municipality_ids"]) == 13
    decisions_before, mandates_before = _counts(app)

    made = client.post(PATH, headers=headers, json=body)
    assert made.status_code == 201, made.get_json()
    regional = made.get_json()
    assert regional["municipality"] is None
    assert regional["subject"].startswith("Verlenen volmacht aanbesteding")
    # The regional dossier, one per college of the gap, and one draft volmacht.
    assert _counts(app) == (decisions_before + 14, mandates_before + 1)
    children = client.get(
        f"/api/v1/decisions?arrangement={body['arrangement_id']}&limit=100", headers=headers
    ).get_json()["items"]
    own = [c for c in children if c["parent_id"] == regional["id"]]
    assert sorted(c["municipality"]["id"] for c in own) == sorted(body["municipality_ids"])
    with sessions(app)() as session:
        draft = session.scalars(select(Mandate).order_by(Mandate.id.desc())).first()
        assert draft.valid_from.isoformat() == body["act_on"]  # from the act, not from today

    # Started again: the dossier in progress, nothing new.
    again = client.post(PATH, headers=headers, json=body)
    assert again.status_code == 200 and again.get_json()["id"] == regional["id"]
    assert _counts(app) == (decisions_before + 14, mandates_before + 1)


def test_who_may_not_start_the_gap_s_work_is_refused_and_nothing_is_made(app):
    client = app.test_client()
    body = _tender_gap(client, api_headers(app, PROJECT))
    before = _counts(app)
    # The auditor has no right to write decisions; a read-only token of the project group
    # neither.
    assert client.post(PATH, headers=api_headers(app, AUDITOR), json=body).status_code == 403
    read_only = api_headers(app, PROJECT, scope="read")
    assert client.post(PATH, headers=read_only, json=body).status_code == 403
    # Enschede's policy officer starts her college's dossier only once the draft exists, and is
    # told who can start it.
    refused = client.post(PATH, headers=api_headers(app, POLICY), json=body)
    assert refused.status_code == 422
    assert "kan dit starten" in refused.get_json()["error"]["fields"]["municipality_ids"]
    assert _counts(app) == before


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"act": "steal_everything"}, "act", "Handeling: kies een van"),
        ({"act_on": "2026-02-30"}, "act_on", "Datum van de handeling"),
        ({"arrangement_id": 2**31}, "arrangement_id", "Regeling"),
        ({"municipality_ids": []}, "municipality_ids", "Gemeenten"),
        ({"municipality_ids": ["1; DROP TABLE"]}, "municipality_ids", "Gemeenten"),
    ],
)
def test_a_bad_gap_is_named_in_dutch_and_nothing_is_made(app, change, field, words):
    client = app.test_client()
    headers = api_headers(app, PROJECT)
    body = {**_tender_gap(client, headers), **change}
    before = _counts(app)
    refused = client.post(PATH, headers=headers, json=body)
    assert refused.status_code == 422, refused.get_json()
    assert words in refused.get_json()["error"]["fields"][field]
    assert _counts(app) == before
