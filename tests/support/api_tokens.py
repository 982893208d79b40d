"""API tokens for the tests: made by the use case an integration uses (docs/security.md S17), and
committed, so that the app's own sessions find them."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from webapp import clock
from webapp.database import sessions
from workflows.accounts import accounts
from workflows.actors import system_actor


def api_token(
    app: Flask,
    email: str,
    *,
    scope: str = "write",
    now: datetime | None = None,
    label: str = "",
    days: int = accounts.API_TOKEN_DAYS,
) -> str:
    """A new token of ``email``'s account, ``days`` days valid from ``now`` (the app's clock)."""
    with sessions(app)() as session:
        token = accounts.create_api_token(
            session,
            system_actor("test"),
            email=email,
            scope=scope,
            now=now or clock.now(),
            label=label,
            days=days,
        )
        session.commit()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_headers(app: Flask, email: str, *, scope: str = "write") -> dict[str, str]:
    """The headers of a request with a new token of ``email``'s account."""
    return bearer(api_token(app, email, scope=scope))
