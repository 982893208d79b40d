"""Regional arrangements as their participants see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session, selectinload

from storage import arrangements as store
from storage import paging
from storage.arrangements import Arrangement, Bed, BudgetLine, Participant, Phase
from storage.organisations import Organisation
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.rules import costs, fields
from workflows.rules.costs import Financing
from workflows.rules.dutch_format import long_date
from workflows.rules.periods import ONE_DAY
from workflows.rules.phases import PhaseKind, PhaseStatus, SuccessorKind, phase_status_on
from workflows.rules.roles import Permission, Role

PHASE_KIND_LABELS = PhaseKind.labels()
PHASE_STATUS_LABELS = PhaseStatus.labels()
FINANCING_LABELS = Financing.labels()

# Who sees every arrangement rather than only those their organisation takes part in.
_SEES_ALL = {Role.ADMINISTRATOR, Role.AUDITOR}


@dataclass(frozen=True)
class Overview:
    arrangement: Arrangement
    municipalities: list[Organisation]
    providers: list[Organisation]
    others: list[Organisation]
    phases: list[Phase]
    beds: list[Bed]
    budgets: list[BudgetLine]
    today: date

    def status_of(self, phase: Phase) -> str:
        return phase_status_on(phase.start_on, phase.end_on, today=self.today)

    def beds_available_on(self, day: date) -> list[Bed]:
        return [
            bed
            for bed in self.beds
            if bed.available_from <= day
            and (bed.available_until is None or day <= bed.available_until)
        ]


def list_visible(session: Session, actor: Actor) -> Sequence[Arrangement]:
    actor.require(Permission.VIEW_ARRANGEMENTS)
    if actor.role in _SEES_ALL:
        return store.list_arrangements(session)
    if actor.organisation_id is None:
        return []
    return store.list_arrangements(session, participant_id=actor.organisation_id)


def visible_id_query(actor: Actor) -> Select[Any]:
    """The same set as ``visible_ids``, as a subquery: lists filter on it in SQL."""
    actor.require(Permission.VIEW_ARRANGEMENTS)
    if actor.role in _SEES_ALL:
        return store.arrangement_id_query()
    if actor.organisation_id is None:
        return store.arrangement_id_query().where(false())
    return store.arrangement_id_query(participant_id=actor.organisation_id)


class Choice(NamedTuple):
    id: int
    name: str


def choices(session: Session, actor: Actor) -> list[Choice]:
    """Id and name of each visible arrangement, by name: the lists' filter menus need no more."""
    query = (
        select(Arrangement.id, Arrangement.name)
        .where(Arrangement.id.in_(visible_id_query(actor)))
        .order_by(Arrangement.name)
    )
    return [Choice(row.id, row.name) for row in session.execute(query)]


def page_visible(
    session: Session, actor: Actor, window: Window, *, overviews: bool = True
) -> Page[Arrangement]:
    """One page of the visible arrangements, with what their overviews show (or, without
    ``overviews``, what the list shows: the phases) loaded in one query per relation."""
    query = (
        select(Arrangement)
        .options(*(store.everything() if overviews else [selectinload(Arrangement.phases)]))
        .where(Arrangement.id.in_(visible_id_query(actor)))
        .order_by(Arrangement.name, Arrangement.id)
    )
    return paging.fetch(session, query, window)


def page_of_overviews(
    session: Session, actor: Actor, window: Window, *, today: date
) -> Page[Overview]:
    """One page of the overviews of the visible arrangements (the API's list): as
    ``page_visible``, with the participants read as ids and their organisations once each."""
    query = (
        select(Arrangement)
        .options(*store.list_parts())
        .where(Arrangement.id.in_(visible_id_query(actor)))
        .order_by(Arrangement.name, Arrangement.id)
    )
    found = paging.fetch(session, query, window)
    taking_part = store.participant_ids(session, [a.id for a in found.rows])
    wanted = {i for ids in taking_part.values() for i in ids}
    named = {
        o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))
    }
    rows = [
        _overview(actor, a, [named[i] for i in taking_part[a.id]], today=today) for a in found.rows
    ]
    return Page(rows=rows, total=found.total, window=found.window)


def overview(session: Session, actor: Actor, arrangement_id: int, *, today: date) -> Overview:
    return overview_of(actor, visible(session, actor, arrangement_id), today=today)


def overview_of(actor: Actor, arrangement: Arrangement, *, today: date) -> Overview:
    """The overview of an arrangement the actor may see (checked by the caller)."""
    return _overview(
        actor, arrangement, [p.organisation for p in arrangement.participants], today=today
    )


def _overview(
    actor: Actor, arrangement: Arrangement, organisations: list[Organisation], *, today: date
) -> Overview:
    beds = list(arrangement.beds)
    if actor.is_provider:
        # A provider sees the arrangement's frame, but of the capacity only its own beds.
        beds = [bed for bed in beds if bed.location.provider_id == actor.organisation_id]
    return Overview(
        arrangement=arrangement,
        municipalities=sorted(
            (o for o in organisations if o.kind == "municipality"), key=lambda o: o.name
        ),
        providers=sorted((o for o in organisations if o.kind == "provider"), key=lambda o: o.name),
        others=sorted(
            (o for o in organisations if o.kind not in {"municipality", "provider"}),
            key=lambda o: o.name,
        ),
        phases=list(arrangement.phases),
        beds=beds,
        # Municipal budgets are the municipalities' business, not the providers'.
        budgets=[] if actor.is_provider else list(arrangement.budgets),
        today=today,
    )


def _may_see(actor: Actor, arrangement: Arrangement) -> bool:
    if actor.role in _SEES_ALL:
        return True
    return actor.organisation_id is not None and (
        arrangement.lead_organisation_id == actor.organisation_id
        or any(p.organisation_id == actor.organisation_id for p in arrangement.participants)
    )


def visible(session: Session, actor: Actor, arrangement_id: int) -> Arrangement:
    """The arrangement if the actor may see it; NotFound (never Forbidden) otherwise (S11)."""
    actor.require(Permission.VIEW_ARRANGEMENTS)
    arrangement = store.get_arrangement(session, arrangement_id)
    if arrangement is None or not _may_see(actor, arrangement):
        raise NotFound("Deze regeling bestaat niet of u heeft er geen toegang toe.")
    return arrangement


def visible_ids(session: Session, actor: Actor) -> list[int]:
    """The same set as ``list_visible``, read as ids only (every register check calls this)."""
    actor.require(Permission.VIEW_ARRANGEMENTS)
    if actor.role in _SEES_ALL:
        return store.arrangement_ids(session)
    if actor.organisation_id is None:
        return []
    return store.arrangement_ids(session, participant_id=actor.organisation_id)


SUCCESSOR_LABELS = SuccessorKind.labels()

EDITABLE: dict[str, fields.Reader] = {
    "name": fields.Text("Naam", max_length=200, required=True),
    "description": fields.Text("Omschrijving", max_length=20_000, multiline=True),
    "lead_organisation_id": fields.Whole("Penvoerder", minimum=1, maximum=2**31 - 1, required=True),
    "participant_ids": fields.Ids("Deelnemers"),
    "successor_kind": fields.Choice("Opvolger", SUCCESSOR_LABELS, required=False),
    "successor_start_on": fields.Day("Beoogde start opvolger"),
    "successor_description": fields.Text("Toelichting opvolger", max_length=5000, multiline=True),
    "tender_lead_months": fields.Whole(
        "Voorbereiding aanbesteding (maanden voor de start)", minimum=1, maximum=36
    ),
    "cost_rule": fields.Choice("Kostenverdeling", costs.COST_RULE_LABELS, required=False),
}
LABELS = {name: reader.label for name, reader in EDITABLE.items()}


def snapshot(arrangement: Arrangement) -> dict[str, Any]:
    values = {n: getattr(arrangement, n) for n in EDITABLE if n != "participant_ids"}
    values["participant_ids"] = sorted(p.organisation_id for p in arrangement.participants)
    return values


def create(session: Session, actor: Actor, raw: dict[str, Any]) -> Arrangement:
    actor.require(Permission.EDIT_ARRANGEMENTS)
    values, errors = fields.read_fields(EDITABLE, raw)
    if not errors:
        errors.update(_problems(session, values, self_id=None))
    if errors:
        raise InvalidInput(errors)
    arrangement = Arrangement()
    _apply(arrangement, values)
    session.add(arrangement)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="arrangement",
        object_id=arrangement.id,
        new_values=audit.changed_values({}, snapshot(arrangement))[1],
    )
    return arrangement


def update(
    session: Session,
    actor: Actor,
    arrangement_id: int,
    raw: dict[str, Any],
    *,
    expected_version: object,
    partial: bool = False,
) -> Arrangement:
    actor.require(Permission.EDIT_ARRANGEMENTS)
    arrangement = visible(session, actor, arrangement_id)
    values, errors = fields.read_fields(EDITABLE, raw, partial=partial)
    merged = {**snapshot(arrangement), **values}
    if not errors:
        errors.update(_problems(session, merged, self_id=arrangement.id))
    if errors:
        raise InvalidInput(errors)
    with audit.versioned_change(
        session,
        actor,
        object_type="arrangement",
        record=arrangement,
        expected=expected_version,
        what="deze regeling",
        seen=lambda: snapshot(arrangement),
    ):
        _apply(arrangement, merged)
    return arrangement


def _apply(arrangement: Arrangement, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "participant_ids" or (
            name in ("tender_lead_months", "cost_rule") and value is None
        ):
            continue  # empty keeps the current value (9 months, the Twente rule by default)
        setattr(arrangement, name, value)
    wanted = set(values.get("participant_ids", [])) | {values["lead_organisation_id"]}
    kept = [p for p in arrangement.participants if p.organisation_id in wanted]
    present = {p.organisation_id for p in kept}
    arrangement.participants = kept + [
        Participant(organisation_id=i) for i in sorted(wanted - present)
    ]


def _problems(session: Session, values: dict[str, Any], *, self_id: int | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    same = store.find_arrangement_by_name(session, values["name"])
    if same is not None and same.id != self_id:
        problems["name"] = "Naam: er is al een regeling met deze naam."
    lead = session.get(Organisation, values["lead_organisation_id"])
    if lead is None or lead.kind != "municipality":
        problems["lead_organisation_id"] = "Penvoerder: kies een gemeente."
    unknown = [i for i in values.get("participant_ids", []) if session.get(Organisation, i) is None]
    if unknown:
        problems["participant_ids"] = "Deelnemers: kies bestaande organisaties."
    if (
        values.get("successor_kind") not in (None, "stop")
        and values.get("successor_start_on") is None
    ):
        problems["successor_start_on"] = "Beoogde start opvolger: vul een datum in."
    return problems


PHASE_FIELDS: dict[str, fields.Reader] = {
    "name": fields.Text("Naam van de fase", max_length=200),
    "kind": fields.Choice("Soort fase", PHASE_KIND_LABELS, required=False),
    "start_on": fields.Day("Begindatum"),
    "end_on": fields.Day("Einddatum (t/m)", required=True),
}


def add_phase(session: Session, actor: Actor, arrangement_id: int, raw: dict[str, Any]) -> Phase:
    """Add a phase after the last one; by default an extension that starts the day after the
    last phase ends ("Verlengen": only the new end date is needed)."""
    actor.require(Permission.EDIT_ARRANGEMENTS)
    arrangement = visible(session, actor, arrangement_id)
    values, errors = fields.read_fields(PHASE_FIELDS, raw)
    if errors:
        raise InvalidInput(errors)
    last = arrangement.phases[-1] if arrangement.phases else None
    kind = values.get("kind") or "extension"
    start = values.get("start_on") or (last.end_on + ONE_DAY if last else None)
    if start is None:
        raise InvalidInput({"start_on": "Begindatum: vul de begindatum van de eerste fase in."})
    end = values["end_on"]
    if end < start:
        raise InvalidInput({"end_on": "Einddatum: ligt vóór de begindatum van de fase."})
    for phase in arrangement.phases:
        if phase.start_on <= end and start <= phase.end_on:
            raise InvalidInput(
                {
                    "start_on": (
                        f"Begindatum: de nieuwe fase overlapt met {phase.name} "
                        f"({long_date(phase.start_on)} t/m {long_date(phase.end_on)})."
                    )
                }
            )
    count = sum(1 for p in arrangement.phases if p.kind == "extension")
    name = values.get("name") or (f"Verlenging {count + 1}" if kind == "extension" else "Fase")
    phase = Phase(name=name, kind=kind, start_on=start, end_on=end)
    arrangement.phases.append(phase)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="phase",
        object_id=phase.id,
        new_values={
            "arrangement_id": arrangement.id,
            "name": name,
            "kind": kind,
            "start_on": start.isoformat(),
            "end_on": end.isoformat(),
        },
    )
    return phase
