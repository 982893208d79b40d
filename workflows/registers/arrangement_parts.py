"""The parts of an arrangement that the project group keeps up to date: phase dates,
evaluation moments, capacity (beds at locations) and the budget per municipality and year."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage import arrangements as store
from storage.arrangements import (
    Arrangement,
    Bed,
    BudgetLine,
    CostLine,
    EvaluationMoment,
    Location,
    Phase,
    cost_lines_of,
)
from storage.organisations import Organisation
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.registers.arrangements import FINANCING_LABELS, visible
from workflows.rules import fields
from workflows.rules.costs import CostLineKind
from workflows.rules.dutch_format import long_date
from workflows.rules.roles import Permission

PHASE_DATES: dict[str, fields.Reader] = {
    "name": fields.Text("Naam van de fase", max_length=200, required=True),
    "start_on": fields.Day("Begindatum", required=True),
    "end_on": fields.Day("Einddatum (t/m)", required=True),
}
MOMENT_FIELDS: dict[str, fields.Reader] = {
    "name": fields.Text("Evaluatiemoment", max_length=200, required=True),
    "due_on": fields.Day("Datum", required=True),
    "description": fields.Text("Toelichting", max_length=2000, multiline=True),
}
BED_FIELDS: dict[str, fields.Reader] = {
    "provider_id": fields.Whole("Zorgaanbieder", minimum=1, maximum=2**31 - 1, required=True),
    "location": fields.Text("Locatie", max_length=200, required=True),
    "care_type": fields.Text("Soort zorg", max_length=200),
    "financing": fields.Choice("Financiering", FINANCING_LABELS),
    "available_from": fields.Day("Beschikbaar vanaf", required=True),
    "available_until": fields.Day("Beschikbaar tot en met"),
}
BUDGET_FIELDS: dict[str, fields.Reader] = {
    "municipality_id": fields.Whole("Gemeente", minimum=1, maximum=2**31 - 1, required=True),
    "year": fields.Whole("Jaar", minimum=2000, maximum=2100, required=True),
    "amount": fields.Money("Bedrag", required=True),
    "source": fields.Text("Dekking", max_length=300),
}


def _editable(session: Session, actor: Actor, arrangement_id: int) -> Arrangement:
    actor.require(Permission.EDIT_ARRANGEMENTS)
    return visible(session, actor, arrangement_id)


def _read(readers: dict[str, fields.Reader], raw: dict[str, Any]) -> dict[str, Any]:
    values, errors = fields.read_fields(readers, raw)
    if errors:
        raise InvalidInput(errors)
    return values


def update_phase(
    session: Session, actor: Actor, arrangement_id: int, phase_id: int, raw: dict[str, Any]
) -> Phase:
    arrangement = _editable(session, actor, arrangement_id)
    phase = next((p for p in arrangement.phases if p.id == phase_id), None)
    if phase is None:
        raise NotFound("Deze fase hoort niet bij deze regeling.")
    values = _read(PHASE_DATES, raw)
    if values["end_on"] < values["start_on"]:
        raise InvalidInput({"end_on": "Einddatum: ligt vóór de begindatum van de fase."})
    for other in arrangement.phases:
        if (
            other.id != phase.id
            and other.start_on <= values["end_on"]
            and values["start_on"] <= other.end_on
        ):
            raise InvalidInput(
                {
                    "start_on": (
                        f"Begindatum: de fase overlapt met {other.name} "
                        f"({long_date(other.start_on)} t/m {long_date(other.end_on)})."
                    )
                }
            )
    before = {k: getattr(phase, k) for k in PHASE_DATES}
    for name, value in values.items():
        setattr(phase, name, value)
    session.flush()
    audit.record_update(
        session,
        actor,
        object_type="phase",
        object_id=phase.id,
        before=before,
        after={k: getattr(phase, k) for k in PHASE_DATES},
        version=arrangement.version,
    )
    return phase


def add_evaluation_moment(
    session: Session, actor: Actor, arrangement_id: int, raw: dict[str, Any]
) -> EvaluationMoment:
    arrangement = _editable(session, actor, arrangement_id)
    values = _read(MOMENT_FIELDS, raw)
    moment = EvaluationMoment(**values)
    arrangement.evaluation_moments.append(moment)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="evaluation_moment",
        object_id=moment.id,
        new_values={"arrangement_id": arrangement.id, **audit.changed_values({}, values)[1]},
    )
    return moment


def remove_evaluation_moment(
    session: Session, actor: Actor, arrangement_id: int, moment_id: int
) -> None:
    arrangement = _editable(session, actor, arrangement_id)
    moment = next((m for m in arrangement.evaluation_moments if m.id == moment_id), None)
    if moment is None:
        return  # already gone: removing twice does nothing the second time
    audit.record(
        session,
        actor,
        action="delete",
        object_type="evaluation_moment",
        object_id=moment.id,
        old_values={"name": moment.name, "due_on": moment.due_on.isoformat()},
    )
    arrangement.evaluation_moments.remove(moment)
    session.flush()


def add_bed(session: Session, actor: Actor, arrangement_id: int, raw: dict[str, Any]) -> Bed:
    arrangement = _editable(session, actor, arrangement_id)
    values = _read(BED_FIELDS, raw)
    provider = session.get(Organisation, values["provider_id"])
    if (
        provider is None
        or provider.kind != "provider"
        or provider.id not in {p.organisation_id for p in arrangement.participants}
    ):
        raise InvalidInput(
            {"provider_id": f"Zorgaanbieder: kies een aanbieder van {arrangement.name}."}
        )
    until = values.get("available_until")
    if until is not None and until < values["available_from"]:
        raise InvalidInput(
            {"available_until": "Beschikbaar tot en met: ligt vóór 'beschikbaar vanaf'."}
        )
    location = store.find_location(session, provider.id, values["location"])
    if location is None:
        location = Location(
            provider_id=provider.id, name=values["location"], care_type=values["care_type"] or ""
        )
        session.add(location)
        session.flush()
    bed = Bed(
        location_id=location.id,
        financing=values["financing"],
        available_from=values["available_from"],
        available_until=until,
    )
    arrangement.beds.append(bed)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="bed",
        object_id=bed.id,
        new_values={
            "arrangement_id": arrangement.id,
            "location": location.name,
            "provider": provider.name,
            "financing": bed.financing,
            "available_from": bed.available_from.isoformat(),
            "available_until": until.isoformat() if until else None,
        },
    )
    return bed


def close_bed(
    session: Session, actor: Actor, arrangement_id: int, bed_id: int, raw: dict[str, Any]
) -> Bed:
    """A bed is not deleted (its history feeds occupancy figures) but closed from a date."""
    arrangement = _editable(session, actor, arrangement_id)
    bed = next((b for b in arrangement.beds if b.id == bed_id), None)
    if bed is None:
        raise NotFound("Dit bed hoort niet bij deze regeling.")
    values = _read({"available_until": fields.Day("Beschikbaar tot en met", required=True)}, raw)
    if values["available_until"] < bed.available_from:
        raise InvalidInput(
            {"available_until": "Beschikbaar tot en met: ligt vóór 'beschikbaar vanaf'."}
        )
    before = {"available_until": bed.available_until}
    bed.available_until = values["available_until"]
    session.flush()
    audit.record_update(
        session,
        actor,
        object_type="bed",
        object_id=bed.id,
        before=before,
        after={"available_until": bed.available_until},
        version=arrangement.version,
    )
    return bed


def set_budget(
    session: Session, actor: Actor, arrangement_id: int, raw: dict[str, Any]
) -> BudgetLine:
    """Set one municipality's budget for one year (a second entry for the same year replaces
    the first, so a double submit creates nothing twice)."""
    arrangement = _editable(session, actor, arrangement_id)
    values = _read(BUDGET_FIELDS, raw)
    municipalities = {
        p.organisation_id for p in arrangement.participants if p.organisation.kind == "municipality"
    }
    if values["municipality_id"] not in municipalities:
        raise InvalidInput(
            {"municipality_id": f"Gemeente: kies een gemeente van {arrangement.name}."}
        )
    line = next(
        (
            b
            for b in arrangement.budgets
            if b.municipality_id == values["municipality_id"] and b.year == values["year"]
        ),
        None,
    )
    before = {"amount": line.amount, "source": line.source} if line else {}
    if line is None:
        line = BudgetLine(
            municipality_id=values["municipality_id"],
            year=values["year"],
            amount=values["amount"],
            source=values["source"] or "",
        )
        arrangement.budgets.append(line)
    else:
        line.amount = values["amount"]
        line.source = values["source"] or ""
    session.flush()
    audit.record(
        session,
        actor,
        action="update" if before else "create",
        object_type="budget_line",
        object_id=line.id,
        old_values=audit.changed_values({}, before)[1] if before else None,
        new_values={
            "arrangement_id": arrangement.id,
            "municipality_id": line.municipality_id,
            "year": line.year,
            "amount": f"{line.amount:.2f}",
            "source": line.source,
        },
    )
    return line


COST_LINE_LABELS = CostLineKind.labels()
COST_LINE_FIELDS: dict[str, fields.Reader] = {
    "year": fields.Whole("Jaar", minimum=2000, maximum=2100, required=True),
    "kind": fields.Choice("Kostenpost", COST_LINE_LABELS),
    "label": fields.Text("Omschrijving (bij overig)", max_length=200),
    "municipality_id": fields.Whole(
        "Gemeente (leeg: de hele regeling)", minimum=1, maximum=2**31 - 1, required=False
    ),
    "budget": fields.Money("Begroting", required=True),
    "realised": fields.Money("Realisatie (leeg bij bedkosten: berekend)", required=False),
    "source": fields.Text("Dekking", max_length=300),
}


def set_cost_line(
    session: Session, actor: Actor, arrangement_id: int, raw: dict[str, Any]
) -> CostLine:
    """Sets one line; the same line again (year, scope, kind, label) replaces it, so a double
    submit creates nothing twice."""
    arrangement = _editable(session, actor, arrangement_id)
    values = _read(COST_LINE_FIELDS, raw)
    municipality_id = values["municipality_id"]
    if municipality_id is not None and municipality_id not in {
        p.organisation_id for p in arrangement.participants if p.organisation.kind == "municipality"
    }:
        raise InvalidInput(
            {"municipality_id": f"Gemeente: kies een gemeente van {arrangement.name}."}
        )
    if values["kind"] == "other" and not values["label"]:
        raise InvalidInput({"label": "Omschrijving: noem de kostenpost."})
    scope_key = municipality_id or 0
    label = values["label"] or ""
    line = next(
        (
            c
            for c in cost_lines_of(session, arrangement.id, values["year"])
            if c.scope_key == scope_key and c.kind == values["kind"] and c.label == label
        ),
        None,
    )
    before = {"budget": line.budget, "realised": line.realised} if line else {}
    if line is None:
        line = CostLine(
            arrangement_id=arrangement.id,
            year=values["year"],
            municipality_id=municipality_id,
            scope_key=scope_key,
            kind=values["kind"],
            label=label,
            budget=values["budget"],
        )
        session.add(line)
    line.budget = values["budget"]
    line.realised = values["realised"]
    line.source = values["source"] or ""
    session.flush()
    audit.record(
        session,
        actor,
        action="update" if before else "create",
        object_type="cost_line",
        object_id=line.id,
        old_values={k: str(v) for k, v in before.items()} if before else None,
        new_values={"budget": str(line.budget), "realised": str(line.realised)},
    )
    return line
