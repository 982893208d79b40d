"""The audit log as the auditor reads it: filtered by object, actor and period, exported, and
checked for tampering (docs/security.md S24, S25)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from storage import audit as store
from storage.audit import AuditEvent
from workflows.actors import Actor
from workflows.errors import InvalidInput
from workflows.rules.reminders import AMSTERDAM
from workflows.rules.roles import Permission

LIMIT = 2_000


PER_PAGE = 50


def _filtered(
    query: Select[Any], *, object_type: str, who: str, start: date | None, end: date | None
) -> Select[Any]:
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if who:
        query = query.where(AuditEvent.actor_label.contains(who))
    if start is not None:
        query = query.where(
            AuditEvent.at >= datetime.combine(start, time(), AMSTERDAM).astimezone(UTC)
        )
    if end is not None:
        until = datetime.combine(end + timedelta(days=1), time(), AMSTERDAM).astimezone(UTC)
        query = query.where(AuditEvent.at < until)
    return query


def search(
    session: Session,
    actor: Actor,
    *,
    object_type: str = "",
    who: str = "",
    start: date | None = None,
    end: date | None = None,
    limit: int = LIMIT,
) -> Sequence[AuditEvent]:
    actor.require(Permission.VIEW_AUDIT_LOG)
    query = _filtered(
        select(AuditEvent), object_type=object_type, who=who, start=start, end=end
    ).order_by(AuditEvent.id.desc())
    return session.scalars(query.limit(limit)).all()


@dataclass(frozen=True)
class Page:
    events: Sequence[AuditEvent]
    number: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def page(
    session: Session,
    actor: Actor,
    *,
    number: int = 1,
    per_page: int = PER_PAGE,
    object_type: str = "",
    who: str = "",
    start: date | None = None,
    end: date | None = None,
) -> Page:
    """One page of the filtered log, newest first; the total is counted by the database, so
    a log of millions of rows costs one page of them."""
    actor.require(Permission.VIEW_AUDIT_LOG)
    filters: dict[str, Any] = {"object_type": object_type, "who": who, "start": start, "end": end}
    total = int(
        session.scalar(_filtered(select(func.count()).select_from(AuditEvent), **filters)) or 0
    )
    last = max(1, -(-total // per_page))
    number = min(max(1, number), last)
    events = session.scalars(
        _filtered(select(AuditEvent), **filters)
        .order_by(AuditEvent.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(events, number, total, per_page)


def object_types(session: Session, actor: Actor) -> list[str]:
    actor.require(Permission.VIEW_AUDIT_LOG)
    return sorted(set(session.scalars(select(AuditEvent.object_type).distinct())))


def verify(session: Session, *, known_heads: Sequence[store.Head] = ()) -> store.ChainCheck:
    """The chain checked with the key, and against heads recorded outside the database (a
    backup manifest, the log): only those show that the newest events were deleted."""
    return store.verify_chain(session, known_heads=known_heads)


def head(session: Session) -> store.Head | None:
    return store.head(session)


def head_problem(session: Session, known: store.Head) -> str | None:
    """A quick look (one row, not the whole chain) whether a head logged earlier is still
    there unchanged; the Dutch problem when it is not."""
    recorded = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == known.id))
    if recorded is None:
        return (
            f"gebeurtenis #{known.id}, eerder gelogd als kop van de keten, ontbreekt: het einde "
            "van het logboek is verwijderd."
        )
    if recorded != known.hash:
        return (
            f"gebeurtenis #{known.id} wijkt af van de eerder gelogde kop van de keten: het "
            "einde van het logboek is vervangen."
        )
    return None


_HEAD = re.compile(r"^#?(\d{1,18}):([0-9a-f]{64})$")


def parse_head(text: str) -> store.Head:
    """A head as the backup manifest and the log write it: ``number:hash``."""
    match = _HEAD.match(text.strip().lower())
    if match is None:
        raise InvalidInput(
            {
                "head": "Bekende kop: schrijf het nummer van de gebeurtenis, een dubbele punt en "
                "haar hash van 64 tekens (0-9, a-f), zoals het in het manifest van een back-up "
                "of in het logboek van de herinneringsdienst staat."
            }
        )
    return store.Head(int(match.group(1)), match.group(2))
