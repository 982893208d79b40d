"""docs/security.md S11 through the decision dossiers: an effect, an advice or the grant a decision
records writes to the registers only where its author, and later the person deciding, may write
directly. A foreign record answers as one that does not exist. On the Twente demo plus a second
arrangement in north-east Twente that Enschede takes no part in; the web layer's clock is set
to Monday 2 June 2025."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from storage.accounts import User
from storage.agreements import Agreement
from storage.arrangements import Participant, Phase, find_arrangement_by_name
from storage.audit import events_for
from storage.decisions import CoAdvice, Decision, Effect
from storage.mandates import Grant
from storage.organisations import find_organisation_by_name
from tests.conftest import LEGAL, POLICY, PROJECT, csrf_token, login
from webapp.database import sessions
from workflows.actors import system_actor
from workflows.demo import demo
from workflows.registers import agreements, arrangements, mandates

pytestmark = pytest.mark.usefixtures("on_demo_day")
DECIDED_ON = "2025-05-27"  # Enschede's college met that Tuesday
GONE = {
    "grant_mandate": "Niet toegepast: deze volmacht bestaat niet of u heeft er geen toegang toe.",
    "approve_phase": "Niet toegepast: deze fase bestaat niet of u heeft er geen toegang toe.",
    "approve_agreement": (
        "Niet toegepast: deze overeenkomst bestaat niet of u heeft er geen toegang toe."
    ),
}
FIELD = {
    "grant_mandate": "mandate_id",
    "approve_phase": "phase_id",
    "approve_agreement": "agreement_id",
}
NO_ARRANGEMENT = (
    "Gevolg: alleen een dossier over een regeling verandert de registers; dit dossier hoort bij "
    "geen regeling."
)


@pytest.fixture
def foreign(app):
    """Pilot logeerzorg Noordoost-Twente: Oldenzaal leads, Losser and Dinkelland take part,
    Liberein provides; Enschede does not take part. One phase, one volmacht that Losser
    grants, one agreement."""
    system = system_actor("test")
    with sessions(app)() as session:
        ids = {name: find_organisation_by_name(session, name).id for name in _FOREIGN_ORGS}
        arrangement = arrangements.create(
            session,
            system,
            {
                "name": "Pilot logeerzorg Noordoost-Twente",
                "lead_organisation_id": ids["Oldenzaal"],
                "participant_ids": list(ids.values()),
            },
        )
        phase = arrangements.add_phase(
            session,
            system,
            arrangement.id,
            {"kind": "pilot", "start_on": "2025-01-01", "end_on": "2025-12-31"},
        )
        mandate = mandates.create(
            session,
            system,
            {
                "arrangement_id": arrangement.id,
                "kind": "volmacht",
                "title": "Volmacht logeerzorg Noordoost-Twente",
                "grantee_id": ids["Oldenzaal"],
                "acts": ["conclude_agreement"],
                "phase_ids": [phase.id],
                "grantor_ids": [ids["Losser"]],
            },
        )
        agreement = agreements.create(
            session,
            system,
            {
                "arrangement_id": arrangement.id,
                "kind": "purchase",
                "reference": "LOG-NOT-2025-LI",
                "title": "Inkoopovereenkomst logeerzorg Liberein 2025",
                "provider_id": ids["Liberein"],
                "contracting_party_id": ids["Oldenzaal"],
                "start_on": "2025-01-01",
                "end_on": "2025-12-31",
            },
        )
        session.commit()
        return {
            "grant_mandate": mandate.id,
            "approve_phase": phase.id,
            "approve_agreement": agreement.id,
        }


_FOREIGN_ORGS = ("Oldenzaal", "Losser", "Dinkelland", "Liberein")


def _twente_id(app) -> int:
    with sessions(app)() as session:
        return find_arrangement_by_name(session, demo.ARRANGEMENT_NAME).id


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _api_dossier(client, headers, **body) -> dict:
    response = client.post(
        "/api/v1/decisions",
        json={"subject": "Logeerzorg 2026", **body},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _scheduled_with_effects(app, decision_id: int, effects: dict[str, int]) -> None:
    """The dossier as it stood before this check existed, or before the rights changed: its
    effects recorded, the dossier on the agenda."""
    with sessions(app)() as session:
        decision = session.get(Decision, decision_id)
        decision.status = "scheduled"
        for kind, record_id in effects.items():
            decision.effects.append(Effect(kind=kind, **{FIELD[kind]: record_id}))
        session.commit()


def _decide_via_page(client, decision_id: int):
    return client.post(
        f"/besluiten/{decision_id}/overgang",
        data={
            "csrf_token": csrf_token(client, f"/besluiten/{decision_id}"),
            "to": "decided",
            "outcome": "as_proposed",
            "decided_on": DECIDED_ON,
        },
    )


def _effect_count(app) -> int:
    with sessions(app)() as session:
        return len(session.scalars(select(Effect.id)).all())


def _foreign_untouched(app, foreign) -> None:
    with sessions(app)() as session:
        enschede = find_organisation_by_name(session, "Enschede").id
        grants = session.scalars(
            select(Grant).where(Grant.mandate_id == foreign["grant_mandate"])
        ).all()
        assert [(g.grantor_id == enschede, g.status) for g in grants] == [(False, "draft")]
        assert session.get(Phase, foreign["approve_phase"]).approved_on is None
        assert session.get(Agreement, foreign["approve_agreement"]).approved_on is None


def _results(app, decision_id: int) -> dict[str, tuple[str, str]]:
    """Per effect kind: its result, and the result the audit log recorded for applying it."""
    with sessions(app)() as session:
        decision = session.get(Decision, decision_id)
        audited = {
            e.new_values["effect"]: e.result
            for e in events_for(session, "decision", decision_id)
            if e.action == "apply_effect"
        }
        return {e.kind: (e.result, audited.get(e.kind, "")) for e in decision.effects}


# The moment the effect is recorded ----------------------------------------------------------


@pytest.mark.parametrize("kind", list(FIELD))
def test_s11_api_a_dossier_without_arrangement_takes_no_effect_on_a_foreign_record(
    app, client, token_for, foreign, kind
):
    headers = token_for(POLICY)
    before = client.get("/api/v1/decisions", headers=headers).get_json()["total"]
    effects_before = _effect_count(app)
    answers = []
    for record_id in (foreign[kind], 999_999):
        response = client.post(
            "/api/v1/decisions",
            json={
                "subject": "Zonder regeling",
                "effects": [{"kind": kind, FIELD[kind]: record_id}],
            },
            headers=headers,
        )
        assert response.status_code == 422
        answers.append(response.get_json())
    assert answers[0] == answers[1]  # the foreign id answers as one that does not exist
    assert answers[0]["error"]["fields"] == {"kind": NO_ARRANGEMENT}
    assert client.get("/api/v1/decisions", headers=headers).get_json()["total"] == before
    assert _effect_count(app) == effects_before
    _foreign_untouched(app, foreign)


@pytest.mark.parametrize("kind", list(FIELD))
def test_s11_page_an_effect_on_a_foreign_record_is_refused_as_a_missing_one(
    app, client, token_for, foreign, kind
):
    """A dossier made through the API without an arrangement, its effect added on the page."""
    dossier = _api_dossier(client, token_for(POLICY))
    login(client, POLICY)
    path = f"/besluiten/{dossier['id']}"
    pages = []
    for record_id in (foreign[kind], 999_999):
        response = client.post(
            f"{path}/gevolgen",
            data={"csrf_token": csrf_token(client, path), "kind": kind, "target": record_id},
        )
        assert response.status_code == 422
        pages.append(_text(response))
    assert NO_ARRANGEMENT in pages[0] and NO_ARRANGEMENT in pages[1]
    detail = _text(client.get(path))
    assert "Gevolg toevoegen" not in detail
    assert "Dit dossier hoort bij geen regeling en verandert de registers dus niet." in detail
    for page in pages:
        assert "Noordoost-Twente" not in page and "LOG-NOT-2025-LI" not in page
    with sessions(app)() as session:
        assert session.get(Decision, dossier["id"]).effects == []


# The moment the decision is applied -----------------------------------------------------------


def test_s11_page_deciding_a_dossier_with_effects_on_foreign_records_writes_nothing_there(
    app, client, token_for, foreign
):
    """Effects recorded before this check existed: the decision is taken, the foreign
    registers stay as they were, and each effect says so in the words used for a record that
    does not exist."""
    dossier = _api_dossier(client, token_for(POLICY))
    _scheduled_with_effects(app, dossier["id"], foreign)
    login(client, POLICY)
    response = _decide_via_page(client, dossier["id"])
    assert response.status_code == 302
    _foreign_untouched(app, foreign)
    assert _results(app, dossier["id"]) == {kind: (GONE[kind], "denied") for kind in FIELD}
    detail = _text(client.get(f"/besluiten/{dossier['id']}"))
    assert GONE["grant_mandate"] in detail and "Noordoost-Twente" not in detail


def test_s11_api_a_college_that_left_the_arrangement_grants_nothing_by_deciding(
    app, client, token_for
):
    """Enschede's jurist records the grant of a new Twente volmacht; Enschede then leaves the
    arrangement; its policy officer records the college's decision: the volmacht is not
    granted, as if it did not exist."""
    headers = token_for(POLICY)
    with sessions(app)() as session:
        twente = find_arrangement_by_name(session, demo.ARRANGEMENT_NAME)
        enschede = find_organisation_by_name(session, "Enschede").id
        mandate = mandates.create(
            session,
            system_actor("test"),
            {
                "arrangement_id": twente.id,
                "kind": "volmacht",
                "title": "Volmacht verlenging pilot logeerzorg 2026",
                "grantee_id": twente.lead_organisation_id,
                "acts": ["extend_agreement"],
                "valid_from": "2026-01-01",
                "grantor_ids": [enschede],
            },
        )
        session.commit()
        mandate_id = mandate.id
    dossier = _api_dossier(
        client,
        token_for(LEGAL),
        arrangement_id=_twente_id(app),
        effects=[{"kind": "grant_mandate", "mandate_id": mandate_id}],
    )
    with sessions(app)() as session:
        decision = session.get(Decision, dossier["id"])
        decision.status = "scheduled"
        session.delete(
            session.scalars(
                select(Participant).where(
                    Participant.arrangement_id == decision.arrangement_id,
                    Participant.organisation_id == enschede,
                )
            ).one()
        )
        session.commit()
    response = client.post(
        f"/api/v1/decisions/{dossier['id']}/transitions",
        json={"to": "decided", "outcome": "as_proposed", "decided_on": DECIDED_ON},
        headers=headers,
    )
    assert response.status_code == 200
    [effect] = response.get_json()["effects"]
    assert effect["result"] == GONE["grant_mandate"]
    with sessions(app)() as session:
        grant = session.scalars(
            select(Grant).where(Grant.mandate_id == mandate_id, Grant.grantor_id == enschede)
        ).one()
        assert (grant.status, grant.granted_on, grant.decision_id) == ("draft", None, None)


def test_s11_api_deciding_with_effects_on_foreign_records_writes_nothing_there(
    app, client, token_for, foreign
):
    headers = token_for(POLICY)
    dossier = _api_dossier(client, headers)
    _scheduled_with_effects(app, dossier["id"], foreign)
    response = client.post(
        f"/api/v1/decisions/{dossier['id']}/transitions",
        json={"to": "decided", "outcome": "as_proposed", "decided_on": DECIDED_ON},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "decided"
    _foreign_untouched(app, foreign)
    assert {e["kind"]: e["result"] for e in response.get_json()["effects"]} == GONE


# Advice -----------------------------------------------------------------------------------------


def test_s11_the_project_group_records_no_advice_in_enschede_s_dossier(app, client, token_for):
    """The project group sees Enschede's dossier on Twente, but the advice is Enschede's
    jurist's to record; the jurist still does."""
    headers = token_for(POLICY)
    with sessions(app)() as session:
        jurist_id = session.scalars(select(User.id).where(User.email == LEGAL)).one()
    dossier = _api_dossier(
        client,
        headers,
        arrangement_id=_twente_id(app),
        advisers=[{"user_id": jurist_id, "unit": "Juridische Zaken"}],
    )
    moved = client.post(
        f"/api/v1/decisions/{dossier['id']}/transitions", json={"to": "co_advice"}, headers=headers
    )
    assert moved.status_code == 200
    [asked] = moved.get_json()["advices"]
    advice = {"adviser": asked["id"], "advice": "agree"}
    api = client.post(
        f"/api/v1/decisions/{dossier['id']}/advices", json=advice, headers=token_for(PROJECT)
    )
    assert api.status_code == 403
    login(client, PROJECT)
    path = f"/besluiten/{dossier['id']}"
    shown = client.get(path)
    assert shown.status_code == 200 and "Advies vastleggen" not in _text(shown)
    page = client.post(f"{path}/advies", data={"csrf_token": csrf_token(client, path), **advice})
    assert page.status_code == 403
    with sessions(app)() as session:
        given = select(CoAdvice.advice).where(CoAdvice.decision_id == dossier["id"])
        assert session.scalars(given).all() == [None]
    lawyer = client.post(
        f"/api/v1/decisions/{dossier['id']}/advices", json=advice, headers=token_for(LEGAL)
    )
    assert lawyer.status_code == 201
    assert [a["advice"] for a in lawyer.get_json()["advices"]] == ["agree"]


# What a college may still do --------------------------------------------------------------------


def test_s11_enschede_s_policy_officer_still_grants_and_approves_through_its_own_decision(
    app, client, token_for
):
    """The officer holds no mandate or arrangement rights of her own: the college's decision
    grants Enschede's volmacht and approves the extension, recorded on the page and decided
    through the API."""
    with sessions(app)() as session:
        twente = find_arrangement_by_name(session, demo.ARRANGEMENT_NAME)
        enschede = find_organisation_by_name(session, "Enschede").id
        phase_id = next(p.id for p in twente.phases if p.name == "Verlenging 1")
        mandate = mandates.create(
            session,
            system_actor("test"),
            {
                "arrangement_id": twente.id,
                "kind": "volmacht",
                "title": "Volmacht verlenging pilot logeerzorg 2026",
                "grantee_id": twente.lead_organisation_id,
                "acts": ["extend_agreement"],
                "valid_from": "2026-01-01",
                "grantor_ids": [enschede],
            },
        )
        session.commit()
        mandate_id = mandate.id
    headers = token_for(POLICY)
    dossier = _api_dossier(client, headers, arrangement_id=_twente_id(app), case_number="BV1")
    login(client, POLICY)
    path = f"/besluiten/{dossier['id']}"
    for kind, target in (("grant_mandate", mandate_id), ("approve_phase", phase_id)):
        added = client.post(
            f"{path}/gevolgen",
            data={"csrf_token": csrf_token(client, path), "kind": kind, "target": target},
        )
        assert added.status_code == 302, _text(added)
    _scheduled_with_effects(app, dossier["id"], {})
    response = client.post(
        f"/api/v1/decisions/{dossier['id']}/transitions",
        json={"to": "decided", "outcome": "as_proposed", "decided_on": DECIDED_ON},
        headers=headers,
    )
    assert response.status_code == 200
    assert [e["result"] for e in response.get_json()["effects"]] == [
        "Volmacht verlenging pilot logeerzorg 2026: verleend en van kracht vanaf 27 mei 2025.",
        "Verlenging 1: goedgekeurd op 27 mei 2025.",
    ]
    with sessions(app)() as session:
        grant = session.scalars(
            select(Grant).where(Grant.mandate_id == mandate_id, Grant.grantor_id == enschede)
        ).one()
        assert (grant.status, grant.granted_on) == ("active", date(2025, 5, 27))
        assert session.get(Phase, phase_id).approved_on == date(2025, 5, 27)
