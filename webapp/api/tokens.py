"""Bearer-token authentication of API requests."""

from __future__ import annotations

from flask import request

from webapp import clock
from webapp.database import db
from workflows import accounts


def bearer_access() -> accounts.ApiAccess | None:
    """The account and scope of the request's token, when it is valid now (not revoked, not
    expired, the account not blocked)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    session = db()
    access = accounts.resolve_api_token(session, token.strip(), now=clock.now())
    session.commit()
    return access
