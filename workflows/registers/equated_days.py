"""The days equated with a recognised holiday by Royal Decree (Algemene termijnenwet art. 3
lid 3): kept by the beheerder, and read by everything that counts with holidays (the term
calculator, the API, the backward planning of signals and decisions, and through the deadlines
the reminders), so that they all count with the same days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from storage import equated_days as store
from storage.equated_days import EquatedDay
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.rules import fields
from workflows.rules.dutch_format import long_date
from workflows.rules.roles import Permission
from workflows.rules.termijnenwet import (
    IN_FORCE_ON,
    WEEKDAYS,
    Equated,
    equated_name,
    holiday_name,
)

FIELDS: dict[str, fields.Reader] = {
    "day": fields.Day("Datum", required=True),
    "decree": fields.Text("Besluit", max_length=300, required=True),
    "source": fields.Text("Vindplaats", max_length=500),
    "note": fields.Text("Toelichting", max_length=2000, multiline=True),
}
LABELS = {name: reader.label for name, reader in FIELDS.items()}


def for_terms(session: Session) -> Equated:
    """Every equated day, named with its decree as a term's reason shows it. Anyone who may
    compute a term or see a plan counts with them: reading them needs no permission."""
    return {day: equated_name(decree) for day, decree in store.decrees_by_day(session).items()}


def snapshot(row: EquatedDay) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FIELDS}


def list_all(session: Session, actor: Actor) -> Sequence[EquatedDay]:
    actor.require(Permission.MANAGE_CALENDAR)
    return store.list_equated_days(session)


def get(session: Session, actor: Actor, equated_day_id: int) -> EquatedDay:
    actor.require(Permission.MANAGE_CALENDAR)
    row = session.get(EquatedDay, equated_day_id)
    if row is None:
        raise NotFound("Deze gelijkgestelde dag bestaat niet (meer).")
    return row


def _read(session: Session, raw: dict[str, Any], *, current: EquatedDay | None) -> dict[str, Any]:
    values, errors = fields.read_fields(FIELDS, raw)
    day: date | None = values.get("day")
    if day is not None and "day" not in errors:
        problem = _day_problem(session, day, current)
        if problem:
            errors["day"] = problem
    if errors:
        raise InvalidInput(errors)
    return values


def _day_problem(session: Session, day: date, current: EquatedDay | None) -> str | None:
    if day < IN_FORCE_ON:
        return f"Datum: de Algemene termijnenwet geldt pas vanaf {long_date(IN_FORCE_ON)}."
    if day.weekday() >= 5:
        return (
            f"Datum: {WEEKDAYS[day.weekday()]} {long_date(day)} valt in het weekend en telt al "
            "niet als werkdag; gelijkstellen verandert niets."
        )
    statutory = holiday_name(day)
    if statutory:
        return f"Datum: {long_date(day)} is al een feestdag volgens de wet ({statutory})."
    same = store.find_equated_day(session, day)
    if same is not None and (current is None or same.id != current.id):
        return f"Datum: {long_date(day)} is al gelijkgesteld ({same.decree})."
    return None


def add(session: Session, actor: Actor, raw: dict[str, Any]) -> EquatedDay:
    actor.require(Permission.MANAGE_CALENDAR)
    values = _read(session, raw, current=None)
    row = EquatedDay(**values)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="equated_day",
        object_id=row.id,
        new_values=audit.changed_values({}, snapshot(row))[1],
    )
    return row


def update(
    session: Session,
    actor: Actor,
    equated_day_id: int,
    raw: dict[str, Any],
    *,
    expected_version: int | str | None,
) -> EquatedDay:
    row = get(session, actor, equated_day_id)
    values = _read(session, raw, current=row)
    with audit.versioned_change(
        session,
        actor,
        object_type="equated_day",
        record=row,
        expected=expected_version,
        what="deze gelijkgestelde dag",
        seen=lambda: snapshot(row),
    ):
        for name, value in values.items():
            setattr(row, name, value)
    return row


def remove(session: Session, actor: Actor, equated_day_id: int) -> None:
    actor.require(Permission.MANAGE_CALENDAR)
    row = session.get(EquatedDay, equated_day_id)
    if row is None:
        return  # already gone: removing twice does nothing the second time
    audit.record(
        session,
        actor,
        action="delete",
        object_type="equated_day",
        object_id=row.id,
        old_values=audit.changed_values({}, snapshot(row))[1],
    )
    session.delete(row)
    session.flush()
