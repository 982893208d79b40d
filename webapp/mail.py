"""E-mail through SMTP. Without SMTP_HOST there is no mailer and mail stays in the outbox page."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage

from flask import Flask, url_for

from webapp.config import Settings


def stable_message_id(key: str, sender: str) -> str:
    """The same Message-ID each time the outbox row with ``key`` is sent (make_msgid would add
    the time, the process id and a random number, so a repeat would look like a new mail).
    The sender's domain keeps it apart from another installation's."""
    local = re.sub(r"[^A-Za-z0-9_-]+", ".", key).strip(".") or "bericht"
    domain = re.sub(r"[^A-Za-z0-9.-]+", "", sender.rpartition("@")[2]) or "localhost"
    return f"<{local}@besluitwerk.{domain}>"


class SmtpMailer:
    def __init__(self, settings: Settings, *, timeout: float = 20.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def send(self, *, to: str, subject: str, body: str, message_id: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = to
        message["Subject"] = subject
        # A stable Message-ID per outbox row lets a mail server or client drop the one
        # duplicate that the documented crash window can produce.
        message["Message-ID"] = stable_message_id(message_id, self.settings.smtp_from)
        message["X-Besluitwerk-Key"] = message_id
        message.set_content(body)
        with smtplib.SMTP(
            self.settings.smtp_host, self.settings.smtp_port, timeout=self.timeout
        ) as client:
            if self.settings.smtp_starttls:
                client.starttls(context=ssl.create_default_context())
            if self.settings.smtp_user:
                client.login(self.settings.smtp_user, self.settings.smtp_password)
            client.send_message(message)


def mailer_for(settings: Settings) -> SmtpMailer | None:
    return SmtpMailer(settings) if settings.smtp_host else None


def deadline_links(app: Flask) -> Callable[[int], str] | None:
    """How a reminder links to its deadline on the deadlines page, at the address people open
    Besluitwerk at (PUBLIC_URL); None without one, and the reminder names the page instead.
    The scheduler runs outside any request, so the address cannot come from one."""
    settings: Settings = app.config["BESLUITWERK_SETTINGS"]
    if not settings.public_url:
        return None
    with app.test_request_context(base_url=settings.public_url):
        page = url_for("deadlines.index", _external=True)
    return lambda deadline_id: f"{page}#termijn-{deadline_id}"
