"""Locks for work that must run one at a time across processes and hosts, held until the
transaction ends. On PostgreSQL an advisory transaction lock; SQLite needs none, since every
transaction that may write begins IMMEDIATE there and so already holds the database's one write
lock (a read-only request's deferred transaction takes none, and calls begin_writing before it
writes, see storage/database.py)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# Two locks only, always in this order within a transaction: SCHEDULER_SWEEP before
# AUDIT_CHAIN, never after (the sweep writes no audit events). A lock of its own per kind of
# document would be taken after the audit lock by a transaction that edits and then generates,
# and before it by one that generates several documents: two orders, a deadlock. Generating a
# document therefore takes the audit lock, which it needs for its audit event anyway.
AUDIT_CHAIN = 8_150_601
SCHEDULER_SWEEP = 8_150_602


def hold(session: Session, key: int) -> None:
    """Wait for and take the lock ``key`` until this transaction commits or rolls back."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
