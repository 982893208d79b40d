"""A dispatcher in a process of its own, as a second scheduler would run it."""

from __future__ import annotations

import os
import signal
from datetime import datetime
from pathlib import Path

from storage.database import make_engine
from tests.conftest import session_factory
from webapp.config import Settings
from webapp.mail import SmtpMailer
from workflows.deadlines import reminders


class _DiesAfter(SmtpMailer):
    """Sends, then is killed (SIGKILL) right after the n-th message was accepted: the crash
    window between "accepted by the mail server" and "marked sent"."""

    def __init__(self, settings: Settings, die_after: int) -> None:
        super().__init__(settings)
        self.left = die_after

    def send(self, *, to: str, subject: str, body: str, message_id: str) -> None:
        super().send(to=to, subject=subject, body=body, message_id=message_id)
        self.left -= 1
        if self.left == 0:
            os.kill(os.getpid(), signal.SIGKILL)


def run(database_url: str, smtp_port: int, now_iso: str, die_after: int = 0) -> None:
    settings = Settings(
        database_url=database_url,
        secret_key="x" * 40,
        data_dir=Path("/tmp"),
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
    )
    engine = make_engine(database_url)
    mailer = _DiesAfter(settings, die_after) if die_after else SmtpMailer(settings)
    try:
        reminders.dispatch(
            session_factory(engine), now=datetime.fromisoformat(now_iso), mailer=mailer
        )
    finally:
        engine.dispose()
