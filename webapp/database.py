"""One database session per request; the view commits once, at the edge (docs/architecture.md
§3)."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session, sessionmaker

from storage.database import make_engine, make_session_factory, reading_session
from storage.keys import Keys
from workflows.deadlines import signals


def init_database(app: Flask, database_url: str, keys: Keys) -> None:
    engine = make_engine(database_url)
    app.extensions["besluitwerk.engine"] = engine
    app.extensions["besluitwerk.keys"] = keys
    app.extensions["besluitwerk.sessions"] = make_session_factory(engine, keys=keys)

    @app.teardown_appcontext
    def _close(_error: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            # What the request derived of the signals, for every worker: in a short write of
            # its own, once the request's own transaction has ended, and skipped when busy.
            try:
                signals.keep_fresh(session, sessions(app))
            except Exception:  # a cache that is not stored costs a derivation, not the answer
                logger.exception("signal cache not stored")
            session.close()


def sessions(app: Flask | None = None) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = (app or current_app).extensions["besluitwerk.sessions"]
    return factory


def keys(app: Flask | None = None) -> Keys:
    found: Keys = (app or current_app).extensions["besluitwerk.keys"]
    return found


logger = logging.getLogger("besluitwerk.database")

# Requests that only read: on SQLite their transactions begin deferred, without the write lock
# (storage.database.reading_session); what such a request writes (the touch of a login
# session, an audit event of a download or a refusal) goes through begin_writing first.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        reads = has_request_context() and request.method in READING_METHODS
        g.db_session = reading_session(sessions()) if reads else sessions()()
    session: Session = g.db_session
    return session


def end_transaction() -> None:
    """Ends the request's transaction, if one is open, before slow work that needs no database
    (parsing an upload). On SQLite every transaction holds the write lock from its BEGIN
    IMMEDIATE, so the whole app would wait for that work (S30); the request's next query
    opens a new, short one. What the request read so far (the login) has nothing to save."""
    session: Session | None = g.get("db_session")
    if session is not None and session.in_transaction():
        session.commit()
