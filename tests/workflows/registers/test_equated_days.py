"""Days equated with holidays by Royal Decree (Atw art. 3 lid 3): loaded by the migration,
kept by the beheerder, and counted with by terms, planning and the deadlines behind reminders."""

import os
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from storage.accounts import find_user_by_email
from storage.audit import AuditEvent
from storage.database import make_engine, make_session_factory
from storage.deadlines import Deadline
from storage.equated_days import EquatedDay, list_equated_days
from storage.migrate import upgrade
from tests.conftest import AUDITOR, TEST_DATABASE_URL
from workflows.accounts.accounts import actor_for
from workflows.actors import system_actor
from workflows.deadlines import deadlines, signals
from workflows.errors import Conflict, Forbidden, InvalidInput
from workflows.registers import equated_days
from workflows.rules.dutch_format import long_date
from workflows.rules.termijnenwet import term_end

ADMIN = system_actor("test")
# The days of the decrees for 2023-2025 and 2026-2028; each decree's citation title enumerates
# them (docs/algemene-termijnenwet.md).
DOMAIN_DAYS = [
    date(2023, 4, 28),
    date(2023, 5, 19),
    date(2024, 5, 10),
    date(2024, 12, 27),
    date(2025, 5, 30),
    date(2026, 1, 2),
    date(2026, 5, 15),
    date(2027, 5, 7),
    date(2028, 4, 28),
    date(2028, 5, 26),
]
# Besluit van 24 oktober 2016, nr. 2016001827 (Stcrt. 2016, 58653), read in full.
DECREE_2016_DAYS = [
    date(2017, 4, 28),
    date(2017, 5, 26),
    date(2018, 5, 11),
    date(2018, 12, 24),
    date(2018, 12, 31),
    date(2019, 5, 31),
    date(2019, 12, 27),
]


@pytest.fixture
def freshly_migrated(backend, tmp_path):
    """A database that ``besluitwerk db upgrade`` alone made, on SQLite or PostgreSQL."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    schema = f"bw_fresh_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def test_the_migration_loads_every_known_decree_day_without_the_demo(freshly_migrated):
    with make_session_factory(freshly_migrated)() as session:
        rows = list_equated_days(session)
        assert [r.day for r in rows] == DECREE_2016_DAYS + DOMAIN_DAYS
        assert all(r.decree and r.source for r in rows)
        confirmed = [r for r in rows if r.day.year < 2020]
        assert {r.decree for r in confirmed} == {"Besluit van 24 oktober 2016, nr. 2016001827"}
        assert all("58653" in r.source for r in confirmed)
        later = [r for r in rows if r.day.year >= 2023]
        # Each later day is named by the decree whose citation title enumerates it, and what was
        # not read (the place of publication) says so, for the beheerder to complete.
        for row in later:
            assert row.decree.startswith("Besluit gelijkstelling van ")
            assert long_date(row.day) in row.decree, row.day
            assert "niet nagezien" in row.source
        assert not any("te bevestigen" in r.decree for r in rows)


def test_naming_the_2023_2028_decrees_leaves_a_day_the_beheerder_corrected_alone(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'step.sqlite3'}")
    try:
        upgrade(engine, "0019")
        with engine.begin() as connection:
            connection.execute(
                EquatedDay.__table__.update()
                .where(EquatedDay.day == date(2024, 5, 10))
                .values(decree="Besluit van 1 december 2022, zoals de beheerder het las")
            )
        upgrade(engine)
        with make_session_factory(engine)() as session:
            by_day = {r.day: r for r in list_equated_days(session)}
        assert by_day[date(2024, 5, 10)].decree == (
            "Besluit van 1 december 2022, zoals de beheerder het las"
        )
        assert by_day[date(2024, 12, 27)].decree.startswith(
            "Besluit gelijkstelling van 28 april 2023"
        )
        assert by_day[date(2027, 5, 7)].version == 2
    finally:
        engine.dispose()


def test_a_term_ending_on_15_may_2026_moves_to_monday_18_may_because_of_the_decree_day(
    session,
):
    # Friday 1 May 2026 + 2 weeks = Friday 15 May, the Friday after Ascension Day.
    result = term_end(date(2026, 5, 1), weeks=2, equated=equated_days.for_terms(session))
    assert result.unadjusted_end_on == date(2026, 5, 15)
    assert result.end_on == date(2026, 5, 18)
    assert result.reason.startswith(
        "15 mei, bij koninklijk besluit met een feestdag gelijkgesteld (Besluit gelijkstelling "
        "van 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en 26 mei 2028 met een "
        "algemeen erkende feestdag)"
    )


def test_the_domain_worked_example_still_ends_on_6_may_2026_with_the_decree_days(session):
    result = term_end(date(2026, 3, 24), weeks=6, equated=equated_days.for_terms(session))
    assert result.end_on == date(2026, 5, 6)
    assert result.reason.startswith("5 mei, Bevrijdingsdag")


def _hengelo_tender_gap(session):
    found = signals.derive(session, ADMIN, as_of=date(2025, 6, 1))
    return next(
        s
        for s in found
        if s.kind == "mandate_needed" and s.municipality.name == "Hengelo" and s.act_on.year == 2026
    )


def test_a_day_the_beheerder_adds_moves_the_planning_and_the_deadline_behind_the_reminders(
    session,
):
    deadlines.sync(session, as_of=date(2025, 6, 1))
    before = _hengelo_tender_gap(session)
    assert before.plan.latest_meeting_on == date(2026, 3, 31)
    deadline = session.scalars(select(Deadline).where(Deadline.key == before.key)).one()
    assert deadline.due_on == date(2026, 3, 3)

    equated_days.add(
        session, ADMIN, {"day": "2026-03-31", "decree": "Besluit van 1 maart 2026, nr. 1"}
    )
    after = _hengelo_tender_gap(session)
    assert after.plan.latest_meeting_on == date(2026, 3, 24)
    assert after.plan.agenda_closes_on == date(2026, 3, 10)
    assert after.plan.start_by_on == date(2026, 2, 24)

    assert deadlines.sync(session, as_of=date(2025, 6, 1))["moved"] > 0
    session.refresh(deadline)
    assert deadline.due_on == date(2026, 2, 24)  # its reminders count down to the new date
    assert deadline.deadline_version == 2


def test_adding_editing_and_removing_a_day_is_audited_with_old_and_new_values(session):
    row = equated_days.add(
        session,
        ADMIN,
        {"day": "2029-05-11", "decree": "Besluit van 1 juli 2028, nr. 7", "source": "Stcrt."},
    )
    equated_days.update(
        session,
        ADMIN,
        row.id,
        {"day": "2029-05-11", "decree": "Besluit van 1 juli 2028, nr. 8", "source": "Stcrt."},
        expected_version=1,
    )
    equated_days.remove(session, ADMIN, row.id)
    equated_days.remove(session, ADMIN, row.id)  # twice: nothing the second time
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "equated_day", AuditEvent.object_id == str(row.id))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert events[0].new_values["day"] == "2029-05-11"
    assert events[1].old_values == {"decree": "Besluit van 1 juli 2028, nr. 7"}
    assert events[1].new_values == {"decree": "Besluit van 1 juli 2028, nr. 8", "version": 2}
    assert events[2].old_values["decree"] == "Besluit van 1 juli 2028, nr. 8"
    assert session.get(EquatedDay, row.id) is None


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"day": "2026-05-16", "decree": "B"}, "day", "valt in het weekend"),
        ({"day": "2026-05-05", "decree": "B"}, "day", "al een feestdag volgens de wet"),
        ({"day": "2026-05-15", "decree": "B"}, "day", "is al gelijkgesteld"),
        ({"day": "1964-12-31", "decree": "B"}, "day", "geldt pas vanaf 1 april 1965"),
        ({"day": "31-02-2026", "decree": "B"}, "day", "bestaat niet in de kalender"),
        ({"day": "2029-05-11", "decree": " "}, "decree", "Besluit: vul dit veld in"),
        ({"day": "2029-05-11", "decree": "x" * 301}, "decree", "Besluit"),
    ],
)
def test_a_wrong_day_is_refused_with_a_dutch_message_and_nothing_is_saved(
    session, raw, field, message
):
    count = session.scalar(select(func.count()).select_from(EquatedDay))
    with pytest.raises(InvalidInput) as refused:
        equated_days.add(session, ADMIN, raw)
    assert message in refused.value.errors[field]
    assert session.scalar(select(func.count()).select_from(EquatedDay)) == count


def test_s28_a_save_based_on_an_older_version_is_refused(session):
    row = equated_days.add(session, ADMIN, {"day": "2029-05-11", "decree": "B1"})
    equated_days.update(
        session, ADMIN, row.id, {"day": "2029-05-11", "decree": "B2"}, expected_version=1
    )
    with pytest.raises(Conflict) as conflict:
        equated_days.update(
            session, ADMIN, row.id, {"day": "2029-05-11", "decree": "B3"}, expected_version=1
        )
    assert conflict.value.changed == {"decree": "B2"}
    assert session.get(EquatedDay, row.id).decree == "B2"


def test_the_auditor_cannot_add_edit_or_remove_decree_days(session):
    auditor = actor_for(find_user_by_email(session, AUDITOR), "test")
    row = session.scalars(select(EquatedDay).order_by(EquatedDay.id)).first()
    with pytest.raises(Forbidden):
        equated_days.add(session, auditor, {"day": "2029-05-11", "decree": "B"})
    with pytest.raises(Forbidden):
        equated_days.update(
            session, auditor, row.id, {"day": "2029-05-11", "decree": "B"}, expected_version=1
        )
    with pytest.raises(Forbidden):
        equated_days.remove(session, auditor, row.id)
    with pytest.raises(Forbidden):
        equated_days.list_all(session, auditor)
    assert session.get(EquatedDay, row.id) is not None
