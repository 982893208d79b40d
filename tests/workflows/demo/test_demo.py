from sqlalchemy import func, select

from storage.accounts import User
from storage.arrangements import Arrangement, Bed
from storage.audit import AuditEvent
from storage.organisations import Organisation
from tests.conftest import DEMO_TODAY
from workflows.actors import system_actor
from workflows.demo import demo


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_demo_has_the_twente_pilot_with_14_municipalities_menzis_and_5_providers(session):
    arrangement = session.scalars(select(Arrangement)).one()
    assert arrangement.name == "Pilot logeerzorg Twente"
    assert arrangement.lead_organisation.name == "Rijssen-Holten"
    kinds = [p.organisation.kind for p in arrangement.participants]
    assert kinds.count("municipality") == 14
    assert kinds.count("provider") == 5
    assert "Zorgkantoor Menzis" in {p.organisation.name for p in arrangement.participants}


def test_demo_phases_are_the_pilot_and_its_extension_with_inclusive_ends(session):
    arrangement = session.scalars(select(Arrangement)).one()
    phases = [(p.name, p.start_on.isoformat(), p.end_on.isoformat()) for p in arrangement.phases]
    assert phases == [
        ("Pilot", "2024-02-01", "2024-12-31"),
        ("Verlenging 1", "2025-01-01", "2026-01-01"),
    ]
    from workflows.rules.phases import phase_status_on

    # On 1 June 2025 the pilot has ended and the extension runs; status follows the dates.
    statuses = [phase_status_on(p.start_on, p.end_on, today=DEMO_TODAY) for p in arrangement.phases]
    assert statuses == ["ended", "active"]
    assert [m.due_on.isoformat() for m in arrangement.evaluation_moments] == [
        "2025-05-31",
        "2025-11-30",
        "2026-05-20",
    ]


def test_demo_has_seven_beds_active_at_the_end_of_2025_one_of_them_wmo(session):
    beds = session.scalars(select(Bed)).all()
    end_2025 = DEMO_TODAY.replace(year=2025, month=12, day=31)
    active = [
        b
        for b in beds
        if b.available_from <= end_2025
        and (b.available_until is None or end_2025 <= b.available_until)
    ]
    assert len(active) == 7
    assert [b.location.name for b in active if b.financing == "wmo"] == ["Humanitas"]
    stadskwartier = next(b for b in beds if b.location.name == "Stadskwartier")
    assert stadskwartier.available_from.isoformat() == "2025-04-14"


def test_demo_municipalities_have_inhabitants_and_a_tuesday_meeting_calendar(session):
    enschede = session.scalars(select(Organisation).where(Organisation.name == "Enschede")).one()
    assert enschede.inhabitants == 161_000
    assert enschede.meeting_weekday == 1
    assert enschede.agenda_lead_working_days == 10
    assert enschede.recess_weeks == [30, 31, 32]


def test_demo_has_one_account_per_role_and_one_per_provider(session):
    users = session.scalars(select(User)).all()
    roles = sorted(u.role for u in users)
    assert roles.count("provider") == 5
    for role in ("policy_officer", "legal_officer", "project_group", "administrator", "auditor"):
        assert role in roles
    assert all(u.password_hash.startswith("$argon2id$") for u in users)


def test_seeding_again_keeps_existing_data_and_adds_nothing(session):
    enschede = session.scalars(select(Organisation).where(Organisation.name == "Enschede")).one()
    enschede.inhabitants = 160_001
    session.commit()
    counts = {m: _count(session, m) for m in (Organisation, User, Arrangement, Bed, AuditEvent)}
    demo.seed_demo(session, system_actor("test"), today=DEMO_TODAY)
    session.commit()
    assert {m: _count(session, m) for m in counts} == counts
    session.refresh(enschede)
    assert enschede.inhabitants == 160_001


def test_seeding_writes_audit_events_for_what_it_creates(session):
    created = session.scalars(
        select(AuditEvent.object_type).where(AuditEvent.action == "create")
    ).all()
    assert created.count("organisation") == 22
    assert created.count("user") == len(demo.ACCOUNTS)
    assert created.count("arrangement") == 1
