"""The reminder process (``besluitwerk run-scheduler``): APScheduler 3 as a metronome only.

In-memory job store, one interval job, coalesce and a single instance: the database is the
scheduler of record, so a restart, a second scheduler process or downtime loses nothing and
sends nothing twice (docs/architecture.md §5). Never started inside create_app: every web worker
would
then send every reminder.

Each tick also writes the head of the audit chain to the log when it moved: a record outside the
database (docs/security.md S25) that ``verify-audit --head`` compares with, and the tick itself says
at once when the head it logged before has gone (the end of the log deleted).
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from webapp import clock
from webapp.database import sessions
from webapp.jobs import run_queued
from webapp.logs import safe
from webapp.mail import deadline_links, mailer_for
from workflows.auditing import audit_log
from workflows.deadlines import reminders

logger = logging.getLogger("besluitwerk.scheduler")


_LOGGED_HEAD = "besluitwerk.logged_audit_head"


def log_audit_head(app: Flask) -> None:
    previous = app.extensions.get(_LOGGED_HEAD)
    with sessions(app)() as session:
        current = audit_log.head(session)
        problem = audit_log.head_problem(session, previous) if previous is not None else None
    if problem is not None:
        logger.error("audit chain: %s", problem)
    if current is not None and current != previous:
        logger.info("audit head %s", current)
    app.extensions[_LOGGED_HEAD] = current


def run_once(app: Flask) -> None:
    try:
        log_audit_head(app)
    except Exception:  # the reminders still go out
        logger.exception("audit head not logged")
    settings = app.config["BESLUITWERK_SETTINGS"]
    try:
        result = reminders.tick(
            sessions(app), now=clock.now(), mailer=mailer_for(settings), link=deadline_links(app)
        )
    except Exception:  # a failed tick is logged; the next one starts afresh
        logger.exception("scheduler tick failed")
        return
    if any(result.values()):
        logger.info("tick %s", safe(result))
    try:
        ran = run_queued(app)
    except Exception:
        logger.exception("document jobs failed")
        return
    if ran:
        logger.info("document jobs run: %s", ran)


def run(app: Flask, *, interval: int = 60) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        run_once,
        "interval",
        seconds=interval,
        args=[app],
        coalesce=True,
        max_instances=1,
        next_run_time=clock.now(),
        misfire_grace_time=interval,
    )
    logger.info("scheduler started, one tick every %s seconds", interval)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        logger.info("scheduler stopped")
