"""E-mail through SMTP. Without SMTP_HOST there is no mailer and mail stays in the outbox page."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from webapp.config import Settings


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
        message["Message-ID"] = make_msgid(
            idstring=message_id.replace(":", "."), domain="besluitwerk"
        )
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
