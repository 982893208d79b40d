"""A missed meeting is not the plan: the next meeting whose agenda is open, and bekrachtiging."""

from datetime import date

from workflows.rules.planning import MeetingCalendar, next_meeting, plan_backwards
from workflows.rules.ratification import route

TWENTE = MeetingCalendar(weekday=1, recess_weeks=frozenset({30, 31, 32}))


def test_next_meeting_is_the_first_whose_agenda_is_still_open():
    # 3 December 2026: the agendas of 8 and 15 December have closed, that of 22 December
    # closes on 8 December; co-advice should have started on 24 November.
    plan = next_meeting(date(2026, 12, 3), date(2027, 1, 1), TWENTE)
    assert plan.latest_meeting_on == date(2026, 12, 22)
    assert plan.agenda_closes_on == date(2026, 12, 8)
    assert plan.start_by_on == date(2026, 11, 24)
    assert plan.act_on == date(2027, 1, 1)


def test_next_meeting_skips_christmas_and_the_summer_recess():
    assert next_meeting(date(2026, 12, 9), date(2027, 1, 1), TWENTE).latest_meeting_on == date(
        2027, 1, 5
    )
    # On 7 July 2027 the agenda of 20 July closed the day before, and weeks 30–32 (26 July –
    # 15 August) have no meetings: the next is 17 August.
    plan = next_meeting(date(2027, 7, 7), date(2027, 9, 1), TWENTE)
    assert plan.latest_meeting_on == date(2027, 8, 17)


def test_next_meeting_on_the_agenda_closing_day_itself_still_counts():
    backwards = plan_backwards(date(2026, 4, 1), TWENTE)
    plan = next_meeting(backwards.agenda_closes_on, date(2026, 4, 1), TWENTE)
    assert plan.latest_meeting_on == backwards.latest_meeting_on


def test_ratification_route_of_a_volmacht_names_bw_3_69_its_form_and_the_reasonable_term():
    text = route("volmacht", "Borne", "Rijssen-Holten", date(2025, 1, 1), done=True)
    assert text.startswith("Bekrachtiging (art. 3:69 BW): Borne kan wat Rijssen-Holten sinds")
    assert "1 januari 2025 zonder toereikende volmacht namens Borne heeft gedaan" in text
    assert "in de vorm die de volmacht vraagt: een collegebesluit" in text
    assert "De wederpartij kan Borne een redelijke termijn voor die bekrachtiging stellen." in text
    assert "uitstellen" not in text and "Of stel" not in text


def test_ratification_route_of_an_act_still_to_come_offers_to_postpone_it():
    text = route("volmacht", "Borne", "Rijssen-Holten", date(2027, 1, 1), done=False)
    assert "vanaf 1 januari 2027 vóór het besluit namens Borne doet" in text
    assert text.endswith("Of stel de handeling uit tot na het besluit.")


def test_a_decision_without_mandaat_is_not_ratified_under_bw_3_69():
    text = route("mandaat", "Borne", "Rijssen-Holten", date(2025, 1, 1), done=True)
    assert "art. 3:69 BW geldt voor privaatrechtelijke rechtshandelingen" in text
    assert "het college van Borne kan het besluit alsnog zelf nemen" in text
    assert not text.startswith("Bekrachtiging")
