"""Purchasing and framework agreements with the providers of an arrangement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from storage import agreements as store
from storage import paging
from storage.agreements import Agreement
from storage.arrangements import Arrangement
from storage.mandates import Mandate
from storage.organisations import Organisation
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.registers import arrangements
from workflows.rules import fields
from workflows.rules.agreements import (
    KIND_LABELS,
    AgreementStatus,
    Term,
    term_problems,
    transition_problem,
)
from workflows.rules.dutch_format import long_date
from workflows.rules.periods import extend_end
from workflows.rules.roles import Permission

EDITABLE: dict[str, fields.Reader] = {
    "kind": fields.Choice("Soort", KIND_LABELS),
    "reference": fields.Text("Kenmerk", max_length=100, required=True),
    "title": fields.Text("Titel", max_length=300, required=True),
    "provider_id": fields.Whole("Zorgaanbieder", minimum=1, maximum=2**31 - 1, required=True),
    "contracting_party_id": fields.Whole(
        "Contractpartij", minimum=1, maximum=2**31 - 1, required=True
    ),
    "start_on": fields.Day("Begindatum", required=True),
    "end_on": fields.Day("Einddatum (t/m)", required=True),
    "extension_count": fields.Whole("Aantal verlengingsopties", minimum=0, maximum=10),
    "extension_months": fields.Whole("Duur van een verlenging (maanden)", minimum=0, maximum=60),
    "notice_months": fields.Whole("Opzegtermijn (maanden)", minimum=0, maximum=24),
    "maximum_end_on": fields.Day("Uiterste einddatum"),
    "tariff_occupied_day": fields.Money("Tarief per bezette dag", maximum=Decimal(100_000)),
    "tariff_vacant_day": fields.Money("Tarief per leegstaande dag", maximum=Decimal(100_000)),
    "indexation": fields.Text("Indexering", max_length=1000, multiline=True),
    "mandate_ids": fields.Ids("Volmachten"),
    "bed_ids": fields.Ids("Bedden"),
    "notes": fields.Text("Toelichting", max_length=20_000, multiline=True),
}
LABELS = {name: reader.label for name, reader in EDITABLE.items()}
# What only a new agreement names: the arrangement it belongs to.
CREATION_FIELDS: dict[str, fields.Reader] = {
    "arrangement_id": fields.Whole("Regeling", minimum=1, maximum=fields.MAX_ID, required=True)
}
_PLAIN = [n for n in EDITABLE if n not in {"mandate_ids", "bed_ids"}]


def snapshot(agreement: Agreement) -> dict[str, Any]:
    values = {name: getattr(agreement, name) for name in _PLAIN}
    values["mandate_ids"] = sorted(m.id for m in agreement.mandates)
    values["bed_ids"] = sorted(b.id for b in agreement.beds)
    return values


def term_of(values: dict[str, Any]) -> Term:
    return Term(
        kind=values["kind"],
        start_on=values["start_on"],
        end_on=values["end_on"],
        extension_count=values.get("extension_count") or 0,
        extension_months=values.get("extension_months") or 0,
        maximum_end_on=values.get("maximum_end_on"),
        notice_months=values.get("notice_months") or 0,
    )


def list_visible(
    session: Session, actor: Actor, *, arrangement_id: int | None = None
) -> Sequence[Agreement]:
    """A provider's list holds its own agreements only, filtered in the query (S11)."""
    actor.require(Permission.VIEW_AGREEMENTS)
    ids = arrangements.visible_ids(session, actor)
    if arrangement_id is not None:
        ids = [i for i in ids if i == arrangement_id]
    if actor.is_provider:
        if actor.organisation_id is None:
            return []
        return store.list_agreements(
            session, arrangement_ids=ids, provider_id=actor.organisation_id
        )
    return store.list_agreements(session, arrangement_ids=ids)


@dataclass(frozen=True)
class ListFilters:
    """What the agreement lists filter on (page and API alike)."""

    arrangement_id: int | None = None
    status: str = ""
    provider_id: int | None = None
    ending_within_days: int | None = None


def _visible_query(actor: Actor) -> Select[Any]:
    """The agreements the actor may see; a provider its own only (S11), in the query."""
    actor.require(Permission.VIEW_AGREEMENTS)
    query = select(Agreement).where(
        Agreement.arrangement_id.in_(arrangements.visible_id_query(actor))
    )
    if actor.is_provider:
        query = query.where(Agreement.provider_id == (actor.organisation_id or 0))
    return query


def page_visible(
    session: Session,
    actor: Actor,
    window: Window,
    filters: ListFilters = ListFilters(),
    *,
    today: date,
) -> Page[Agreement]:
    """One page of ``list_visible`` with the register's filters, in SQL."""
    query = (
        _visible_query(actor).options(*store.loaded()).order_by(Agreement.reference, Agreement.id)
    )
    if filters.arrangement_id is not None:
        query = query.where(Agreement.arrangement_id == filters.arrangement_id)
    if filters.status:
        query = query.where(Agreement.status == filters.status)
    if filters.provider_id is not None:
        query = query.where(Agreement.provider_id == filters.provider_id)
    if filters.ending_within_days is not None:
        last = date.fromordinal(today.toordinal() + filters.ending_within_days)
        query = query.where(Agreement.end_on >= today, Agreement.end_on <= last)
    return paging.fetch(session, query, window)


def providers_of_visible(session: Session, actor: Actor) -> list[Organisation]:
    """The providers of the agreements the actor may see, by name (the list's filter menu)."""
    ids = _visible_query(actor).with_only_columns(Agreement.provider_id).distinct()
    query = select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)
    return list(session.scalars(query))


def get_visible(session: Session, actor: Actor, agreement_id: int) -> Agreement:
    actor.require(Permission.VIEW_AGREEMENTS)
    provider = actor.organisation_id if actor.is_provider else None
    if actor.is_provider and provider is None:
        raise NotFound()
    agreement = store.get_agreement(session, agreement_id, provider_id=provider)
    if agreement is None or agreement.arrangement_id not in arrangements.visible_ids(
        session, actor
    ):
        raise NotFound("Deze overeenkomst bestaat niet of u heeft er geen toegang toe.")
    return agreement


def create(session: Session, actor: Actor, raw: dict[str, Any]) -> Agreement:
    actor.require(Permission.EDIT_AGREEMENTS)
    values, errors = fields.read_fields(EDITABLE, raw)
    chosen, more = fields.read_fields(CREATION_FIELDS, raw)
    errors.update(more)
    arrangement: Arrangement | None = None
    if "arrangement_id" not in errors:
        try:
            arrangement = arrangements.visible(session, actor, chosen["arrangement_id"])
        except NotFound:
            errors["arrangement_id"] = "Regeling: kies een bestaande regeling."
    if arrangement is not None and not errors:
        errors.update(_problems(session, arrangement, values))
    if errors:
        raise InvalidInput(errors)
    assert arrangement is not None
    if values.get("maximum_end_on") is None:
        values["maximum_end_on"] = term_of(values).end_with_all_extensions
    agreement = Agreement(arrangement_id=arrangement.id, status="draft")
    _apply(session, agreement, arrangement, values)
    session.add(agreement)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="agreement",
        object_id=agreement.id,
        new_values=audit.changed_values({}, snapshot(agreement))[1],
    )
    return agreement


def update(
    session: Session,
    actor: Actor,
    agreement_id: int,
    raw: dict[str, Any],
    *,
    expected_version: object,
    partial: bool = False,
) -> Agreement:
    actor.require(Permission.EDIT_AGREEMENTS)
    agreement = get_visible(session, actor, agreement_id)
    values, errors = fields.read_fields(EDITABLE, raw, partial=partial)
    merged = {**snapshot(agreement), **values}
    if not errors:
        errors.update(_problems(session, agreement.arrangement, merged, self_id=agreement.id))
    if errors:
        raise InvalidInput(errors)
    if merged.get("maximum_end_on") is None:
        merged["maximum_end_on"] = term_of(merged).end_with_all_extensions
    with _versioned_change(
        session, actor, agreement, expected_version, lambda: snapshot(agreement)
    ):
        _apply(session, agreement, agreement.arrangement, merged)
    return agreement


def _versioned_change(
    session: Session,
    actor: Actor,
    agreement: Agreement,
    expected_version: object,
    seen: Callable[[], dict[str, Any]],
) -> AbstractContextManager[None]:
    return audit.versioned_change(
        session,
        actor,
        object_type="agreement",
        record=agreement,
        expected=expected_version,
        what="deze overeenkomst",
        seen=seen,
    )


def change_status(
    session: Session, actor: Actor, agreement_id: int, target: str, *, expected_version: object
) -> Agreement:
    actor.require(Permission.EDIT_AGREEMENTS)
    agreement = get_visible(session, actor, agreement_id)
    if agreement.status == target:
        return agreement  # the same transition submitted twice does nothing the second time
    if target == AgreementStatus.EXTENDED:
        return use_extension_option(session, actor, agreement_id, expected_version=expected_version)
    problem = transition_problem(agreement.status, target)
    if problem:
        raise InvalidInput({"status": problem})
    with _versioned_change(
        session, actor, agreement, expected_version, lambda: _values(agreement, ("status",))
    ):
        agreement.status = target
    return agreement


def _values(agreement: Agreement, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(agreement, name) for name in names}


def use_extension_option(
    session: Session, actor: Actor, agreement_id: int, *, expected_version: object
) -> Agreement:
    """Extend the agreement by one of its options: the end moves by the option's length and
    one option is used. A repeat with the same (now stale) version is refused with 409, so a
    double submit never uses two options."""
    actor.require(Permission.EDIT_AGREEMENTS)
    agreement = get_visible(session, actor, agreement_id)
    problem = transition_problem(agreement.status, "extended")
    if problem:
        raise InvalidInput({"status": problem})
    if agreement.extensions_used >= agreement.extension_count or not agreement.extension_months:
        raise InvalidInput(
            {
                "status": (
                    "Verlengen: alle verlengingsopties van deze overeenkomst zijn gebruikt "
                    f"({agreement.extensions_used} van {agreement.extension_count}); een verdere "
                    "verlenging is een wijziging van de opdracht (Aanbestedingswet 2.163b)."
                )
            }
        )
    new_end = extend_end(agreement.end_on, agreement.extension_months)
    if new_end > agreement.maximum_end_on:
        raise InvalidInput(
            {
                "status": "Verlengen: de nieuwe einddatum ligt na de uiterste einddatum "
                f"{long_date(agreement.maximum_end_on)}."
            }
        )
    extension = ("status", "end_on", "extensions_used")
    with _versioned_change(
        session, actor, agreement, expected_version, lambda: _values(agreement, extension)
    ):
        agreement.status = "extended"
        agreement.end_on = new_end
        agreement.extensions_used += 1
    return agreement


def _apply(
    session: Session, agreement: Agreement, arrangement: Arrangement, values: dict[str, Any]
) -> None:
    for name in _PLAIN:
        if name in values:
            setattr(agreement, name, values[name])
    agreement.mandates = [
        m for i in values.get("mandate_ids", []) if (m := session.get(Mandate, i)) is not None
    ]
    wanted = set(values.get("bed_ids", []))
    agreement.beds = [b for b in arrangement.beds if b.id in wanted]


def _problems(
    session: Session,
    arrangement: Arrangement,
    values: dict[str, Any],
    *,
    self_id: int | None = None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    participants = {p.organisation_id for p in arrangement.participants}
    provider = session.get(Organisation, values["provider_id"])
    if provider is None or provider.kind != "provider" or provider.id not in participants:
        problems["provider_id"] = f"Zorgaanbieder: kies een zorgaanbieder van {arrangement.name}."
    party = session.get(Organisation, values["contracting_party_id"])
    if party is None or party.kind != "municipality":
        problems["contracting_party_id"] = "Contractpartij: kies een gemeente."
    first = min((p.start_on for p in arrangement.phases), default=None)
    problems.update(term_problems(term_of(values), arrangement_start=first))
    for mandate_id in values.get("mandate_ids", []):
        mandate = session.get(Mandate, mandate_id)
        if mandate is None or mandate.arrangement_id != arrangement.id:
            problems["mandate_ids"] = "Volmachten: kies volmachten van deze regeling."
    own_beds = {b.id for b in arrangement.beds}
    provider_beds = {
        b.id
        for b in arrangement.beds
        if provider is not None and b.location.provider_id == provider.id
    }
    for bed_id in values.get("bed_ids", []):
        if bed_id not in own_beds:
            problems["bed_ids"] = "Bedden: kies bedden van deze regeling."
        elif bed_id not in provider_beds:
            problems["bed_ids"] = "Bedden: kies bedden van deze zorgaanbieder."
    same = store.find_agreement_by_reference(session, values["reference"])
    if same is not None and same.id != self_id:
        problems["reference"] = "Kenmerk: er is al een overeenkomst met dit kenmerk."
    return problems
