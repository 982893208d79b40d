"""Organisations: who may see which, and how the administrator edits one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import accounts as account_store
from storage import organisations as store
from storage import paging
from storage.accounts import User
from storage.organisations import Organisation
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.rules import fields
from workflows.rules.organisations import OrganisationKind
from workflows.rules.planning import MeetingCalendar
from workflows.rules.roles import Permission

KIND_LABELS = OrganisationKind.labels()

WEEKDAY_LABELS = {
    "0": "maandag",
    "1": "dinsdag",
    "2": "woensdag",
    "3": "donderdag",
    "4": "vrijdag",
    "5": "zaterdag",
    "6": "zondag",
}

# The fields an administrator may change; ``kind`` is fixed once an organisation exists.
EDITABLE: dict[str, fields.Reader] = {
    "name": fields.Text("Naam", max_length=200, required=True),
    "short_name": fields.Text("Afkorting", max_length=20, empty_is_none=True),
    "description": fields.Text("Omschrijving", max_length=5000, multiline=True),
    "inhabitants": fields.Whole("Aantal inwoners", minimum=0, maximum=20_000_000),
    "inhabitants_on": fields.Day("Peildatum inwoners"),
    "meeting_weekday": fields.Choice(
        "Vergaderdag college", WEEKDAY_LABELS, required=False, coerce=int
    ),
    "agenda_lead_working_days": fields.Whole(
        "Sluiting agenda (werkdagen voor de vergadering)", minimum=0, maximum=60
    ),
    "co_advice_working_days": fields.Whole(
        "Duur mee-advisering (werkdagen)", minimum=0, maximum=60
    ),
    "recess_weeks": fields.WeekList("Reces (weken zonder vergadering)"),
    "no_meetings_christmas_to_new_year": fields.Flag("Geen vergadering tussen Kerst en Nieuwjaar"),
    "escalation_contact_id": fields.Whole("Escalatiecontact", minimum=1, maximum=2**31 - 1),
}


def parse_kind(raw: str | None) -> str | None:
    """The organisation kind filter, or InvalidInput naming the allowed kinds."""
    if raw in (None, ""):
        return None
    if raw not in KIND_LABELS:
        allowed = ", ".join(KIND_LABELS)
        raise InvalidInput({"kind": f"Soort: '{str(raw)[:40]}' is onbekend; kies uit {allowed}."})
    return raw


def list_visible(
    session: Session, actor: Actor, *, kind: str | None = None
) -> Sequence[Organisation]:
    actor.require(Permission.VIEW_ORGANISATIONS)
    kind = parse_kind(kind)
    # A provider sees its own organisation only (docs/security.md S11); the scope is in the query.
    only = actor.organisation_id if actor.is_provider else None
    if actor.is_provider and only is None:
        return []
    return store.list_organisations(session, kind=kind, only_id=only)


def page_visible(
    session: Session, actor: Actor, window: Window, *, kind: str | None = None
) -> Page[Organisation]:
    """One page of ``list_visible``, read in SQL."""
    actor.require(Permission.VIEW_ORGANISATIONS)
    kind = parse_kind(kind)
    query = select(Organisation).order_by(Organisation.kind, Organisation.name, Organisation.id)
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    if actor.is_provider:
        query = query.where(Organisation.id == (actor.organisation_id or 0))
    return paging.fetch(session, query, window)


def get_visible(session: Session, actor: Actor, organisation_id: int) -> Organisation:
    actor.require(Permission.VIEW_ORGANISATIONS)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or (actor.is_provider and organisation.id != actor.organisation_id):
        raise NotFound("Deze organisatie bestaat niet of u heeft er geen toegang toe.")
    return organisation


def find_by_name(session: Session, name: str) -> Organisation | None:
    return store.find_organisation_by_name(session, name)


def escalation_candidates(session: Session, organisation: Organisation) -> Sequence[User]:
    """The active accounts of the organisation: who unacknowledged reminders can go to."""
    return [
        u
        for u in account_store.list_users(session)
        if u.organisation_id == organisation.id and u.active
    ]


def snapshot(organisation: Organisation) -> dict[str, Any]:
    return {name: getattr(organisation, name) for name in EDITABLE}


def update(
    session: Session,
    actor: Actor,
    organisation_id: int,
    raw: dict[str, Any],
    *,
    expected_version: int | str | None,
    partial: bool = False,
) -> Organisation:
    actor.require(Permission.EDIT_ORGANISATIONS)
    organisation = get_visible(session, actor, organisation_id)
    values, errors = fields.read_fields(EDITABLE, raw, partial=partial)
    if "name" in values and not errors.get("name"):
        same = store.find_organisation_by_name(session, values["name"])
        if same is not None and same.id != organisation.id:
            errors["name"] = "Naam: er bestaat al een organisatie met deze naam."
    contact_id = values.get("escalation_contact_id")
    if contact_id is not None:
        contact = session.get(User, contact_id)
        if contact is None or contact.organisation_id != organisation.id or not contact.active:
            errors["escalation_contact_id"] = (
                "Escalatiecontact: kies een actief account van deze organisatie."
            )
    if errors:
        raise InvalidInput(errors)
    with audit.versioned_change(
        session,
        actor,
        object_type="organisation",
        record=organisation,
        expected=expected_version,
        what="deze organisatie",
        seen=lambda: snapshot(organisation),
    ):
        for name, value in values.items():
            setattr(organisation, name, value)
    return organisation


def calendar_of(organisation: Organisation | None) -> MeetingCalendar:
    if organisation is None:
        return MeetingCalendar()
    defaults = MeetingCalendar()
    return MeetingCalendar(
        weekday=organisation.meeting_weekday
        if organisation.meeting_weekday is not None
        else defaults.weekday,
        agenda_lead_working_days=organisation.agenda_lead_working_days
        if organisation.agenda_lead_working_days is not None
        else defaults.agenda_lead_working_days,
        co_advice_working_days=organisation.co_advice_working_days
        if organisation.co_advice_working_days is not None
        else defaults.co_advice_working_days,
        recess_weeks=frozenset(organisation.recess_weeks or []),
        no_meetings_christmas_to_new_year=organisation.no_meetings_christmas_to_new_year,
    )
