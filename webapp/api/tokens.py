"""Bearer-token authentication of API requests."""

from __future__ import annotations

from flask import request

from webapp import clock
from webapp.database import db
from workflows import accounts
from workflows.actors import Actor


def bearer_actor() -> Actor | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    session = db()
    user = accounts.resolve_api_token(session, token.strip(), now=clock.now())
    session.commit()
    if user is None:
        return None
    return accounts.actor_for(user, f"api {request.remote_addr or '-'}")
