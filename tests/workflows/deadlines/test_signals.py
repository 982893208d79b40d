"""Signals derived from the Twente demo: every act the registers imply is checked for
authority, a missed meeting is said to be missed, and a volmacht is not a mandaat."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from storage.arrangements import Arrangement
from storage.deadlines import Deadline
from storage.mandates import Grant, Mandate
from storage.organisations import Organisation
from tests.conftest import PROVIDER_CR
from tests.support.record_changes import update_fields
from workflows.accounts import accounts
from workflows.actors import system_actor
from workflows.deadlines import deadlines, signals
from workflows.errors import Forbidden
from workflows.registers import arrangements, mandates
from workflows.registers.coverage import municipalities_of
from workflows.rules.acts import Act

ACTOR = system_actor("test")
TENDER_ROUTE = (Act.PREPARE_TENDER, Act.RUN_TENDER, Act.AWARD_TENDER, Act.CONCLUDE_AGREEMENT)
# The six colleges that, by the register, had not yet decided on the volmacht on 1 June 2025.
UNDECIDED_ON_1_JUNE_2025 = [
    "Borne",
    "Hellendoorn",
    "Hof van Twente",
    "Tubbergen",
    "Twenterand",
    "Wierden",
]


def _gaps(found):
    return [s for s in found if s.kind == "mandate_needed"]


def _tender(found):
    return [s for s in _gaps(found) if Act.RUN_TENDER in s.acts or s.act is Act.AWARD_TENDER]


def _of(found, act, on):
    return sorted(
        (s for s in _gaps(found) if s.act is act and s.act_on == on),
        key=lambda s: s.municipality.name,
    )


def _twente(session):
    return session.scalars(select(Arrangement)).one()


def _municipality(session, name):
    return next(m for m in municipalities_of(_twente(session)) if m.name == name)


def test_the_seed_volmacht_does_not_cover_the_tender_so_13_municipalities_need_a_new_one(session):
    tender = _tender(signals.derive(session, ACTOR, as_of=date(2025, 6, 1)))
    assert len(tender) == 13
    names = sorted(s.municipality.name for s in tender)
    assert "Rijssen-Holten" not in names and "Hengelo" in names and "Borne" in names
    hengelo = next(s for s in tender if s.municipality.name == "Hengelo")
    # Contract start 1 January 2027, tender preparation 9 months earlier: the first act of
    # the route that nothing covers, and the one the signal plans on.
    assert hengelo.act is Act.PREPARE_TENDER and hengelo.acts == TENDER_ROUTE
    assert hengelo.act_on == date(2026, 4, 1)
    assert hengelo.plan.latest_meeting_on == date(2026, 3, 31)
    assert hengelo.plan.agenda_closes_on == date(2026, 3, 17)
    assert hengelo.plan.start_by_on == date(2026, 3, 3)
    assert not hengelo.overdue and not hengelo.missed and hengelo.advice == ""
    assert "Hengelo moet een nieuwe volmacht verlenen aan Rijssen-Holten" in hengelo.explanation
    assert "niet voor 'aanbesteding voorbereiden'" in hengelo.explanation
    assert (
        "Ook niet gedekt: aanbesteding uitvoeren op 1 juli 2026, aanbesteding gunnen op "
        "1 oktober 2026 en overeenkomst sluiten op 1 januari 2027 (De volmacht dekt de pilot en "
        "eventuele verlengingen; 1 januari 2027 valt daarbuiten)." in hengelo.explanation
    )
    assert hengelo.subject == (
        "aanbesteding voorbereiden, aanbesteding uitvoeren, aanbesteding gunnen en "
        "overeenkomst sluiten namens Hengelo"
    )


def test_an_act_in_2027_gives_its_signal_today_however_far_away(session):
    found = signals.derive(session, ACTOR, as_of=date(2024, 3, 1))
    assert len(_tender(found)) == 13
    # On 1 March 2024 no college has decided yet (the register dates every grant in 2025):
    # the coming extension needs the volmacht of all thirteen, at the last meeting of 2024.
    extension = _of(found, Act.EXTEND_AGREEMENT, date(2025, 1, 1))
    assert len(extension) == 13
    assert {s.plan.latest_meeting_on for s in extension} == {date(2024, 12, 17)}
    assert all("heeft nog niet besloten" in s.explanation for s in extension)
    kinds = {s.kind for s in found}
    assert {"tender_preparation", "extension_decision", "evaluation_due"} <= kinds


def test_draft_grant_while_lead_acts_is_gap_now(session):
    found = signals.derive(session, ACTOR, as_of=date(2025, 8, 1))
    running = _of(found, Act.EXTEND_AGREEMENT, date(2025, 1, 1))
    # Twelve colleges ratified what Rijssen-Holten did since 1 January 2025; Borne's grant is
    # still a draft while Rijssen-Holten already acts for it in Verlenging 1.
    assert [s.municipality.name for s in running] == ["Borne"]
    borne = running[0]
    assert borne.gap_now and borne.overdue and borne.missed
    assert borne.explanation == (
        "Borne moet een nieuwe volmacht verlenen aan Rijssen-Holten: Rijssen-Holten treedt "
        "sinds 1 januari 2025 namens de gemeenten op in Verlenging 1. Borne heeft nog niet "
        "besloten."
    )
    assert borne.ratification.startswith(
        "Bekrachtiging (art. 3:69 BW): Borne kan wat Rijssen-Holten sinds 1 januari 2025 "
        "zonder toereikende volmacht namens Borne heeft gedaan achteraf bekrachtigen"
    )


def test_the_notice_of_the_running_agreements_is_an_act_that_needs_authority(session):
    found = signals.derive(session, ACTOR, as_of=date(2025, 6, 1))
    notice = _of(found, Act.EXTEND_AGREEMENT, date(2025, 10, 1))
    assert [s.municipality.name for s in notice] == UNDECIDED_ON_1_JUNE_2025
    assert (
        "LOG-TW-2025-CR, LOG-TW-2025-LI, LOG-TW-2025-TMZ, LOG-TW-2025-ZA en LOG-TW-2025-ZSM "
        "moeten uiterlijk 1 oktober 2025 worden verlengd of opgezegd" in notice[0].explanation
    )
    assert not notice[0].missed and notice[0].plan.latest_meeting_on == date(2025, 9, 30)


def test_a_missed_gap_stays_listed_as_overdue_while_passed_notices_drop_off(session):
    found = signals.derive(session, ACTOR, as_of=date(2026, 11, 23))
    gaps = _gaps(found)
    assert len(gaps) == 13 and all(s.overdue for s in gaps)
    assert not [s for s in found if s.kind == "agreement_notice"]


def test_agreement_notice_signals_plan_back_from_the_notice_deadline(session):
    found = signals.derive(session, ACTOR, as_of=date(2025, 6, 1))
    notices = [s for s in found if s.kind == "agreement_notice"]
    assert len(notices) == 5
    assert {s.act_on for s in notices} == {date(2025, 10, 1)}  # end 1 Jan 2026, 3 months


def test_signals_are_recomputed_when_a_phase_is_extended(session):
    arrangement = _twente(session)
    before = signals.derive(session, ACTOR, as_of=date(2025, 6, 1))
    decision = next(s for s in before if s.kind == "extension_decision")
    assert decision.act_on == date(2026, 1, 2)
    arrangements.add_phase(session, ACTOR, arrangement.id, {"end_on": "2026-12-31"})
    after = signals.derive(session, ACTOR, as_of=date(2025, 6, 1))
    decision = next(s for s in after if s.kind == "extension_decision")
    assert decision.act_on == date(2027, 1, 1)
    assert decision.plan.latest_meeting_on == date(2026, 12, 22)


def _tender_volmacht(session, name, *, valid_until=None, granted_on="2025-10-14"):
    municipality = _municipality(session, name)
    draft = mandates.draft_for_gap(
        session,
        ACTOR,
        _twente(session).id,
        act=Act.RUN_TENDER,
        municipality_ids=[municipality.id],
        valid_from=date(2025, 9, 1),
    )
    if valid_until is not None:
        update_fields(mandates.update, session, ACTOR, draft, {"valid_until": valid_until})
    grant = draft.grants[0]
    mandates.record_grant(
        session,
        ACTOR,
        draft.id,
        municipality.id,
        {"status": "granted", "granted_on": granted_on},
        expected_version=grant.version,
    )
    return draft


def test_granting_a_tender_volmacht_closes_the_gap_for_that_municipality(session):
    draft = _tender_volmacht(session, "Enschede")
    # One decision for the whole route: the tender and the new agreement it leads to.
    assert sorted(draft.acts) == [
        "award_tender",
        "conclude_agreement",
        "prepare_tender",
        "run_tender",
    ]
    tender = _tender(signals.derive(session, ACTOR, as_of=date(2025, 11, 1)))
    assert len(tender) == 12 and "Enschede" not in {s.municipality.name for s in tender}


def test_tender_volmacht_ending_before_award_is_gap(session):
    _tender_volmacht(session, "Enschede", valid_until="2026-08-31")
    found = signals.derive(session, ACTOR, as_of=date(2025, 11, 1))
    enschede = next(s for s in _gaps(found) if s.municipality.name == "Enschede")
    # Preparation (1 April) and procedure (1 July 2026) fall within the volmacht; the award
    # (1 October 2026) and the new agreement (1 January 2027) do not.
    assert enschede.act is Act.AWARD_TENDER
    assert enschede.acts == (Act.AWARD_TENDER, Act.CONCLUDE_AGREEMENT)
    assert enschede.act_on == date(2026, 10, 1)
    assert enschede.plan.latest_meeting_on == date(2026, 9, 29)
    assert "de opdracht wordt uiterlijk 1 oktober 2026 gegund" in enschede.explanation
    assert "Verlopen op 31 augustus 2026." in enschede.explanation
    assert enschede.subject == "aanbesteding gunnen en overeenkomst sluiten namens Enschede"


def test_missed_meeting_offers_next_meeting_and_ratification(session):
    found = signals.derive(session, ACTOR, as_of=date(2026, 12, 3))
    hengelo = next(s for s in _tender(found) if s.municipality.name == "Hengelo")
    assert hengelo.missed and hengelo.gap_now and hengelo.overdue
    assert hengelo.plan.latest_meeting_on == date(2026, 3, 31)
    nxt = hengelo.next_plan
    assert nxt is not None
    assert (nxt.latest_meeting_on, nxt.agenda_closes_on, nxt.start_by_on) == (
        date(2026, 12, 22),
        date(2026, 12, 8),
        date(2026, 11, 24),
    )
    assert hengelo.advice == (
        "De laatste collegevergadering vóór 1 april 2026 was op 31 maart 2026 en is voorbij. "
        "Nog mogelijk: de collegevergadering van 22 december 2026; de agenda sluit op "
        "8 december 2026 en de mee-advisering moet direct starten, in minder dan de gebruikelijke "
        "10 werkdagen. Dat besluit is op tijd voor: overeenkomst sluiten op 1 januari 2027."
    )
    assert hengelo.ratification == (
        "Bekrachtiging (art. 3:69 BW): Hengelo kan wat Rijssen-Holten sinds 1 april 2026 zonder "
        "toereikende volmacht namens Hengelo heeft gedaan achteraf bekrachtigen, in de vorm die "
        "de volmacht vraagt: een collegebesluit dat de volmacht verleent en de handelingen vanaf "
        "1 april 2026 bekrachtigt. De wederpartij kan Hengelo een redelijke termijn voor die "
        "bekrachtiging stellen."
    )


def test_a_closed_agenda_is_missed_even_before_its_meeting(session):
    found = signals.derive(session, ACTOR, as_of=date(2026, 3, 20))
    hengelo = next(s for s in _tender(found) if s.municipality.name == "Hengelo")
    assert hengelo.missed and not hengelo.gap_now
    assert hengelo.advice.startswith(
        "De agenda van de laatste collegevergadering vóór 1 april 2026 (31 maart 2026) is op "
        "17 maart 2026 gesloten. Nog mogelijk: de collegevergadering van 7 april 2026"
    )
    # The decision of 7 April comes after the preparation starts: ratify, or wait.
    assert "vanaf 1 april 2026 vóór het besluit namens Hengelo doet" in hengelo.ratification
    assert hengelo.ratification.endswith("Of stel de handeling uit tot na het besluit.")


def test_late_co_advice_with_the_agenda_still_open_keeps_the_plan(session):
    found = signals.derive(session, ACTOR, as_of=date(2026, 3, 10))
    hengelo = next(s for s in _tender(found) if s.municipality.name == "Hengelo")
    assert hengelo.overdue and not hengelo.missed and hengelo.next_plan is None
    assert hengelo.ratification == ""
    assert hengelo.advice == (
        "De mee-advisering had op 3 maart 2026 moeten starten; de agenda van de "
        "collegevergadering van 31 maart 2026 sluit op 17 maart 2026: start direct."
    )


# The story of the Twente demo, on whatever day it is run --------------------------------------

STORY = {
    # The pilot runs without any granted volmacht; the extension and the tender lie ahead.
    date(2024, 3, 1): {
        (Act.CONCLUDE_AGREEMENT, date(2024, 2, 1)): (13, True, date(2024, 3, 19)),
        (Act.EXTEND_AGREEMENT, date(2025, 1, 1)): (13, False, None),
        (Act.EXTEND_AGREEMENT, date(2025, 10, 1)): (13, False, None),
        (Act.PREPARE_TENDER, date(2026, 4, 1)): (13, False, None),
    },
    # Seven colleges have decided and ratified since 1 January 2025; six have not.
    date(2025, 6, 1): {
        (Act.EXTEND_AGREEMENT, date(2025, 1, 1)): (6, True, date(2025, 6, 17)),
        (Act.EXTEND_AGREEMENT, date(2025, 10, 1)): (6, False, None),
        (Act.PREPARE_TENDER, date(2026, 4, 1)): (13, False, None),
    },
    # Verlenging 1 has ended: only the tender volmacht is still to be decided, in time.
    date(2026, 2, 1): {
        (Act.PREPARE_TENDER, date(2026, 4, 1)): (13, False, None),
    },
    # The tender ran without volmacht; the last meeting of 2026 still makes the new contract.
    date(2026, 12, 3): {
        (Act.PREPARE_TENDER, date(2026, 4, 1)): (13, True, date(2026, 12, 22)),
    },
    # The new contract started without volmacht: ratification is what is left.
    date(2027, 6, 1): {
        (Act.PREPARE_TENDER, date(2026, 4, 1)): (13, True, date(2027, 6, 15)),
    },
    date(2028, 6, 1): {
        (Act.PREPARE_TENDER, date(2026, 4, 1)): (13, True, date(2028, 6, 20)),
    },
}


@pytest.mark.parametrize("as_of", sorted(STORY), ids=str)
def test_the_demo_tells_its_story_on_any_day(session, as_of):
    found = signals.derive(session, ACTOR, as_of=as_of)
    gaps = _gaps(found)
    told = {}
    for (act, on), (count, missed, next_meeting) in STORY[as_of].items():
        group = _of(found, act, on)
        told[(act, on)] = group
        assert len(group) == count, (act, on)
        assert {s.missed for s in group} == {missed}, (act, on)
        assert {s.next_plan.latest_meeting_on if s.next_plan else None for s in group} == {
            next_meeting
        }, (act, on)
    assert len(gaps) == sum(len(group) for group in told.values())
    assert "Rijssen-Holten" not in {s.municipality.name for s in gaps}


@pytest.mark.parametrize("as_of", sorted(STORY), ids=str)
def test_no_signal_plans_on_a_passed_meeting_without_saying_so(session, as_of):
    found = signals.derive(session, ACTOR, as_of=as_of)
    assert found
    for s in found:
        if s.plan.agenda_closes_on < as_of:
            assert s.missed and s.next_plan is not None, s.subject
            assert s.next_plan.agenda_closes_on >= as_of
            assert s.next_plan.latest_meeting_on >= s.act_on
            assert "Nog mogelijk: de collegevergadering van" in s.advice
            if s.kind == "mandate_needed":
                assert "art. 3:69 BW" in s.ratification, s.subject
        else:
            assert not s.missed and s.next_plan is None and s.ratification == ""
        assert s.gap_now == (s.kind == "mandate_needed" and s.act_on < as_of)
        # Every date a user reads is written in Dutch, never ISO.
        assert not re.search(r"\d{4}-\d{2}-\d{2}", s.explanation + s.what_now)


# Volmacht versus mandaat ---------------------------------------------------------------------


def test_a_tender_under_a_mandaat_is_a_gap_that_asks_for_a_volmacht(session):
    """A mandaat for the tender, entered before the register refused one: it covers nothing."""
    arrangement = _twente(session)
    enschede = _municipality(session, "Enschede")
    mandaat = Mandate(
        arrangement_id=arrangement.id,
        kind="mandaat",
        title="Mandaat aanbesteding (oud)",
        grantee_id=arrangement.lead_organisation_id,
        acts=["prepare_tender", "run_tender", "award_tender", "conclude_agreement"],
        valid_from=date(2025, 9, 1),
        grants=[Grant(grantor_id=enschede.id, status="active", granted_on=date(2025, 10, 14))],
    )
    session.add(mandaat)
    session.flush()
    found = signals.derive(session, ACTOR, as_of=date(2025, 11, 1))
    gap = next(s for s in _tender(found) if s.municipality.name == "Enschede")
    assert gap.kind_label == "nieuwe volmacht nodig" and gap.mandate_kind == "volmacht"
    assert gap.mandate_id == mandaat.id
    assert "Enschede moet een nieuwe volmacht verlenen aan Rijssen-Holten" in gap.explanation
    assert (
        "Het mandaat is voor publiekrechtelijke besluiten, genomen namens het college "
        "(Awb 10:1); 'aanbesteding voorbereiden' is een privaatrechtelijke rechtshandeling en "
        "vraagt een volmacht (BW 3:60)." in gap.explanation
    )


def test_an_expiring_mandaat_is_called_a_mandaat_and_a_volmacht_a_volmacht(session):
    arrangement = _twente(session)
    lead = session.get(Organisation, arrangement.lead_organisation_id)
    mandaat = mandates.create(
        session,
        ACTOR,
        {
            "arrangement_id": arrangement.id,
            "kind": "mandaat",
            "title": "Mandaat Wmo-beschikkingen logeerzorg",
            "grantee_id": lead.id,
            "acts": ["decide_application"],
            "valid_from": "2025-01-01",
            "valid_until": "2026-06-30",
            "grantor_ids": [_municipality(session, "Enschede").id],
        },
    )
    found = signals.derive(session, ACTOR, as_of=date(2025, 6, 1))
    expiring = next(s for s in found if s.kind == "mandate_expiring")
    assert expiring.mandate_id == mandaat.id and expiring.kind_label == "mandaat verloopt"
    assert {s.kind_label for s in _gaps(found)} == {"nieuwe volmacht nodig"}


# From signal to volmacht and deadline ----------------------------------------------------------


def test_a_volmacht_drafted_for_a_gap_now_ratifies_since_the_act(session):
    borne = _municipality(session, "Borne")
    draft = mandates.draft_for_gap(
        session,
        ACTOR,
        _twente(session).id,
        act=Act.EXTEND_AGREEMENT,
        municipality_ids=[borne.id],
        valid_from=date(2025, 8, 1),
        ratifies_since=date(2025, 1, 1),
    )
    assert draft.kind == "volmacht" and draft.ratifies_since == date(2025, 1, 1)
    assert "art. 3:60 BW" in draft.legal_basis and "art. 3:64 BW" in draft.legal_basis
    grant = draft.grants[0]
    mandates.record_grant(
        session,
        ACTOR,
        draft.id,
        borne.id,
        {"status": "granted", "granted_on": "2025-08-26"},
        expected_version=grant.version,
    )
    # Granted and ratifying since 1 January 2025: Borne's gap now is closed.
    found = signals.derive(session, ACTOR, as_of=date(2025, 9, 1))
    assert not _of(found, Act.EXTEND_AGREEMENT, date(2025, 1, 1))


def test_deadline_of_a_missed_gap_tells_the_next_meeting_and_ratification_in_dutch(session):
    deadlines.sync(session, as_of=date(2026, 12, 3))
    hengelo = _municipality(session, "Hengelo")
    deadline = session.scalars(
        select(Deadline).where(
            Deadline.kind == "mandate_needed", Deadline.organisation_id == hengelo.id
        )
    ).one()
    # Due when co-advice should have started for the missed meeting: it stays overdue.
    assert deadline.due_on == date(2026, 3, 3)
    assert "Laatste collegevergadering: 31 maart 2026; agenda sluit: 17 maart 2026" in (
        deadline.explanation
    )
    assert "Nog mogelijk: de collegevergadering van 22 december 2026" in deadline.explanation
    assert "Bekrachtiging (art. 3:69 BW): Hengelo" in deadline.explanation
    assert not re.search(r"\d{4}-\d{2}-\d{2}", deadline.explanation)


def test_providers_get_no_signals(session):
    from storage.accounts import find_user_by_email

    provider = accounts.actor_for(find_user_by_email(session, PROVIDER_CR), "test")
    with pytest.raises(Forbidden):
        signals.derive(session, provider, as_of=date(2025, 6, 1))
