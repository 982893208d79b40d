"""Co-advice (mee-advisering) on a decision dossier: the co-advisers are accounts of the
municipality, asked by name; each is told when the dossier enters co-advice, finds it on the
"Te adviseren" list, and only they (or the stand-in named with them) record their advice.

Advisers named as text before co-advisers were accounts stay as text records without an
account: nobody is notified for them, and whoever prepares the dossier records their advice.
The agenda form's "mee geadviseerd door" is made from these records (names and their unit).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import decisions as store
from storage import paging
from storage.accounts import User
from storage.decisions import CoAdvice, Decision
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.deadlines import notifications
from workflows.decisions import decisions
from workflows.errors import Forbidden, InvalidInput, NotFound
from workflows.rules import fields
from workflows.rules.decisions import ADVICE_LABELS, Advice, DecisionStatus
from workflows.rules.roles import Permission, Role, has_permission

# While the dossier is a draft or in co-advice its co-advisers may still be asked or withdrawn.
OPEN_STATUSES = frozenset({DecisionStatus.DRAFT, DecisionStatus.CO_ADVICE})
TEXT = 20_000
# Asking a co-adviser: an account of the municipality, its unit, and optionally a stand-in.
ADVISER_FIELDS: dict[str, fields.Reader] = {
    "user_id": fields.Whole("Mee-adviseur", minimum=1, maximum=fields.MAX_ID, required=True),
    "unit": fields.Text("Organisatieonderdeel", max_length=200),
    "stand_in_id": fields.Whole("Plaatsvervanger", minimum=1, maximum=fields.MAX_ID),
}
ADVICE_FIELDS: dict[str, fields.Reader] = {
    "advice": fields.Choice("Advies", ADVICE_LABELS),
    "text": fields.Text("Toelichting", max_length=TEXT, multiline=True),
}


def candidates(session: Session, decision: Decision) -> list[User]:
    """The accounts that may be asked: active accounts of the dossier's municipality whose role
    takes part in preparing decisions (not a provider, not the auditor)."""
    if decision.municipality_id is None:
        return []
    return [
        user
        for user in session.scalars(
            select(User)
            .where(User.organisation_id == decision.municipality_id, User.active.is_(True))
            .order_by(User.name, User.id)
        )
        if _may_advise(user)
    ]


def _may_advise(user: User) -> bool:
    return has_permission(Role(user.role), Permission.EDIT_DECISIONS)


def ask(
    session: Session, actor: Actor, decision_id: int, raw: dict[str, Any], *, now: datetime
) -> CoAdvice:
    """Name a co-adviser (an account of the municipality, with the unit the agenda form shows
    and optionally a stand-in). During co-advice they are told at once."""
    decision = decisions.get_editable(session, actor, decision_id)
    if decision.municipality_id is None:
        raise InvalidInput(
            {
                "user_id": (
                    "Mee-adviseur: een regionaal dossier heeft geen mee-adviseurs; elke gemeente "
                    "vraagt ze in haar eigen dossier."
                )
            }
        )
    if decision.status not in OPEN_STATUSES:
        raise InvalidInput(
            {"user_id": "Mee-adviseur: na de mee-advisering vraagt u geen mee-adviseurs meer."}
        )
    values, errors = fields.read_fields(ADVISER_FIELDS, raw)
    allowed = {u.id: u for u in candidates(session, decision)}
    municipality = decision.municipality.name if decision.municipality else ""
    adviser = allowed.get(values.get("user_id") or 0)
    stand_in = allowed.get(values.get("stand_in_id") or 0)
    if "user_id" not in errors and adviser is None:
        errors["user_id"] = (
            f"Mee-adviseur: kies een actief account van {municipality} dat mag adviseren."
        )
    elif adviser is not None and any(a.adviser_id == adviser.id for a in decision.advices):
        errors["user_id"] = f"Mee-adviseur: {adviser.name} is al gevraagd."
    if "stand_in_id" not in errors and values.get("stand_in_id") is not None:
        if stand_in is None:
            errors["stand_in_id"] = (
                f"Plaatsvervanger: kies een actief account van {municipality} dat mag adviseren."
            )
        elif adviser is not None and stand_in.id == adviser.id:
            errors["stand_in_id"] = "Plaatsvervanger: kies een ander account dan de mee-adviseur."
    if errors:
        raise InvalidInput(errors)
    assert adviser is not None
    advice = CoAdvice(
        adviser=adviser.name[:300],
        unit=values.get("unit") or "",
        adviser_id=adviser.id,
        stand_in_id=stand_in.id if stand_in else None,
    )
    decision.advices.append(advice)
    if decision.secret:
        # Asking someone's advice on a secret dossier gives them access to it (S12).
        for person in (adviser, stand_in):
            if person is not None and all(u.id != person.id for u in decision.readers):
                decision.readers.append(person)
    session.flush()
    audit.record(
        session,
        actor,
        action="ask_advice",
        object_type="decision",
        object_id=decision.id,
        new_values={
            "adviser_id": adviser.id,
            "adviser": advice.adviser,
            "unit": advice.unit,
            "stand_in_id": advice.stand_in_id,
        },
    )
    if decision.status == DecisionStatus.CO_ADVICE:
        notifications.ask_for_advice(session, decision, [advice], now=now)
    return advice


def withdraw(session: Session, actor: Actor, decision_id: int, advice_id: int) -> None:
    """Withdraw a request for advice that has not been answered; a given advice stays."""
    decision = decisions.get_editable(session, actor, decision_id)
    advice = next((a for a in decision.advices if a.id == advice_id), None)
    if advice is None:
        raise NotFound("Deze mee-adviseur is niet gevraagd voor dit dossier.")
    if advice.advice is not None:
        raise InvalidInput(
            {"adviser": f"{advice.adviser} heeft al geadviseerd; dat advies blijft bewaard."}
        )
    if decision.status not in OPEN_STATUSES:
        raise InvalidInput(
            {"adviser": "Na de mee-advisering trekt u geen verzoek om advies meer in."}
        )
    decision.advices.remove(advice)
    session.flush()
    audit.record(
        session,
        actor,
        action="withdraw_advice",
        object_type="decision",
        object_id=decision.id,
        old_values={"adviser_id": advice.adviser_id, "adviser": advice.adviser},
    )


def withdraw_request(session: Session, actor: Actor, advice_id: int) -> int:
    """``withdraw`` by the number of the request alone; returns the dossier's number."""
    unknown = "Dit verzoek om advies bestaat niet of u heeft er geen toegang toe."
    found = store.get_advice(session, advice_id)
    if found is None:
        raise NotFound(unknown)
    try:
        withdraw(session, actor, found.decision_id, advice_id)
    except NotFound:
        raise NotFound(unknown) from None
    return found.decision_id


def may_record(actor: Actor, decision: Decision, advice: CoAdvice) -> bool:
    """The named adviser or their stand-in; for an adviser without an account (from before
    co-advisers were accounts), whoever may edit the dossier."""
    if advice.adviser_id is None:
        return decisions.may_edit(actor, decision)
    return actor.user_id is not None and actor.user_id in {advice.adviser_id, advice.stand_in_id}


def recordable(actor: Actor, decision: Decision) -> list[CoAdvice]:
    """The advice this person may record on the dossier now (the form's choices)."""
    if decision.status != DecisionStatus.CO_ADVICE:
        return []
    return [a for a in decision.advices if may_record(actor, decision, a)]


def record(
    session: Session, actor: Actor, decision_id: int, raw: dict[str, Any], *, now: datetime
) -> CoAdvice:
    """A co-adviser's advice: akkoord, akkoord met opmerkingen or niet akkoord, with text.
    Only the named adviser records it, or the stand-in named with them, "namens" the adviser
    (the record names who recorded it). Recording it again replaces the first."""
    decision = decisions.get_visible(session, actor, decision_id)
    advice = _which(actor, decision, raw.get("adviser"))
    if not may_record(actor, decision, advice):
        if advice.adviser_id is None:
            raise Forbidden(
                f"Het advies van {advice.adviser} legt alleen vast wie dit dossier opstelt."
            )
        stand_in = f" of plaatsvervanger {advice.stand_in.name}" if advice.stand_in else ""
        raise Forbidden(f"Alleen {advice.adviser}{stand_in} kan dit advies vastleggen.")
    values, errors = fields.read_fields(ADVICE_FIELDS, raw)
    if decision.status != DecisionStatus.CO_ADVICE:
        errors["advice"] = (
            "Advies: mee-adviseren kan alleen zolang het dossier in mee-advisering is."
        )
    if (
        values.get("advice") in {Advice.AGREE_WITH_REMARKS, Advice.DISAGREE}
        and not (values.get("text") or "").strip()
    ):
        errors["text"] = "Toelichting: licht opmerkingen of 'niet akkoord' toe."
    if errors:
        raise InvalidInput(errors)
    advice.advice, advice.text = values["advice"], values["text"] or ""
    advice.recorded_by = session.get(User, actor.user_id) if actor.user_id else None
    advice.recorded_at = now
    session.flush()
    audit.record(
        session,
        actor,
        action="advice",
        object_type="decision",
        object_id=decision.id,
        new_values={
            "adviser": advice.adviser,
            "advice": advice.advice,
            **({"on_behalf_of": advice.adviser} if advice.on_behalf else {}),
        },
    )
    return advice


def _which(actor: Actor, decision: Decision, raw: object) -> CoAdvice:
    """The request the advice answers: the one named (its number), or else the only one this
    person may record (asked of them, as the adviser or as the stand-in)."""
    asked = list(decision.advices)
    names = ", ".join(a.adviser for a in asked) or "geen"
    if raw not in (None, ""):
        try:
            number = fields.Whole("Mee-adviseur", minimum=1, maximum=2**31 - 1).read(raw)
        except fields.FieldError as error:
            raise InvalidInput({"adviser": str(error)}) from None
        found = next((a for a in asked if a.id == number), None)
        if found is None:
            raise InvalidInput({"adviser": f"Mee-adviseur: kies een van: {names}."})
        return found
    mine = [a for a in asked if may_record(actor, decision, a)]
    if len(mine) == 1:
        return mine[0]
    if mine:
        raise InvalidInput(
            {
                "adviser": "Mee-adviseur: noem voor wie u het advies vastlegt: "
                + ", ".join(f"{a.adviser} (nummer {a.id})" for a in mine)
                + "."
            }
        )
    raise Forbidden(
        f"U bent niet gevraagd mee te adviseren over dit dossier; gevraagd zijn: {names}."
    )


def open_requests(session: Session, actor: Actor) -> list[CoAdvice]:
    """The "Te adviseren" list: dossiers in co-advice waiting for this person's advice, as the
    adviser or as the stand-in."""
    return list(page_open_requests(session, actor, paging.EVERYTHING).rows)


def count_open_requests(session: Session, actor: Actor) -> int:
    """How many dossiers wait for this person's advice (the start page's link), counted in SQL."""
    return page_open_requests(session, actor, Window(limit=0)).total


def page_open_requests(session: Session, actor: Actor, window: Window) -> Page[CoAdvice]:
    """One page of ``open_requests``, with the dossiers the actor may see filtered, counted and
    limited in SQL."""
    actor.require(Permission.VIEW_DECISIONS)
    if actor.user_id is None:
        return Page(rows=[], total=0, window=window)
    query = store.open_advice_request_query(actor.user_id).where(decisions.visible_clause(actor))
    return paging.fetch(session, query, window)
