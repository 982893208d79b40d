"""The coverage rule: may this organisation do this act for this municipality on this date?"""

from datetime import date

import pytest

from workflows.rules.acts import Act
from workflows.rules.coverage import GrantFact, MandateFact, PhaseFact, answer

LEAD, ENSCHEDE, BORNE, HENGELO, ALERTA = 1, 2, 3, 4, 9
NAMES = {
    LEAD: "Rijssen-Holten",
    ENSCHEDE: "Enschede",
    BORNE: "Borne",
    HENGELO: "Hengelo",
    ALERTA: "Alerta",
}
PILOT = PhaseFact(1, "Pilot", "pilot", date(2024, 2, 1), date(2024, 12, 31))
EXTENSION = PhaseFact(2, "Verlenging 1", "extension", date(2025, 1, 1), date(2026, 1, 1))
STRUCTURAL = PhaseFact(
    3, "Structureel contract", "structural", date(2027, 1, 1), date(2030, 12, 31)
)
PHASES = [PILOT, EXTENSION, STRUCTURAL]
AGREEMENT_ACTS = frozenset(
    {Act.CONCLUDE_AGREEMENT, Act.AMEND_AGREEMENT, Act.EXTEND_AGREEMENT, Act.TERMINATE_AGREEMENT}
)


def volmacht(*grants, **changes):
    values = {
        "id": 10,
        "kind": "volmacht",
        "grantee_id": LEAD,
        "acts": AGREEMENT_ACTS,
        "phase_ids": frozenset({PILOT.id}),
        "includes_extensions": True,
        "grants": tuple(grants),
        "ratifies_since": date(2025, 1, 1),
    }
    values.update(changes)
    return MandateFact(**values)


ENSCHEDE_GRANT = GrantFact(ENSCHEDE, "active", granted_on=date(2025, 5, 27))


def ask(
    mandates,
    *,
    municipality=ENSCHEDE,
    act=Act.CONCLUDE_AGREEMENT,
    on=date(2025, 6, 2),
    acting=LEAD,
    phases=PHASES,
):
    return answer(
        acting_id=acting,
        municipality_id=municipality,
        act=act,
        on=on,
        lead_id=LEAD,
        names=NAMES,
        phases=phases,
        mandates=mandates,
    )


def test_the_lead_municipality_acts_for_itself_on_its_own_authority():
    result = ask([], municipality=LEAD, act=Act.RUN_TENDER)
    assert result.covered and result.mandate_id is None and result.reason == "eigen bevoegdheid"


def test_a_granted_volmacht_covers_agreements_during_the_extension():
    result = ask([volmacht(ENSCHEDE_GRANT)])
    assert result.covered and result.mandate_id == 10 and not result.ratified


def test_pilot_and_any_extension_is_a_scope_so_a_later_extension_is_covered_too():
    second = PhaseFact(4, "Verlenging 2", "extension", date(2026, 1, 2), date(2026, 12, 31))
    result = ask([volmacht(ENSCHEDE_GRANT)], on=date(2026, 6, 1), phases=[*PHASES, second])
    assert result.covered


def test_without_any_extension_only_the_named_phase_is_covered():
    mandate = volmacht(ENSCHEDE_GRANT, includes_extensions=False, ratifies_since=None)
    result = ask([mandate], on=date(2025, 6, 2))
    assert not result.covered
    assert "dekt de pilot" in result.reason and "2 juni 2025 valt daarbuiten" in result.reason


def test_the_volmacht_does_not_cover_a_tender_and_says_so():
    result = ask([volmacht(ENSCHEDE_GRANT)], act=Act.RUN_TENDER, on=date(2026, 3, 1))
    assert not result.covered and result.mandate_id == 10
    assert "de pilot en eventuele verlengingen" in result.reason
    assert "niet voor 'aanbesteding uitvoeren'" in result.reason


def test_a_structural_phase_is_not_an_extension():
    result = ask([volmacht(ENSCHEDE_GRANT)], on=date(2027, 3, 1))
    assert not result.covered and "1 maart 2027 valt daarbuiten" in result.reason


def test_acts_before_the_decision_are_covered_by_ratification_since_1_january_2025():
    result = ask([volmacht(ENSCHEDE_GRANT)], on=date(2025, 1, 15))
    assert result.covered and result.ratified
    assert "bekrachtigd door Enschede op 27 mei 2025" in result.reason
    assert "BW 3:69" in result.reason


def test_acts_before_the_ratification_date_are_not_covered():
    result = ask([volmacht(ENSCHEDE_GRANT)], on=date(2024, 12, 15))
    assert not result.covered
    assert "pas op 27 mei 2025" in result.reason and "vanaf 1 januari 2025" in result.reason


def test_without_a_ratification_clause_acts_before_the_decision_are_not_covered():
    result = ask([volmacht(ENSCHEDE_GRANT, ratifies_since=None)], on=date(2025, 3, 1))
    assert not result.covered and "niet bekrachtigd" in result.reason


def test_a_grantor_that_has_not_decided_yet_is_named():
    mandate = volmacht(ENSCHEDE_GRANT, GrantFact(BORNE, "draft"))
    result = ask([mandate], municipality=BORNE)
    assert not result.covered and result.reason == "Borne heeft nog niet besloten."


def test_a_municipality_without_a_grant_is_named():
    result = ask([volmacht(ENSCHEDE_GRANT)], municipality=HENGELO)
    assert not result.covered and "Hengelo verleent deze volmacht niet" in result.reason


def test_a_revoked_grant_covers_until_the_day_it_was_revoked():
    revoked = GrantFact(
        ENSCHEDE, "revoked", granted_on=date(2025, 5, 27), revoked_on=date(2025, 9, 1)
    )
    assert ask([volmacht(revoked)], on=date(2025, 8, 31)).covered
    result = ask([volmacht(revoked)], on=date(2025, 9, 1))
    assert not result.covered and result.reason == "Ingetrokken op 1 september 2025."


def test_an_expired_mandate_says_when_it_expired():
    mandate = volmacht(ENSCHEDE_GRANT, valid_until=date(2025, 10, 31))
    result = ask([mandate], on=date(2025, 11, 15))
    assert not result.covered and result.reason == "Verlopen op 31 oktober 2025."


def test_another_organisation_without_a_mandate_gets_no_coverage():
    result = ask([volmacht(ENSCHEDE_GRANT)], acting=ALERTA)
    assert not result.covered and result.reason == "Er is geen volmacht aan Alerta in het register."


def test_a_sub_mandate_covers_when_the_parent_allows_it():
    parent = volmacht(ENSCHEDE_GRANT, sub_mandate_allowed=True)
    sub = volmacht(
        GrantFact(LEAD, "active", granted_on=date(2025, 6, 1)),
        id=11,
        grantee_id=ALERTA,
        parent_id=10,
        ratifies_since=None,
    )
    result = ask([parent, sub], acting=ALERTA, on=date(2025, 6, 2))
    assert result.covered and result.mandate_id == 11


def test_a_sub_mandate_is_refused_when_the_parent_does_not_allow_it():
    parent = volmacht(ENSCHEDE_GRANT, sub_mandate_allowed=False)
    sub = volmacht(
        GrantFact(LEAD, "active", granted_on=date(2025, 6, 1)),
        id=11,
        grantee_id=ALERTA,
        parent_id=10,
    )
    result = ask([parent, sub], acting=ALERTA)
    # A volmacht is passed on by substitution (BW 3:64), not by sub-mandate.
    assert not result.covered
    assert result.reason == "De volmacht aan Rijssen-Holten staat geen substitutie toe (BW 3:64)."


def test_a_sub_mandate_of_a_mandaat_needs_the_mandaat_to_allow_it_awb_10_9():
    parent = volmacht(ENSCHEDE_GRANT, kind="mandaat", acts=frozenset({Act.DECIDE_APPLICATION}))
    sub = volmacht(
        GrantFact(LEAD, "active", granted_on=date(2025, 6, 1)),
        id=11,
        kind="mandaat",
        acts=frozenset({Act.DECIDE_APPLICATION}),
        grantee_id=ALERTA,
        parent_id=10,
    )
    result = ask([parent, sub], acting=ALERTA, act=Act.DECIDE_APPLICATION)
    assert not result.covered
    assert result.reason == "Het mandaat aan Rijssen-Holten staat geen ondermandaat toe (Awb 10:9)."


def test_a_sub_mandate_cannot_cover_more_than_its_parent():
    parent = volmacht(ENSCHEDE_GRANT, sub_mandate_allowed=True)
    sub = volmacht(
        GrantFact(LEAD, "active", granted_on=date(2025, 6, 1)),
        id=11,
        grantee_id=ALERTA,
        parent_id=10,
        acts=frozenset({Act.RUN_TENDER}),
    )
    result = ask([parent, sub], acting=ALERTA, act=Act.RUN_TENDER, on=date(2025, 7, 1))
    assert not result.covered and "aanbesteding uitvoeren" in result.reason


def test_a_grant_in_force_is_preferred_over_one_that_only_ratifies():
    ratifying = volmacht(ENSCHEDE_GRANT, id=20)
    direct = volmacht(GrantFact(ENSCHEDE, "active", granted_on=date(2025, 1, 10)), id=21)
    result = ask([ratifying, direct], on=date(2025, 2, 1))
    assert result.covered and result.mandate_id == 21 and not result.ratified


def test_the_reason_comes_from_the_mandate_that_came_closest():
    tender_only = volmacht(
        GrantFact(ENSCHEDE, "draft"),
        id=30,
        acts=frozenset({Act.RUN_TENDER}),
        phase_ids=frozenset({3}),
    )
    result = ask([volmacht(ENSCHEDE_GRANT), tender_only], act=Act.RUN_TENDER, on=date(2027, 2, 1))
    assert not result.covered and result.mandate_id == 30
    assert result.reason == "Enschede heeft nog niet besloten."


@pytest.mark.parametrize("status", ["granted", "active"])
def test_granted_and_active_grants_both_count_from_the_decision_date(status):
    grant = GrantFact(ENSCHEDE, status, granted_on=date(2025, 5, 27))
    assert ask([volmacht(grant)], on=date(2025, 5, 27)).covered


def test_a_tender_volmacht_without_phases_covers_its_period_of_validity():
    tender = volmacht(
        GrantFact(ENSCHEDE, "active", granted_on=date(2026, 2, 10)),
        id=40,
        acts=frozenset({Act.PREPARE_TENDER, Act.RUN_TENDER, Act.AWARD_TENDER}),
        phase_ids=frozenset(),
        includes_extensions=False,
        valid_from=date(2026, 3, 1),
        valid_until=date(2027, 12, 31),
        ratifies_since=None,
    )
    assert ask([tender], act=Act.RUN_TENDER, on=date(2026, 4, 1)).covered
    early = ask([tender], act=Act.RUN_TENDER, on=date(2026, 2, 20))
    assert not early.covered and early.reason == "Geldig vanaf 1 maart 2026."
    late = ask([tender], act=Act.RUN_TENDER, on=date(2028, 1, 1))
    assert not late.covered and late.reason == "Verlopen op 31 december 2027."


# --- volmacht versus mandaat (BW 3:60, Awb 10:1) ---------------------------------------------


def test_mandaat_does_not_cover_private_law_act():
    # A register entry of old, before the register refused it: a mandaat listing a tender.
    mandaat = volmacht(ENSCHEDE_GRANT, kind="mandaat", acts=frozenset({Act.RUN_TENDER}))
    result = ask([mandaat], act=Act.RUN_TENDER, on=date(2025, 7, 1))
    assert not result.covered and result.mandate_id == 10
    assert result.reason == (
        "Het mandaat is voor publiekrechtelijke besluiten, genomen namens het college "
        "(Awb 10:1); 'aanbesteding uitvoeren' is een privaatrechtelijke rechtshandeling en "
        "vraagt een volmacht (BW 3:60)."
    )


def test_volmacht_does_not_cover_public_law_decision():
    wide = volmacht(ENSCHEDE_GRANT, acts=AGREEMENT_ACTS | {Act.GRANT_SUBSIDY})
    result = ask([wide], act=Act.GRANT_SUBSIDY)
    assert not result.covered
    assert result.reason == (
        "De volmacht is voor privaatrechtelijke rechtshandelingen (BW 3:60); 'subsidie "
        "verlenen' is een publiekrechtelijk besluit en vraagt een mandaat (Awb 10:1)."
    )
    assert ask([wide], act=Act.CONCLUDE_AGREEMENT).covered


def test_mandaat_covers_a_public_law_decision_namens_the_college():
    mandaat = volmacht(ENSCHEDE_GRANT, kind="mandaat", acts=frozenset({Act.DECIDE_APPLICATION}))
    result = ask([mandaat], act=Act.DECIDE_APPLICATION)
    assert result.covered and result.reason == "mandaat van Enschede"


def test_without_any_mandate_the_answer_names_the_kind_the_act_needs():
    assert ask([], act=Act.AWARD_TENDER).reason == (
        "Er is geen volmacht aan Rijssen-Holten in het register."
    )
    assert ask([], act=Act.DECIDE_APPLICATION).reason == (
        "Er is geen mandaat aan Rijssen-Holten in het register."
    )


# --- asked as of a day -----------------------------------------------------------------------


def test_a_decision_dated_after_the_day_asked_has_not_been_taken_yet():
    later = GrantFact(ENSCHEDE, "active", granted_on=date(2025, 5, 27))
    as_of_april = answer(
        acting_id=LEAD,
        municipality_id=ENSCHEDE,
        act=Act.EXTEND_AGREEMENT,
        on=date(2025, 10, 1),
        lead_id=LEAD,
        names=NAMES,
        phases=PHASES,
        mandates=[volmacht(later)],
        decided_by=date(2025, 4, 1),
    )
    assert not as_of_april.covered and as_of_april.reason == "Enschede heeft nog niet besloten."
    assert ask([volmacht(later)], act=Act.EXTEND_AGREEMENT, on=date(2025, 10, 1)).covered


def test_a_revocation_dated_after_the_day_asked_has_not_happened_yet():
    revoked = GrantFact(
        ENSCHEDE, "revoked", granted_on=date(2025, 5, 27), revoked_on=date(2025, 9, 1)
    )
    result = answer(
        acting_id=LEAD,
        municipality_id=ENSCHEDE,
        act=Act.EXTEND_AGREEMENT,
        on=date(2025, 10, 1),
        lead_id=LEAD,
        names=NAMES,
        phases=PHASES,
        mandates=[volmacht(revoked)],
        decided_by=date(2025, 8, 1),
    )
    assert result.covered


def test_a_tender_volmacht_valid_from_its_grant_covers_earlier_acts_it_ratifies():
    tender = volmacht(
        GrantFact(ENSCHEDE, "active", granted_on=date(2026, 12, 22)),
        id=40,
        acts=frozenset({Act.PREPARE_TENDER, Act.RUN_TENDER, Act.AWARD_TENDER}),
        phase_ids=frozenset(),
        includes_extensions=False,
        valid_from=date(2026, 12, 22),
        ratifies_since=date(2026, 4, 1),
    )
    ratified = ask([tender], act=Act.RUN_TENDER, on=date(2026, 7, 1))
    assert ratified.covered and ratified.ratified
    before = ask([tender], act=Act.PREPARE_TENDER, on=date(2026, 3, 1))
    assert not before.covered and before.reason == "Geldig vanaf 22 december 2026."


def test_a_volmacht_asked_about_a_decision_it_does_not_list_says_a_mandaat_is_needed():
    result = ask([volmacht(ENSCHEDE_GRANT)], act=Act.DECIDE_APPLICATION)
    assert not result.covered
    assert result.reason.endswith(
        "'beschikken op aanvragen' is een publiekrechtelijk besluit en vraagt een mandaat "
        "(Awb 10:1)."
    )


def test_a_mandaat_entered_for_the_act_is_the_nearer_miss_than_a_volmacht_without_it():
    mandaat = volmacht(ENSCHEDE_GRANT, id=50, kind="mandaat", acts=frozenset({Act.RUN_TENDER}))
    result = ask([volmacht(ENSCHEDE_GRANT), mandaat], act=Act.RUN_TENDER, on=date(2025, 7, 1))
    assert not result.covered and result.mandate_id == 50
    assert result.reason.startswith("Het mandaat is voor publiekrechtelijke besluiten")
