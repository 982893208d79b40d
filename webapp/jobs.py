"""The worker thread that runs queued document jobs in the web process.

A request only queues a job (docs/architecture.md §6: no bulk conversion inside a request) and
wakes this
thread; the scheduler process runs queued jobs as well, so a job left by a stopped web worker is
still done. Claiming a job is atomic in the database, so two workers never run the same one.
Tests switch the thread off (``DOCUMENT_JOB_WORKER = False``) and run jobs themselves.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from webapp import clock
from webapp.database import sessions
from workflows.documents import document_jobs

logger = logging.getLogger("besluitwerk.jobs")

_wake = threading.Event()
_started: set[int] = set()
_start_lock = threading.Lock()
_IDLE_SECONDS = 5.0


def run_queued(app: Flask) -> int:
    return document_jobs.run_pending(
        sessions(app), app.extensions["besluitwerk.files"], now=clock.now
    )


def _loop(app: Flask) -> None:
    while True:
        _wake.wait(_IDLE_SECONDS)
        _wake.clear()
        try:
            run_queued(app)
        except Exception:  # a failed job is marked failed; the thread goes on with the next
            logger.exception("document job failed")


def wake_worker() -> None:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("DOCUMENT_JOB_WORKER", True):
        return
    with _start_lock:
        if id(app) not in _started:
            _started.add(id(app))
            threading.Thread(
                target=_loop, args=(app,), name="besluitwerk-documents", daemon=True
            ).start()
    _wake.set()
