"""Pure rules of the B&W decision workflow: the transition table with its guards, and reading
the numbered decision points, arguments and risks of the agenda form (seeds/000)."""

from dataclasses import replace
from datetime import date
from itertools import product

import pytest

from workflows.rules.decisions import (
    OUTCOME_LABELS,
    STATUS_LABELS,
    TRANSITIONS,
    Facts,
    decision_date_problem,
    decision_points,
    numbered_items,
    numbering_problem,
    transition_problem,
)

STATUSES = list(STATUS_LABELS)
ALLOWED = [(source, target) for source in STATUSES for target in sorted(TRANSITIONS[source])]
REFUSED = [
    (source, target)
    for source, target in product(STATUSES, STATUSES)
    if target not in TRANSITIONS[source]
]

# The agenda form of Enschede, B&W meeting 27 May 2025 (seeds/000), as extracted from the PDF:
# trailing spaces, blank lines and a title that runs onto a second line included.
SEED_DRAFT_DECISION = "\n".join(
    [
        "Portefeuillehouder stelt voor te besluiten om: ",
        "1. Volmacht te verlenen aan de gemeente Rijssen-Holten voor alle "
        "vertegenwoordigingsbevoegdheden ",
        "",
        "met betrekking tot de inkoopovereenkomsten gedurende de looptijd van de pilot "
        "logeerzorg en een ",
        "eventuele verlenging daarvan; ",
        "",
        "2.  De (maximaal) verwachte kosten van € 28.400,- op jaarbasis te dekken uit "
        "GALA-middelen (onderdeel ",
        "Mantelzorg) product Algemene Maatschappelijke Voorzieningen. ",
        "",
        " ",
    ]
)
SEED_ARGUMENTS = "\n".join(
    [
        "1.1 Pilot is noodzakelijk om logeerzorg te kunnen bieden ",
        "Vanaf 2025 kunnen de ‘Dakjes’ uit het TOM model niet meer ingezet worden voor "
        "kortdurend verblijf. Bij de ",
        "onlangs afgeronde regionale aanbesteding, is verblijf namelijk niet meegenomen. Dit "
        "betekent dat het ",
        "product ‘Dakje’, dat vóór februari 2024 werd ingezet voor logeerzorg, niet meer ingezet "
        "kan worden voor ",
        "deze vorm van ondersteuning. ",
        " ",
        "1.2 Om de pilot rechtmatig te kunnen uitvoeren, is een aanbestedende dienst nodig ",
        "Voor deze pilot moeten gemeenten contracten afsluiten met 5 zorgaanbieders "
        "(ZorgAccent, Carintreggeland, ",
        "Zorggroep Sint Maarten, TriviumMeulenbeltZorg en Liberein). Zonder deze contracten, kan "
        "de pilot niet ",
        "rechtmatig worden uitgevoerd.  ",
        " ",
        "1.3 Voor zorgaanbieders en gemeenten is het efficiënter om één "
        "vertegenwoordigingsbevoegde dienst te ",
        "hebben voor deze pilot.  ",
        "De gemeente Rijssen-Holten neemt deze taak op zich. Via een gestandaardiseerde volmacht "
        "verlenen de ",
        "andere Twentse gemeenten volmacht aan Rijssen-Holten. De gemeente Enschede heeft de ",
        "gestandaardiseerde volmacht aangescherpt om juridisch helder vast te leggen waarvoor de "
        "volmacht wordt ",
        "verleend. ",
        " ",
        "2.1 De pilot voldoet aan de opdracht uit GALA ",
        "Vanuit GALA worden gemeenten gestimuleerd om te onderzoeken of er meer domein "
        "overstijgende vormen ",
        "van respijtzorg kunnen komen. De voorgestelde pilot voldoet aan deze opdracht. In 2024 "
        "is voor deze pilot ",
        "gebruik gemaakt van GALA-middelen (onderdeel mantelzorg). Ook in 2025 is er ruimte in "
        "de GALA-",
        "middelen voor deze pilot. ",
        " ",
    ]
)
# The titles of the risks of the same form (their texts shortened).
SEED_RISKS = "\n".join(
    [
        "1.1 De Pilot loopt als sinds 1 januari 2025 ",
        "Sinds 1 januari 2025 vervult de gemeente Rijssen-Holten de rol van vertegenwoordiger. ",
        " ",
        "1.2 Volmacht en mandaat ",
        "Het onderbrengen van vertegenwoordigingsbevoegdheid resulteert in afhankelijkheid. ",
        " ",
        "1.3 Toekomstige aanbesteding ",
        " De bestaande volmacht is daartoe ontoereikend. ",
        " ",
        "1.4 Huidige pilot lijkt niet toereikend ",
        "Voor sommige doelgroepen is lokaal maatwerk nodig. ",
        " ",
        "2.1 Kosten zijn een voorlopige inschatting ",
        "De leegstand wordt verdeeld naar inwonertal. ",
    ]
)


def facts(status, **changes):
    """A dossier in ``status`` that meets every guard: all co-advice in, secretary advice
    filled, a calendar meeting whose agenda is open, outcome conform with a date."""
    values = {
        "status": status,
        "co_advisers": 3,
        "advices": 3,
        "meeting_set": True,
        "meeting_in_calendar": True,
        "agenda_open": True,
        "outcome": "as_proposed",
        "decided_on_set": True,
        "secretary_advice_set": True,
    }
    values.update(changes)
    return Facts(**values)


def ready_for(source, target):
    """Facts under which the move from ``source`` to ``target`` meets its guard."""
    if (source, target) == ("decided", "scheduled"):
        return facts(source, outcome="deferred")
    return facts(source)


# --- the transition table ---------------------------------------------------------------------


def test_the_workflow_runs_from_concept_to_afgehandeld_with_the_dutch_labels():
    assert STATUS_LABELS == {
        "draft": "concept",
        "co_advice": "mee-advisering",
        "secretary_advice": "advies gemeentesecretaris",
        "scheduled": "geagendeerd",
        "decided": "besloten",
        "closed": "afgehandeld",
    }
    assert set(TRANSITIONS) == set(STATUS_LABELS)
    assert TRANSITIONS["closed"] == frozenset()
    assert OUTCOME_LABELS == {
        "as_proposed": "conform",
        "amended": "gewijzigd",
        "deferred": "aangehouden",
        "rejected": "afgewezen",
    }


def test_the_transition_table_allows_forward_steps_and_the_ways_back_of_practice():
    assert sorted(ALLOWED) == sorted(
        [
            ("draft", "co_advice"),
            ("co_advice", "draft"),
            ("co_advice", "secretary_advice"),
            ("secretary_advice", "co_advice"),
            ("secretary_advice", "scheduled"),
            ("scheduled", "secretary_advice"),
            ("scheduled", "decided"),
            ("decided", "scheduled"),
            ("decided", "closed"),
        ]
    )
    assert len(ALLOWED) + len(REFUSED) == len(STATUSES) ** 2


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_every_allowed_transition_is_accepted_when_its_guard_is_met(source, target):
    assert transition_problem(target, ready_for(source, target)) is None


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_every_other_transition_is_refused_with_a_dutch_message_naming_both_statuses(
    source, target
):
    problem = transition_problem(target, ready_for(source, target))
    assert problem is not None
    assert problem.startswith(
        f"Van '{STATUS_LABELS[source]}' kan het dossier niet naar '{STATUS_LABELS[target]}'"
    )
    if TRANSITIONS[source]:
        allowed = ", ".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS[source]))
        assert problem.endswith(f"; wel naar: {allowed}.")
    else:
        assert problem.endswith("; het dossier is afgehandeld.")


def test_a_concept_cannot_skip_co_advice_and_says_where_it_can_go():
    assert transition_problem("decided", facts("draft")) == (
        "Van 'concept' kan het dossier niet naar 'besloten'; wel naar: mee-advisering."
    )


def test_a_closed_dossier_goes_nowhere():
    for target in STATUSES:
        problem = transition_problem(target, facts("closed"))
        assert problem is not None and problem.endswith("het dossier is afgehandeld.")


def test_an_unknown_status_is_refused_in_dutch_and_cut_short():
    assert transition_problem("archived", facts("draft")) == "Status 'archived' bestaat niet."
    long = "x" * 200
    assert transition_problem(long, facts("draft")) == f"Status '{'x' * 30}' bestaat niet."


# --- guards -------------------------------------------------------------------------------------


def test_secretary_advice_waits_until_every_co_adviser_has_advised():
    waiting = facts("co_advice", co_advisers=3, advices=2)
    assert transition_problem("secretary_advice", waiting) == (
        "Nog niet alle mee-adviseurs hebben geadviseerd (2 van 3)."
    )
    assert transition_problem("secretary_advice", replace(waiting, advices=3)) is None


def test_a_dossier_without_co_advisers_may_go_to_the_secretary_at_once():
    nobody = facts("co_advice", co_advisers=0, advices=0)
    assert transition_problem("secretary_advice", nobody) is None


def test_going_back_to_concept_from_co_advice_needs_no_complete_advice():
    assert transition_problem("draft", facts("co_advice", co_advisers=3, advices=0)) is None


def test_scheduling_needs_the_advice_of_the_secretary():
    assert transition_problem(
        "scheduled", facts("secretary_advice", secretary_advice_set=False)
    ) == ("Vul eerst het advies van de gemeentesecretaris in.")


def test_scheduling_needs_a_meeting_date():
    assert transition_problem("scheduled", facts("secretary_advice", meeting_set=False)) == (
        "Kies eerst een collegevergadering uit de vergaderkalender."
    )


def test_scheduling_needs_a_meeting_in_the_calendar_of_the_college():
    assert transition_problem(
        "scheduled",
        facts("secretary_advice", meeting_in_calendar=False, agenda_open=False),
    ) == ("Op die datum vergadert het college niet; kies een vergadering uit de kalender.")


def test_scheduling_needs_an_agenda_that_is_still_open():
    assert transition_problem("scheduled", facts("secretary_advice", agenda_open=False)) == (
        "De agenda van die collegevergadering is al gesloten; kies een latere vergadering."
    )


def test_going_back_from_scheduled_to_the_secretary_needs_no_open_agenda():
    closed_agenda = facts("scheduled", agenda_open=False, secretary_advice_set=False)
    assert transition_problem("secretary_advice", closed_agenda) is None


@pytest.mark.parametrize("outcome", [None, "", "unknown"])
def test_deciding_needs_one_of_the_four_outcomes(outcome):
    assert transition_problem("decided", facts("scheduled", outcome=outcome)) == (
        "Kies de uitkomst: conform, gewijzigd, aangehouden of afgewezen."
    )


@pytest.mark.parametrize("outcome", list(OUTCOME_LABELS))
def test_deciding_needs_the_date_of_the_decision_for_every_outcome(outcome):
    undated = facts("scheduled", outcome=outcome, decided_on_set=False)
    assert transition_problem("decided", undated) == "Vul de datum van het B&W-besluit in."
    assert transition_problem("decided", replace(undated, decided_on_set=True)) is None


@pytest.mark.parametrize("outcome", ["as_proposed", "amended", "rejected"])
def test_only_a_deferred_decision_is_scheduled_again(outcome):
    assert transition_problem("scheduled", facts("decided", outcome=outcome)) == (
        "Alleen een aangehouden besluit kan opnieuw worden geagendeerd."
    )


def test_a_deferred_decision_is_scheduled_again_only_for_an_open_agenda():
    deferred = facts("decided", outcome="deferred")
    assert transition_problem("scheduled", deferred) is None
    assert transition_problem("scheduled", replace(deferred, agenda_open=False)) == (
        "De agenda van die collegevergadering is al gesloten; kies een latere vergadering."
    )
    assert transition_problem("scheduled", replace(deferred, meeting_set=False)) == (
        "Kies eerst een collegevergadering uit de vergaderkalender."
    )


def test_a_deferred_decision_cannot_be_closed():
    assert transition_problem("closed", facts("decided", outcome="deferred")) == (
        "Een aangehouden besluit is niet af: agendeer het opnieuw."
    )


@pytest.mark.parametrize("outcome", ["as_proposed", "amended", "rejected"])
def test_a_taken_decision_can_be_closed_whatever_its_outcome(outcome):
    assert transition_problem("closed", facts("decided", outcome=outcome)) is None


# --- the numbered texts of the agenda form ------------------------------------------------------


def test_the_seed_draft_decision_has_two_points_with_their_continuation_lines_joined():
    assert decision_points(SEED_DRAFT_DECISION) == [
        "Volmacht te verlenen aan de gemeente Rijssen-Holten voor alle "
        "vertegenwoordigingsbevoegdheden met betrekking tot de inkoopovereenkomsten gedurende de "
        "looptijd van de pilot logeerzorg en een eventuele verlenging daarvan;",
        "De (maximaal) verwachte kosten van € 28.400,- op jaarbasis te dekken uit GALA-middelen "
        "(onderdeel Mantelzorg) product Algemene Maatschappelijke Voorzieningen.",
    ]


def test_decision_points_accept_a_parenthesis_and_a_sub_numbered_line_continues_its_point():
    assert decision_points("1) Eerste punt\n1.1 geen beslispunt\n2) Tweede punt") == [
        "Eerste punt 1.1 geen beslispunt",
        "Tweede punt",
    ]
    assert decision_points("Geen genummerde punten.") == []
    assert decision_points("") == []


def test_the_seed_arguments_are_1_1_1_2_1_3_and_2_1_with_titles_and_texts():
    items = numbered_items(SEED_ARGUMENTS)
    assert [(i.number, i.point) for i in items] == [("1.1", 1), ("1.2", 1), ("1.3", 1), ("2.1", 2)]
    assert [i.title for i in items] == [
        "Pilot is noodzakelijk om logeerzorg te kunnen bieden",
        "Om de pilot rechtmatig te kunnen uitvoeren, is een aanbestedende dienst nodig",
        "Voor zorgaanbieders en gemeenten is het efficiënter om één vertegenwoordigingsbevoegde "
        "dienst te",
        "De pilot voldoet aan de opdracht uit GALA",
    ]
    first = items[0].text
    assert first.startswith("Vanaf 2025 kunnen de ‘Dakjes’ uit het TOM model")
    assert first.endswith("deze vorm van ondersteuning.")
    assert first.count("\n") == 3  # four lines of the form, their line breaks kept
    assert items[2].text.startswith("hebben voor deze pilot.")
    assert items[3].text.endswith("middelen voor deze pilot.")


def test_text_before_the_first_number_is_not_an_argument():
    assert numbered_items("Inleiding zonder nummer\n1.1 Titel\nTekst") == [
        numbered_items("1.1 Titel\nTekst")[0]
    ]
    assert numbered_items("") == []


def test_the_seed_arguments_are_numbered_correctly_for_its_two_decision_points():
    points = len(decision_points(SEED_DRAFT_DECISION))
    assert points == 2
    assert numbering_problem("Argumenten", SEED_ARGUMENTS, points) is None


def test_an_argument_for_a_decision_point_that_does_not_exist_is_refused():
    assert numbering_problem("Argumenten", SEED_ARGUMENTS, 1) == (
        "Argumenten: 2.1 hoort bij beslispunt 2, maar het conceptbesluit heeft 1 punt."
    )
    assert numbering_problem("Argumenten", "3.1 Te ver", 2) == (
        "Argumenten: 3.1 hoort bij beslispunt 3, maar het conceptbesluit heeft 2 punten."
    )


def test_a_gap_or_a_repeat_in_the_numbering_is_refused_naming_the_number_expected():
    gap = SEED_ARGUMENTS.replace("1.2 Om de pilot", "1.4 Om de pilot")
    assert numbering_problem("Argumenten", gap, 2) == "Argumenten: na 1.1 volgt 1.2, niet 1.4."
    repeat = "1.1 Een\n1.1 Nog een"
    assert numbering_problem("Argumenten", repeat, 1) == "Argumenten: na 1.1 volgt 1.2, niet 1.1."
    late_start = "2.2 Eerst twee-twee"
    assert numbering_problem("Argumenten", late_start, 2) == (
        "Argumenten: na 2.0 volgt 2.1, niet 2.2."
    )


def test_each_decision_point_starts_its_own_count():
    assert numbering_problem("Argumenten", "1.1 a\n2.1 b\n1.2 c\n2.2 d", 2) is None


def test_the_seed_risks_are_numbered_correctly_without_a_limit_on_the_points():
    assert [i.number for i in numbered_items(SEED_RISKS)] == ["1.1", "1.2", "1.3", "1.4", "2.1"]
    assert numbering_problem("Risico's", SEED_RISKS, 0) is None
    assert numbering_problem("Risico's", SEED_RISKS.replace("1.4 ", "1.5 "), 0) == (
        "Risico's: na 1.3 volgt 1.4, niet 1.5."
    )


MEETING = date(2025, 5, 27)


def test_the_decision_date_is_the_meeting_or_later_and_not_in_the_future():
    assert decision_date_problem(MEETING, meeting_on=MEETING, today=MEETING) is None
    assert decision_date_problem(date(2025, 6, 3), meeting_on=MEETING, today=date(2025, 6, 3)) is (
        None
    )
    assert decision_date_problem(date(2025, 5, 26), meeting_on=MEETING, today=MEETING) == (
        "Datum besluit: 26 mei 2025 ligt vóór de collegevergadering van 27 mei 2025 waarvoor "
        "het dossier is geagendeerd; het college besluit op of na die vergadering."
    )
    assert decision_date_problem(MEETING, meeting_on=MEETING, today=date(2025, 5, 26)) == (
        "Datum besluit: ligt in de toekomst."
    )
    assert decision_date_problem(date(2025, 1, 1), meeting_on=None, today=MEETING) is None
