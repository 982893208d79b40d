"""SECURITY.md S25: the audit log is a hash chain; a command names the first broken event."""

from itertools import pairwise

from sqlalchemy import select, text

from storage import audit
from storage.audit import AuditEvent
from storage.database import make_session_factory
from tests.conftest import ADMIN, AUDITOR, POLICY, login, make_settings
from webapp.app import create_app
from webapp.cli import cli


def _tamper(engine, event_id: int) -> None:
    """What an attacker with database access would do: bypass the append-only guard."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        else:
            connection.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"
            )
        connection.execute(
            text("UPDATE audit_events SET actor_label = 'iemand anders' WHERE id = :id"),
            {"id": event_id},
        )
        if engine.dialect.name != "sqlite":
            connection.exec_driver_sql(
                "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"
            )


def test_s25_every_event_carries_the_hash_of_the_one_before(engine):
    with make_session_factory(engine)() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert len(events) > 10
        assert events[0].prev_hash == audit.GENESIS
        for before, after in pairwise(events):
            assert after.prev_hash == before.hash
        check = audit.verify_chain(session)
    assert check.broken_id is None and check.checked == len(events)


def test_s25_verify_names_the_first_changed_event(engine):
    with make_session_factory(engine)() as session:
        ids = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    target = ids[len(ids) // 2]
    _tamper(engine, target)
    with make_session_factory(engine)() as session:
        check = audit.verify_chain(session)
    assert check.broken_id == target


def test_s25_the_verify_audit_command_says_intact_or_names_the_broken_row(
    database_url, tmp_path, engine
):
    app = create_app(make_settings(database_url, tmp_path))
    runner = app.test_cli_runner()
    intact = runner.invoke(cli, ["verify-audit"])
    assert intact.exit_code == 0 and intact.output.startswith("Intact:")
    with make_session_factory(engine)() as session:
        first = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).first()
    _tamper(engine, first)
    broken = runner.invoke(cli, ["verify-audit"])
    assert broken.exit_code == 1 and f"gebeurtenis #{first}" in broken.output
    app.extensions["besluitwerk.engine"].dispose()


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
