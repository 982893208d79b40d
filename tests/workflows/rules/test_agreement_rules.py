"""Pure rules of agreements and grants: calendar months, terms, the four-year limit of a
framework agreement, and which status may follow which."""

from datetime import date
from itertools import pairwise

import pytest

from workflows.rules.agreements import (
    STATUS_LABELS,
    TRANSITIONS,
    Term,
    framework_latest_end,
    term_problems,
    transition_problem,
)
from workflows.rules.mandates import GRANT_TRANSITIONS, grant_path, grant_problems
from workflows.rules.periods import add_months, end_after_months, extend_end

PILOT_START = date(2024, 2, 1)


def term(**changes):
    values = {
        "kind": "purchase",
        "start_on": date(2025, 1, 1),
        "end_on": date(2025, 12, 31),
        "extension_count": 0,
        "extension_months": 0,
        "maximum_end_on": None,
        "notice_months": 3,
    }
    values.update(changes)
    return Term(**values)


# --- calendar months -------------------------------------------------------------------------


def test_adding_a_month_to_31_january_gives_the_last_day_of_february():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


def test_adding_a_month_in_a_leap_year_gives_29_february():
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2024, 1, 30), 1) == date(2024, 2, 29)


def test_a_year_after_29_february_is_28_february():
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2028, 2, 29), 48) == date(2032, 2, 29)


def test_adding_months_keeps_the_day_number_when_it_exists():
    assert add_months(date(2025, 1, 15), 1) == date(2025, 2, 15)
    assert add_months(date(2025, 5, 27), 0) == date(2025, 5, 27)


def test_adding_months_rolls_over_the_year_both_ways():
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 1, 15), -1) == date(2024, 12, 15)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)


def test_a_period_of_whole_months_ends_the_day_before_the_same_day_number():
    assert end_after_months(date(2025, 1, 1), 12) == date(2025, 12, 31)
    assert end_after_months(date(2024, 2, 1), 11) == date(2024, 12, 31)
    assert end_after_months(date(2025, 5, 27), 1) == date(2025, 6, 26)


def test_a_month_from_1_february_in_a_leap_year_ends_on_29_february():
    assert end_after_months(date(2028, 2, 1), 1) == date(2028, 2, 29)
    assert end_after_months(date(2027, 2, 1), 1) == date(2027, 2, 28)


def test_four_years_from_1_january_end_on_31_december_of_the_fourth_year():
    assert end_after_months(date(2025, 1, 1), 48) == date(2028, 12, 31)


def test_extending_a_period_continues_the_day_after_its_end():
    # The demo agreements end on 1 January 2026 and have one option of twelve months.
    assert extend_end(date(2026, 1, 1), 12) == date(2027, 1, 1)
    assert extend_end(date(2025, 12, 31), 12) == date(2026, 12, 31)


def test_extending_a_period_that_ends_on_a_month_end_ends_on_a_month_end():
    assert extend_end(date(2025, 2, 28), 1) == date(2025, 3, 31)
    assert extend_end(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert extend_end(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_extending_by_zero_months_leaves_the_end_as_it_is():
    assert extend_end(date(2026, 1, 1), 0) == date(2026, 1, 1)


# --- Term ----------------------------------------------------------------------------------------


def test_notice_deadline_is_the_last_day_notice_can_be_given_for_the_end_date():
    # Notice given on 30 September: three months run from 1 October to 31 December.
    assert term(end_on=date(2025, 12, 31), notice_months=3).notice_deadline() == date(2025, 9, 30)


def test_notice_deadline_counts_months_back_to_a_month_end():
    assert term(end_on=date(2026, 2, 28), notice_months=1).notice_deadline() == date(2026, 1, 31)
    assert term(end_on=date(2025, 6, 30), notice_months=4).notice_deadline() == date(2025, 2, 28)


def test_notice_deadline_of_the_demo_agreements_is_1_october_2025():
    demo = term(start_on=date(2025, 1, 1), end_on=date(2026, 1, 1), notice_months=3)
    assert demo.notice_deadline() == date(2025, 10, 1)


def test_notice_deadline_can_be_asked_for_another_end_date():
    assert term(notice_months=3).notice_deadline(date(2026, 12, 31)) == date(2026, 9, 30)


def test_without_a_notice_period_notice_can_be_given_until_the_end_date():
    assert term(notice_months=0).notice_deadline() == date(2025, 12, 31)


def test_end_with_all_extensions_adds_every_option():
    assert term(extension_count=2, extension_months=12).end_with_all_extensions == date(
        2027, 12, 31
    )
    assert term(extension_count=3, extension_months=6).end_with_all_extensions == date(2027, 6, 30)


def test_end_with_all_extensions_without_options_is_the_end_date():
    assert term().end_with_all_extensions == date(2025, 12, 31)
    assert term(extension_count=2, extension_months=0).end_with_all_extensions == date(2025, 12, 31)


def test_effective_maximum_end_is_the_stated_one_or_else_the_end_with_all_extensions():
    assert term(extension_count=1, extension_months=12).effective_maximum_end == date(2026, 12, 31)
    stated = term(extension_count=1, extension_months=12, maximum_end_on=date(2027, 6, 30))
    assert stated.effective_maximum_end == date(2027, 6, 30)


# --- term_problems --------------------------------------------------------------------------------


def test_a_plain_term_within_the_arrangement_has_no_problems():
    assert term_problems(term(), arrangement_start=PILOT_START) == {}
    assert term_problems(term(), arrangement_start=None) == {}


def test_an_agreement_of_a_single_day_is_allowed():
    one_day = term(start_on=date(2025, 1, 1), end_on=date(2025, 1, 1))
    assert term_problems(one_day, arrangement_start=PILOT_START) == {}


def test_an_end_before_the_start_is_refused():
    problems = term_problems(
        term(start_on=date(2025, 1, 1), end_on=date(2024, 12, 31)), arrangement_start=PILOT_START
    )
    assert problems == {"end_on": "Einddatum: ligt vóór de begindatum."}


def test_an_agreement_cannot_start_before_the_arrangement():
    problems = term_problems(term(start_on=date(2024, 1, 31)), arrangement_start=PILOT_START)
    assert problems == {
        "start_on": (
            "Begindatum: de overeenkomst kan niet beginnen vóór de regeling (1 februari 2024)."
        )
    }


def test_an_agreement_may_start_on_the_first_day_of_the_arrangement():
    assert term_problems(term(start_on=PILOT_START), arrangement_start=PILOT_START) == {}


def test_framework_latest_end_is_four_years_minus_a_day():
    assert framework_latest_end(date(2025, 1, 1)) == date(2028, 12, 31)
    assert framework_latest_end(date(2028, 3, 1)) == date(2032, 2, 29)


def test_a_framework_agreement_of_exactly_four_years_with_extensions_is_allowed():
    four_years = term(
        kind="framework", end_on=date(2026, 12, 31), extension_count=2, extension_months=12
    )
    assert four_years.end_with_all_extensions == date(2028, 12, 31)
    assert term_problems(four_years, arrangement_start=PILOT_START) == {}


def test_a_framework_agreement_longer_than_four_years_including_extensions_is_refused():
    too_long = term(
        kind="framework", end_on=date(2026, 12, 31), extension_count=2, extension_months=13
    )
    problems = term_problems(too_long, arrangement_start=PILOT_START)
    assert set(problems) == {"maximum_end_on"}
    message = problems["maximum_end_on"]
    assert "ten hoogste vier jaar, verlengingen inbegrepen" in message
    assert "Aanbestedingswet 2012, art. 2.140" in message
    assert message.endswith("uiterlijk 31 december 2028.")


def test_a_framework_agreement_whose_stated_maximum_end_exceeds_four_years_is_refused():
    stated = term(kind="framework", end_on=date(2026, 12, 31), maximum_end_on=date(2029, 1, 1))
    problems = term_problems(stated, arrangement_start=PILOT_START)
    assert "art. 2.140" in problems["maximum_end_on"]
    assert "uiterlijk 31 december 2028" in problems["maximum_end_on"]


def test_a_purchase_agreement_may_run_longer_than_four_years():
    long_purchase = term(end_on=date(2026, 12, 31), extension_count=3, extension_months=12)
    assert term_problems(long_purchase, arrangement_start=PILOT_START) == {}


def test_the_four_year_limit_names_the_latest_end_for_the_agreements_own_start():
    later = term(
        kind="framework",
        start_on=date(2025, 7, 1),
        end_on=date(2027, 6, 30),
        extension_count=3,
        extension_months=12,
    )
    problems = term_problems(later, arrangement_start=PILOT_START)
    assert problems["maximum_end_on"].endswith("uiterlijk 30 juni 2029.")


def test_extension_options_beyond_the_maximum_end_are_refused():
    options = term(extension_count=2, extension_months=12, maximum_end_on=date(2026, 12, 31))
    problems = term_problems(options, arrangement_start=PILOT_START)
    assert problems == {
        "extension_count": (
            "Verlengingen: met alle verlengingsopties loopt de overeenkomst tot "
            "31 december 2027, na de uiterste einddatum 31 december 2026."
        )
    }


def test_extension_options_up_to_the_maximum_end_are_allowed():
    options = term(extension_count=1, extension_months=12, maximum_end_on=date(2026, 12, 31))
    assert term_problems(options, arrangement_start=PILOT_START) == {}


def test_a_maximum_end_before_the_end_date_is_refused():
    problems = term_problems(term(maximum_end_on=date(2025, 6, 30)), arrangement_start=None)
    assert problems == {"maximum_end_on": "Uiterste einddatum: ligt vóór de einddatum."}


# --- agreement status transitions ------------------------------------------------------------


ALLOWED = sorted(
    (current, target) for current, targets in TRANSITIONS.items() for target in targets
)


def test_every_status_has_a_label_and_a_row_in_the_transition_table():
    assert set(TRANSITIONS) == set(STATUS_LABELS)


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_every_allowed_agreement_transition_is_accepted(current, target):
    assert transition_problem(current, target) is None


def test_the_lifecycle_runs_from_draft_to_active_and_on_to_an_end():
    path = ["draft", "sent", "signed_by_provider", "signed", "active", "extended", "ended"]
    for current, target in pairwise(path):
        assert transition_problem(current, target) is None
    assert transition_problem("active", "terminated") is None
    assert transition_problem("sent", "draft") is None


def test_a_draft_cannot_become_active_without_being_sent_and_signed():
    assert transition_problem("draft", "active") == (
        "Status: van 'concept' kan de overeenkomst niet naar 'lopend'; wel naar: verstuurd."
    )


def test_a_sent_agreement_names_both_statuses_it_may_go_to():
    assert transition_problem("sent", "signed") == (
        "Status: van 'verstuurd' kan de overeenkomst niet naar 'getekend'; "
        "wel naar: concept, getekend door aanbieder."
    )


def test_an_active_agreement_cannot_go_back_to_draft():
    message = transition_problem("active", "draft")
    assert message is not None
    assert message.startswith("Status: van 'lopend' kan de overeenkomst niet naar 'concept'")
    assert "afgelopen" in message and "verlengd" in message and "opgezegd" in message


@pytest.mark.parametrize("final", ["ended", "terminated"])
@pytest.mark.parametrize("target", ["active", "extended", "draft", "ended", "terminated"])
def test_an_ended_or_terminated_agreement_is_final(final, target):
    message = transition_problem(final, target)
    assert message is not None and message.endswith("; dit is de eindstatus.")


def test_a_signed_agreement_cannot_be_signed_by_the_provider_again():
    assert transition_problem("signed", "signed_by_provider") is not None
    assert transition_problem("signed_by_provider", "sent") is not None


def test_an_unknown_status_is_refused_and_named():
    assert transition_problem("draft", "gesloten") == "Status: 'gesloten' bestaat niet."


def test_an_unknown_status_is_shortened_in_the_message():
    message = transition_problem("draft", "x" * 200)
    assert message == f"Status: '{'x' * 30}' bestaat niet."


# --- grants -------------------------------------------------------------------------------------


def test_a_draft_grant_can_be_granted_with_the_decision_date():
    assert grant_problems("draft", "granted", granted_on=date(2025, 5, 27), revoked_on=None) == {}


def test_granting_needs_the_date_of_the_decision():
    assert grant_problems("draft", "granted", granted_on=None, revoked_on=None) == {
        "granted_on": "Datum besluit: vul de datum in waarop het college besloot."
    }


def test_a_granted_grant_can_come_into_force_and_a_grant_in_force_can_expire():
    day = date(2025, 5, 27)
    assert grant_problems("granted", "active", granted_on=day, revoked_on=None) == {}
    assert grant_problems("active", "expired", granted_on=day, revoked_on=None) == {}


def test_a_draft_cannot_come_into_force_without_being_granted():
    problems = grant_problems("draft", "active", granted_on=date(2025, 5, 27), revoked_on=None)
    assert problems == {
        "status": "Status: van 'concept' kan niet naar 'van kracht'; wel naar: verleend."
    }


def test_a_decision_to_grant_takes_a_draft_through_granted_to_in_force_along_the_table():
    path = grant_path("draft", "active")
    assert path == ["granted", "active"]
    assert all(b in GRANT_TRANSITIONS[a] for a, b in pairwise(["draft", *path]))
    assert grant_path("granted", "active") == ["active"]
    assert grant_path("active", "active") == []


def test_a_decision_to_grant_does_not_revive_an_ended_grant():
    assert grant_path("revoked", "active") is None
    assert grant_path("expired", "active") is None


def test_revoking_needs_the_date_of_revocation():
    problems = grant_problems("active", "revoked", granted_on=date(2025, 5, 27), revoked_on=None)
    assert problems == {"revoked_on": "Ingetrokken op: vul de datum van intrekking in."}


def test_revoking_on_or_after_the_decision_is_accepted():
    day = date(2025, 5, 27)
    assert grant_problems("granted", "revoked", granted_on=day, revoked_on=day) == {}
    assert grant_problems("active", "revoked", granted_on=day, revoked_on=date(2025, 9, 1)) == {}


def test_revoking_before_the_decision_was_taken_is_refused():
    problems = grant_problems(
        "active", "revoked", granted_on=date(2025, 5, 27), revoked_on=date(2025, 5, 26)
    )
    assert problems == {"revoked_on": "Ingetrokken op: ligt vóór de datum van het besluit."}


@pytest.mark.parametrize("final", ["expired", "revoked"])
@pytest.mark.parametrize("target", ["draft", "granted", "active"])
def test_expired_and_revoked_grants_are_final(final, target):
    problems = grant_problems(
        final, target, granted_on=date(2025, 5, 27), revoked_on=date(2025, 9, 1)
    )
    assert problems["status"].endswith("; dit is de eindstatus.")


def test_an_expired_grant_cannot_be_revoked_afterwards():
    problems = grant_problems(
        "expired", "revoked", granted_on=date(2025, 5, 27), revoked_on=date(2025, 9, 1)
    )
    assert "dit is de eindstatus" in problems["status"]


def test_a_granted_grant_cannot_go_back_to_draft():
    problems = grant_problems("granted", "draft", granted_on=date(2025, 5, 27), revoked_on=None)
    assert problems["status"] == (
        "Status: van 'verleend' kan niet naar 'concept'; wel naar: van kracht, ingetrokken."
    )


def test_keeping_the_same_status_is_no_transition():
    for status in GRANT_TRANSITIONS:
        revoked = date(2025, 9, 1) if status == "revoked" else None
        granted = None if status == "draft" else date(2025, 5, 27)
        assert grant_problems(status, status, granted_on=granted, revoked_on=revoked) == {}


def test_an_unknown_grant_status_is_refused():
    assert grant_problems("draft", "verleend", granted_on=None, revoked_on=None) == {
        "status": "Status: 'verleend' bestaat niet."
    }
