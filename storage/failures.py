"""What a failure of the database or the file store means for the person who asked: no room
left (the database or the documents volume is full), or the database cannot be reached (a
restart, a failover, the network). Both are rolled back whole; the difference is what the
person can do about it."""

from __future__ import annotations

import errno
import sqlite3

import psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# PostgreSQL's SQLSTATEs: class 08 is "connection exception"; 57P01-57P03 are the server
# shutting down or starting up; 53300 is too_many_connections; 53100 is disk_full.
_PG_UNREACHABLE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300")
_PG_FULL = "53100"
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def no_room_left(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        original = error.orig
        if isinstance(original, sqlite3.Error):
            return _sqlite_code(original) == sqlite3.SQLITE_FULL
        return getattr(original, "sqlstate", None) == _PG_FULL
    return isinstance(error, OSError) and error.errno in _NO_ROOM


def database_unreachable(error: BaseException) -> bool:
    if isinstance(error, PoolTimeout):
        return True  # every connection of the pool is stuck waiting for the server
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        # The database file cannot be opened: its volume is gone or not mounted.
        return _sqlite_code(original) == sqlite3.SQLITE_CANTOPEN
    if not isinstance(original, psycopg.Error):
        return False
    if original.sqlstate is None:
        # What psycopg raises when it cannot connect at all carries no SQLSTATE.
        return isinstance(original, psycopg.OperationalError)
    return original.sqlstate.startswith(_PG_UNREACHABLE_PREFIXES)


def _sqlite_code(error: sqlite3.Error) -> int | None:
    """The primary result code: sqlite_errorcode is the extended one (SQLITE_CANTOPEN_ISDIR)."""
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def described(error: BaseException) -> str:
    """What a log line may say of a database error: its kind, SQLSTATE and constraint, never
    its message, which on PostgreSQL carries a DETAIL line with the values of the row (the
    title of a secret dossier, an e-mail address; docs/security.md S12, S26)."""
    if not isinstance(error, DBAPIError):
        return type(error).__name__
    original = error.orig
    parts = [type(original).__name__]
    if isinstance(original, psycopg.Error):
        parts.append(f"sqlstate={original.sqlstate or '-'}")
        if original.diag.constraint_name:
            parts.append(f"constraint={original.diag.constraint_name}")
    elif isinstance(original, sqlite3.Error):
        parts.append(f"sqlite={getattr(original, 'sqlite_errorname', '-')}")
    return " ".join(parts)
