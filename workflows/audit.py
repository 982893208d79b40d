"""Writing to the audit log on behalf of an actor (docs/security.md S24, S27)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy.orm import Session

from storage import audit
from workflows.actors import Actor
from workflows.errors import Conflict


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


def changes_since(
    session: Session, object_type: str, object_id: int, version: int
) -> dict[str, Any]:
    """The newest value of every field changed after ``version``, from the audit log."""
    changed: dict[str, Any] = {}
    for event in audit.events_for(session, object_type, object_id):
        new = event.new_values or {}
        if event.action == "update" and int(new.get("version", 0)) > version:
            changed.update({k: v for k, v in new.items() if k != "version"})
    return changed


def expect_version(
    session: Session, *, object_type: str, object_id: int, current: int, expected: object, what: str
) -> None:
    """Refuse a save based on an older version than the stored one (docs/security.md S28)."""
    try:
        version = int(str(expected)) if expected is not None else -1
    except ValueError:
        version = -1
    if version != current:
        raise Conflict(
            f"Iemand anders heeft {what} intussen gewijzigd. Uw wijzigingen zijn niet "
            "opgeslagen; bekijk de actuele gegevens en voer ze opnieuw in.",
            changed=changes_since(session, object_type, object_id, version),
        )


class Versioned(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


@contextmanager
def versioned_change(
    session: Session,
    actor: Actor,
    *,
    object_type: str,
    record: Versioned,
    expected: object,
    what: str,
    seen: Callable[[], dict[str, Any]],
) -> Iterator[None]:
    """Around the change of a stored record: refuse it when the version read is not the stored
    one (S28), then audit what differs in ``seen()`` before and after, at the new version
    (S24). A change that raises is not audited: it is rolled back with its transaction."""
    expect_version(
        session,
        object_type=object_type,
        object_id=record.id,
        current=record.version,
        expected=expected,
        what=what,
    )
    before = seen()
    yield
    session.flush()
    record_update(
        session,
        actor,
        object_type=object_type,
        object_id=record.id,
        before=before,
        after=seen(),
        version=record.version,
    )


def record_update(
    session: Session,
    actor: Actor,
    *,
    object_type: str,
    object_id: int,
    before: dict[str, Any],
    after: dict[str, Any],
    version: int,
) -> bool:
    """Audit what changed between two snapshots; False when nothing did."""
    old, new = changed_values(before, after)
    if not new:
        return False
    new["version"] = version
    record(
        session,
        actor,
        action="update",
        object_type=object_type,
        object_id=object_id,
        old_values=old,
        new_values=new,
    )
    return True
