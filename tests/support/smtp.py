"""A real SMTP server on loopback (aiosmtpd) that records what it accepted."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message as EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from tests.conftest import make_settings
from webapp.app import create_app


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def keys(self) -> list[str]:
        with self.lock:
            return [str(m["X-Besluitwerk-Key"]) for m in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


@contextmanager
def app_with_mail_server(database_url: str, data_dir: Path) -> Iterator[tuple[Flask, Mailbox]]:
    """An app on ``database_url`` that sends its mail to an SMTP server of its own, and that
    server's mailbox; the app's database connections are closed afterwards."""
    with smtp_server() as (port, box):
        app = create_app(
            make_settings(database_url, data_dir, smtp_host="127.0.0.1", smtp_port=port)
        )
        try:
            yield app, box
        finally:
            app.extensions["besluitwerk.engine"].dispose()
