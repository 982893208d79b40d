"""Changing some fields of a register record in a test the way a form that shows only those
fields does: through the use case's ``update``, at the version the record has now."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session

from workflows.actors import Actor


class Versioned(Protocol):
    id: Any
    version: Any


def update_fields(
    update: Callable[..., Any],
    session: Session,
    actor: Actor,
    record: Versioned,
    values: Mapping[str, Any],
) -> Any:
    """``update`` (``arrangements.update``, ``mandates.update`` …) of ``values`` alone; what it
    returns, or what it raises (InvalidInput, Forbidden)."""
    return update(
        session, actor, record.id, dict(values), expected_version=record.version, partial=True
    )
