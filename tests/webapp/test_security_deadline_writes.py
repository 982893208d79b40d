"""docs/security.md S13 for deadlines: seeing them is not changing them. Acknowledging, closing and
adding a deadline need the right to handle deadlines, and then only those of one's own
municipality, one's own, or those of an arrangement one's municipality takes part in. The
auditor changes nothing (docs/architecture.md §1). On the Twente demo after one scheduler tick on
Monday
2 March 2026 at 08:00 in Amsterdam."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.accounts import find_user_by_email
from storage.arrangements import Arrangement
from storage.deadlines import Deadline
from tests.conftest import ADMIN, AUDITOR, LEGAL, POLICY, PROJECT, csrf_token, login
from tests.support.first_tick import (
    MANDATE_NEEDED,
    NOW,
    manual_count,
    only_deadline,
    page_text,
    user_id,
)
from webapp.database import sessions
from workflows.accounts.accounts import actor_for
from workflows.deadlines import deadlines
from workflows.demo.demo import ARRANGEMENT_NAME
from workflows.errors import Forbidden

LIST = "/signalen/termijnen"
NOT_YOURS = (
    "Deze termijn hoort niet bij uw gemeente of bij een regeling waaraan uw gemeente "
    "deelneemt; u kunt hem niet wijzigen."
)
PLANTED = (
    "Eigenaar: kies iemand van uw eigen gemeente, of kies een regeling waaraan uw gemeente "
    "deelneemt."
)


def _twente_id(app) -> int:
    with sessions(app)() as session:
        return session.scalars(
            select(Arrangement.id).where(Arrangement.name == ARRANGEMENT_NAME)
        ).one()


def _state(app) -> list[tuple[int, str, str, bool]]:
    """Every deadline with its status, reason and whether it was acknowledged."""
    with sessions(app)() as session:
        return [
            (d.id, d.status, d.status_reason, d.acknowledged_at is not None)
            for d in session.scalars(select(Deadline).order_by(Deadline.id))
        ]


def _post(client, path: str, data: dict | None = None):
    return client.post(path, data={"csrf_token": csrf_token(client, LIST), **(data or {})})


def _enschede_deadline_outside_arrangements(app, client, token_for) -> Deadline:
    """A manual deadline of Enschede's policy officer about no arrangement, made by its jurist."""
    response = client.post(
        "/api/v1/deadlines",
        json={
            "subject": "Collegevoorstel inkoopbeleid Enschede",
            "due_on": "2026-04-15",
            "owner_id": user_id(app, POLICY),
        },
        headers=token_for(LEGAL),
    )
    assert response.status_code == 201
    return only_deadline(app, "Collegevoorstel inkoopbeleid Enschede")


# The auditor ------------------------------------------------------------------------------------


def test_s13_the_auditor_sees_the_deadlines_but_acknowledges_closes_and_adds_none_on_the_pages(
    app, client, ticked
):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    before, manual = _state(app), manual_count(app)
    login(client, AUDITOR)
    page = page_text(client.get(LIST))
    assert "15 termijnen (open)" in page and deadline.subject in page
    assert "Bevestigen" not in page and "Afhandelen" not in page
    assert "Termijn toevoegen" not in page
    posts = {
        f"{LIST}/{deadline.id}/bevestigen": {},
        f"{LIST}/{deadline.id}/status": {"status": "done"},
        LIST: {"subject": "Door de auditor", "due_on": "2026-04-15", "owner_id": "1"},
    }
    for path, data in posts.items():
        assert _post(client, path, data).status_code == 403, path
    assert _state(app) == before and manual_count(app) == manual


def test_s13_the_auditor_acknowledges_and_adds_no_deadline_via_the_api(
    app, client, ticked, token_for
):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    before, manual = _state(app), manual_count(app)
    headers = token_for(AUDITOR)
    acknowledged = client.post(f"/api/v1/deadlines/{deadline.id}/acknowledge", headers=headers)
    assert acknowledged.status_code == 403
    added = client.post(
        "/api/v1/deadlines",
        json={"subject": "Van buiten", "due_on": "2026-04-15", "owner_id": user_id(app, POLICY)},
        headers=headers,
    )
    assert added.status_code == 403
    assert added.get_json()["error"]["code"] == "forbidden"
    assert _state(app) == before and manual_count(app) == manual


def test_s13_the_deadline_use_cases_refuse_the_auditor_whichever_route_calls_them(app, ticked):
    deadline = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    before, owner = _state(app), user_id(app, POLICY)
    with sessions(app)() as session:
        auditor = actor_for(find_user_by_email(session, AUDITOR), "test")
        calls = [
            lambda: deadlines.acknowledge(session, auditor, deadline.id, now=NOW),
            lambda: deadlines.set_status(session, auditor, deadline.id, "done", ""),
            lambda: deadlines.add_manual(
                session,
                auditor,
                {"subject": "x", "due_on": "2026-04-15", "owner_id": owner},
                now=NOW,
            ),
        ]
        for call in calls:
            with pytest.raises(Forbidden):
                call()
        session.rollback()
    assert _state(app) == before


# Another municipality's deadline ---------------------------------------------------------------


def test_s13_the_project_group_closes_no_deadline_of_another_municipality_outside_its_arrangements(
    app, client, ticked, token_for
):
    deadline = _enschede_deadline_outside_arrangements(app, client, token_for)
    before = _state(app)
    api = client.post(f"/api/v1/deadlines/{deadline.id}/acknowledge", headers=token_for(PROJECT))
    assert api.status_code == 403
    assert api.get_json()["error"]["message"] == NOT_YOURS
    login(client, PROJECT)
    page = page_text(client.get(LIST))
    assert deadline.subject in page  # it sees the deadline ...
    assert f"{LIST}/{deadline.id}/bevestigen" not in page  # ... and is offered no change
    assert f"{LIST}/{deadline.id}/status" not in page
    for path, data in {
        f"{LIST}/{deadline.id}/bevestigen": {},
        f"{LIST}/{deadline.id}/status": {"status": "not_applicable", "status_reason": "weg"},
    }.items():
        response = _post(client, path, data)
        assert response.status_code == 403, path
        assert NOT_YOURS in page_text(response)
    assert _state(app) == before


def test_s13_no_deadline_is_planted_in_another_municipality_outside_a_shared_arrangement(
    app, client, ticked, token_for
):
    body = {"subject": "Voor Enschede", "due_on": "2026-04-15", "owner_id": user_id(app, POLICY)}
    api = client.post("/api/v1/deadlines", json=body, headers=token_for(PROJECT))
    assert api.status_code == 422
    assert api.get_json()["error"]["fields"] == {"owner_id": PLANTED}
    login(client, PROJECT)
    page = _post(client, LIST, {k: str(v) for k, v in body.items()})
    assert page.status_code == 422
    assert PLANTED in page_text(page)
    assert manual_count(app) == 0
    # About Twente, in which Rijssen-Holten takes part, it may.
    shared = client.post(
        "/api/v1/deadlines",
        json={**body, "arrangement_id": _twente_id(app)},
        headers=token_for(PROJECT),
    )
    assert shared.status_code == 201


# What officers still do -------------------------------------------------------------------------


def test_s13_officers_still_handle_the_deadlines_of_their_municipality_and_arrangements(
    app, client, ticked, token_for
):
    enschede = only_deadline(app, f"{MANDATE_NEEDED} Enschede")
    almelo = only_deadline(app, f"{MANDATE_NEEDED} Almelo")
    borne = only_deadline(app, f"{MANDATE_NEEDED} Borne")
    tender = only_deadline(app, "aanbesteding voorbereiden: aanbesteding voorbereiden")
    # Enschede's jurist: its own municipality's deadline, and one of Twente as a whole.
    login(client, LEGAL)
    page = page_text(client.get(LIST))
    assert f"{LIST}/{enschede.id}/bevestigen" in page and "Termijn toevoegen" in page
    assert _post(client, f"{LIST}/{enschede.id}/bevestigen").status_code == 302
    assert _post(client, f"{LIST}/{tender.id}/status", {"status": "done"}).status_code == 302
    # The project group of Rijssen-Holten: Almelo's deadline in Twente, via the API and the page.
    headers = token_for(PROJECT)
    acknowledged = client.post(f"/api/v1/deadlines/{almelo.id}/acknowledge", headers=headers)
    assert acknowledged.status_code == 200
    group = app.test_client()
    login(group, PROJECT)
    assert _post(group, f"{LIST}/{almelo.id}/status", {"status": "done"}).status_code == 302
    # The beheerder; and the policy officer adding a deadline of her own about no arrangement.
    assert client.post(
        f"/api/v1/deadlines/{borne.id}/acknowledge", headers=token_for(ADMIN)
    ).status_code == (200)
    own = client.post(
        "/api/v1/deadlines",
        json={
            "subject": "Eigen termijn",
            "due_on": "2026-04-15",
            "owner_id": user_id(app, POLICY),
        },
        headers=token_for(POLICY),
    )
    assert own.status_code == 201
    state = {i: (status, acknowledged) for i, status, _, acknowledged in _state(app)}
    assert state[enschede.id] == ("open", True)
    assert state[tender.id][0] == "done"
    assert state[almelo.id] == ("done", True)
    assert state[borne.id] == ("open", True)
