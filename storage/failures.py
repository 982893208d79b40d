"""What a failure of the database or the file store means for the person who asked: no room
left (the database or the documents volume is full), or the database cannot be reached (a
restart, a failover, the network). Both are rolled back whole; the difference is what the
person can do about it."""

from __future__ import annotations

import errno
import sqlite3

import psycopg
from sqlalchemy.exc import DBAPIError

# PostgreSQL's SQLSTATEs: class 08 is "connection exception"; 57P01-57P03 are the server
# shutting down or starting up; 53100 is disk_full.
_PG_UNREACHABLE_PREFIXES = ("08", "57P01", "57P02", "57P03")
_PG_FULL = "53100"
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def no_room_left(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        original = error.orig
        if isinstance(original, sqlite3.Error):
            return getattr(original, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        return getattr(original, "sqlstate", None) == _PG_FULL
    return isinstance(error, OSError) and error.errno in _NO_ROOM


def database_unreachable(error: BaseException) -> bool:
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        # The database file cannot be opened: its volume is gone or not mounted.
        return getattr(original, "sqlite_errorcode", None) == sqlite3.SQLITE_CANTOPEN
    if not isinstance(original, psycopg.Error):
        return False
    if original.sqlstate is None:
        # What psycopg raises when it cannot connect at all carries no SQLSTATE.
        return isinstance(original, psycopg.OperationalError)
    return original.sqlstate.startswith(_PG_UNREACHABLE_PREFIXES)
