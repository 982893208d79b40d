"""What a request holds while it does slow work (docs/security.md S30): whether it is inside a
transaction, and, on SQLite, whether another connection can take the write lock at once."""

from __future__ import annotations

import sqlite3

from flask import g
from sqlalchemy import Engine


def write_lock_free(database: str) -> bool:
    """Whether another connection to the SQLite file ``database`` can take the write lock at
    once (without waiting)."""
    other = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def held_by_request(engine: Engine, backend: str) -> list[tuple[str, bool]]:
    """``[("in a transaction", …)]`` and, on SQLite, ``("locked", …)``: both False when the
    request leaves the database free. Called from inside the request (a patched step)."""
    session = g.get("db_session")
    seen = [("in a transaction", session is not None and session.in_transaction())]
    if backend == "sqlite":
        seen.append(("locked", not write_lock_free(engine.url.database or "")))
    return seen


def free(backend: str) -> list[tuple[str, bool]]:
    """What ``held_by_request`` reports when the request holds nothing."""
    return [("in a transaction", False)] + ([("locked", False)] if backend == "sqlite" else [])
