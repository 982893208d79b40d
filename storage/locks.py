"""Locks for work that must run one at a time across processes and hosts, held until the
transaction ends. On PostgreSQL an advisory transaction lock; SQLite needs none, since every
transaction there begins IMMEDIATE and so already holds the database's one write lock."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# One number per kind of work; a document kind adds its index to DOCUMENT_GENERATION.
AUDIT_CHAIN = 8_150_601
SCHEDULER_SWEEP = 8_150_602
DOCUMENT_GENERATION = 815_060_200


def hold(session: Session, key: int) -> None:
    """Wait for and take the lock ``key`` until this transaction commits or rolls back."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
