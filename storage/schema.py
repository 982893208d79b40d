"""Imports every model so that ``Base.metadata`` describes the whole schema (for Alembic)."""

from storage import accounts, arrangements, audit, organisations
from storage.base import Base

metadata = Base.metadata

__all__ = ["accounts", "arrangements", "audit", "metadata", "organisations"]
