"""Bearer-token authentication of API requests."""

from __future__ import annotations

from flask import request

from storage.database import begin_reading, begin_writing, reads_only
from webapp import clock
from webapp.database import db
from workflows.accounts import accounts


def bearer_access() -> accounts.ApiAccess | None:
    """The account and scope of the request's token, when it is valid now (not revoked, not
    expired, the account not blocked)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    session = db()
    access = accounts.resolve_api_token(session, token.strip(), now=clock.now())
    if session.dirty and reads_only(session):
        # The once-a-minute "last used": written in a write transaction of its own, so that a
        # reading request takes the lock only for that.
        session.rollback()
        begin_writing(session)
        access = accounts.resolve_api_token(session, token.strip(), now=clock.now())
    session.commit()
    begin_reading(session)
    return access
