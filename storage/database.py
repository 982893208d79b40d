"""Engines and sessions for SQLite (the embedded default) and PostgreSQL.

SQLite gets WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE`` for every transaction that
may write, so that concurrent writers queue on the lock instead of failing with "database is
locked" halfway through a transaction (docs/security.md S30). A session made by ``reading_session``
(a GET request) begins deferred instead: it reads from its own snapshot and takes no lock, so a
long write (a tick, an import) stalls no page. Before such a session writes it calls
``begin_writing``, which ends the read and continues in a write transaction: a deferred
transaction that tries to write fails at once with "database is locked" while another holds
the lock (SQLite does not wait when it upgrades a read), and after another's commit its snapshot
is stale.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage import keys as key_store
from storage.private_files import create_private_file, private_file

SQLITE_BUSY_TIMEOUT_MS = 30_000

# The execution option that marks a read-only session's connections (see ``reading_session``).
_DEFERRED = "besluitwerk_deferred"
# The one for a write that is not worth waiting for (see ``write_session_or_nothing``).
_NO_WAIT = "besluitwerk_no_wait"
_WRITE_ENGINE = "besluitwerk.write_engine"
_READ_ENGINE = "besluitwerk.read_engine"
_READS = "besluitwerk.reads"
_WRITES = ("insert", "update", "delete", "replace")

logger = logging.getLogger("besluitwerk.database")


def make_engine(url: str, **kwargs: Any) -> Engine:
    # A failed statement's values (texts of a secret dossier, an audit event's old and new
    # values, a password hash) would otherwise be part of the logged error (S26).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        _private_database_files(url)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _private_database_files(url: str) -> None:
    """The database file is made owner-only before SQLite opens it; SQLite gives its -wal and
    -shm files the mode of the database file (S31). Files from before this rule are tightened."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will say that it cannot open the file
    create_private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        private_file(path.with_name(path.name + suffix))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would start transactions lazily and DEFERRED;
        # we switch it off and emit BEGIN IMMEDIATE ourselves in the "begin" hook below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(_DEFERRED):
            connection.exec_driver_sql("BEGIN")
        elif options.get(_NO_WAIT):
            # Only the BEGIN waits for the lock; once it is held nothing else does.
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(
        connection: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        # A write that nobody announced with begin_writing: it works while nobody else writes,
        # and fails with "database is locked" when someone does. Said in the log, to be fixed.
        if connection.get_execution_options().get(_DEFERRED) and statement.lstrip()[
            :7
        ].lower().startswith(_WRITES):
            logger.warning("write in a read-only transaction: %s", statement.split(" (")[0][:80])


def make_session_factory(
    engine: Engine, *, keys: key_store.Keys | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``; with ``keys`` they can write and verify the audit chain and
    seal secrets (see storage/keys.py). Without, they can read and write everything else."""
    info: dict[str, Any] = {key_store.INFO_KEY: keys} if keys is not None else {}
    info[_WRITE_ENGINE] = engine
    info[_READ_ENGINE] = (
        engine.execution_options(**{_DEFERRED: True}) if engine.dialect.name == "sqlite" else engine
    )
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, info=info)


def reading_session(factory: sessionmaker[Session]) -> Session:
    """A session for a request that reads (GET): on SQLite its transactions begin deferred and
    take no lock until ``begin_writing``. On PostgreSQL reads never block writes anyway."""
    session = factory()
    read_engine = session.info.get(_READ_ENGINE)
    if read_engine is not None:
        session.bind = read_engine
        session.info[_READS] = True
    return session


def write_session_or_nothing(factory: sessionmaker[Session]) -> Session:
    """A session for a write that is worth doing only when it costs no wait (storing what a
    cache holds): on SQLite its transaction fails at once with "database is locked" while
    another holds the write lock, instead of waiting for it."""
    session = factory()
    engine = session.info.get(_WRITE_ENGINE)
    if engine is not None and engine.dialect.name == "sqlite":
        session.bind = engine.execution_options(**{_NO_WAIT: True})
    return session


def reads_only(session: Session) -> bool:
    """The session's next transaction begins deferred (see ``reading_session``)."""
    return (
        session.bind is not None
        and session.bind is session.info.get(_READ_ENGINE)
        and (session.bind is not session.info.get(_WRITE_ENGINE))
    )


def begin_writing(session: Session) -> None:
    """The session is about to write: a read-only one ends its read transaction (nothing was
    changed in it, and nothing expires on commit, so what it read stays loaded) and continues in
    transactions that take the write lock at their begin. Whatever is read after this is read
    under the lock; a write that depends on what was read before must read it again."""
    if not reads_only(session):
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            logger.warning("changes made in a read-only transaction before begin_writing")
        session.commit()
    session.bind = session.info[_WRITE_ENGINE]


def begin_reading(session: Session) -> None:
    """Back to deferred transactions for a session made by ``reading_session`` once its write
    is committed: the rest of the request reads again without holding the lock."""
    if session.info.get(_READS) and not session.in_transaction():
        session.bind = session.info[_READ_ENGINE]
