"""docs/security.md S25: the audit log is a chain of keyed MACs (the key kept outside the database),
anchored by heads recorded outside it; a command names the first broken event in Dutch."""

import logging
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from sqlalchemy import func, insert, select, text

from storage import audit
from storage.audit import AuditEvent
from storage.database import make_engine
from storage.keys import Keys
from storage.migrate import upgrade
from tests.conftest import (
    ADMIN,
    AUDITOR,
    POLICY,
    TEST_KEYS,
    login,
    make_settings,
    session_factory,
)
from webapp.app import create_app
from webapp.cli import cli
from webapp.config import ConfigurationError, load_settings
from workflows.actors import system_actor


def _unguarded(engine, statement: str, params: dict | None = None) -> None:
    """What an attacker with database access would do: bypass the append-only guard."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        else:
            connection.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"
            )
        connection.execute(text(statement), params or {})
        if engine.dialect.name == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                connection.exec_driver_sql(
                    f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON "
                    "audit_events BEGIN SELECT RAISE(ABORT, 'append-only'); END"
                )
        else:
            connection.exec_driver_sql(
                "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"
            )


def _tamper(engine, event_id: int) -> None:
    _unguarded(
        engine,
        "UPDATE audit_events SET actor_label = 'iemand anders' WHERE id = :id",
        {"id": event_id},
    )


def _ids(engine) -> list[int]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def _append_by_hand(engine, *, chain: str) -> int:
    """An event written straight into the database, linked to the last one: with the old
    plain SHA-256, with a guessed key, or without any hash."""
    with session_factory(engine)() as session:
        last = audit.head(session)
    assert last is not None
    event = AuditEvent(
        at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        actor_id=None,
        actor_label="systeem",
        action="update",
        object_type="user",
        object_id="1",
        result="success",
        origin="psql",
        old_values={"role": "auditor"},
        new_values={"role": "administrator"},
    )
    if chain == "sha256":
        digest = audit.legacy_digest(event, last.hash)
    elif chain == "guessed key":
        digest = audit.mac(Keys.derive("geraden-sleutel-" + "z" * 40).audit, event, last.hash)
    else:
        digest = None
    values = {
        column: getattr(event, column)
        for column in (
            "at",
            "actor_id",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "result",
            "origin",
            "old_values",
            "new_values",
        )
    }
    with engine.begin() as connection:
        result = connection.execute(
            insert(AuditEvent.__table__).values(
                **values,
                prev_hash=last.hash if digest else None,
                hash=digest,
            )
        )
    return int(result.inserted_primary_key[0])


@pytest.fixture
def cli_app(database_url, tmp_path):
    app = create_app(make_settings(database_url, tmp_path / "data"))
    yield app
    app.extensions["besluitwerk.engine"].dispose()


def test_s25_every_event_carries_the_mac_of_the_one_before(engine):
    with session_factory(engine)() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert len(events) > 10
        assert events[0].prev_hash == audit.GENESIS
        for before, after in pairwise(events):
            assert after.prev_hash == before.hash
        # A MAC with the key, not a hash anyone could recompute.
        assert events[-1].hash == audit.mac(TEST_KEYS.audit, events[-1], events[-1].prev_hash)
        assert events[-1].hash != audit.legacy_digest(events[-1], events[-1].prev_hash or "")
        check = audit.verify_chain(session)
    assert check.broken_id is None and check.checked == len(events)
    assert check.head == audit.Head(events[-1].id, events[-1].hash)


def test_s25_verify_names_the_first_changed_event(engine):
    ids = _ids(engine)
    target = ids[len(ids) // 2]
    _tamper(engine, target)
    with session_factory(engine)() as session:
        check = audit.verify_chain(session)
    assert check.broken_id == target
    assert check.problem and f"gebeurtenis #{target} is gewijzigd" in check.problem


def test_s25_the_verify_audit_command_says_intact_or_names_the_broken_row(cli_app, engine):
    runner = cli_app.test_cli_runner()
    intact = runner.invoke(cli, ["verify-audit"])
    assert intact.exit_code == 0 and intact.output.startswith("Intact:")
    first = _ids(engine)[0]
    _tamper(engine, first)
    broken = runner.invoke(cli, ["verify-audit"])
    assert broken.exit_code == 1 and f"gebeurtenis #{first}" in broken.output
    assert broken.output.startswith("Gebroken:")


def test_s25_a_deleted_tail_is_detected_with_the_head_recorded_outside_the_database(
    cli_app, engine, tmp_path
):
    runner = cli_app.test_cli_runner()
    intact = runner.invoke(cli, ["verify-audit"])
    head_line = intact.output.strip().splitlines()[-1]
    assert head_line.startswith("Kop: ")
    head = head_line.removeprefix("Kop: ")
    made = runner.invoke(cli, ["backup", str(tmp_path / "backup")])
    assert made.exit_code == 0, made.output
    ids = _ids(engine)
    _unguarded(engine, "DELETE FROM audit_events WHERE id >= :id", {"id": ids[-3]})
    # What the database alone still shows is a chain without a break ...
    assert runner.invoke(cli, ["verify-audit"]).exit_code == 0
    # ... but not the head that was recorded elsewhere: from the log, or from the backup.
    by_head = runner.invoke(cli, ["verify-audit", "--head", head])
    assert by_head.exit_code == 1
    assert f"gebeurtenis #{ids[-1]} (de bekende kop van de keten) ontbreekt" in by_head.output
    assert "het einde van het logboek is verwijderd" in by_head.output
    by_manifest = runner.invoke(cli, ["verify-audit", "--manifest", str(tmp_path / "backup")])
    assert by_manifest.exit_code == 1 and f"#{ids[-1]}" in by_manifest.output
    # New events written afterwards (which may take the deleted numbers) hide nothing.
    with session_factory(engine)() as session:
        for _ in range(3):
            audit.add_event(
                session,
                actor_id=None,
                actor_label="systeem",
                action="login",
                object_type="user",
                object_id=None,
                result="failed",
                origin="test",
            )
        session.commit()
    later = runner.invoke(cli, ["verify-audit", "--head", head])
    assert later.exit_code == 1 and f"gebeurtenis #{ids[-1]}" in later.output


def test_s25_a_malformed_head_is_refused_in_dutch(cli_app):
    result = cli_app.test_cli_runner().invoke(cli, ["verify-audit", "--head", "12:xyz"])
    assert result.exit_code == 1 and "Bekende kop: schrijf het nummer" in result.output


@pytest.mark.parametrize("chain", ["sha256", "guessed key"])
def test_s25_an_event_appended_without_the_key_is_detected(cli_app, engine, chain):
    added = _append_by_hand(engine, chain=chain)
    with session_factory(engine)() as session:
        check = audit.verify_chain(session)
    assert check.broken_id == added
    result = cli_app.test_cli_runner().invoke(cli, ["verify-audit"])
    assert result.exit_code == 1
    assert f"gebeurtenis #{added} is gewijzigd, of toegevoegd zonder de sleutel" in result.output


def test_s25_an_unhashed_event_after_hashed_ones_is_detected(cli_app, engine):
    added = _append_by_hand(engine, chain="none")
    result = cli_app.test_cli_runner().invoke(cli, ["verify-audit"])
    assert result.exit_code == 1
    assert f"gebeurtenis #{added} heeft geen hash" in result.output


def test_s25_a_session_without_the_key_writes_no_event(engine):
    from storage.database import make_session_factory
    from storage.keys import MissingKeys

    with make_session_factory(engine)() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
        with pytest.raises(MissingKeys):
            audit.add_event(
                session,
                actor_id=None,
                actor_label="x",
                action="login",
                object_type="user",
                object_id=None,
                result="failed",
                origin="test",
            )
        session.rollback()
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_s25_events_from_before_the_key_are_verified_as_written_and_stay_covered(tmp_path):
    """Migration 0014: events with the old plain SHA-256 links (and those from before the
    chain) stay verifiable; from the recorded event on, only a MAC with the key counts."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0011")
    old = []
    previous = audit.GENESIS
    with engine.begin() as connection:
        connection.execute(
            insert(AuditEvent.__table__).values(
                at=datetime(2025, 1, 1, tzinfo=UTC),
                actor_label="systeem",
                action="create",
                object_type="organisation",
                result="success",
                origin="voor 0006",
            )
        )
        for number in range(3):
            event = AuditEvent(
                at=datetime(2025, 2, 1 + number, tzinfo=UTC),
                actor_id=None,
                actor_label="systeem",
                action="create",
                object_type="organisation",
                object_id=str(number),
                result="success",
                origin="0006",
                old_values=None,
                new_values={"name": f"Gemeente {number}"},
            )
            digest = audit.legacy_digest(event, previous)
            result = connection.execute(
                insert(AuditEvent.__table__).values(
                    at=event.at,
                    actor_label=event.actor_label,
                    action=event.action,
                    object_type=event.object_type,
                    object_id=event.object_id,
                    result=event.result,
                    origin=event.origin,
                    new_values=event.new_values,
                    prev_hash=previous,
                    hash=digest,
                )
            )
            old.append(int(result.inserted_primary_key[0]))
            previous = digest
    upgrade(engine, keys=TEST_KEYS)
    with session_factory(engine)() as session:
        assert audit.keyed_from(session) == old[-1] + 1
        from workflows import audit as audit_workflow

        audit_workflow.record(
            session, system_actor("test"), action="login", object_type="user", object_id=None
        )
        session.commit()
        check = audit.verify_chain(session)
    assert check.broken_id is None
    assert (check.unchained, check.legacy, check.checked) == (1, 3, 4)
    _tamper(engine, old[1])
    with session_factory(engine)() as session:
        assert audit.verify_chain(session).broken_id == old[1]
    engine.dispose()


def test_s25_production_refuses_to_start_without_an_audit_key(tmp_path):
    env = {
        "BESLUITWERK_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "q7Vd2-LmX9pR4tKz8WbN3yHc6JfE1sGa5UoQ0iTe",
        "TRUSTED_HOSTS": "besluitwerk.example",
    }
    for key in (None, "", "changeme"):
        attempt = dict(env) if key is None else {**env, "AUDIT_KEY": key}
        with pytest.raises(ConfigurationError, match="AUDIT_KEY ontbreekt"):
            load_settings(attempt, production=True)
    # A guessable key lets anyone recompute the chain: as weak as no key at all.
    for weak, why in (("kort", "te kort"), ("a" * 48, "te eenvoudig")):
        with pytest.raises(ConfigurationError, match=f"AUDIT_KEY is {why}"):
            load_settings({**env, "AUDIT_KEY": weak}, production=True)
    with pytest.raises(ConfigurationError, match="gelijk aan SECRET_KEY"):
        load_settings({**env, "AUDIT_KEY": env["SECRET_KEY"]}, production=True)
    # Several hosts share a PostgreSQL database: each making its own key file would split it.
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        load_settings({"BESLUITWERK_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://x"})
    chosen = "Zr4-Ue8qW2nB6xLk9TsV1hPd5mYc3GfJ7oAi0NwE"
    assert load_settings({**env, "AUDIT_KEY": chosen}, production=True).audit_key == chosen
    assert not (tmp_path / "audit_key").exists()


def test_s25_development_makes_an_owner_only_audit_key_file_once(tmp_path):
    env = {"BESLUITWERK_DATA_DIR": str(tmp_path)}
    first = load_settings(env).audit_key
    assert len(first) >= 32 and first != load_settings(env).secret_key
    assert load_settings(env).audit_key == first
    assert (tmp_path / "audit_key").stat().st_mode & 0o777 == 0o600


def test_s25_the_scheduler_logs_the_head_and_says_when_it_is_gone(cli_app, engine, caplog):
    from webapp import scheduler

    caplog.set_level(logging.INFO, logger="besluitwerk.scheduler")
    scheduler.log_audit_head(cli_app)
    with session_factory(engine)() as session:
        head = audit.head(session)
    assert head is not None
    assert f"audit head {head}" in caplog.text
    _unguarded(engine, "DELETE FROM audit_events WHERE id = :id", {"id": head.id})
    caplog.clear()
    scheduler.log_audit_head(cli_app)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and f"gebeurtenis #{head.id}" in errors[0].getMessage()


def test_s24_the_auditor_reads_filters_and_exports_the_log_but_others_may_not(app):
    client = app.test_client()
    login(client, AUDITOR)
    page = client.get("/beheer/auditlog/?object=user").get_data(as_text=True)
    assert "De hashketen is intact" in page and "gebeurtenissen, nieuwste eerst" in page
    export = client.get("/beheer/auditlog/export.csv?object=user")
    lines = export.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Nummer;Tijd (UTC);Wie;Handeling;Object")
    assert all(";user;" in line for line in lines[1:])
    bad = client.get("/beheer/auditlog/?van=31-02-2026").get_data(as_text=True)
    assert "bestaat niet in de kalender" in bad
    officer = app.test_client()
    login(officer, POLICY)
    assert officer.get("/beheer/auditlog/").status_code == 403
    admin = app.test_client()
    login(admin, ADMIN)
    assert admin.get("/beheer/auditlog/").status_code == 200


def test_s25_the_auditors_page_names_the_event_appended_without_the_key(app, engine):
    added = _append_by_hand(engine, chain="sha256")
    client = app.test_client()
    login(client, AUDITOR)
    page = client.get("/beheer/auditlog/").get_data(as_text=True)
    assert f"De hashketen is gebroken bij gebeurtenis #{added}." in page
    assert f"Gebeurtenis #{added} is gewijzigd, of toegevoegd zonder de sleutel" in page
