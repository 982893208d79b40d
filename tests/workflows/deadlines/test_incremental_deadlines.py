"""The scheduler's tick follows the registers incrementally (issue 15): a tick after which
nothing changed derives nothing, a change of one arrangement derives that one again, and what
the deadlines then say is exactly what a full re-derivation says, change after change. The
derivation holds no write lock: on SQLite another writer gets it meanwhile."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from storage.arrangements import Arrangement, EvaluationMoment
from storage.deadlines import Deadline
from tests.conftest import session_factory
from tests.support.record_changes import update_fields
from tests.support.write_lock import write_lock_free
from tests.workflows.registers.test_registers import second_arrangement
from workflows.actors import system_actor
from workflows.deadlines import deadlines, signals
from workflows.registers import arrangement_parts, arrangements, equated_days

ACTOR = system_actor("test")
DAY = date(2025, 6, 1)


@pytest.fixture
def factory(engine):
    factory = session_factory(engine)
    with factory() as session:
        second_arrangement(session)
        session.commit()
    return factory


def _other(factory) -> int:
    with factory() as session:
        return session.scalars(select(Arrangement.id).order_by(Arrangement.id.desc())).first()


def _rows(session):
    return sorted(
        (
            d.key,
            d.kind,
            d.subject,
            d.explanation,
            d.arrangement_id,
            d.organisation_id,
            d.due_on,
            d.start_by_on,
            d.status,
            d.status_reason,
            d.deadline_version,
            d.next_stage_on,
        )
        for d in session.scalars(select(Deadline))
    )


def _equals_a_full_re_derivation(factory, day):
    with factory() as session:
        before = _rows(session)
        assert deadlines.sync(session, as_of=day) == {"added": 0, "moved": 0, "closed": 0}
        assert _rows(session) == before
        session.rollback()
    return before


def test_a_tick_after_which_nothing_changed_derives_nothing(factory, derived):
    first = deadlines.follow_registers(factory, as_of=DAY)
    assert first["added"] > 0 and sorted(set(derived)) == [1, _other(factory)]
    derived.clear()
    assert deadlines.follow_registers(factory, as_of=DAY) == {"added": 0, "moved": 0, "closed": 0}
    assert derived == []


def test_a_change_of_one_arrangement_derives_that_one_again(factory, derived):
    other = _other(factory)
    deadlines.follow_registers(factory, as_of=DAY)
    with factory() as session:
        arrangement = session.get(Arrangement, other)
        update_fields(
            arrangements.update, session, ACTOR, arrangement, {"name": "Logeerzorg Twente-Noord"}
        )
        session.commit()
    derived.clear()
    deadlines.follow_registers(factory, as_of=DAY)
    assert set(derived) == {other}
    with factory() as session:
        subjects = session.scalars(
            select(Deadline.subject).where(
                Deadline.arrangement_id == other, Deadline.kind == "phase_end"
            )
        ).all()
    assert subjects and all("Logeerzorg Twente-Noord" in s for s in subjects)


def test_incremental_ticks_equal_a_full_re_derivation_change_after_change(factory, derived):
    other = _other(factory)
    deadlines.follow_registers(factory, as_of=DAY)
    _equals_a_full_re_derivation(factory, DAY)

    def rename(session):
        arrangement = session.get(Arrangement, other)
        update_fields(
            arrangements.update, session, ACTOR, arrangement, {"name": "Logeerzorg Noord"}
        )

    def successor_tender(session):
        arrangement = session.get(Arrangement, other)
        update_fields(
            arrangements.update,
            session,
            ACTOR,
            arrangement,
            {"successor_kind": "tender", "successor_start_on": "2031-01-01"},
        )

    def new_phase(session):
        arrangements.add_phase(
            session,
            ACTOR,
            other,
            {"kind": "extension", "start_on": "2031-01-01", "end_on": "2032-12-31"},
        )

    def equated_day(session):
        equated_days.add(session, ACTOR, {"day": "2025-12-29", "decree": "Besluit van de test"})

    def new_moment(session):
        arrangement_parts.add_evaluation_moment(
            session, ACTOR, other, {"name": "Tussenevaluatie", "due_on": "2026-09-01"}
        )

    def moment_gone(session):
        # Deleted: its arrangement is no longer found from it, so every one is derived again.
        moment = session.scalars(
            select(EvaluationMoment).where(EvaluationMoment.arrangement_id == other)
        ).one()
        arrangement_parts.remove_evaluation_moment(session, ACTOR, other, moment.id)

    changes = [rename, successor_tender, new_phase, equated_day, new_moment, moment_gone]
    days = [DAY, DAY, date(2025, 6, 2), date(2025, 6, 2), date(2025, 6, 2), date(2025, 6, 2)]
    every = {1, other}
    # A new day, a day equated with a holiday and a deleted object derive every arrangement.
    expected = [{other}, {other}, every, every, {other}, every]
    for change, day, again in zip(changes, days, expected, strict=True):
        with factory() as session:
            change(session)
            session.commit()
        derived.clear()
        deadlines.follow_registers(factory, as_of=day)
        assert set(derived) == again, change.__name__
        _equals_a_full_re_derivation(factory, day)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_s30_the_tick_derives_without_holding_the_write_lock(factory, engine, monkeypatch):
    """While the tick derives, another connection can begin a write transaction at once."""
    path = engine.url.database
    got_the_lock: list[bool] = []
    derive_one = signals._for_arrangement

    def meanwhile(arrangement, *args, **kwargs):
        got_the_lock.append(write_lock_free(path))
        return derive_one(arrangement, *args, **kwargs)

    monkeypatch.setattr(signals, "_for_arrangement", meanwhile)
    deadlines.follow_registers(factory, as_of=DAY)
    assert got_the_lock and all(got_the_lock)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_new_day_on_which_the_deadlines_stay_as_they_were_writes_only_the_mark(
    factory, engine, derived
):
    """Every arrangement is derived again on a new day; one whose deadlines come out as they
    were takes no write transaction (the SQLite write lock) of its own."""
    deadlines.follow_registers(factory, as_of=DAY)
    with factory() as session:
        before = _rows(session)
    writes: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        if statement.startswith("BEGIN IMMEDIATE"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    derived.clear()
    try:
        deadlines.follow_registers(factory, as_of=date(2025, 6, 2))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    with factory() as session:
        assert _rows(session) == before
    assert set(derived) == {1, _other(factory)}
    assert len(writes) == 1
