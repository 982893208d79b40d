"""The acts of a tender for a successor contract, each on its own day."""

from datetime import date

from workflows.rules.acts import (
    Act,
    MandateKind,
    kind_covers,
    kind_for,
    needed,
)
from workflows.rules.tender import timetable


def test_preparation_procedure_and_award_take_a_third_of_the_lead_time_each():
    assert timetable(date(2027, 1, 1), 9) == [
        (Act.PREPARE_TENDER, date(2026, 4, 1)),
        (Act.RUN_TENDER, date(2026, 7, 1)),
        (Act.AWARD_TENDER, date(2026, 10, 1)),
        (Act.CONCLUDE_AGREEMENT, date(2027, 1, 1)),
    ]


def test_the_acts_stay_in_order_for_any_lead_time():
    for months in range(1, 37):
        days = [on for _, on in timetable(date(2027, 1, 1), months)]
        assert days == sorted(days), months


def test_a_decision_needs_a_mandaat_and_every_other_act_a_volmacht():
    assert kind_for(Act.GRANT_SUBSIDY) is MandateKind.MANDAAT
    assert kind_for(Act.DECIDE_APPLICATION) is MandateKind.MANDAAT
    for act in (Act.AWARD_TENDER, Act.CONCLUDE_AGREEMENT, Act.TERMINATE_AGREEMENT):
        assert kind_for(act) is MandateKind.VOLMACHT
    assert needed(MandateKind.VOLMACHT) == "nieuwe volmacht nodig"
    assert needed(MandateKind.MANDAAT) == "nieuw mandaat nodig"
    assert not kind_covers("mandaat", Act.AWARD_TENDER)
    assert not kind_covers("volmacht", Act.DECIDE_APPLICATION)
