"""The mandate register: volmachten, mandaten and machtigingen and their grants."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from storage import mandates as store
from storage import paging
from storage.arrangements import Arrangement
from storage.mandates import Grant, Mandate
from storage.organisations import Organisation
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.registers import arrangements, equated_days
from workflows.registers.organisations import calendar_of
from workflows.rules import fields
from workflows.rules.acts import (
    ACT_LABELS,
    Act,
    MandateKind,
    kind_covers,
    kind_for,
    needed,
)
from workflows.rules.coverage import wrong_kind
from workflows.rules.mandates import DECIDED, GRANT_STATUS_LABELS, GrantStatus, grant_problems
from workflows.rules.planning import plan_backwards
from workflows.rules.ratification import GapValidity, validity_for_gap
from workflows.rules.roles import Permission

EDITABLE: dict[str, fields.Reader] = {
    "kind": fields.Choice("Soort", MandateKind.labels()),
    "title": fields.Text("Titel", max_length=300, required=True),
    "grantee_id": fields.Whole("Gevolmachtigde", minimum=1, maximum=2**31 - 1, required=True),
    "grantee_function": fields.Text("Functie of persoon", max_length=200),
    "acts": fields.Choices("Handelingen", Act.labels()),
    "phase_ids": fields.Ids("Fasen"),
    "includes_extensions": fields.Flag("Ook eventuele verlengingen"),
    "valid_from": fields.Day("Geldig vanaf"),
    "valid_until": fields.Day("Geldig tot en met"),
    "ceiling": fields.Money("Financieel plafond"),
    "sub_mandate_allowed": fields.Flag("Ondermandaat toegestaan"),
    "parent_id": fields.Whole("Hoofdmandaat", minimum=1, maximum=2**31 - 1),
    "legal_basis": fields.Text("Grondslag", max_length=2000, multiline=True),
    "ratifies_since": fields.Day("Bekrachtigt handelingen vanaf"),
    "ratified_acts": fields.Lines("Bekrachtigde handelingen"),
    "description": fields.Text("Toelichting", max_length=20_000, multiline=True),
}
LABELS = {name: reader.label for name, reader in EDITABLE.items()}

# What only a new mandate names: where it belongs and who grants it.
CREATION_FIELDS: dict[str, fields.Reader] = {
    "arrangement_id": fields.Whole("Regeling", minimum=1, maximum=fields.MAX_ID, required=True),
    "grantor_ids": fields.Ids("Volmachtgevers"),
}

GRANT_FIELDS: dict[str, fields.Reader] = {
    "status": fields.Choice("Status", GRANT_STATUS_LABELS),
    "granted_on": fields.Day("Datum besluit"),
    "revoked_on": fields.Day("Ingetrokken op"),
    "decision_reference": fields.Text("Besluit (kenmerk)", max_length=300),
}


@dataclass(frozen=True)
class GrantSummary:
    decided: int
    total: int

    @property
    def text(self) -> str:
        return f"{self.decided} van {self.total} verleend"


def summary(mandate: Mandate) -> GrantSummary:
    return summary_of(mandate.grants)


def summary_of(grants: Sequence[Grant] | Sequence[store.GrantLine]) -> GrantSummary:
    return GrantSummary(decided=sum(1 for g in grants if g.status in DECIDED), total=len(grants))


def grant_lines(
    session: Session, rows: Sequence[store.MandateLine]
) -> dict[int, list[store.GrantLine]]:
    """The grants of a page of mandates the actor sees (read by ``page_lines``), as rows."""
    return store.grant_lines(session, [m.id for m in rows])


def phase_names(
    session: Session, rows: Sequence[store.MandateLine]
) -> dict[int, list[store.PhaseName]]:
    """The phases of a page of mandates the actor sees (read by ``page_lines``)."""
    return store.phase_names(session, [m.id for m in rows])


def summaries(session: Session, rows: Sequence[Mandate]) -> dict[int, GrantSummary]:
    """``summary`` of each of a page of mandates, counted in SQL without reading the grants."""
    tallies = store.grant_tallies(session, [m.id for m in rows], DECIDED)
    return {
        mandate_id: GrantSummary(decided=decided, total=total)
        for mandate_id, (decided, total) in tallies.items()
    }


def snapshot(mandate: Mandate) -> dict[str, Any]:
    values = {name: getattr(mandate, name) for name in EDITABLE if name != "phase_ids"}
    values["phase_ids"] = sorted(p.id for p in mandate.phases)
    return values


def list_visible(
    session: Session, actor: Actor, *, arrangement_id: int | None = None
) -> Sequence[Mandate]:
    actor.require(Permission.VIEW_MANDATES)
    ids = arrangements.visible_ids(session, actor)
    if arrangement_id is not None:
        if arrangement_id not in ids:
            return []
        ids = [arrangement_id]
    return store.list_mandates(session, arrangement_ids=ids)


@dataclass(frozen=True)
class ListFilters:
    """What the mandate lists filter on (page and API alike)."""

    arrangement_id: int | None = None
    grant_status: str = ""
    grantor_id: int | None = None
    expiring_within_days: int | None = None


def page_visible(
    session: Session,
    actor: Actor,
    window: Window,
    filters: ListFilters = ListFilters(),
    *,
    today: date,
) -> Page[Mandate]:
    """One page of ``list_visible`` with the filters of the register, in SQL: the mandates with
    their arrangement's name and their grantee, the phases and grants not loaded
    (``summaries`` counts the grants)."""
    query = select(Mandate).options(*store.list_row())
    return paging.fetch(session, _filtered(query, actor, filters, today=today), window)


def page_lines(
    session: Session,
    actor: Actor,
    window: Window,
    filters: ListFilters = ListFilters(),
    *,
    today: date,
) -> Page[store.MandateLine]:
    """``page_visible`` as rows (``store.MandateLine``), for the API's list, with
    ``phase_names`` and ``grant_lines`` to read their phases and grants."""
    found = paging.fetch_rows(
        session, _filtered(store.line_query(), actor, filters, today=today), window
    )
    rows = [store.MandateLine._make(row) for row in found.rows]
    return Page(rows=rows, total=found.total, window=found.window)


def _filtered(
    query: Select[Any], actor: Actor, filters: ListFilters, *, today: date
) -> Select[Any]:
    """``query`` (of mandates) narrowed to what ``actor`` sees and ``filters`` ask, by id."""
    actor.require(Permission.VIEW_MANDATES)
    query = query.where(Mandate.arrangement_id.in_(arrangements.visible_id_query(actor))).order_by(
        Mandate.id
    )
    if filters.arrangement_id is not None:
        query = query.where(Mandate.arrangement_id == filters.arrangement_id)
    if filters.grant_status:
        query = query.where(Mandate.grants.any(Grant.status == filters.grant_status))
    if filters.grantor_id is not None:
        query = query.where(Mandate.grants.any(Grant.grantor_id == filters.grantor_id))
    if filters.expiring_within_days is not None:
        # As ``expiring_within``: valid until a day from today up to and including the last.
        last = date.fromordinal(today.toordinal() + filters.expiring_within_days)
        query = query.where(Mandate.valid_until >= today, Mandate.valid_until <= last)
    return query


def get_visible(session: Session, actor: Actor, mandate_id: int) -> Mandate:
    actor.require(Permission.VIEW_MANDATES)
    mandate = store.get_mandate(session, mandate_id)
    if mandate is None or mandate.arrangement_id not in arrangements.visible_ids(session, actor):
        raise NotFound("Deze volmacht of dit mandaat bestaat niet of u heeft er geen toegang toe.")
    return mandate


def create(session: Session, actor: Actor, raw: dict[str, Any]) -> Mandate:
    actor.require(Permission.EDIT_MANDATES)
    values, errors = fields.read_fields(EDITABLE, raw)
    creation, more = fields.read_fields(CREATION_FIELDS, raw)
    errors.update(more)
    arrangement: Arrangement | None = None
    if "arrangement_id" not in errors:
        try:
            arrangement = arrangements.visible(session, actor, creation["arrangement_id"])
        except NotFound:
            errors["arrangement_id"] = "Regeling: kies een bestaande regeling."
    if arrangement is not None:
        errors.update(_problems(session, arrangement, values, creation.get("grantor_ids", [])))
    if errors:
        raise InvalidInput(errors)
    assert arrangement is not None
    mandate = Mandate(arrangement_id=arrangement.id)
    _apply(session, mandate, arrangement, values)
    parent = session.get(Mandate, values["parent_id"]) if values.get("parent_id") else None
    grantor_ids = [parent.grantee_id] if parent is not None else creation["grantor_ids"]
    mandate.grants = [Grant(grantor_id=g, status="draft") for g in grantor_ids]
    session.add(mandate)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="mandate",
        object_id=mandate.id,
        new_values={**audit.changed_values({}, snapshot(mandate))[1], "grantor_ids": grantor_ids},
    )
    return mandate


def update(
    session: Session,
    actor: Actor,
    mandate_id: int,
    raw: dict[str, Any],
    *,
    expected_version: object,
    partial: bool = False,
) -> Mandate:
    actor.require(Permission.EDIT_MANDATES)
    mandate = get_visible(session, actor, mandate_id)
    values, errors = fields.read_fields(EDITABLE, raw, partial=partial)
    merged = {**snapshot(mandate), **values}
    if not errors and is_decided(mandate) and _changed(snapshot(mandate), merged):
        raise InvalidInput({"status": FROZEN})
    if not errors:
        errors.update(_problems(session, mandate.arrangement, merged, [], mandate=mandate))
    if errors:
        raise InvalidInput(errors)
    with audit.versioned_change(
        session,
        actor,
        object_type="mandate",
        record=mandate,
        expected=expected_version,
        what="deze volmacht",
        seen=lambda: snapshot(mandate),
    ):
        _apply(session, mandate, mandate.arrangement, merged)
    return mandate


FROZEN = (
    "Deze volmacht is al verleend: wat een college besloot, wijzigt u niet meer (handelingen, "
    "reikwijdte, geldigheid, partijen, plafond of tekst). Maak een nieuwe versie; die begint als "
    "concept en krijgt eigen besluiten van de volmachtgevers."
)


def is_decided(mandate: Mandate) -> bool:
    """A grantor has decided on this text (granted, in force, or since expired or revoked): it
    is a legal fact now, changed only by a new version."""
    return any(g.status != GrantStatus.DRAFT or g.granted_on is not None for g in mandate.grants)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    unordered = {"acts", "phase_ids"}
    return [
        name
        for name in EDITABLE
        if (sorted(after[name]) if name in unordered else after[name])
        != (sorted(before[name]) if name in unordered else before[name])
    ]


def versions(session: Session, mandate: Mandate) -> list[Mandate]:
    """The chain of versions this mandate belongs to, the first version first."""
    chain = [mandate]
    seen = {mandate.id}
    while chain[0].predecessor_id is not None and chain[0].predecessor_id not in seen:
        earlier = store.get_mandate(session, chain[0].predecessor_id)
        if earlier is None:
            break
        chain.insert(0, earlier)
        seen.add(earlier.id)
    later = store.successor_of(session, chain[-1].id)
    while later is not None and later.id not in seen:
        chain.append(later)
        seen.add(later.id)
        later = store.successor_of(session, later.id)
    return chain


def new_version(session: Session, actor: Actor, mandate_id: int) -> Mandate:
    """A change of a granted mandate: a copy as a new draft that follows it, with a draft
    grant for each of its grantors, to be decided on again. The granted one stays as it was
    decided (and keeps covering what it covers) until its grants expire or are revoked."""
    actor.require(Permission.EDIT_MANDATES)
    mandate = get_visible(session, actor, mandate_id)
    if not is_decided(mandate):
        raise InvalidInput(
            {
                "status": (
                    "Deze volmacht is nog door geen volmachtgever verleend: wijzig hem zelf; "
                    "een nieuwe versie is alleen nodig voor een verleende volmacht."
                )
            }
        )
    successor = store.successor_of(session, mandate.id)
    if successor is not None:
        raise InvalidInput(
            {
                "status": (
                    f"Er is al een nieuwe versie van deze volmacht: '{successor.title}'. "
                    "Wijzig die, of maak een nieuwe versie van de laatste versie."
                )
            }
        )
    number = len(versions(session, mandate)) + 1
    base = mandate.title.split(" (versie ")[0]
    suffix = f" (versie {number})"
    copy = Mandate(
        arrangement_id=mandate.arrangement_id,
        predecessor_id=mandate.id,
        **{name: getattr(mandate, name) for name in EDITABLE if name != "phase_ids"},
    )
    copy.title = base[: 300 - len(suffix)] + suffix
    copy.acts = list(mandate.acts)
    copy.ratified_acts = list(mandate.ratified_acts)
    copy.phases = list(mandate.phases)
    copy.grants = [Grant(grantor_id=g.grantor_id, status="draft") for g in mandate.grants]
    session.add(copy)
    session.flush()
    audit.record(
        session,
        actor,
        action="new_version",
        object_type="mandate",
        object_id=copy.id,
        new_values={
            **audit.changed_values({}, snapshot(copy))[1],
            "predecessor_id": mandate.id,
            "grantor_ids": [g.grantor_id for g in copy.grants],
        },
    )
    return copy


def _apply(
    session: Session, mandate: Mandate, arrangement: Arrangement, values: dict[str, Any]
) -> None:
    for name, value in values.items():
        if name != "phase_ids":
            setattr(mandate, name, value)
    wanted = set(values.get("phase_ids", []))
    mandate.phases = [p for p in arrangement.phases if p.id in wanted]


def _problems(
    session: Session,
    arrangement: Arrangement,
    values: dict[str, Any],
    grantor_ids: list[int],
    *,
    mandate: Mandate | None = None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not values.get("acts"):
        problems["acts"] = "Handelingen: kies ten minste één handeling."
    kind = values.get("kind")
    if kind:
        # A volmacht cannot carry a decision, nor a mandaat a private-law act: coverage would
        # never count them, so the register refuses them and names the kind that can.
        wrong = [Act(a) for a in values.get("acts") or [] if not kind_covers(kind, Act(a))]
        if wrong:
            problems["acts"] = f"Handelingen: {wrong_kind(kind, wrong[0])}" + (
                f" Dat geldt ook voor: {', '.join(ACT_LABELS[a] for a in wrong[1:])}."
                if len(wrong) > 1
                else ""
            )
    start, end = values.get("valid_from"), values.get("valid_until")
    if start is not None and end is not None and end < start:
        problems["valid_until"] = (
            "Geldig tot en met: ligt vóór 'geldig vanaf'; een volmacht kan niet eindigen "
            "voordat hij begint."
        )
    own_phases = {p.id for p in arrangement.phases}
    foreign = [i for i in values.get("phase_ids", []) if i not in own_phases]
    if foreign:
        problems["phase_ids"] = (
            f"Fasen: fase {', '.join(map(str, foreign))} hoort niet bij {arrangement.name}."
        )
    if not (values.get("phase_ids") or values.get("includes_extensions") or start is not None):
        problems["phase_ids"] = (
            "Fasen: kies de fasen die de volmacht dekt, 'ook verlengingen', of vul een "
            "geldigheidsperiode in."
        )
    grantee = session.get(Organisation, values["grantee_id"]) if values.get("grantee_id") else None
    if grantee is None and "grantee_id" in values:
        problems["grantee_id"] = "Gevolmachtigde: kies een bestaande organisatie."
    parent_id = values.get("parent_id")
    if parent_id is not None:
        parent = session.get(Mandate, parent_id)
        if parent is None or parent.arrangement_id != arrangement.id:
            problems["parent_id"] = "Hoofdmandaat: kies een mandaat van dezelfde regeling."
        elif mandate is not None and parent.id == mandate.id:
            problems["parent_id"] = (
                "Hoofdmandaat: een mandaat kan niet zijn eigen hoofdmandaat zijn."
            )
    participants = {
        p.organisation_id for p in arrangement.participants if p.organisation.kind == "municipality"
    }
    outsiders = [g for g in grantor_ids if g not in participants]
    if outsiders:
        names = ", ".join(
            o.name if (o := session.get(Organisation, g)) is not None else f"nummer {g}"
            for g in outsiders
        )
        problems["grantor_ids"] = (
            f"Volmachtgevers: {names} neemt niet als gemeente deel aan {arrangement.name}."
        )
    return problems


def record_grant(
    session: Session,
    actor: Actor,
    mandate_id: int,
    grantor_id: int,
    raw: dict[str, Any],
    *,
    expected_version: object,
) -> Grant:
    """Record a grantor's decision: granted on a date, in force, revoked, or expired."""
    actor.require(Permission.EDIT_MANDATES)
    mandate = get_visible(session, actor, mandate_id)
    grant = next((g for g in mandate.grants if g.grantor_id == grantor_id), None)
    if grant is None:
        raise NotFound("Deze gemeente verleent deze volmacht niet.")
    values, errors = fields.read_fields(GRANT_FIELDS, raw, partial=True)
    if errors:
        raise InvalidInput(errors)
    merged = {
        "status": grant.status,
        "granted_on": grant.granted_on,
        "revoked_on": grant.revoked_on,
        "decision_reference": grant.decision_reference,
        **values,
    }
    problems = grant_problems(
        grant.status,
        merged["status"],
        granted_on=merged["granted_on"],
        revoked_on=merged["revoked_on"],
    )
    if problems:
        raise InvalidInput(problems)
    with audit.versioned_change(
        session,
        actor,
        object_type="mandate_grant",
        record=grant,
        expected=expected_version,
        what="dit besluit",
        seen=lambda: {k: getattr(grant, k) for k in GRANT_FIELDS},
    ):
        for name, value in merged.items():
            setattr(grant, name, value)
    return grant


def expiring_within(mandates: Sequence[Mandate], *, today: date, days: int) -> list[Mandate]:
    return [
        m
        for m in mandates
        if m.valid_until is not None
        and today <= m.valid_until <= date.fromordinal(today.toordinal() + days)
    ]


TENDER_ACTS = [Act.PREPARE_TENDER, Act.RUN_TENDER, Act.AWARD_TENDER]


def draft_for_gap(
    session: Session,
    actor: Actor,
    arrangement_id: int,
    *,
    act: Act,
    municipality_ids: Sequence[int],
    valid_from: date,
    ratifies_since: date | None = None,
) -> Mandate:
    """One click from a ``mandate_needed`` signal: a draft mandate to the lead organisation
    covering the missing act, with a draft grant for each municipality that lacks one. A
    private-law act gets a volmacht (BW 3:60), a decision a mandaat (Awb 10:1). A tender's
    volmacht covers the new agreement it leads to as well: one decision for the whole route.
    ``ratifies_since``: the day from which a volmacht ratifies what was done before it
    (BW 3:69), for a gap whose act is done already."""
    arrangement = arrangements.visible(session, actor, arrangement_id)
    existing = draft_in_progress(
        session, actor, arrangement.id, act=act, municipality_ids=municipality_ids
    )
    if existing is not None:
        return existing  # a second click shows the draft in progress, it makes none
    kind = kind_for(act)
    acts = [*TENDER_ACTS, Act.CONCLUDE_AGREEMENT] if act in TENDER_ACTS else [act]
    label = "aanbesteding en nieuwe overeenkomst" if act in TENDER_ACTS else ACT_LABELS[act]
    values: dict[str, Any] = {
        "arrangement_id": arrangement.id,
        "kind": kind.value,
        # No "(concept)" in the title: the title stays when the colleges grant it, and the
        # register tells a draft by its grants ("0 van 13 verleend").
        "title": f"{kind.value.capitalize()} {label} – {arrangement.name}",
        "grantee_id": arrangement.lead_organisation_id,
        "grantee_function": "college van burgemeester en wethouders",
        "acts": [a.value for a in acts],
        "valid_from": valid_from,
        "legal_basis": LEGAL_BASIS[kind],
        "description": f"Opgesteld vanuit het signaal '{needed(kind)}'; vul aan.",
        "grantor_ids": list(municipality_ids),
    }
    if kind is MandateKind.VOLMACHT and ratifies_since is not None and ratifies_since <= valid_from:
        values["ratifies_since"] = ratifies_since
    return create(session, actor, values)


def validity_for_signal(
    session: Session,
    arrangement: Arrangement,
    *,
    act: Act,
    act_on: date,
    municipality_ids: Sequence[int],
    today: date,
) -> GapValidity:
    """From when a mandate drafted for a gap is valid and ratifies: from the act's date, and
    ratified from it when the act is past or when a college can no longer decide before it
    (the agenda of its last meeting before the act has closed, as the signal says)."""
    equated = equated_days.for_terms(session)
    wanted = set(municipality_ids)
    in_time = all(
        today <= plan_backwards(act_on, calendar_of(p.organisation), equated).agenda_closes_on
        for p in arrangement.participants
        if p.organisation_id in wanted
    )
    return validity_for_gap(kind_for(act), act_on, today=today, in_time=in_time)


def draft_for_signal(
    session: Session,
    actor: Actor,
    arrangement_id: int,
    *,
    act: Act,
    act_on: date,
    municipality_ids: Sequence[int],
    today: date,
) -> Mandate:
    """The draft for a gap signal, valid so that it covers the act: see
    ``validity_for_signal``. A draft in progress for the gap is shown, not made again."""
    arrangement = arrangements.visible(session, actor, arrangement_id)
    validity = validity_for_signal(
        session,
        arrangement,
        act=act,
        act_on=act_on,
        municipality_ids=municipality_ids,
        today=today,
    )
    return draft_for_gap(
        session,
        actor,
        arrangement.id,
        act=act,
        municipality_ids=municipality_ids,
        valid_from=validity.valid_from,
        ratifies_since=validity.ratifies_since,
    )


def draft_in_progress(
    session: Session,
    actor: Actor,
    arrangement_id: int,
    *,
    act: Act,
    municipality_ids: Sequence[int],
) -> Mandate | None:
    """The draft a gap already led to: a mandate of the arrangement that names the act, with
    a grant for every municipality of the gap, and no grant of it decided yet."""
    arrangement = arrangements.visible(session, actor, arrangement_id)
    return _draft_among(
        store.list_mandates(session, arrangement_id=arrangement.id), act, municipality_ids
    )


def drafts_in_progress(
    session: Session, actor: Actor, gaps: Sequence[tuple[int, Act | None, Sequence[int]]]
) -> list[int | None]:
    """``draft_in_progress`` for several gaps (arrangement, act, municipalities) at once, as the
    id of the draft: the acts of their arrangements' mandates and the grants of those with a
    gap's act in two reads of plain values, not one per gap nor a mandate object per row (a
    signals page of many)."""
    # Only the arrangements the actor sees, filtered in SQL: the ids of all of them would be a
    # read of their own.
    visible = Mandate.arrangement_id.in_(arrangements.visible_id_query(actor))
    asked: dict[int, set[str]] = defaultdict(set)
    for arrangement_id, act, _ in gaps:
        asked[arrangement_id].add(act.value if act is not None else "")
    per_arrangement: dict[int, list[tuple[int, list[str], dict[int, str]]]] = defaultdict(list)
    if asked:
        grants: dict[int, dict[int, str]] = defaultdict(dict)
        candidates: list[tuple[int, int, list[str]]] = [
            (mandate_id, arrangement_id, acts)
            for mandate_id, arrangement_id, acts in session.execute(
                select(Mandate.id, Mandate.arrangement_id, Mandate.acts)
                .where(Mandate.arrangement_id.in_(sorted(asked)), visible)
                .order_by(Mandate.id)
            )
            if asked[arrangement_id].intersection(acts)
        ]
        # The grants of the mandates that hold a gap's act only: a region's arrangements have
        # a dozen grants to each of their volmachten.
        for mandate_id, grantor_id, status in session.execute(
            select(Grant.mandate_id, Grant.grantor_id, Grant.status).where(
                Grant.mandate_id.in_([mandate_id for mandate_id, _, _ in candidates])
            )
        ):
            grants[mandate_id][grantor_id] = status
        for mandate_id, arrangement_id, acts in candidates:
            per_arrangement[arrangement_id].append((mandate_id, acts, grants[mandate_id]))
    found: list[int | None] = []
    for arrangement_id, act, municipality_ids in gaps:
        found.append(
            next(
                (
                    mandate_id
                    for mandate_id, acts, granted in per_arrangement.get(arrangement_id, [])
                    if act is not None and _is_draft_for(acts, granted, act, municipality_ids)
                ),
                None,
            )
        )
    return found


def _draft_among(
    candidates: Sequence[Mandate], act: Act, municipality_ids: Sequence[int]
) -> Mandate | None:
    for mandate in candidates:
        grants = {g.grantor_id: g.status for g in mandate.grants}
        if _is_draft_for(mandate.acts, grants, act, municipality_ids):
            return mandate
    return None


def _is_draft_for(
    acts: Sequence[str], grants: dict[int, str], act: Act, municipality_ids: Sequence[int]
) -> bool:
    """Whether a mandate with these acts and grants (grantor: status) is the draft of a gap."""
    # Only a mandate nobody has granted yet is a draft in progress: one that others have
    # granted (with one college still deciding) is the register's, not this gap's draft.
    return (
        act.value in acts
        and set(municipality_ids) <= grants.keys()
        and all(status == GrantStatus.DRAFT for status in grants.values())
    )


LEGAL_BASIS = {
    MandateKind.VOLMACHT: (
        "Volmacht naar burgerlijk recht (art. 3:60 BW); het college besluit over "
        "privaatrechtelijke rechtshandelingen (art. 160 lid 1 onder e Gemeentewet). "
        "Substitutie alleen voor zover de volmacht dat toestaat (art. 3:64 BW)."
    ),
    MandateKind.MANDAAT: (
        "Mandaat (art. 10:1 Awb), schriftelijk verleend (art. 10:5 Awb); besluiten worden "
        "genomen namens het college (art. 10:10 Awb). Werkt de gemandateerde niet onder "
        "verantwoordelijkheid van het college, dan stemmen hij en wie hem aanstuurt in "
        "(art. 10:4 Awb). Ondermandaat alleen als dit mandaat het toestaat (art. 10:9 Awb)."
    ),
}
