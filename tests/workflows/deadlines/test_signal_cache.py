"""Signals cached in the database per arrangement and day (issue 15): what the cache gives is
what a fresh derivation gives, on every day; a change of the registers re-derives the
arrangement it touched (all of them when it may touch any); every worker shares the cache."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from sqlalchemy import select

from storage import arrangements as arrangement_store
from storage.arrangements import Arrangement
from storage.derivations import SignalCacheEntry, SignalRow
from storage.paging import Window
from tests.conftest import POLICY, login, make_settings, session_factory
from tests.support.record_changes import update_fields
from tests.workflows.registers.test_registers import second_arrangement
from webapp.app import create_app
from workflows.actors import system_actor
from workflows.deadlines import reminders, signals
from workflows.registers import arrangements, equated_days

ACTOR = system_actor("test")
DAYS = (date(2025, 6, 1), date(2025, 9, 15), date(2026, 3, 2), date(2027, 1, 4))


def _ids(session):
    return sorted(session.scalars(select(Arrangement.id)))


def _ordered(found):
    """Comparable across sessions: the municipality by its id, the rest as it is."""
    return sorted(
        (
            tuple(
                (
                    f.name,
                    getattr(s, f.name).id
                    if f.name == "municipality" and s.municipality
                    else getattr(s, f.name),
                )
                for f in dataclasses.fields(s)
            )
            for s in found
        ),
        key=lambda fields: (dict(fields)["key"], dict(fields)["plan"].start_by_on),
    )


def _fresh(session, day):
    return _ordered(
        signals._signals_of(
            session, arrangement_store.for_planning(session, _ids(session)), as_of=day
        )
    )


def _cached(factory, day):
    """The signals of every arrangement through the cache, and what was derived to get them
    stored (after the session's transaction, as the web layer does)."""
    with factory() as session:
        found = _ordered(signals.cached_signals_of(session, _ids(session), as_of=day))
        session.rollback()
        signals.keep_fresh(session, factory)
    return found


def _second(factory) -> int:
    """A second arrangement beside the demo's, committed: its id."""
    with factory() as session:
        other = second_arrangement(session)
        session.commit()
        return other.id


def _rename(factory, arrangement_id: int, name: str) -> None:
    """An audited change of one arrangement, as its edit page makes it."""
    with factory() as session:
        arrangement = session.get(Arrangement, arrangement_id)
        update_fields(arrangements.update, session, ACTOR, arrangement, {"name": name})
        session.commit()


def test_a_cached_signal_equals_a_fresh_derivation_on_every_day(engine, derived):
    factory = session_factory(engine)
    with factory() as session:
        second_arrangement(session)
        session.commit()
        ids = _ids(session)
    for day in DAYS:
        derived.clear()
        first = _cached(factory, day)
        assert sorted(derived) == ids  # a miss: derived once, and stored
        derived.clear()
        again = _cached(factory, day)
        assert derived == []  # a hit: nothing derived
        with factory() as session:
            assert again == first == _fresh(session, day)
    assert any(dict(s)["overdue"] for s in first)
    assert any(dict(s)["missed"] for s in _cached(factory, DAYS[1]))


def test_a_change_of_one_arrangement_re_derives_that_one_only(engine, derived):
    factory = session_factory(engine)
    other_id = _second(factory)
    day = DAYS[0]
    _cached(factory, day)
    _rename(factory, other_id, "Logeerzorg Twente-Noord")
    derived.clear()
    after = _cached(factory, day)
    assert derived == [other_id]
    assert {
        dict(s)["arrangement_name"] for s in after if dict(s)["arrangement_id"] == other_id
    } == {"Logeerzorg Twente-Noord"}
    with factory() as session:
        assert after == _fresh(session, day)
    derived.clear()
    assert _cached(factory, day) == after and derived == []


def test_a_day_equated_with_a_holiday_re_derives_every_arrangement(engine, derived):
    factory = session_factory(engine)
    with factory() as session:
        second_arrangement(session)
        session.commit()
        ids = _ids(session)
    day = DAYS[0]
    _cached(factory, day)
    with factory() as session:
        equated_days.add(session, ACTOR, {"day": "2025-12-29", "decree": "Besluit van de test"})
        session.commit()
    derived.clear()
    after = _cached(factory, day)
    assert sorted(derived) == ids
    with factory() as session:
        assert after == _fresh(session, day)


def test_two_app_instances_on_one_database_share_the_cache(database_url, tmp_path, derived):
    first, second = (
        create_app(make_settings(database_url, tmp_path / name)) for name in ("een", "twee")
    )
    try:
        one, two = first.test_client(), second.test_client()
        login(one, POLICY)
        login(two, POLICY)
        derived.clear()
        assert one.get("/signalen").status_code == 200
        assert derived != []  # the first worker derives and stores
        derived.clear()
        page = two.get("/signalen")
        assert page.status_code == 200 and "Hof van Twente" in page.get_data(as_text=True)
        assert derived == []  # the second one reads what the first stored
    finally:
        for app in (first, second):
            app.extensions["besluitwerk.engine"].dispose()


def test_the_tick_fills_the_cache_so_that_the_first_page_derives_nothing(engine, derived):
    factory = session_factory(engine)
    day = DAYS[2]
    reminders.tick(factory, now=datetime(2026, 3, 2, 7, 0, tzinfo=UTC), mailer=None)
    derived.clear()
    found = _cached(factory, day)
    assert derived == []
    with factory() as session:
        assert found == _fresh(session, day)


def test_an_entry_stays_valid_while_only_other_arrangements_change(engine, derived):
    """Entries stored at different versions are each checked from their own version."""
    factory = session_factory(engine)
    other_id = _second(factory)
    day = DAYS[0]
    _cached(factory, day)
    for name in ("Logeerzorg Noord", "Logeerzorg Zuid", "Logeerzorg Oost"):
        _rename(factory, other_id, name)
        derived.clear()
        _cached(factory, day)
        assert derived == [other_id]


def _keys(found):
    return [(s.key, s.plan.start_by_on) for s in found]


def test_pages_of_kept_and_just_derived_signals_are_the_pages_of_a_fresh_derivation(
    engine, derived
):
    """A request that finds some arrangements kept and derives the others (after a change)
    pages, orders and counts them together as if all were derived afresh."""
    factory = session_factory(engine)
    other_id = _second(factory)
    day = DAYS[1]
    _cached(factory, day)
    _rename(factory, other_id, "Logeerzorg Twente-Noord")
    with factory() as session:
        ids = arrangements.visible_ids(session, ACTOR)
        everything = signals._by_date(
            signals._signals_of(session, arrangement_store.for_planning(session, ids), as_of=day)
        )
        derived.clear()
        for window in (Window(limit=5), Window(limit=7, offset=5), Window(limit=500, offset=3)):
            shown = signals.page(session, ACTOR, window, as_of=day)
            assert derived and set(derived) == {other_id}  # one kept, one derived just now
            assert shown.total == len(everything)
            end = window.offset + window.limit
            assert _keys(shown.rows) == _keys(everything[window.offset : end])
            derived.clear()
        municipality = next(s.municipality for s in everything if s.municipality)
        mine = signals.concerning(everything, municipality.id)
        summary = signals.summary(
            session, ACTOR, as_of=day, visible_ids=ids, municipality_id=municipality.id
        )
        assert [(line.start_by_on, line.subject) for line in summary.first] == [
            (s.plan.start_by_on, s.subject) for s in mine[:6]
        ]
        assert summary.overdue == sum(1 for s in mine if s.overdue) > 0


def test_the_arrangements_of_the_signals_page_come_most_urgent_first_kept_or_not(engine, derived):
    factory = session_factory(engine)
    other_id = _second(factory)
    day = DAYS[0]
    with factory() as session:
        ids = arrangements.visible_ids(session, ACTOR)
        everything = signals._by_date(
            signals._signals_of(session, arrangement_store.for_planning(session, ids), as_of=day)
        )
    earliest = {}
    for s in everything:
        earliest.setdefault(s.arrangement_id, s.plan.start_by_on)
    order = sorted(earliest, key=lambda key: (earliest[key], key))
    for kept in (False, True):  # derived in the request, then read from the table
        with factory() as session:
            first, on_first = signals.by_arrangement(session, ACTOR, Window(limit=1), as_of=day)
            second, on_second = signals.by_arrangement(
                session, ACTOR, Window(limit=1, offset=1), as_of=day
            )
            session.rollback()
            signals.keep_fresh(session, factory)
        assert (first.total, list(first.rows), list(second.rows)) == (2, order[:1], order[1:])
        assert _keys(on_first) == _keys([s for s in everything if s.arrangement_id == order[0]])
        assert _keys(on_second) == _keys([s for s in everything if s.arrangement_id == order[1]])
        assert other_id in order
        assert (derived == []) is kept
        derived.clear()


def test_an_entry_found_valid_at_a_newer_version_is_marked_with_it_and_not_written_again(
    engine, derived
):
    factory = session_factory(engine)
    other_id = _second(factory)
    day = DAYS[0]
    _cached(factory, day)
    with factory() as session:
        (kept_id,) = [i for i in _ids(session) if i != other_id]
        before = session.get(SignalCacheEntry, (kept_id, day))
        assert before is not None
        stored_at, version = before.created_at, before.audit_id
        rows = session.scalars(select(SignalRow).where(SignalRow.arrangement_id == kept_id)).all()
        values = [(r.position, r.signal_key, r.start_by_on) for r in rows]
    _rename(factory, other_id, "Logeerzorg Twente-Noord")
    derived.clear()
    _cached(factory, day)
    assert derived == [other_id]
    with factory() as session:
        after = session.get(SignalCacheEntry, (kept_id, day))
        assert after is not None
        assert after.audit_id == signals.registers_version(session)[0] > version
        assert after.created_at == stored_at  # moved, not replaced
        rows = session.scalars(select(SignalRow).where(SignalRow.arrangement_id == kept_id)).all()
        assert [(r.position, r.signal_key, r.start_by_on) for r in rows] == values
