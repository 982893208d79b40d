"""Signals derived from the Twente demo: the volmacht does not cover the successor tender."""

from datetime import date

import pytest
from sqlalchemy import select

from storage.arrangements import Arrangement
from tests.conftest import PROVIDER_CR
from workflows import accounts, arrangements, signals
from workflows.actors import system_actor
from workflows.errors import Forbidden
from workflows.rules.acts import Act

ACTOR = system_actor("test")


def _gaps(found):
    return [s for s in found if s.kind == "mandate_needed"]


def test_the_seed_volmacht_does_not_cover_the_tender_so_13_municipalities_need_a_new_one(session):
    found = signals.derive(session, ACTOR, as_of=date(2025, 6, 1))
    gaps = _gaps(found)
    assert len(gaps) == 13
    names = sorted(s.municipality.name for s in gaps)
    assert "Rijssen-Holten" not in names and "Hengelo" in names and "Borne" in names
    hengelo = next(s for s in gaps if s.municipality.name == "Hengelo")
    # Contract start 1 January 2027, tender preparation 9 months earlier.
    assert hengelo.act is Act.RUN_TENDER
    assert hengelo.act_on == date(2026, 4, 1)
    assert hengelo.plan.latest_meeting_on == date(2026, 3, 31)
    assert hengelo.plan.agenda_closes_on == date(2026, 3, 17)
    assert hengelo.plan.start_by_on == date(2026, 3, 3)
    assert not hengelo.overdue
    assert "Hengelo moet een nieuwe volmacht verlenen aan Rijssen-Holten" in hengelo.explanation
    assert "niet voor 'aanbesteding uitvoeren'" in hengelo.explanation


def test_an_act_in_2027_gives_its_signal_today_however_far_away(session):
    found = signals.derive(session, ACTOR, as_of=date(2024, 3, 1))
    tender = [s for s in _gaps(found) if s.act is Act.RUN_TENDER]
    assert len(tender) == 13
    # The coming extension is covered by ratification for all who granted; Borne has not.
    extension = [s for s in _gaps(found) if s.act is Act.EXTEND_AGREEMENT]
    assert [s.municipality.name for s in extension] == ["Borne"]
    kinds = {s.kind for s in found}
    assert {"tender_preparation", "extension_decision", "evaluation_due"} <= kinds


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
    arrangement = session.scalars(select(Arrangement)).one()
    before = signals.derive(session, ACTOR, as_of=date(2025, 6, 1))
    decision = next(s for s in before if s.kind == "extension_decision")
    assert decision.act_on == date(2026, 1, 2)
    arrangements.add_phase(session, ACTOR, arrangement.id, {"end_on": "2026-12-31"})
    after = signals.derive(session, ACTOR, as_of=date(2025, 6, 1))
    decision = next(s for s in after if s.kind == "extension_decision")
    assert decision.act_on == date(2027, 1, 1)
    assert decision.plan.latest_meeting_on == date(2026, 12, 22)


def test_granting_a_tender_volmacht_closes_the_gap_for_that_municipality(session):
    from workflows import mandates
    from workflows.coverage import municipalities_of

    arrangement = session.scalars(select(Arrangement)).one()
    enschede = next(m for m in municipalities_of(arrangement) if m.name == "Enschede")
    draft = mandates.draft_for_gap(
        session,
        ACTOR,
        arrangement.id,
        act=Act.RUN_TENDER,
        municipality_ids=[enschede.id],
        valid_from=date(2025, 9, 1),
    )
    assert sorted(draft.acts) == ["award_tender", "prepare_tender", "run_tender"]
    grant = draft.grants[0]
    mandates.record_grant(
        session,
        ACTOR,
        draft.id,
        enschede.id,
        {"status": "granted", "granted_on": "2025-10-14"},
        expected_version=grant.version,
    )
    gaps = _gaps(signals.derive(session, ACTOR, as_of=date(2025, 11, 1)))
    assert len(gaps) == 12 and "Enschede" not in {s.municipality.name for s in gaps}


def test_providers_get_no_signals(session):
    from storage.accounts import find_user_by_email

    provider = accounts.actor_for(find_user_by_email(session, PROVIDER_CR), "test")
    with pytest.raises(Forbidden):
        signals.derive(session, provider, as_of=date(2025, 6, 1))
