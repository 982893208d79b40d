"""Algemene termijnenwet: holidays (art. 3), moving the end (art. 1), two working days
(art. 2), where the law does not apply (art. 4), and backward planning of B&W decisions."""

from datetime import date, timedelta

import holidays
import pytest

from workflows.rules.planning import MeetingCalendar, is_meeting_day, plan_backwards
from workflows.rules.termijnenwet import (
    add_working_days,
    equated_name,
    holidays_of,
    is_working_day,
    royal_day,
    term_end,
)

TWENTE = MeetingCalendar(weekday=1, recess_weeks=frozenset({30, 31, 32}))


def test_the_seed_example_six_weeks_from_24_march_2026_ends_on_6_may_not_5_may():
    result = term_end(date(2026, 3, 24), weeks=6)
    assert result.unadjusted_end_on == date(2026, 5, 5)
    assert result.end_on == date(2026, 5, 6)
    assert result.applies
    assert result.reason.startswith("5 mei, Bevrijdingsdag")


@pytest.mark.parametrize("year", range(2020, 2036))
def test_5_may_is_a_holiday_every_year_not_only_in_lustrum_years(year):
    assert holidays_of(year)[date(year, 5, 5)] == "Bevrijdingsdag"


@pytest.mark.parametrize("year", range(2020, 2036))
def test_our_holidays_are_the_statutory_list_and_agree_with_the_holidays_package(year):
    ours = holidays_of(year)
    assert sorted(ours.values()) == sorted(
        [
            "Nieuwjaarsdag",
            "Goede Vrijdag",
            "tweede Paasdag",
            "Koningsdag",
            "Bevrijdingsdag",
            "Hemelvaartsdag",
            "tweede Pinksterdag",
            "eerste Kerstdag",
            "tweede Kerstdag",
        ]
    )
    # An independent calendar: every Atw holiday is a public or optional day there too.
    theirs = holidays.NL(years=year, categories=("public", "optional"))
    assert set(ours) <= set(theirs)


@pytest.mark.parametrize("year", range(1966, 2036))
def test_the_royal_day_agrees_with_the_holidays_package_back_to_1966(year):
    # An independent calendar of the day the monarch's birthday was celebrated, year by year.
    theirs = holidays.NL(years=year, categories=("public", "optional"))
    royal = {d for d, name in theirs.items() if name in ("Queen's Day", "King's Day")}
    assert {royal_day(year)[0]} == royal


def test_koninginnedag_2013_is_30_april_and_koningsdag_starts_in_2014():
    assert holidays_of(2013)[date(2013, 4, 30)] == "Koninginnedag"
    assert date(2013, 4, 27) not in holidays_of(2013)
    # 27 April 2014 was a Sunday: the first Koningsdag was Saturday 26 April.
    assert holidays_of(2014)[date(2014, 4, 26)] == "Koningsdag"


def test_koninginnedag_1967_was_monday_1_may_because_30_april_was_a_sunday():
    # Until 1980 a Sunday 30 April moved the celebration to the Monday, not to the Saturday.
    assert date(1967, 4, 30).weekday() == 6
    assert holidays_of(1967)[date(1967, 5, 1)] == "Koninginnedag"
    assert date(1967, 4, 29) not in holidays_of(1967)
    result = term_end(date(1967, 4, 17), weeks=2)  # would end on Monday 1 May 1967
    assert result.end_on == date(1967, 5, 2)
    assert result.reason.startswith("1 mei, Koninginnedag")


def test_from_1980_a_sunday_30_april_moves_koninginnedag_to_saturday_29_april():
    assert holidays_of(1989)[date(1989, 4, 29)] == "Koninginnedag"
    assert holidays_of(2006)[date(2006, 4, 29)] == "Koninginnedag"
    assert date(2006, 5, 1) not in holidays_of(2006)


def test_5_may_is_an_atw_holiday_from_1982_when_it_was_added_not_before():
    assert date(1981, 5, 5) not in holidays_of(1981)
    assert holidays_of(1982)[date(1982, 5, 5)] == "Bevrijdingsdag"
    assert is_working_day(date(1981, 5, 5))  # a Tuesday: an ordinary working day then


def test_before_1_april_1965_the_atw_does_not_apply_and_says_why_in_dutch():
    result = term_end(date(1965, 3, 31), weeks=2)
    assert not result.applies
    assert result.end_on == result.unadjusted_end_on == date(1965, 4, 14)
    assert result.reason == (
        "Algemene termijnenwet niet van toepassing: de wet geldt vanaf 1 april 1965 (art. 7) "
        "en deze termijn begint op 31 maart 1965."
    )
    assert holidays_of(1964) == {}
    assert date(1965, 1, 1) not in holidays_of(1965)  # Nieuwjaarsdag came before the law


def test_from_1_april_1965_the_atw_applies():
    # Friday 2 April 1965 + 2 weeks = Friday 16 April, Goede Vrijdag: on to Tuesday 20 April.
    result = term_end(date(1965, 4, 2), weeks=2)
    assert result.applies
    assert result.end_on == date(1965, 4, 20)
    assert result.reason.startswith("16 april, Goede Vrijdag")


def test_an_equated_day_is_named_with_its_decree_in_the_reason():
    equated = {date(2026, 5, 15): equated_name("Besluit van 1 juli 2025, nr. 1")}
    result = term_end(date(2026, 5, 1), weeks=2, equated=equated)
    assert result.end_on == date(2026, 5, 18)
    assert result.reason == (
        "15 mei, bij koninklijk besluit met een feestdag gelijkgesteld (Besluit van 1 juli "
        "2025, nr. 1): de termijn eindigt op maandag 18 mei 2026 (art. 1 Atw)"
    )
    # Without the decree day, Friday 15 May 2026 is an ordinary working day.
    assert term_end(date(2026, 5, 1), weeks=2).end_on == date(2026, 5, 15)


def test_backward_planning_skips_an_equated_day_on_the_meeting_day():
    equated = {date(2026, 3, 31): equated_name("Besluit")}
    assert plan_backwards(date(2026, 4, 1), TWENTE).latest_meeting_on == date(2026, 3, 31)
    plan = plan_backwards(date(2026, 4, 1), TWENTE, equated)
    assert plan.latest_meeting_on == date(2026, 3, 24)
    assert plan.agenda_closes_on == date(2026, 3, 10)


def test_kings_day_moves_to_26_april_when_27_april_is_a_sunday():
    assert date(2025, 4, 27).weekday() == 6
    assert holidays_of(2025)[date(2025, 4, 26)] == "Koningsdag"
    assert date(2025, 4, 27) not in holidays_of(2025)
    assert holidays_of(2026)[date(2026, 4, 27)] == "Koningsdag"


def test_easter_dependent_days_follow_easter():
    # Easter 2025: 20 April; 2026: 5 April.
    assert holidays_of(2025)[date(2025, 4, 18)] == "Goede Vrijdag"
    assert holidays_of(2025)[date(2025, 4, 21)] == "tweede Paasdag"
    assert holidays_of(2025)[date(2025, 5, 29)] == "Hemelvaartsdag"
    assert holidays_of(2025)[date(2025, 6, 9)] == "tweede Pinksterdag"
    assert holidays_of(2026)[date(2026, 4, 3)] == "Goede Vrijdag"
    assert holidays_of(2026)[date(2026, 5, 25)] == "tweede Pinksterdag"


def test_a_term_ending_on_saturday_moves_to_monday():
    result = term_end(date(2026, 4, 30), days=2)
    assert result.end_on == date(2026, 5, 4)
    assert result.reason.startswith("zaterdag 2 mei 2026")


def test_a_term_ending_on_good_friday_moves_past_easter_monday():
    result = term_end(date(2026, 3, 31), days=3)
    assert result.unadjusted_end_on == date(2026, 4, 3)
    assert result.end_on == date(2026, 4, 7)


def test_art_2_a_three_day_term_contains_two_working_days():
    # From Thursday 24 December 2026: 25, 26 (holidays), 27 (Sunday) -> Monday 28 has one
    # working day only, so the term runs until Tuesday 29 December.
    result = term_end(date(2026, 12, 24), days=3)
    assert result.end_on == date(2026, 12, 29)
    assert "art. 2" in result.reason


def test_art_2_does_not_apply_to_terms_shorter_than_three_days():
    result = term_end(date(2026, 12, 24), days=2)
    assert result.end_on == date(2026, 12, 28)  # art. 1 only


def test_a_term_ending_on_a_working_day_stays():
    result = term_end(date(2026, 3, 2), weeks=2)
    assert result.end_on == result.unadjusted_end_on == date(2026, 3, 16)
    assert result.reason == "Geen verschuiving nodig."


@pytest.mark.parametrize(
    ("kwargs", "limit"),
    [({"days": 91}, "90 dagen"), ({"weeks": 13}, "12 weken"), ({"months": 4}, "3 maanden")],
)
def test_art_4_long_terms_are_not_adjusted_and_say_so(kwargs, limit):
    result = term_end(date(2026, 1, 3), **kwargs)
    assert not result.applies
    assert result.end_on == result.unadjusted_end_on
    assert "niet van toepassing" in result.reason and limit in result.reason
    # 91 days from 3 January 2026 is Saturday 4 April: left on the Saturday all the same.
    assert term_end(date(2026, 1, 3), days=91).end_on.weekday() == 5


def test_three_months_still_applies_and_months_end_on_the_last_day_when_needed():
    result = term_end(date(2025, 11, 30), months=3)
    assert result.unadjusted_end_on == date(2026, 2, 28)  # Saturday
    assert result.applies and result.end_on == date(2026, 3, 2)


def test_decreed_extra_days_count_as_holidays():
    extra = {date(2026, 6, 15): "aangewezen bij besluit"}
    assert not is_working_day(date(2026, 6, 15), extra)
    result = term_end(date(2026, 6, 1), weeks=2, equated=extra)
    assert result.end_on == date(2026, 6, 16)
    assert "aangewezen bij besluit" in result.reason


@pytest.mark.parametrize("bad", [{}, {"days": 3, "weeks": 1}, {"days": -1}])
def test_exactly_one_positive_term_is_required(bad):
    with pytest.raises(ValueError, match="precies één termijn"):
        term_end(date(2026, 1, 5), **bad)


def test_working_days_skip_weekends_and_holidays_both_ways():
    assert add_working_days(date(2025, 12, 23), -10) == date(2025, 12, 9)
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)  # Good Friday, Easter


def test_backward_planning_for_a_1_january_start_uses_the_last_meeting_before_christmas():
    plan = plan_backwards(date(2026, 1, 1), TWENTE)
    assert plan.latest_meeting_on == date(2025, 12, 23)
    assert plan.agenda_closes_on == date(2025, 12, 9)  # the docs/domain.md example date
    assert plan.start_by_on == date(2025, 11, 25)


def test_no_meetings_in_the_summer_recess():
    assert not is_meeting_day(date(2025, 7, 29), TWENTE)  # week 31
    plan = plan_backwards(date(2025, 8, 12), TWENTE)
    assert plan.latest_meeting_on == date(2025, 7, 15)


def test_no_meeting_on_a_holiday_tuesday():
    # Tuesday 5 May 2026 is Bevrijdingsdag: a decision needed by 6 May is taken on 28 April.
    plan = plan_backwards(date(2026, 5, 6), TWENTE)
    assert plan.latest_meeting_on == date(2026, 4, 28)


def test_another_weekday_and_lead_times_are_honoured():
    thursdays = MeetingCalendar(weekday=3, agenda_lead_working_days=5, co_advice_working_days=3)
    plan = plan_backwards(date(2026, 3, 9), thursdays)
    assert plan.latest_meeting_on == date(2026, 3, 5)
    assert plan.agenda_closes_on == date(2026, 2, 26)
    assert plan.start_by_on == date(2026, 2, 23)
    assert plan.start_by_on < plan.agenda_closes_on < plan.latest_meeting_on < plan.act_on
    assert plan.act_on - plan.latest_meeting_on <= timedelta(days=7)
