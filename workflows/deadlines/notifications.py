"""What people see of the reminders in the app: their notifications, the outbox (mail that was
not sent because no mail server is configured, or that failed), and the reminder ladders; and
the messages that ask a co-adviser for advice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import deadlines as store
from storage import paging
from storage.accounts import User
from storage.deadlines import Message, ReminderLadder
from storage.decisions import CoAdvice, Decision
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.rules import fields
from workflows.rules.dutch_format import long_date
from workflows.rules.reminders import DEFAULT_LADDERS
from workflows.rules.roles import ROLE_LABELS, Permission, Role

# The notifications page lists this many, newest first; the unread count is over the same.
LISTED = 200


def mine(session: Session, actor: Actor, *, limit: int = LISTED) -> Sequence[Message]:
    actor.require(Permission.VIEW_SIGNALS)
    return store.delivered_in_app(session, actor.user_id, newest=limit)


def unread_count(session: Session, actor: Actor) -> int:
    """Unread among what ``mine`` lists, counted without loading the messages."""
    actor.require(Permission.VIEW_SIGNALS)
    return store.unread_in_app(session, actor.user_id, newest=LISTED)


def mark_read(session: Session, actor: Actor, message_id: int, *, now: datetime) -> None:
    message = session.get(Message, message_id)
    if message is None or message.recipient_id != actor.user_id:
        raise NotFound("Deze melding bestaat niet.")
    if message.read_at is None:
        message.read_at = now


def outbox(session: Session, actor: Actor, window: Window) -> Page[Message]:
    """One page of every e-mail made, newest first; paged and counted in SQL."""
    actor.require(Permission.MANAGE_USERS)
    query = (
        select(Message)
        .where(Message.channel == "email")
        .order_by(Message.created_at.desc(), Message.id.desc())
    )
    return paging.fetch(session, query, window)


def ladders(session: Session, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.MANAGE_USERS)
    stored = store.ladders(session)
    result = []
    for kind, (offsets, roles) in DEFAULT_LADDERS.items():
        ladder = stored.get(kind)
        result.append(
            {
                "kind": kind,
                "offsets": list(ladder.offsets) if ladder else list(offsets),
                "roles": list(ladder.roles) if ladder else list(roles),
                "escalate_after_days": ladder.escalate_after_days if ladder else 7,
            }
        )
    return result


def set_ladder(session: Session, actor: Actor, kind: str, raw: dict[str, Any]) -> ReminderLadder:
    """Edit one ladder: offsets like ``90, 60, 30, 14, 7, 0, -1`` (days before; negative is
    after the date), the roles that receive it, and after how many days it escalates."""
    actor.require(Permission.MANAGE_USERS)
    if kind not in DEFAULT_LADDERS:
        raise NotFound("Deze soort termijn bestaat niet.")
    errors: dict[str, str] = {}
    offsets: list[int] = []
    for part in str(raw.get("offsets", "")).replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = fields.parse_whole(part, label="Momenten")
        except ValueError:
            errors["offsets"] = f"Momenten: '{part[:20]}' is geen aantal dagen."
            break
        if not -60 <= value <= 730:
            errors["offsets"] = "Momenten: kies dagen tussen 730 ervoor en 60 erna."
            break
        offsets.append(value)
    if not offsets and "offsets" not in errors:
        errors["offsets"] = "Momenten: noem ten minste één moment, bijvoorbeeld 30, 7, 0."
    roles = [r for r in raw.get("roles", []) if r in {x.value for x in Role}]
    if not roles or Role.PROVIDER.value in roles:
        errors["roles"] = "Ontvangers: kies een of meer rollen van een gemeente."
    try:
        escalate = fields.parse_whole(str(raw.get("escalate_after_days", "7")), label="Escaleren")
        if not 1 <= escalate <= 60:
            raise ValueError
    except ValueError:
        errors["escalate_after_days"] = "Escaleren na: kies 1 tot en met 60 dagen."
        escalate = 7
    if errors:
        raise InvalidInput(errors)
    ladder = store.ladders(session).get(kind)
    before = {"offsets": ladder.offsets, "roles": ladder.roles} if ladder else {}
    if ladder is None:
        ladder = ReminderLadder(kind=kind)
        session.add(ladder)
    ladder.offsets = sorted(set(offsets), reverse=True)
    ladder.roles = roles
    ladder.escalate_after_days = escalate
    session.flush()
    audit.record(
        session,
        actor,
        action="update",
        object_type="reminder_ladder",
        object_id=ladder.id,
        old_values=before or None,
        new_values={
            "kind": kind,
            "offsets": ladder.offsets,
            "roles": roles,
            "escalate_after_days": escalate,
        },
    )
    return ladder


ROLE_CHOICES = {r.value: ROLE_LABELS[r] for r in Role if r is not Role.PROVIDER}


def deliver(
    session: Session, recipient: User, *, key: str, subject: str, body: str, now: datetime
) -> int:
    """One message to one person: in the app at once (there is nothing to send), and by mail
    through the scheduler's dispatcher (or the outbox without a mail server). The key makes it
    once: delivering it again adds nothing. Returns how many rows were new."""
    rows: list[dict[str, object]] = [
        {
            "key": f"{key}:{recipient.id}:{channel}",
            "recipient_id": recipient.id,
            "channel": channel,
            "deadline_id": None,
            "stage": "",
            "subject": subject[:500],
            "body": body,
            "due_at": now,
            "status": "sent" if channel == "in_app" else "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "sent_at": now if channel == "in_app" else None,
            "last_error": "",
            "created_at": now,
        }
        for channel in ("email", "in_app")
    ]
    return store.insert_messages(session, rows)


def ask_for_advice(
    session: Session, decision: Decision, asked: Sequence[CoAdvice], *, now: datetime
) -> int:
    """Tell each co-adviser asked (and their stand-in) that the dossier waits for their advice,
    once each time the dossier enters co-advice. A secret dossier is not named in the message
    (docs/security.md S12): the adviser reads it in the app."""
    rounds = sum(1 for t in decision.transitions if t.to_status == "co_advice")
    title = "een geheim dossier" if decision.secret else f"'{decision.subject}'"
    where = decision.municipality.name if decision.municipality else "de regio"
    meeting = (
        f", voor de collegevergadering van {long_date(decision.meeting_on)}"
        if decision.meeting_on
        else ""
    )
    created = 0
    for advice in asked:
        people = [(advice.adviser_user, ""), (advice.stand_in, advice.adviser)]
        for person, on_behalf_of in people:
            if person is None or not person.active:
                continue
            role = f" als plaatsvervanger van {on_behalf_of}" if on_behalf_of else ""
            created += deliver(
                session,
                person,
                key=f"co_advice:{decision.id}:{advice.id}:{rounds}",
                subject=f"[Besluitwerk] Mee-adviseren gevraagd: {title}"[:500],
                body=(
                    f"U bent{role} gevraagd mee te adviseren over {title} van {where}{meeting}."
                    + (f"\n\nLeg het advies vast namens {on_behalf_of}." if on_behalf_of else "")
                    + "\n\nGeef uw advies in Besluitwerk: Besluiten > Te adviseren."
                ),
                now=now,
            )
    return created
