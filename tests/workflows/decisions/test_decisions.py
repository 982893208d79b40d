"""Use cases of the decision dossiers on the Twente demo: creating and editing the agenda form,
the workflow from concept to afgehandeld, what a decision does to the registers, the regional
fan-out and its progress, prefill, the besluitenlijst, secret dossiers and concurrent edits."""

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from storage.accounts import find_user_by_email
from storage.arrangements import Phase
from storage.audit import AuditEvent, events_for
from storage.decisions import Decision
from storage.mandates import Grant
from tests.conftest import ADMIN, AUDITOR, LEGAL, POLICY, PROJECT
from tests.support.demo_records import actor, org, twente, user_id, volmacht
from workflows.accounts.accounts import actor_for
from workflows.decisions import co_advice, decisions
from workflows.demo import demo
from workflows.demo.demo_decisions import BORNE_JURIST, REGIONAL_SUBJECT
from workflows.errors import Conflict, InvalidInput, NotFound
from workflows.registers import arrangements, mandates

# Monday 2 June 2025. Enschede meets on Tuesdays and closes its agenda 10 working days before:
# the agenda of 24 June closes on 10 June (open), that of 10 June closed on 23 May.
TODAY = date(2025, 6, 2)
NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
OPEN_MEETING = date(2025, 6, 24)
CLOSED_MEETING = date(2025, 6, 10)
LATER_MEETING = date(2025, 7, 8)  # agenda closes 24 June


def regional(session):
    return session.scalars(
        select(Decision).where(
            Decision.municipality_id.is_(None), Decision.subject == REGIONAL_SUBJECT
        )
    ).one()


def child_of(session, name):
    return session.scalars(
        select(Decision).where(
            Decision.parent_id == regional(session).id,
            Decision.municipality_id == org(session, name).id,
        )
    ).one()


def count_decisions(session):
    return session.scalar(select(func.count()).select_from(Decision))


def new_dossier(session, email=POLICY, advisers=((LEGAL, "Juridische Zaken"),), **values):
    """A new Enschede dossier; Enschede's jurist (Juridische Zaken) is asked to co-advise."""
    raw = {
        "arrangement_id": twente(session).id,
        "subject": "Verlengen pilot logeerzorg 2026",
        "meeting_on": OPEN_MEETING.isoformat(),
        "draft_decision": "1. De pilot logeerzorg te verlengen tot en met 31 december 2026.",
        "arguments": "1.1 De evaluatie is positief\nDe eerste uitkomsten zijn positief.",
    }
    raw.update(values)
    decision = decisions.create(session, actor(session, email), raw, now=NOW)
    for adviser, unit in advisers:
        co_advice.ask(
            session,
            actor(session, email),
            decision.id,
            {"user_id": user_id(session, adviser), "unit": unit},
            now=NOW,
        )
    session.commit()
    return decision.id


def draft_mandate(session, title="Volmacht verlenging pilot logeerzorg 2026"):
    """A new volmacht that Enschede has not granted yet: its grant is a draft."""
    mandate = mandates.create(
        session,
        actor(session, LEGAL),
        {
            "arrangement_id": twente(session).id,
            "kind": "volmacht",
            "title": title,
            "grantee_id": org(session, "Rijssen-Holten").id,
            "acts": ["conclude_agreement", "extend_agreement"],
            "valid_from": "2026-01-02",
            "valid_until": "2026-12-31",
            "grantor_ids": [org(session, "Enschede").id],
        },
    )
    session.commit()
    return mandate.id


def step(session, decision_id, target, *, email=POLICY, today=TODAY, **extra):
    decision = decisions.transition(
        session, actor(session, email), decision_id, target, today=today, now=NOW, **extra
    )
    session.commit()
    return decision


def advise(session, decision_id, email=LEGAL, advice="agree", text="", **extra):
    """The advice, recorded by the co-adviser (by default Enschede's jurist) themselves."""
    co_advice.record(
        session,
        actor(session, email),
        decision_id,
        {"advice": advice, "text": text, **extra},
        now=NOW,
    )
    session.commit()


def update(session, decision_id, email=POLICY, **values):
    decision = session.get(Decision, decision_id)
    updated = decisions.update(
        session, actor(session, email), decision_id, values, expected_version=decision.version
    )
    session.commit()
    return updated


def scheduled_dossier(session, **values):
    """A new Enschede dossier taken up to 'geagendeerd' for the meeting of 24 June 2025."""
    decision_id = new_dossier(session, **values)
    step(session, decision_id, "co_advice")
    advise(session, decision_id)
    step(session, decision_id, "secretary_advice")
    update(session, decision_id, secretary_advice="Akkoord.")
    step(session, decision_id, "scheduled")
    return decision_id


def decide(session, decision_id, outcome, on=OPEN_MEETING):
    return step(
        session, decision_id, "decided", today=on, outcome=outcome, decided_on=on.isoformat()
    )


def grant_of(session, mandate_id, name):
    return session.scalars(
        select(Grant).where(
            Grant.mandate_id == mandate_id, Grant.grantor_id == org(session, name).id
        )
    ).one()


def refused(call, *args, **kwargs):
    with pytest.raises(InvalidInput) as error:
        call(*args, **kwargs)
    return error.value.errors


# --- creating and editing -------------------------------------------------------------------------


def test_an_officer_creates_a_dossier_for_her_own_college_as_a_concept(session):
    decision_id = new_dossier(session)
    decision = session.get(Decision, decision_id)
    assert decision.municipality_id == org(session, "Enschede").id
    assert decision.arrangement_id == twente(session).id
    assert decision.parent_id is None
    assert decision.status == "draft"
    assert decision.co_advisers == ["Jurist Enschede, Juridische Zaken"]
    assert decision.meeting_on == OPEN_MEETING
    assert decision.woo_publication == "actively_published"
    [created] = [e for e in events_for(session, "decision", decision_id) if e.action == "create"]
    assert created.new_values["status"] == "draft"


def test_an_officer_cannot_create_a_dossier_for_another_college(session):
    errors = refused(
        decisions.create,
        session,
        actor(session, POLICY),
        {"subject": "Voor Borne", "municipality_id": org(session, "Borne").id},
        now=NOW,
    )
    assert errors["municipality_id"] == (
        "Gemeente: u stelt alleen dossiers op voor uw eigen gemeente."
    )


def test_s6_text_fields_keep_ampersands_angle_brackets_quotes_and_newlines_exactly(session):
    subject = 'Zorg & Co <B.V.> "logeerzorg" \'t Hoog'
    introduction = 'Regel 1 met </w:t> & {{ 7*7 }}\n\n  Regel 3 "geciteerd"\tmet tab\n'
    decision_id = new_dossier(session, subject=subject, introduction=introduction)
    session.expire_all()
    stored = session.get(Decision, decision_id)
    assert stored.subject == subject
    assert stored.introduction == introduction


def test_s6_a_windows_line_break_is_stored_as_a_newline(session):
    decision_id = new_dossier(session, follow_up="Eerst dit.\r\nDan dat.")
    session.expire_all()
    assert session.get(Decision, decision_id).follow_up == "Eerst dit.\nDan dat."


@pytest.mark.parametrize("name", ["subject", "introduction", "arguments", "secretary_advice"])
def test_s6_a_vertical_tab_pasted_from_word_is_refused_in_dutch_and_nothing_is_saved(session, name):
    before = count_decisions(session)
    errors = refused(
        decisions.create,
        session,
        actor(session, POLICY),
        {"subject": "Logeerzorg", name: "Logeer\x0bzorg"},
        now=NOW,
    )
    assert "onzichtbaar stuurteken (U+000B) op positie" in errors[name]
    assert errors[name].startswith(decisions.LABELS[name])
    session.rollback()
    assert count_decisions(session) == before


@pytest.mark.parametrize(
    ("name", "value"),
    [("annexes", "Volmacht; ja; nee; nee; nee\x0bBijlage; nee; nee; nee; nee")],
)
def test_s6_a_vertical_tab_in_a_list_field_is_refused_not_taken_as_a_line_break(
    session, name, value
):
    before = count_decisions(session)
    errors = refused(
        decisions.create,
        session,
        actor(session, POLICY),
        {"subject": "Logeerzorg", name: value},
        now=NOW,
    )
    assert "U+000B" in errors[name]
    session.rollback()
    assert count_decisions(session) == before


def test_a_section_edit_changes_only_the_fields_sent_and_is_audited(session):
    decision_id = new_dossier(session)
    before = session.get(Decision, decision_id).version
    updated = update(session, decision_id, costs="€ 28.400,- uit GALA-middelen.")
    assert updated.costs == "€ 28.400,- uit GALA-middelen."
    assert updated.subject == "Verlengen pilot logeerzorg 2026"
    assert updated.version == before + 1
    [event] = [e for e in events_for(session, "decision", decision_id) if e.action == "update"]
    assert event.new_values["costs"] == "€ 28.400,- uit GALA-middelen."


def test_arguments_that_refer_to_a_missing_decision_point_are_refused(session):
    decision_id = new_dossier(session)
    decision = session.get(Decision, decision_id)
    errors = refused(
        decisions.update,
        session,
        actor(session, POLICY),
        decision_id,
        {"arguments": "1.1 Eerste\n2.1 Tweede"},
        expected_version=decision.version,
    )
    assert errors["arguments"] == (
        "Argumenten: 2.1 hoort bij beslispunt 2, maar het conceptbesluit heeft 1 punt."
    )


def test_s28_a_stale_version_gives_a_conflict_naming_what_changed_and_overwrites_nothing(
    session,
):
    decision_id = new_dossier(session)
    opened = session.get(Decision, decision_id).version  # both officers open the same form
    decisions.update(
        session,
        actor(session, POLICY),
        decision_id,
        {"subject": "Verlengen pilot logeerzorg tot 2027"},
        expected_version=opened,
    )
    session.commit()
    with pytest.raises(Conflict) as conflict:
        decisions.update(
            session,
            actor(session, LEGAL),
            decision_id,
            {"subject": "Iets anders", "risks": "1.1 Nieuw risico"},
            expected_version=opened,
        )
    assert conflict.value.changed == {"subject": "Verlengen pilot logeerzorg tot 2027"}
    assert "Iemand anders heeft dit dossier intussen gewijzigd" in conflict.value.message
    session.rollback()
    stored = session.get(Decision, decision_id)
    assert stored.subject == "Verlengen pilot logeerzorg tot 2027"
    assert stored.risks == ""


def test_a_taken_decision_is_not_edited_any_more(session):
    enschede = child_of(session, "Enschede")
    errors = refused(
        decisions.update,
        session,
        actor(session, POLICY),
        enschede.id,
        {"subject": "Anders"},
        expected_version=enschede.version,
    )
    assert errors["status"] == "Een genomen besluit wijzigt u niet meer; het dossier is vastgelegd."


# --- the workflow ---------------------------------------------------------------------------------


def test_the_full_workflow_from_concept_to_afgehandeld_records_who_and_when(session):
    decision_id = new_dossier(session)
    step(session, decision_id, "co_advice")
    advise(session, decision_id, advice="agree_with_remarks", text="Let op de looptijd.")
    step(session, decision_id, "secretary_advice")
    update(session, decision_id, secretary_advice="Akkoord.")
    step(session, decision_id, "scheduled")
    decided = decide(session, decision_id, "as_proposed")
    assert decided.outcome == "as_proposed" and decided.decided_on == OPEN_MEETING
    closed = step(session, decision_id, "closed", today=OPEN_MEETING)
    assert closed.status == "closed"

    policy = user_id(session, POLICY)
    assert [(t.from_status, t.to_status) for t in closed.transitions] == [
        ("draft", "co_advice"),
        ("co_advice", "secretary_advice"),
        ("secretary_advice", "scheduled"),
        ("scheduled", "decided"),
        ("decided", "closed"),
    ]
    for transition in closed.transitions:
        assert transition.actor_id == policy
        assert transition.actor_label == "Beleidsmedewerker Enschede <beleid@enschede.example>"
        assert transition.at == NOW
    [advice] = closed.advices
    assert (advice.adviser, advice.unit, advice.advice, advice.text) == (
        "Jurist Enschede",
        "Juridische Zaken",
        "agree_with_remarks",
        "Let op de looptijd.",
    )
    assert advice.adviser_id == user_id(session, LEGAL)
    assert advice.recorded_by_id == user_id(session, LEGAL) and advice.recorded_at == NOW
    assert not advice.on_behalf
    audited = [
        (e.old_values or {}).get("status")
        for e in events_for(session, "decision", decision_id)
        if e.action == "transition"
    ]
    assert audited == ["draft", "co_advice", "secretary_advice", "scheduled", "decided"]


def test_the_same_transition_twice_does_nothing_the_second_time(session):
    decision_id = new_dossier(session)
    step(session, decision_id, "co_advice")
    events = len(events_for(session, "decision", decision_id))
    again = step(session, decision_id, "co_advice")
    assert again.status == "co_advice"
    assert len(again.transitions) == 1
    assert len(events_for(session, "decision", decision_id)) == events


def test_an_illegal_transition_is_refused_with_the_reason_and_changes_nothing(session):
    decision_id = new_dossier(session)
    errors = refused(
        decisions.transition,
        session,
        actor(session, POLICY),
        decision_id,
        "decided",
        today=TODAY,
        now=NOW,
        outcome="as_proposed",
        decided_on=TODAY.isoformat(),
    )
    assert errors["status"] == (
        "Van 'concept' kan het dossier niet naar 'besloten'; wel naar: mee-advisering."
    )
    stored = session.get(Decision, decision_id)
    assert stored.status == "draft"
    assert stored.outcome is None and stored.decided_on is None
    assert stored.transitions == []


def test_the_secretary_advice_waits_for_every_co_adviser(session):
    decision_id = new_dossier(
        session, advisers=((LEGAL, "Juridische Zaken"), (POLICY, "Financiën"))
    )
    step(session, decision_id, "co_advice")
    advise(session, decision_id, email=POLICY)
    errors = refused(step, session, decision_id, "secretary_advice")
    assert errors["status"] == "Nog niet alle mee-adviseurs hebben geadviseerd (1 van 2)."
    advise(session, decision_id)
    assert step(session, decision_id, "secretary_advice").status == "secretary_advice"


def test_co_advice_is_only_recorded_during_mee_advisering_and_disagreement_is_explained(
    session,
):
    decision_id = new_dossier(session)
    errors = refused(advise, session, decision_id)
    assert errors["advice"] == (
        "Advies: mee-adviseren kan alleen zolang het dossier in mee-advisering is."
    )
    session.rollback()
    step(session, decision_id, "co_advice")
    errors = refused(advise, session, decision_id, advice="disagree")
    assert errors["text"] == "Toelichting: licht opmerkingen of 'niet akkoord' toe."
    session.rollback()
    errors = refused(advise, session, decision_id, adviser=999_999)
    assert errors["adviser"] == "Mee-adviseur: kies een van: Jurist Enschede."


def test_recording_advice_again_replaces_the_first(session):
    decision_id = new_dossier(session)
    step(session, decision_id, "co_advice")
    advise(session, decision_id, advice="disagree", text="Dekking ontbreekt.")
    advise(session, decision_id, advice="agree")
    [advice] = session.get(Decision, decision_id).advices
    assert (advice.advice, advice.text) == ("agree", "")


def test_scheduling_needs_the_secretary_advice_and_an_open_agenda(session):
    decision_id = new_dossier(session, meeting_on=CLOSED_MEETING.isoformat())
    step(session, decision_id, "co_advice")
    advise(session, decision_id)
    step(session, decision_id, "secretary_advice")
    errors = refused(step, session, decision_id, "scheduled")
    assert errors["status"] == (
        "De agenda van die collegevergadering is al gesloten; kies een latere vergadering."
    )
    update(session, decision_id, meeting_on="2025-06-25")  # a Wednesday
    errors = refused(step, session, decision_id, "scheduled")
    assert errors["status"] == (
        "Op die datum vergadert het college niet; kies een vergadering uit de kalender."
    )
    update(session, decision_id, meeting_on=OPEN_MEETING.isoformat())
    errors = refused(step, session, decision_id, "scheduled")
    assert errors["status"] == "Vul eerst het advies van de gemeentesecretaris in."
    update(session, decision_id, secretary_advice="Akkoord.")
    scheduled = step(session, decision_id, "scheduled")
    assert scheduled.status == "scheduled" and scheduled.meeting_on == OPEN_MEETING


def test_the_agenda_of_a_meeting_is_open_up_to_and_including_its_closing_day(session):
    decision_id = new_dossier(session)
    step(session, decision_id, "co_advice")
    advise(session, decision_id)
    step(session, decision_id, "secretary_advice")
    update(session, decision_id, secretary_advice="Akkoord.")
    errors = refused(step, session, decision_id, "scheduled", today=date(2025, 6, 11))
    assert "al gesloten" in errors["status"]
    assert step(session, decision_id, "scheduled", today=date(2025, 6, 10)).status == "scheduled"


def test_deciding_needs_an_outcome_and_a_date_that_is_not_in_the_future(session):
    decision_id = scheduled_dossier(session)
    errors = refused(step, session, decision_id, "decided", today=OPEN_MEETING)
    assert errors["status"] == "Kies de uitkomst: conform, gewijzigd, aangehouden of afgewezen."
    # Without a date the meeting's date is meant: before the meeting it is still to come.
    errors = refused(step, session, decision_id, "decided", today=TODAY, outcome="as_proposed")
    assert errors["decided_on"] == "Datum besluit: ligt in de toekomst."
    errors = refused(step, session, decision_id, "decided", today=OPEN_MEETING, outcome="unanimous")
    assert errors["outcome"] == "Uitkomst: kies conform, gewijzigd, aangehouden of afgewezen."
    errors = refused(
        step,
        session,
        decision_id,
        "decided",
        today=OPEN_MEETING,
        outcome="as_proposed",
        decided_on="2025-06-25",
    )
    assert errors["decided_on"] == "Datum besluit: ligt in de toekomst."
    stored = session.get(Decision, decision_id)
    assert stored.status == "scheduled"
    assert stored.outcome is None and stored.decided_on is None


def test_decision_date_before_meeting_refused(session):
    """The college decides at the meeting the dossier was scheduled for (24 June 2025), not
    before it; nothing changes on a refusal."""
    decision_id = scheduled_dossier(session)
    errors = refused(
        step,
        session,
        decision_id,
        "decided",
        today=OPEN_MEETING,
        outcome="as_proposed",
        decided_on="2025-06-17",
    )
    assert errors["decided_on"] == (
        "Datum besluit: 17 juni 2025 ligt vóór de collegevergadering van 24 juni 2025 waarvoor "
        "het dossier is geagendeerd; het college besluit op of na die vergadering."
    )
    decision = session.get(Decision, decision_id)
    assert decision.status == "scheduled"
    assert decision.outcome is None and decision.decided_on is None


def test_the_decision_date_is_the_meeting_s_date_when_none_is_given(session):
    decision_id = scheduled_dossier(session)
    decided = step(session, decision_id, "decided", today=date(2025, 6, 25), outcome="as_proposed")
    assert decided.decided_on == OPEN_MEETING


def test_a_decision_date_that_does_not_exist_is_refused_and_leaves_the_outcome_unset(session):
    decision_id = scheduled_dossier(session)
    errors = refused(
        decisions.transition,
        session,
        actor(session, POLICY),
        decision_id,
        "decided",
        today=OPEN_MEETING,
        now=NOW,
        outcome="as_proposed",
        decided_on="31-02-2025",
    )
    assert errors["decided_on"] == "Datum besluit: 31-02-2025 bestaat niet in de kalender."
    decision = session.get(Decision, decision_id)
    assert decision.status == "scheduled"
    assert decision.outcome is None


def test_a_regional_dossier_does_not_go_through_the_workflow_itself(session):
    errors = refused(step, session, regional(session).id, "co_advice", email=PROJECT)
    assert errors["status"] == (
        "Een regionaal dossier doorloopt de besluitvorming per gemeente: spreid het eerst uit."
    )


# --- what the decision does to the registers ------------------------------------------------------


@pytest.mark.parametrize("outcome", ["as_proposed", "amended"])
def test_conform_or_amended_grants_the_volmacht_from_the_decision_date(session, outcome):
    mandate_id = draft_mandate(session)
    decision_id = scheduled_dossier(session, case_number="BV25000099")
    decisions.add_effect(
        session,
        actor(session, POLICY),
        decision_id,
        {"kind": "grant_mandate", "mandate_id": mandate_id},
    )
    session.commit()
    assert grant_of(session, mandate_id, "Enschede").status == "draft"
    decided = decide(session, decision_id, outcome)
    grant = grant_of(session, mandate_id, "Enschede")
    assert grant.status == "active"
    assert grant.granted_on == OPEN_MEETING
    assert grant.decision_id == decision_id
    assert grant.decision_reference == ("B&W-besluit Enschede 24 juni 2025, casenummer BV25000099")
    [effect] = decided.effects
    assert effect.applied_at == NOW
    assert effect.result == (
        "Volmacht verlenging pilot logeerzorg 2026: verleend en van kracht vanaf 24 juni 2025."
    )
    applied = [
        e for e in events_for(session, "decision", decision_id) if e.action == "apply_effect"
    ]
    assert len(applied) == 1


@pytest.mark.parametrize(
    ("outcome", "label"), [("deferred", "aangehouden"), ("rejected", "afgewezen")]
)
def test_aangehouden_or_afgewezen_applies_nothing_and_the_effect_says_so(session, outcome, label):
    mandate_id = draft_mandate(session)
    decision_id = scheduled_dossier(session)
    decisions.add_effect(
        session,
        actor(session, POLICY),
        decision_id,
        {"kind": "grant_mandate", "mandate_id": mandate_id},
    )
    session.commit()
    decided = decide(session, decision_id, outcome)
    [effect] = decided.effects
    assert effect.applied_at is None
    assert effect.result == f"Niet toegepast: het besluit is {label}."
    grant = grant_of(session, mandate_id, "Enschede")
    assert grant.status == "draft"
    assert grant.granted_on is None and grant.decision_id is None


def test_recording_the_decision_a_second_time_applies_nothing_twice(session):
    mandate_id = draft_mandate(session)
    decision_id = scheduled_dossier(session)
    decisions.add_effect(
        session,
        actor(session, POLICY),
        decision_id,
        {"kind": "grant_mandate", "mandate_id": mandate_id},
    )
    session.commit()
    decide(session, decision_id, "as_proposed")
    again = step(
        session,
        decision_id,
        "decided",
        today=LATER_MEETING,
        outcome="amended",
        decided_on=LATER_MEETING.isoformat(),
    )
    assert again.outcome == "as_proposed" and again.decided_on == OPEN_MEETING
    assert len(again.transitions) == 4
    grant = grant_of(session, mandate_id, "Enschede")
    assert grant.granted_on == OPEN_MEETING
    applied = [
        e for e in events_for(session, "decision", decision_id) if e.action == "apply_effect"
    ]
    assert len(applied) == 1


def test_a_deferred_decision_can_be_moved_to_a_later_meeting_and_scheduled_again(session):
    """Aangehouden at the meeting of 24 June: the officer puts it on the agenda of 8 July, whose
    agenda is still open that day; conform on 8 July then grants the volmacht once."""
    mandate_id = draft_mandate(session)
    decision_id = scheduled_dossier(session)
    decisions.add_effect(
        session,
        actor(session, POLICY),
        decision_id,
        {"kind": "grant_mandate", "mandate_id": mandate_id},
    )
    session.commit()
    decide(session, decision_id, "deferred")
    update(session, decision_id, meeting_on=LATER_MEETING.isoformat())
    again = step(session, decision_id, "scheduled", today=OPEN_MEETING)
    assert again.status == "scheduled" and again.meeting_on == LATER_MEETING
    assert again.outcome is None and again.decided_on is None
    decided = decide(session, decision_id, "as_proposed", on=LATER_MEETING)
    assert grant_of(session, mandate_id, "Enschede").granted_on == LATER_MEETING
    assert decided.effects[0].applied_at is not None


def test_a_deferred_decision_cannot_be_closed(session):
    decision_id = scheduled_dossier(session)
    decide(session, decision_id, "deferred")
    errors = refused(step, session, decision_id, "closed", today=OPEN_MEETING)
    assert errors["status"] == "Een aangehouden besluit is niet af: agendeer het opnieuw."


def test_borne_deciding_conform_makes_the_demo_volmacht_13_of_13(session):
    borne = child_of(session, "Borne")
    assert borne.status == "co_advice"
    assert borne.co_advisers == ["Jurist Borne, Juridische Zaken"]
    assert mandates.summary(volmacht(session)).text == "12 van 13 verleend"
    advise(session, borne.id, email=BORNE_JURIST)
    step(session, borne.id, "secretary_advice", email=ADMIN)
    update(
        session,
        borne.id,
        email=ADMIN,
        secretary_advice="Akkoord.",
        meeting_on=OPEN_MEETING.isoformat(),
    )
    step(session, borne.id, "scheduled", email=ADMIN)
    step(
        session,
        borne.id,
        "decided",
        email=ADMIN,
        today=OPEN_MEETING,
        outcome="as_proposed",
        decided_on=OPEN_MEETING.isoformat(),
    )
    grant = grant_of(session, volmacht(session).id, "Borne")
    assert (grant.status, grant.granted_on, grant.decision_id) == (
        "active",
        OPEN_MEETING,
        borne.id,
    )
    session.expire_all()
    assert mandates.summary(volmacht(session)).text == "13 van 13 verleend"


def test_approving_a_phase_sets_its_approval_date(session):
    phase = next(p for p in twente(session).phases if p.name == "Verlenging 1")
    assert phase.approved_on is None
    decision_id = scheduled_dossier(session)
    decisions.add_effect(
        session,
        actor(session, POLICY),
        decision_id,
        {"kind": "approve_phase", "phase_id": phase.id},
    )
    session.commit()
    decided = decide(session, decision_id, "as_proposed")
    assert session.get(Phase, phase.id).approved_on == OPEN_MEETING
    assert decided.effects[0].result == "Verlenging 1: goedgekeurd op 24 juni 2025."


def test_an_effect_must_belong_to_the_arrangement_of_the_dossier(session):
    decision_id = new_dossier(session)
    errors = refused(
        decisions.add_effect,
        session,
        actor(session, POLICY),
        decision_id,
        {"kind": "grant_mandate", "mandate_id": 999_999},
    )
    # "Onderwerp" is the label of the target's list on the detail page.
    assert errors["mandate_id"].endswith(": kies er een van de regeling van dit dossier.")


def test_a_taken_decision_gets_no_new_effects(session):
    errors = refused(
        decisions.add_effect,
        session,
        actor(session, POLICY),
        child_of(session, "Enschede").id,
        {"kind": "grant_mandate", "mandate_id": volmacht(session).id},
    )
    assert errors["kind"] == "Een genomen besluit krijgt geen nieuwe gevolgen."


# --- regional fan-out and progress ---------------------------------------------------------------


def new_regional(session):
    project = actor(session, PROJECT)
    decision = decisions.create(
        session,
        project,
        {
            "arrangement_id": twente(session).id,
            "subject": "Volmacht aanbesteding structurele logeerzorg",
            "draft_decision": "1. Volmacht te verlenen aan Rijssen-Holten voor de aanbesteding.",
            "case_number": "RH-2025-1",
            "decide_by": "2025-10-31",
        },
        now=NOW,
    )
    phase = next(p for p in twente(session).phases if p.name == "Verlenging 1")
    decisions.add_effect(
        session, project, decision.id, {"kind": "grant_mandate", "mandate_id": volmacht(session).id}
    )
    decisions.add_effect(
        session, project, decision.id, {"kind": "approve_phase", "phase_id": phase.id}
    )
    session.commit()
    return decision.id


def test_fan_out_creates_one_dossier_per_participating_municipality(session):
    regional_id = new_regional(session)
    stored = session.get(Decision, regional_id)
    assert stored.municipality_id is None
    created = decisions.fan_out(session, actor(session, PROJECT), regional_id, now=NOW)
    session.commit()
    assert len(created) == 14
    assert sorted(c.municipality.name for c in created) == sorted(demo.MUNICIPALITIES)
    for child in created:
        assert child.parent_id == regional_id and child.status == "draft"
        assert child.subject == "Volmacht aanbesteding structurele logeerzorg"
        assert child.draft_decision.startswith("1. Volmacht te verlenen aan Rijssen-Holten")
        assert child.case_number == ""  # each college numbers its own case
        assert child.decide_by is None
    lead = next(c for c in created if c.municipality.name == "Rijssen-Holten")
    assert [e.kind for e in lead.effects] == ["approve_phase"]
    for child in created:
        if child is not lead:
            assert sorted(e.kind for e in child.effects) == ["approve_phase", "grant_mandate"]


def test_fan_out_leaves_municipal_fields_empty(session):
    """What each college fills in for itself (its meeting, numbers, unit, writer, portfolio
    holder, urgency and its own secretary's advice) stays empty in every college's dossier;
    the regional texts are copied."""
    project = actor(session, PROJECT)
    per_municipality = {
        "meeting_on": "2025-09-02",
        "portfolio_holder": "Wethouder Rijssen-Holten",
        "agenda_letter": "C",
        "department": "Projectgroep logeerzorg",
        "corsa_number": "RH-CORSA-1",
        "author": "Projectleider",
        "case_number": "RH-2025-2",
        "urgency": "Voor 1 oktober, anders geen dekking.",
        "secretary_advice": "Akkoord (Rijssen-Holten).",
    }
    regional_id = decisions.create(
        session,
        project,
        {
            "arrangement_id": twente(session).id,
            "subject": "Volmacht aanbesteding structurele logeerzorg",
            "draft_decision": "1. Volmacht te verlenen aan Rijssen-Holten.",
            "public_summary": "De gemeenten kopen samen in.",
            "costs": "Binnen de GALA-middelen.",
            "decide_by": "2025-10-31",
            **per_municipality,
        },
        now=NOW,
    ).id
    session.commit()
    created = decisions.fan_out(session, project, regional_id, now=NOW)
    session.commit()
    assert set(per_municipality) | {"decide_by"} == decisions.PER_MUNICIPALITY
    for child in created:
        for name in per_municipality:
            assert getattr(child, name) in ("", None), (child.municipality.name, name)
        assert child.decide_by is None
        assert child.subject == "Volmacht aanbesteding structurele logeerzorg"
        assert child.draft_decision == "1. Volmacht te verlenen aan Rijssen-Holten."
        assert child.public_summary == "De gemeenten kopen samen in."
        assert child.costs == "Binnen de GALA-middelen."
        assert child.advices == []
    stored = session.get(Decision, regional_id)
    assert stored.case_number == "RH-2025-2" and stored.secretary_advice  # the region's own


def test_a_second_fan_out_creates_nothing(session):
    regional_id = new_regional(session)
    decisions.fan_out(session, actor(session, PROJECT), regional_id, now=NOW)
    session.commit()
    before = count_decisions(session)
    assert decisions.fan_out(session, actor(session, PROJECT), regional_id, now=NOW) == []
    session.commit()
    assert count_decisions(session) == before


def test_the_demo_regional_dossier_has_all_its_colleges_already(session):
    assert decisions.fan_out(session, actor(session, PROJECT), regional(session).id, now=NOW) == []


def test_only_a_regional_dossier_is_fanned_out(session):
    errors = refused(
        decisions.fan_out,
        session,
        actor(session, POLICY),
        child_of(session, "Enschede").id,
        now=NOW,
    )
    assert errors["status"] == (
        "Alleen een regionaal dossier van een regeling kan worden uitgespreid."
    )


def test_progress_of_a_new_fan_out_is_0_of_14(session):
    regional_id = new_regional(session)
    decisions.fan_out(session, actor(session, PROJECT), regional_id, now=NOW)
    session.commit()
    progress = decisions.progress(session, actor(session, PROJECT), regional_id, today=TODAY)
    assert progress.text == "0 van 14 colleges besloten"
    assert progress.late == set()


def test_progress_of_the_demo_is_13_of_14_with_borne_late_once_its_agenda_has_closed(session):
    project = actor(session, PROJECT)
    regional_id = regional(session).id
    borne = child_of(session, "Borne").id
    on_time = decisions.progress(session, project, regional_id, today=date(2025, 6, 1))
    assert on_time.text == "13 van 14 colleges besloten"
    assert on_time.decided == 13 and len(on_time.children) == 14
    assert [c.municipality.name for c in on_time.children][:3] == ["Almelo", "Borne", "Dinkelland"]
    assert on_time.late == set()
    # Decide by 31 July: the last meeting before it is 15 July (weeks 30-32 are recess), whose
    # agenda closes on 1 July; Borne has no meeting set.
    assert decisions.progress(session, project, regional_id, today=date(2025, 7, 1)).late == set()
    late = decisions.progress(session, project, regional_id, today=date(2025, 7, 2))
    assert late.late == {borne}
    assert late.text == "13 van 14 colleges besloten"


def test_a_deferred_college_does_not_count_as_decided(session):
    borne = child_of(session, "Borne")
    borne.status, borne.outcome, borne.decided_on = "decided", "deferred", date(2025, 6, 17)
    session.commit()
    progress = decisions.progress(
        session, actor(session, PROJECT), regional(session).id, today=date(2025, 6, 18)
    )
    assert progress.text == "13 van 14 colleges besloten"


def test_an_officer_sees_the_progress_of_her_own_college_only(session):
    progress = decisions.progress(
        session, actor(session, POLICY), regional(session).id, today=date(2025, 6, 1)
    )
    assert [c.municipality.name for c in progress.children] == ["Enschede"]
    assert progress.text == "1 van 1 colleges besloten"


# --- prefill and the besluitenlijst ---------------------------------------------------------------


def test_prefill_takes_the_texts_of_the_previous_decision_and_the_costs_from_the_budget(session):
    values = decisions.prefill(session, actor(session, POLICY), twente(session).id, today=TODAY)
    enschede = child_of(session, "Enschede")
    assert values["subject"] == REGIONAL_SUBJECT
    assert values["introduction"] == enschede.introduction
    assert values["arguments"] == enschede.arguments
    assert values["draft_decision"] == enschede.draft_decision
    # Co-advisers are accounts asked per dossier, not text to copy from the previous one.
    assert "co_advisers" not in values
    assert values["portfolio_holder"] == "Niels van den Berg"
    assert values["costs"] == (
        "Voor 2025 is €\xa028.400,00 beschikbaar (GALA-middelen, onderdeel Mantelzorg; product "
        "Algemene Maatschappelijke Voorzieningen)."
    )
    assert values["public"] is True and values["woo_publication"] == "actively_published"
    earlier = decisions.prefill(
        session, actor(session, POLICY), twente(session).id, today=date(2024, 6, 1)
    )
    assert earlier["costs"].startswith("Voor 2024 is €\xa026.000,00 beschikbaar")


def test_prefill_without_a_previous_decision_describes_the_arrangement_from_the_registers(
    session,
):
    arrangement = arrangements.create(
        session,
        actor(session, PROJECT),
        {
            "name": "Pilot respijtzorg jeugd",
            "description": "Logeren voor jeugdigen met een beperking.",
            "lead_organisation_id": org(session, "Rijssen-Holten").id,
            "participant_ids": [
                org(session, "Enschede").id,
                org(session, "Rijssen-Holten").id,
                org(session, "Carintreggeland").id,
            ],
        },
    )
    session.commit()
    values = decisions.prefill(session, actor(session, POLICY), arrangement.id, today=TODAY)
    assert values["subject"] == "Pilot respijtzorg jeugd"
    assert values["introduction"].startswith("Logeren voor jeugdigen met een beperking.\n\n")
    assert "Zorgaanbieders: Carintreggeland." in values["introduction"]
    assert values["introduction"].endswith("Penvoerder: Rijssen-Holten.")
    assert values["costs"] == ""
    assert "arguments" not in values


def test_the_besluitenlijst_of_enschede_27_may_2025_holds_the_volmacht_as_published(session):
    entries = decisions.decision_list(
        session,
        actor(session, POLICY),
        municipality_id=org(session, "Enschede").id,
        meeting_on=date(2025, 5, 27),
    )
    assert [
        (e.decision.subject, e.decision.case_number, e.published, e.ground) for e in entries
    ] == [(REGIONAL_SUBJECT, "BV25000055", True, "")]


def test_s32_not_publishing_a_decision_without_a_ground_is_refused(session):
    decision_id = new_dossier(session)
    decision = session.get(Decision, decision_id)
    errors = refused(
        decisions.update,
        session,
        actor(session, POLICY),
        decision_id,
        {"woo_publication": "not_published", "woo_ground": "  "},
        expected_version=decision.version,
    )
    assert errors["woo_ground"].startswith("Grond: noem de grond van art. 5.1 of 5.2 Woo")
    session.rollback()
    assert session.get(Decision, decision_id).woo_publication == "actively_published"
    errors = refused(
        decisions.create,
        session,
        actor(session, POLICY),
        {"subject": "Zonder grond", "woo_publication": "not_published"},
        now=NOW,
    )
    assert "woo_ground" in errors


def test_s32_the_besluitenlijst_leaves_out_a_decision_not_actively_published_with_its_ground(
    session,
):
    ground = "Art. 5.1 lid 2 onder f Woo: bedrijfs- en fabricagegegevens."
    decision_id = new_dossier(
        session,
        subject="Tarieven logeerzorg 2026",
        meeting_on="2025-05-27",
        woo_publication="not_published",
        woo_ground=ground,
        retention_category="Selectielijst gemeenten: 10 jaar",
    )
    step(session, decision_id, "co_advice", today=date(2025, 5, 1))
    advise(session, decision_id)
    step(session, decision_id, "secretary_advice", today=date(2025, 5, 1))
    update(session, decision_id, secretary_advice="Akkoord.")
    step(session, decision_id, "scheduled", today=date(2025, 5, 1))
    decide(session, decision_id, "as_proposed", on=date(2025, 5, 27))
    entries = decisions.decision_list(
        session,
        actor(session, POLICY),
        municipality_id=org(session, "Enschede").id,
        meeting_on=date(2025, 5, 27),
    )
    published = [e.decision.subject for e in entries if e.published]
    withheld = [(e.decision.subject, e.ground) for e in entries if not e.published]
    assert published == [REGIONAL_SUBJECT]
    assert withheld == [("Tarieven logeerzorg 2026", ground)]
    assert session.get(Decision, decision_id).retention_category == (
        "Selectielijst gemeenten: 10 jaar"
    )


def test_the_besluitenlijst_holds_only_taken_decisions_of_that_college_and_day(session):
    new_dossier(session, meeting_on="2025-05-27")  # a concept for the same meeting
    entries = decisions.decision_list(
        session,
        actor(session, POLICY),
        municipality_id=org(session, "Enschede").id,
        meeting_on=date(2025, 5, 27),
    )
    assert [e.decision.case_number for e in entries] == ["BV25000055"]


# --- secret dossiers (S12) ------------------------------------------------------------------------


@pytest.mark.parametrize("email", [LEGAL, ADMIN, AUDITOR, PROJECT])
def test_s12_a_secret_dossier_is_invisible_to_others_including_administrator_and_auditor(
    session, email
):
    decision_id = new_dossier(
        session, subject="Geheim: integriteitsmelding", secret="ja", advisers=()
    )
    other = actor(session, email)
    with pytest.raises(NotFound):
        decisions.get_visible(session, other, decision_id)
    assert decision_id not in [d.id for d in decisions.list_visible(session, other)]
    assert decisions.get_visible(session, actor(session, POLICY), decision_id).secret is True


def test_s12_access_granted_to_a_colleague_makes_it_visible_to_her_only(session):
    decision_id = new_dossier(
        session, subject="Geheim: integriteitsmelding", secret="ja", advisers=()
    )
    decisions.grant_access(session, actor(session, POLICY), decision_id, user_id(session, LEGAL))
    session.commit()
    assert decisions.get_visible(session, actor(session, LEGAL), decision_id).id == decision_id
    assert decision_id in [d.id for d in decisions.list_visible(session, actor(session, LEGAL))]
    for email in (ADMIN, AUDITOR):
        with pytest.raises(NotFound):
            decisions.get_visible(session, actor(session, email), decision_id)


def test_s12_the_subject_and_texts_of_a_secret_dossier_stay_out_of_the_audit_log(session):
    decision_id = new_dossier(
        session, subject="Geheim: integriteitsmelding", secret="ja", introduction="Vertrouwelijk"
    )
    update(session, decision_id, costs="Geheime kosten")
    step(session, decision_id, "co_advice")
    logged = json.dumps(
        [
            [e.old_values, e.new_values]
            for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "decision"))
        ],
        ensure_ascii=False,
    )
    for secret_text in ("integriteitsmelding", "Vertrouwelijk", "Geheime kosten"):
        assert secret_text not in logged


def test_s12_access_to_a_secret_dossier_is_never_granted_to_a_provider(session):
    decision_id = new_dossier(
        session, subject="Geheim: integriteitsmelding", secret="ja", advisers=()
    )
    provider = find_user_by_email(session, "aanbieder@carintreggeland.example")
    assert provider is not None
    errors = refused(
        decisions.grant_access, session, actor(session, POLICY), decision_id, provider.id
    )
    assert errors["user_id"] == "Toegang: kies een actief account van een gemeente."
    session.rollback()
    assert [u.email for u in session.get(Decision, decision_id).readers] == [POLICY]


def test_prefill_puts_last_years_cost_allocation_in_the_costs_section(session):
    from datetime import date as _date

    from storage.accounts import find_user_by_email
    from storage.arrangements import Arrangement as _Arrangement

    arrangement = session.scalars(select(_Arrangement)).one()
    officer = actor_for(find_user_by_email(session, POLICY), "test")
    values = decisions.prefill(session, officer, arrangement.id, today=_date(2026, 3, 1))
    costs = values["costs"].replace("\xa0", " ")
    assert costs.startswith("In 2025 waren de kosten voor de gemeente Enschede € ")
    assert "(beschikbaar was € 28.400,00)" in costs
