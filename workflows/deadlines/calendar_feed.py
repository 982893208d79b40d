"""A personal iCalendar feed of open deadlines, so project groups see them in Outlook.

One all-day event per deadline, with a stable UID, SEQUENCE equal to the deadline's version
(a moved date replaces the event instead of adding one) and exactly one alarm. The address
holds a secret token of which only the hash is stored; a new token ends the old address.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage import deadlines as store
from storage.accounts import User
from storage.deadlines import CalendarFeed
from workflows.accounts.accounts import actor_for
from workflows.actors import Actor
from workflows.deadlines import deadlines
from workflows.rules.roles import Permission

UID_DOMAIN = "besluitwerk"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(session: Session, actor: Actor) -> str:
    actor.require(Permission.VIEW_SIGNALS)
    assert actor.user_id is not None
    session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == actor.user_id))
    token = secrets.token_urlsafe(32)
    session.add(CalendarFeed(user_id=actor.user_id, token_hash=_digest(token)))
    session.flush()
    return token


def has_feed(session: Session, actor: Actor) -> bool:
    return (
        session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == actor.user_id)).first()
        is not None
    )


def feed(session: Session, token: str, *, now: datetime) -> bytes | None:
    """The calendar of the token's owner, or None for an unknown token."""
    row = store.find_feed(session, _digest(token))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    actor = actor_for(user, "agenda")
    calendar = Calendar()
    calendar.add("prodid", "-//Besluitwerk//Termijnen//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Besluitwerk – termijnen")
    for deadline in deadlines.list_visible(session, actor):
        event = Event()
        event.add("uid", f"deadline-{deadline.id}@{UID_DOMAIN}")
        event.add("sequence", deadline.deadline_version)
        event.add("dtstamp", now)
        event.add("dtstart", deadline.due_on)
        event.add("dtend", deadline.due_on + timedelta(days=1))
        event.add("summary", deadline.subject)
        event.add("description", deadline.explanation)
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", deadline.subject)
        alarm.add("trigger", timedelta(days=-7))
        event.add_component(alarm)
        calendar.add_component(event)
    content: bytes = calendar.to_ical()
    return content
