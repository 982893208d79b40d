"""Co-advice by accounts on the Twente demo: who is asked, who is told, who may record the
advice (the named adviser or their stand-in, "namens" the adviser), the "Te adviseren" list,
and the agenda form's "mee geadviseerd door" made from the records."""

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from storage.audit import AuditEvent, events_for
from storage.deadlines import Message
from storage.decisions import CoAdvice, Decision
from tests.conftest import ADMIN, AUDITOR, LEGAL, POLICY, PROJECT, PROVIDER_CR
from tests.support.demo_records import STAND_IN, actor, stand_in, twente, user_id
from workflows.actors import system_actor
from workflows.deadlines import notifications
from workflows.decisions import co_advice, decisions
from workflows.demo.demo_decisions import BORNE_JURIST, REGIONAL_SUBJECT
from workflows.documents import documents
from workflows.errors import Forbidden, InvalidInput, NotFound

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)  # Monday 2 June 2025
TODAY = date(2025, 6, 2)
MEETING = date(2025, 6, 24)  # its agenda closes on 10 June


def new_dossier(session, **values):
    raw = {
        "arrangement_id": twente(session).id,
        "subject": "Verlengen pilot logeerzorg 2026",
        "meeting_on": MEETING.isoformat(),
        **values,
    }
    decision = decisions.create(session, actor(session, POLICY), raw, now=NOW)
    session.commit()
    return decision.id


def ask(session, decision_id, email=LEGAL, *, by=POLICY, **values):
    raw = {"user_id": user_id(session, email), "unit": "Juridische Zaken", **values}
    advice = co_advice.ask(session, actor(session, by), decision_id, raw, now=NOW)
    session.commit()
    return advice


def to_co_advice(session, decision_id):
    decisions.transition(
        session, actor(session, POLICY), decision_id, "co_advice", today=TODAY, now=NOW
    )
    session.commit()


def record(session, decision_id, email, **values):
    raw = {"advice": "agree", **values}
    advice = co_advice.record(session, actor(session, email), decision_id, raw, now=NOW)
    session.commit()
    return advice


def messages_to(session, email):
    return session.scalars(
        select(Message).where(Message.recipient_id == user_id(session, email)).order_by(Message.id)
    ).all()


def refused(call, *args, **kwargs):
    with pytest.raises(InvalidInput) as error:
        call(*args, **kwargs)
    return error.value.errors


# --- who is asked ---------------------------------------------------------------------------


def test_a_co_adviser_is_an_account_of_the_municipality_named_with_a_unit(session):
    decision_id = new_dossier(session)
    advice = ask(session, decision_id, unit="JZ")
    assert (advice.adviser, advice.unit, advice.adviser_id) == (
        "Jurist Enschede",
        "JZ",
        user_id(session, LEGAL),
    )
    assert advice.advice is None and advice.recorded_at is None
    assert session.get(Decision, decision_id).co_advisers == ["Jurist Enschede, JZ"]
    [event] = [e for e in events_for(session, "decision", decision_id) if e.action == "ask_advice"]
    assert event.new_values["adviser_id"] == user_id(session, LEGAL)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        (BORNE_JURIST, "Mee-adviseur: kies een actief account van Enschede dat mag adviseren."),
        (PROVIDER_CR, "Mee-adviseur: kies een actief account van Enschede dat mag adviseren."),
        (AUDITOR, "Mee-adviseur: kies een actief account van Enschede dat mag adviseren."),
    ],
)
def test_only_accounts_of_the_municipality_that_take_part_in_decisions_are_asked(
    session, email, message
):
    decision_id = new_dossier(session)
    errors = refused(ask, session, decision_id, email)
    assert errors == {"user_id": message}
    session.rollback()
    assert session.get(Decision, decision_id).advices == []


def test_an_adviser_is_asked_once_and_a_stand_in_is_someone_else(session):
    decision_id = new_dossier(session)
    ask(session, decision_id)
    assert refused(ask, session, decision_id) == {
        "user_id": "Mee-adviseur: Jurist Enschede is al gevraagd."
    }
    session.rollback()
    errors = refused(ask, session, decision_id, POLICY, stand_in_id=str(user_id(session, POLICY)))
    assert errors == {"stand_in_id": "Plaatsvervanger: kies een ander account dan de mee-adviseur."}


def test_a_regional_dossier_has_no_co_advisers_of_its_own(session):
    regional = session.scalars(
        select(Decision).where(
            Decision.municipality_id.is_(None), Decision.subject == REGIONAL_SUBJECT
        )
    ).one()
    errors = refused(ask, session, regional.id, by=PROJECT)
    assert errors["user_id"].startswith("Mee-adviseur: een regionaal dossier heeft geen")


def test_an_unanswered_request_is_withdrawn_an_answered_one_stays(session):
    decision_id = new_dossier(session)
    first = ask(session, decision_id)
    second = ask(session, decision_id, POLICY, unit="SBS")
    co_advice.withdraw(session, actor(session, POLICY), decision_id, second.id)
    session.commit()
    assert session.get(Decision, decision_id).co_advisers == ["Jurist Enschede, Juridische Zaken"]
    to_co_advice(session, decision_id)
    record(session, decision_id, LEGAL)
    errors = refused(co_advice.withdraw, session, actor(session, POLICY), decision_id, first.id)
    assert errors == {"adviser": "Jurist Enschede heeft al geadviseerd; dat advies blijft bewaard."}
    session.rollback()
    with pytest.raises(NotFound):
        co_advice.withdraw(session, actor(session, POLICY), decision_id, 999_999)


# --- who is told, and the "Te adviseren" list -----------------------------------------------


def test_co_adviser_notified_and_listed(session):
    """Asked on a draft, the jurist hears nothing yet; when the dossier enters co-advice she
    gets a notification in the app and a mail, and finds it on her "Te adviseren" list until
    she has advised. Entering co-advice again does not ask her twice."""
    decision_id = new_dossier(session)
    ask(session, decision_id)
    jurist = actor(session, LEGAL)
    assert messages_to(session, LEGAL) == []
    assert co_advice.open_requests(session, jurist) == []

    to_co_advice(session, decision_id)
    sent = messages_to(session, LEGAL)
    assert sorted((m.channel, m.status) for m in sent) == [("email", "pending"), ("in_app", "sent")]
    for message in sent:
        assert message.subject == (
            "[Besluitwerk] Mee-adviseren gevraagd: 'Verlengen pilot logeerzorg 2026'"
        )
        assert message.body.startswith(
            "U bent gevraagd mee te adviseren over 'Verlengen pilot logeerzorg 2026' van "
            "Enschede, voor de collegevergadering van 24 juni 2025."
        )
        assert "Besluiten > Te adviseren" in message.body
    assert [m.subject for m in notifications.mine(session, jurist)] == [sent[0].subject]
    assert notifications.unread_count(session, jurist) == 1
    [waiting] = co_advice.open_requests(session, jurist)
    assert waiting.decision_id == decision_id
    assert co_advice.open_requests(session, actor(session, POLICY)) == []
    # The start page's count is the list's length.
    assert co_advice.count_open_requests(session, jurist) == 1
    assert co_advice.count_open_requests(session, actor(session, POLICY)) == 0

    decisions.transition(
        session, actor(session, POLICY), decision_id, "draft", today=TODAY, now=NOW
    )
    to_co_advice(session, decision_id)  # asked again: a new round, a new message
    assert len(messages_to(session, LEGAL)) == 4
    record(session, decision_id, LEGAL)
    assert co_advice.open_requests(session, jurist) == []
    decisions.transition(
        session, actor(session, POLICY), decision_id, "draft", today=TODAY, now=NOW
    )
    to_co_advice(session, decision_id)  # she has advised: nothing new for her
    assert len(messages_to(session, LEGAL)) == 4


def test_asking_during_co_advice_tells_the_adviser_and_the_stand_in_at_once(session):
    decision_id = new_dossier(session)
    to_co_advice(session, decision_id)
    ask(session, decision_id, stand_in_id=str(stand_in(session).id))
    assert {m.channel for m in messages_to(session, LEGAL)} == {"email", "in_app"}
    [mail] = [m for m in messages_to(session, STAND_IN) if m.channel == "email"]
    assert mail.body.startswith(
        "U bent als plaatsvervanger van Jurist Enschede gevraagd mee te adviseren over"
    )
    assert "Leg het advies vast namens Jurist Enschede." in mail.body
    [waiting] = co_advice.open_requests(session, actor(session, STAND_IN))
    assert waiting.adviser == "Jurist Enschede"


def test_s12_a_secret_dossier_gives_its_adviser_access_and_no_message_names_it(session):
    decision_id = new_dossier(session, subject="Geheim: integriteitsmelding", secret="ja")
    ask(session, decision_id)
    jurist = actor(session, LEGAL)
    assert decisions.get_visible(session, jurist, decision_id).id == decision_id
    to_co_advice(session, decision_id)
    logged = json.dumps(
        [[m.subject, m.body] for m in messages_to(session, LEGAL)]
        + [
            [e.old_values, e.new_values]
            for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "decision"))
        ],
        ensure_ascii=False,
    )
    assert "integriteitsmelding" not in logged
    assert "een geheim dossier van Enschede" in logged
    for email in (ADMIN, AUDITOR):
        with pytest.raises(NotFound):
            decisions.get_visible(session, actor(session, email), decision_id)


def test_the_demo_borne_jurist_finds_borne_s_dossier_waiting(session):
    [waiting] = co_advice.open_requests(session, actor(session, BORNE_JURIST))
    assert waiting.decision.municipality.name == "Borne"
    assert waiting.decision.status == "co_advice"
    assert co_advice.open_requests(session, actor(session, LEGAL)) == []


# --- who records the advice -----------------------------------------------------------------


def test_only_named_adviser_records_advice(session):
    """The officer who drafted the dossier, the beheerder and the project group may see it, but
    only the jurist asked records her advice: the others are refused (403) in Dutch."""
    decision_id = new_dossier(session)
    asked = ask(session, decision_id)
    to_co_advice(session, decision_id)
    with pytest.raises(Forbidden) as not_asked:
        record(session, decision_id, POLICY)
    assert not_asked.value.message == (
        "U bent niet gevraagd mee te adviseren over dit dossier; gevraagd zijn: Jurist Enschede."
    )
    for email in (POLICY, ADMIN):
        with pytest.raises(Forbidden) as named:
            record(session, decision_id, email, adviser=str(asked.id))
        assert named.value.message == "Alleen Jurist Enschede kan dit advies vastleggen."
        session.rollback()
    assert session.get(Decision, decision_id).advices[0].advice is None
    advice = record(session, decision_id, LEGAL, advice="disagree", text="Dekking ontbreekt.")
    assert (advice.advice, advice.recorded_by_id, advice.recorded_at) == (
        "disagree",
        user_id(session, LEGAL),
        NOW,
    )
    assert not advice.on_behalf


def test_stand_in_records_advice_named(session):
    """The stand-in named with the jurist records the advice "namens" her; the record names
    the stand-in as the one who recorded it."""
    decision_id = new_dossier(session)
    ask(session, decision_id, stand_in_id=str(stand_in(session).id))
    to_co_advice(session, decision_id)
    advice = record(session, decision_id, STAND_IN, advice="agree_with_remarks", text="Let op.")
    assert advice.adviser == "Jurist Enschede" and advice.adviser_id == user_id(session, LEGAL)
    assert advice.recorded_by_id == user_id(session, STAND_IN) and advice.on_behalf
    assert advice.recorded_by.name == "M. de Vries"
    [event] = [e for e in events_for(session, "decision", decision_id) if e.action == "advice"]
    assert event.new_values == {
        "adviser": "Jurist Enschede",
        "advice": "agree_with_remarks",
        "on_behalf_of": "Jurist Enschede",
    }
    assert co_advice.open_requests(session, actor(session, LEGAL)) == []
    assert co_advice.open_requests(session, actor(session, STAND_IN)) == []


def test_an_adviser_without_account_is_recorded_by_whoever_prepares_the_dossier(session):
    """Co-advisers named as text before accounts (kept by the migration): nobody is told, and
    the dossier's editors record their advice; others may not."""
    decision_id = new_dossier(session)
    decision = session.get(Decision, decision_id)
    decision.advices.append(CoAdvice(adviser="Twentse Koers", unit=""))
    session.commit()
    to_co_advice(session, decision_id)
    assert messages_to(session, LEGAL) == []
    with pytest.raises(Forbidden) as outsider:  # sees the dossier, does not prepare it
        record(session, decision_id, PROJECT)
    assert outsider.value.message.startswith("U bent niet gevraagd mee te adviseren")
    advice = record(session, decision_id, POLICY)
    assert advice.adviser == "Twentse Koers" and advice.recorded_by_id == user_id(session, POLICY)
    assert not advice.on_behalf


# --- the agenda form ------------------------------------------------------------------------


def test_the_agenda_form_says_mee_geadviseerd_door_from_the_advices(session):
    enschede = session.scalars(
        select(Decision).where(
            Decision.case_number == "BV25000055", Decision.municipality_id.is_not(None)
        )
    ).one()
    filled = documents.fill(
        session, system_actor("test"), "agendaformulier", "decision", enschede.id, None, now=NOW
    )
    # One co-adviser per line, as on the paper form (issue 16, point 6).
    assert filled.context["mee_geadviseerd_door"] == (
        "N. Boll, SBS\nE. van 't Hoog en I. Lungu – van Twisk, JZ\nTwentse Koers"
    )
    decision_id = new_dossier(session)
    ask(session, decision_id)
    ask(session, decision_id, POLICY, unit="SBS")
    filled = documents.fill(
        session, system_actor("test"), "agendaformulier", "decision", decision_id, None, now=NOW
    )
    assert filled.context["mee_geadviseerd_door"] == (
        "Jurist Enschede, Juridische Zaken\nBeleidsmedewerker Enschede, SBS"
    )
