"""The scheduler runs in its own process; ``besluitwerk tick --now`` runs one round."""

import threading

from sqlalchemy import func, select

from storage.deadlines import Deadline, Message
from tests.conftest import make_settings
from webapp.app import create_app
from webapp.cli import cli
from webapp.database import sessions


def test_create_app_starts_no_scheduler(database_url, tmp_path):
    before = {t.name for t in threading.enumerate()}
    app = create_app(make_settings(database_url, tmp_path))
    after = {t.name for t in threading.enumerate()}
    assert not [name for name in after - before if "APScheduler" in name or "scheduler" in name]
    assert "apscheduler" not in " ".join(app.extensions).lower()
    app.extensions["besluitwerk.engine"].dispose()


def test_tick_at_a_given_time_derives_deadlines_and_fills_the_outbox(database_url, tmp_path):
    app = create_app(make_settings(database_url, tmp_path))
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["tick", "--now", "2026-03-02T09:00:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "added=" in result.output and "outbox=" in result.output
    again = runner.invoke(cli, ["tick", "--now", "2026-03-02T09:00:00+01:00"])
    assert "messages=0" in again.output
    with sessions(app)() as session:
        needed = session.scalar(
            select(func.count()).select_from(Deadline).where(Deadline.kind == "mandate_needed")
        )
        outbox = session.scalar(
            select(func.count()).select_from(Message).where(Message.status == "outbox")
        )
    assert needed == 13 and outbox > 0
    bad = runner.invoke(cli, ["tick", "--now", "gisteren"])
    assert bad.exit_code == 1 and "is geen tijdstip" in bad.output
    app.extensions["besluitwerk.engine"].dispose()


def test_the_scheduler_is_a_metronome_with_one_coalescing_job(monkeypatch, database_url, tmp_path):
    from webapp import scheduler

    seen = {}

    class Recorder:
        def __init__(self, **kwargs):
            seen["options"] = kwargs

        def add_job(self, job, trigger, **kwargs):
            seen["job"] = (job, trigger, kwargs)

        def start(self):
            seen["started"] = True

    monkeypatch.setattr(scheduler, "BlockingScheduler", Recorder)
    app = create_app(make_settings(database_url, tmp_path))
    scheduler.run(app, interval=60)
    job, trigger, options = seen["job"]
    assert job is scheduler.run_once and trigger == "interval"
    assert options["seconds"] == 60 and options["coalesce"] is True
    assert options["max_instances"] == 1
    assert seen["started"]
    scheduler.run_once(app)  # one real round against the demo database
    with sessions(app)() as session:
        assert session.scalar(select(func.count()).select_from(Deadline)) > 0
    app.extensions["besluitwerk.engine"].dispose()
