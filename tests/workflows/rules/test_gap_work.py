"""What a gap signal starts: the validity of the mandate it drafts, and who can start it."""

from datetime import date

import pytest

from workflows.rules.gap_starters import may_start, once_drafted, starters, who_can_start
from workflows.rules.ratification import GapValidity, validity_for_gap
from workflows.rules.roles import ROLE_PERMISSIONS, Permission, Role

ACT = date(2026, 4, 1)


def test_a_volmacht_decided_in_time_is_valid_from_the_act_s_date():
    assert validity_for_gap("volmacht", ACT, today=date(2025, 6, 2), in_time=True) == (
        GapValidity(ACT, None)
    )


def test_a_volmacht_decided_after_the_act_is_ratified_from_the_act_s_date():
    assert validity_for_gap("volmacht", ACT, today=date(2026, 3, 20), in_time=False) == (
        GapValidity(ACT, ACT)
    )


def test_an_act_already_past_is_never_covered_from_today_alone_but_ratified_from_its_date():
    today = date(2026, 12, 3)
    assert validity_for_gap("volmacht", ACT, today=today, in_time=False) == GapValidity(today, ACT)


def test_a_mandaat_is_not_ratified_like_a_private_law_act():
    today = date(2026, 12, 3)
    assert validity_for_gap("mandaat", ACT, today=today, in_time=False) == GapValidity(today, None)


def test_who_may_start_follows_the_role_table():
    assert starters() == [Role.LEGAL_OFFICER, Role.PROJECT_GROUP, Role.ADMINISTRATOR]
    assert all(
        {Permission.EDIT_DECISIONS, Permission.EDIT_MANDATES} <= ROLE_PERMISSIONS[r]
        for r in starters()
    )


@pytest.mark.parametrize(
    ("role", "organisation", "expected"),
    [
        (Role.LEGAL_OFFICER, 1, True),  # her own municipality is in the gap
        (Role.LEGAL_OFFICER, 9, False),  # an officer of another municipality
        (Role.POLICY_OFFICER, 1, False),  # drafts no volmacht
        (Role.AUDITOR, 1, False),
        (Role.PROVIDER, 1, False),
        (Role.PROJECT_GROUP, 9, True),  # acts for the region
    ],
)
def test_a_municipal_officer_starts_only_for_her_own_municipality(role, organisation, expected):
    assert may_start(role, organisation, [1, 2, 3]) is expected


def test_once_the_draft_exists_the_policy_officer_starts_her_own_college_s_dossier():
    assert may_start(Role.POLICY_OFFICER, 1, [1, 2], draft_exists=True)
    assert not may_start(Role.POLICY_OFFICER, 9, [1, 2], draft_exists=True)
    assert not may_start(Role.AUDITOR, 1, [1, 2], draft_exists=True)
    assert once_drafted(Role.POLICY_OFFICER, 1, [1, 2]).startswith("Zodra de conceptvolmacht")
    assert once_drafted(Role.AUDITOR, 1, [1, 2]) == ""


def test_who_can_names_the_readers_own_municipality_or_one_of_them():
    assert who_can_start(["Borne"]) == "Een jurist van Borne of de projectgroep kan dit starten."
    assert who_can_start(["Borne", "Enschede"], own="Enschede") == (
        "Een jurist van Enschede of de projectgroep kan dit starten."
    )
    assert who_can_start(["Borne", "Enschede"], own="Almelo") == (
        "Een jurist van een van deze gemeenten of de projectgroep kan dit starten."
    )


def test_who_can_follows_the_table_when_a_role_gains_the_rights(monkeypatch):
    changed = dict(ROLE_PERMISSIONS)
    changed[Role.POLICY_OFFICER] = changed[Role.POLICY_OFFICER] | {Permission.EDIT_MANDATES}
    monkeypatch.setattr("workflows.rules.gap_starters.ROLE_PERMISSIONS", changed)
    assert who_can_start(["Borne"]) == (
        "Een beleidsmedewerker of jurist van Borne of de projectgroep kan dit starten."
    )
