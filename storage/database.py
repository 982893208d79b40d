"""Engines and sessions for SQLite (the embedded default) and PostgreSQL.

SQLite gets WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE`` for every transaction, so
that concurrent writers queue on the lock instead of failing with "database is locked"
halfway through a transaction (docs/security.md S30).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage import keys as key_store
from storage.private_files import create_private_file, private_file

SQLITE_BUSY_TIMEOUT_MS = 30_000


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
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(
    engine: Engine, *, keys: key_store.Keys | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``; with ``keys`` they can write and verify the audit chain and
    seal secrets (see storage/keys.py). Without, they can read and write everything else."""
    info = {key_store.INFO_KEY: keys} if keys is not None else {}
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, info=info)
