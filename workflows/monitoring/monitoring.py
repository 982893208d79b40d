"""The figures behind evaluations and extension decisions, and the costs per municipality."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from storage import agreements as agreement_store
from storage import monitoring as store
from storage.arrangements import Arrangement, Bed
from storage.monitoring import ClientCount, RequestFigure
from storage.organisations import Organisation
from workflows.actors import Actor
from workflows.errors import InvalidInput
from workflows.registers import arrangements
from workflows.registers.coverage import municipalities_of
from workflows.rules import costs as rule
from workflows.rules import fields
from workflows.rules.roles import Permission


@dataclass(frozen=True)
class BedFigure:
    bed: Bed
    available_days: int
    occupied_days: int

    @property
    def occupancy(self) -> float:
        return round(self.occupied_days / self.available_days, 3) if self.available_days else 0.0


@dataclass(frozen=True)
class Figures:
    arrangement: Arrangement
    year: int
    requests: list[RequestFigure]
    requested: int
    placed: int
    not_placed: int
    unknown: int
    cancelled: int
    days_wmo: int
    days_wlz: int
    beds: list[BedFigure]
    clients: list[ClientCount]

    @property
    def placement_rate(self) -> float:
        return round(self.placed / self.requested, 3) if self.requested else 0.0


# The years monitoring figures are kept for.
YEAR = fields.Whole("Jaar", minimum=2000, maximum=2100)


def read_year(raw: str | int | None, *, default: int) -> int:
    if raw in (None, ""):
        return default
    year = fields.whole_or_none(str(raw), minimum=YEAR.minimum, maximum=YEAR.maximum)
    if year is None:
        raise InvalidInput({"year": "Jaar: kies een jaar, bijvoorbeeld 2025."})
    return year


def _stay_days_in_year(start: date, end: date, year: int) -> int:
    return rule.stays_per_year([(start, end)], year)


def figures(session: Session, actor: Actor, arrangement_id: int, *, year: int) -> Figures:
    actor.require(Permission.VIEW_SIGNALS)  # officers: providers see no municipal figures
    arrangement = arrangements.visible(session, actor, arrangement_id)
    requests = list(store.requests_of(session, arrangement.id, year))
    stays = store.stays_of(session, arrangement.id)
    days = {"wmo": 0, "wlz": 0}
    per_bed: dict[int, int] = defaultdict(int)
    for stay in stays:
        counted = _stay_days_in_year(stay.start_on, stay.end_on, year)
        days[stay.financing] += counted
        per_bed[stay.bed_id] += counted
    beds = [
        BedFigure(
            bed, rule.available_days(year, bed.available_from, bed.available_until), per_bed[bed.id]
        )
        for bed in arrangement.beds
        if rule.available_days(year, bed.available_from, bed.available_until) > 0
    ]
    return Figures(
        arrangement=arrangement,
        year=year,
        requests=requests,
        requested=sum(r.requested for r in requests),
        placed=sum(r.placed for r in requests),
        not_placed=sum(r.not_placed for r in requests),
        unknown=sum(r.unknown for r in requests),
        cancelled=sum(r.cancelled for r in requests),
        days_wmo=days["wmo"],
        days_wlz=days["wlz"],
        beds=beds,
        clients=sorted(
            store.clients_of(session, arrangement.id, year), key=lambda c: c.municipality.name
        ),
    )


@dataclass(frozen=True)
class CostRow:
    municipality: Organisation
    occupied_days: int
    occupied_cost: Decimal
    vacancy_share: Decimal
    housing_share: Decimal
    total: Decimal
    budget: Decimal | None
    budget_source: str
    key_share: Decimal = Decimal("0.00")

    @property
    def budget_remaining(self) -> Decimal | None:
        """Budget minus realisation: negative when the municipality is short."""
        return None if self.budget is None else self.budget - self.total


@dataclass(frozen=True)
class Costs:
    year: int
    rows: list[CostRow]
    total: Decimal
    vacant_days: int
    bed_days: int
    rule: str

    @property
    def short(self) -> list[CostRow]:
        """The municipalities whose budget does not cover their share: the question "is the
        budget enough?" that every evaluation and extension decision asks."""
        return [r for r in self.rows if r.budget_remaining is not None and r.budget_remaining < 0]


def _tariffs(session: Session, arrangement: Arrangement) -> dict[int, tuple[Decimal, Decimal]]:
    """Per provider: the tariffs per occupied and per vacant day of its agreement."""
    found: dict[int, tuple[Decimal, Decimal]] = {}
    for agreement in agreement_store.list_agreements(session, arrangement_ids=[arrangement.id]):
        occupied = agreement.tariff_occupied_day or Decimal(0)
        vacant = (
            agreement.tariff_vacant_day if agreement.tariff_vacant_day is not None else occupied
        )
        found.setdefault(agreement.provider_id, (occupied, vacant))
    return found


def costs(session: Session, actor: Actor, arrangement_id: int, *, year: int) -> Costs:
    """The arrangement's cost rule, exact to the cent. Twente: residents' Wmo days × the tariff
    of the bed's provider, charged to the municipality of residence; the vacant days of the Wmo
    beds × the vacancy tariff, split over all participating municipalities by inhabitants.
    Hoeksche Waard: the same stay charge per used day, and housing for every available day
    (the agreement's second tariff) split by inhabitants, occupied or not. Subsidy by key: the
    Twente amounts of all municipalities together, split by inhabitants."""
    actor.require(Permission.VIEW_SIGNALS)
    arrangement = arrangements.visible(session, actor, arrangement_id)
    municipalities = municipalities_of(arrangement)
    missing = [m.name for m in municipalities if not m.inhabitants]
    if missing:
        raise InvalidInput(
            {
                "year": "Inwoners ontbreken voor "
                + ", ".join(missing)
                + "; de verdeelsleutel kan niet."
            }
        )
    inhabitants = {m.id: int(m.inhabitants or 0) for m in municipalities}
    tariffs = _tariffs(session, arrangement)
    stays = store.stays_of(session, arrangement.id)
    occupied_cents: dict[int, int] = defaultdict(int)
    occupied_days: dict[int, int] = defaultdict(int)
    # Vacancy (Twente) or housing (Hoeksche Waard): the part split by inhabitants.
    fixed_cents: dict[int, int] = defaultdict(int)
    housing = arrangement.cost_rule == rule.CostRule.HOUSING_AND_STAY
    by_key = arrangement.cost_rule == rule.CostRule.SUBSIDY_BY_KEY
    pooled_cents = 0
    bed_days = vacant_days = 0
    for bed in arrangement.beds:
        available = rule.available_days(year, bed.available_from, bed.available_until)
        if available == 0:
            continue
        occupied_tariff, vacant_tariff = tariffs.get(
            bed.location.provider_id, (Decimal(0), Decimal(0))
        )
        in_bed = [s for s in stays if s.bed_id == bed.id]
        for stay in in_bed:
            if stay.financing != rule.Financing.WMO:
                continue
            counted = _stay_days_in_year(stay.start_on, stay.end_on, year)
            occupied_days[stay.municipality_id] += counted
            occupied_cents[stay.municipality_id] += rule.to_cents(occupied_tariff * counted)
        if bed.financing != rule.Financing.WMO:
            continue
        used = sum(_stay_days_in_year(s.start_on, s.end_on, year) for s in in_bed)
        if used > available:
            raise InvalidInput(
                {
                    "year": f"{bed.location.name}: {used} ligdagen in {year}, maar het bed was "
                    f"{available} dagen beschikbaar."
                }
            )
        bed_days += available
        vacant_days += available - used
        fixed_days = available if housing else available - used
        if by_key:
            pooled_cents += rule.to_cents(vacant_tariff * fixed_days)
            continue
        shares = rule.split_by_weight(rule.to_cents(vacant_tariff * fixed_days), inhabitants)
        for municipality_id, cents in shares.items():
            fixed_cents[municipality_id] += cents
    key_cents: dict[int, int] = {}
    if by_key:
        # Everything the beds cost this year, occupied and vacant, is one pool split by
        # inhabitants: what a municipality's residents used no longer matters.
        pooled_cents += sum(occupied_cents.values())
        key_cents = rule.split_by_weight(pooled_cents, inhabitants)
        occupied_cents = defaultdict(int)
    budgets = {(b.municipality_id, b.year): b for b in arrangement.budgets}
    rows = []
    for municipality in municipalities:
        budget = budgets.get((municipality.id, year))
        occupied = occupied_cents.get(municipality.id, 0)
        fixed = fixed_cents.get(municipality.id, 0)
        keyed = key_cents.get(municipality.id, 0)
        rows.append(
            CostRow(
                municipality=municipality,
                occupied_days=occupied_days.get(municipality.id, 0),
                occupied_cost=rule.from_cents(occupied),
                vacancy_share=rule.from_cents(0 if housing else fixed),
                housing_share=rule.from_cents(fixed if housing else 0),
                total=rule.from_cents(occupied + fixed + keyed),
                budget=budget.amount if budget else None,
                budget_source=budget.source if budget else "",
                key_share=rule.from_cents(keyed),
            )
        )
    total = rule.from_cents(sum(rule.to_cents(r.total) for r in rows))
    return Costs(year, rows, total, vacant_days, bed_days, arrangement.cost_rule)
