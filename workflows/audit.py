"""Writing to the audit log on behalf of an actor (SECURITY.md S24, S27)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage import audit
from workflows.actors import Actor


def record(
    session: Session,
    actor: Actor,
    *,
    action: str,
    object_type: str,
    object_id: str | int | None,
    result: str = "success",
    old_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
) -> None:
    audit.add_event(
        session,
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        result=result,
        origin=actor.origin,
        old_values=old_values,
        new_values=new_values,
    )


def changed_values(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The old and new values of the fields that differ, as JSON-safe values."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return ({k: _json_safe(before.get(k)) for k in keys}, {k: _json_safe(after[k]) for k in keys})


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)
