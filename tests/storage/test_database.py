import re
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import CheckConstraint, func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError

from storage import audit
from storage.audit import AuditEvent
from storage.database import make_engine, make_session_factory
from storage.migrate import current_revision, differences, head_revision, metadata
from storage.organisations import Organisation
from tests.conftest import session_factory


def test_models_and_migrations_agree(engine):
    assert current_revision(engine) == head_revision()
    assert differences(engine) == []


def _allowed(condition: str) -> frozenset[str]:
    """The quoted values a condition allows: PostgreSQL stores a condition in its own words
    (``status::text = ANY (ARRAY['draft'::character varying, …])``), SQLite as written, but
    both keep the values."""
    return frozenset(re.findall(r"'([^']*)'", condition))


def test_check_constraints_of_models_and_migrations_agree(engine):
    # Alembic's comparison skips CHECK constraints; a model's list of statuses that drifted
    # from the migrated one would pass it and fail only when a row is written.
    tables = inspect(engine)
    migrated = {
        (table, check["name"], _allowed(check["sqltext"]))
        for table in tables.get_table_names()
        for check in tables.get_check_constraints(table)
    }
    modelled = {
        (table.name, check.name, _allowed(str(check.sqltext)))
        for table in metadata.tables.values()
        for check in table.constraints
        if isinstance(check, CheckConstraint)
    }
    assert modelled == migrated


def _event(session):
    return audit.add_event(
        session,
        actor_id=None,
        actor_label="test",
        action="create",
        object_type="organisation",
        object_id=1,
        result="success",
        origin="test",
        new_values={"name": "Borne"},
    )


def test_s24_database_refuses_update_of_audit_events(engine):
    factory = session_factory(engine)
    with factory() as session:
        event_id = _event(session).id
        session.commit()
    with factory() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(result="x"))
        session.flush()


def test_s24_database_refuses_delete_of_audit_events(engine):
    factory = session_factory(engine)
    with factory() as session:
        _event(session)
        session.commit()
    with factory() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM audit_events"))
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) > 0


def test_times_are_stored_and_read_back_as_aware_utc(session):
    amsterdam = timezone(timedelta(hours=2))
    moment = datetime(2025, 5, 27, 14, 30, tzinfo=amsterdam)
    event = audit.add_event(
        session,
        actor_id=None,
        actor_label="t",
        action="a",
        object_type="o",
        object_id=None,
        result="success",
        origin="t",
        at=moment,
    )
    session.commit()
    session.expire_all()
    stored = session.get(AuditEvent, event.id)
    assert stored.at == moment and stored.at.tzinfo == UTC


def test_naive_datetimes_are_refused(session):
    with pytest.raises(Exception, match="naive datetime"):
        audit.add_event(
            session,
            actor_id=None,
            actor_label="t",
            action="a",
            object_type="o",
            object_id=None,
            result="success",
            origin="t",
            at=datetime(2025, 1, 1),
        )


def test_s30_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


def test_s30_concurrent_writers_on_sqlite_never_see_database_is_locked(tmp_path):
    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as session:
        session.add(Organisation(kind="municipality", name="Teller", inhabitants=0))
        session.commit()
    errors: list[BaseException] = []
    writers, increments = 8, 25

    def work() -> None:
        # Each thread has its own engine, like separate worker processes would.
        own = make_engine(url)
        factory = make_session_factory(own)
        try:
            for _ in range(increments):
                with factory() as session:
                    # Read-modify-write: only correct when the write lock is taken at BEGIN.
                    row = session.scalars(
                        select(Organisation).where(Organisation.name == "Teller")
                    ).one()
                    row.inhabitants = (row.inhabitants or 0) + 1
                    session.commit()
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=work) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with make_session_factory(engine)() as session:
        total = session.scalars(
            select(Organisation.inhabitants).where(Organisation.name == "Teller")
        ).one()
    engine.dispose()
    assert errors == []
    assert total == writers * increments
