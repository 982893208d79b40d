"""Imports every model so that ``Base.metadata`` describes the whole schema (for Alembic)."""

from storage import (
    accounts,
    agreements,
    arrangements,
    audit,
    deadlines,
    decisions,
    derivations,
    documents,
    equated_days,
    mandates,
    monitoring,
    organisations,
    password_resets,
)
from storage.base import Base

metadata = Base.metadata

__all__ = [
    "accounts",
    "agreements",
    "arrangements",
    "audit",
    "deadlines",
    "decisions",
    "derivations",
    "documents",
    "equated_days",
    "mandates",
    "metadata",
    "monitoring",
    "organisations",
    "password_resets",
]
