"""Issue 16, point 2: a policy officer or jurist of a municipality sees first what concerns her
municipality, on the start page and on /signalen; the whole region is one click away
(``?regio=1``). Roles of the region (project group, beheerder, auditor) keep the region."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import AUDITOR, LEGAL, POLICY, PROJECT, login
from workflows.rules.own_municipality import concerns, own_municipality
from workflows.rules.roles import Role

_ROW = re.compile(
    r'<tr class="utrecht-table__row">\s*<td[^>]*>.*?</td>\s*<td[^>]*>(.*?)</td>', re.S
)


def _municipalities(page: str) -> set[str]:
    """The Gemeente column of the signal tables ("—" for the whole arrangement)."""
    tables = page[page.index('id="kop-te-laat"') :]
    return {match.group(1).strip() for match in _ROW.finditer(tables)}


def test_the_rule_only_officers_of_a_municipality_see_their_own_first() -> None:
    assert own_municipality(Role.POLICY_OFFICER, 7) == 7
    assert own_municipality(Role.LEGAL_OFFICER, 7) == 7
    for role in (Role.PROJECT_GROUP, Role.ADMINISTRATOR, Role.AUDITOR, Role.PROVIDER):
        assert own_municipality(role, 7) is None
    assert concerns(7, 7) and concerns(None, 7) and not concerns(8, 7)


def test_signals_of_a_policy_officer_are_her_municipality_first_and_the_region_one_click_away(
    client: FlaskClient,
) -> None:
    login(client, POLICY)
    own = client.get("/signalen").get_data(as_text=True)
    region = client.get("/signalen?regio=1").get_data(as_text=True)
    assert _municipalities(own) <= {"Enschede", "—"}
    assert "Enschede" in _municipalities(own)
    assert _municipalities(region) - {"Enschede", "—"}, "the region shows other municipalities"
    assert 'href="/signalen?regio=1"' in own and "Hele regio" in own
    assert "van andere gemeenten" in own
    # From the region back to her own, and the filter keeps the region when asked there.
    assert "Alleen wat Enschede aangaat" in region
    assert '<input type="hidden" name="regio" value="1">' in region


def test_the_jurist_sees_her_municipality_first_too(client: FlaskClient) -> None:
    login(client, LEGAL)
    page = client.get("/signalen").get_data(as_text=True)
    assert _municipalities(page) <= {"Enschede", "—"}
    assert "Hele regio" in page


def test_regional_roles_keep_the_whole_region(client: FlaskClient) -> None:
    for email in (PROJECT, AUDITOR):
        login(client, email)
        page = client.get("/signalen").get_data(as_text=True)
        assert len(_municipalities(page) - {"—"}) > 1, email
        assert "Hele regio" not in page
        client.post("/logout", data={"csrf_token": _token(page)})


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_the_start_page_of_a_policy_officer_shows_her_municipality_with_the_region_a_click_away(
    client: FlaskClient,
) -> None:
    login(client, POLICY)
    page = client.get("/").get_data(as_text=True)
    assert "Wat moet wanneer gebeuren voor Enschede" in page
    assert 'href="/signalen?regio=1"' in page
    section = page[page.index('id="kop-signalen"') : page.index('id="kop-regelingen"')]
    others = ("Almelo", "Borne", "Dinkelland", "Haaksbergen", "Hengelo", "Losser", "Oldenzaal")
    assert not any(name in section for name in others)


def test_the_start_page_of_the_project_group_keeps_the_region(client: FlaskClient) -> None:
    login(client, PROJECT)
    page = client.get("/").get_data(as_text=True)
    assert "Wat moet wanneer gebeuren</h2>" in page
    assert "Hele regio" not in page
