"""Which failures are "no room left" (507) and which "database unreachable" (503): built from
the errors the drivers really raise, and from a real full SQLite database."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from storage import failures
from storage.database import make_engine


def _wrapped(original: BaseException, *, invalidated: bool = False) -> DBAPIError:
    return OperationalError("SELECT 1", {}, original, connection_invalidated=invalidated)


def test_a_full_sqlite_database_is_no_room_left(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'vol.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x TEXT)"))
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        pages = connection.execute(text("PRAGMA page_count")).scalar_one()
        connection.execute(text(f"PRAGMA max_page_count={pages}"))
        connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": "a" * 100_000})
    engine.dispose()
    assert failures.no_room_left(caught.value)
    assert not failures.database_unreachable(caught.value)


def test_a_missing_sqlite_volume_is_unreachable(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'weg' / 'db.sqlite3'}")
    with pytest.raises(DBAPIError) as caught, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    assert failures.database_unreachable(caught.value)
    assert not failures.no_room_left(caught.value)


@pytest.mark.parametrize(
    "original",
    [
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.errors.ConnectionFailure("server closed the connection unexpectedly"),
        psycopg.OperationalError("connection failed: Connection refused"),
    ],
)
def test_postgresql_restarting_or_gone_is_unreachable(original: BaseException):
    assert failures.database_unreachable(_wrapped(original))
    assert not failures.no_room_left(_wrapped(original))


def test_postgresql_disk_full_is_no_room_left():
    full = _wrapped(psycopg.errors.DiskFull("could not extend file"))
    assert failures.no_room_left(full) and not failures.database_unreachable(full)


def test_a_connection_sqlalchemy_found_broken_is_unreachable():
    assert failures.database_unreachable(_wrapped(sqlite3.OperationalError("x"), invalidated=True))


@pytest.mark.parametrize("number", [errno.ENOSPC, errno.EFBIG, errno.EDQUOT])
def test_a_full_documents_volume_is_no_room_left(number: int):
    assert failures.no_room_left(OSError(number, "vol"))


def test_other_errors_are_neither():
    for error in (
        _wrapped(psycopg.errors.UniqueViolation("duplicate key")),
        _wrapped(sqlite3.IntegrityError("UNIQUE constraint failed")),
        OSError(errno.EACCES, "geen toegang"),
        ValueError("iets anders"),
    ):
        assert not failures.no_room_left(error) and not failures.database_unreachable(error)


def test_an_exhausted_pool_and_too_many_connections_are_unreachable():
    assert failures.database_unreachable(PoolTimeout("QueuePool limit of size 5 reached"))
    too_many = psycopg.errors.TooManyConnections("sorry, too many clients already")
    assert failures.database_unreachable(_wrapped(too_many))


def test_sqlite_extended_codes_count_by_their_primary_code(tmp_path: Path):
    (tmp_path / "map").mkdir()
    engine = make_engine(f"sqlite:///{tmp_path / 'map'}")  # a directory: SQLITE_CANTOPEN_ISDIR
    with pytest.raises(DBAPIError) as caught, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    assert failures.database_unreachable(caught.value)


def test_s26_what_a_log_line_says_of_a_database_error_leaves_out_the_row():
    secret = "Geheim dossier Hengelo"
    error = IntegrityError(
        "INSERT INTO decisions ...",
        {},
        psycopg.errors.UniqueViolation(
            f'duplicate key value violates unique constraint "x"\nDETAIL:  Key (title)=({secret})'
        ),
    )
    said = failures.described(error)
    assert secret not in said and "UniqueViolation" in said and "sqlstate=23505" in said
    assert failures.described(ValueError(secret)) == "ValueError"
