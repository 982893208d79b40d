"""What each document kind is filled with, read from the registers and the dossier.

Every value is a finished Dutch text (``27 mei 2025``, ``€ 285,00``, ``Ja``): templates do no
formatting, so a template author cannot get a date or an amount wrong. The names are those of
``workflows.rules.document_fields``; a test checks that each builder fills exactly its
kind's catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.agreements import Agreement
from storage.arrangements import Arrangement
from storage.decisions import Decision, Effect
from storage.mandates import Mandate
from storage.monitoring import RequestFigure
from storage.organisations import Organisation
from workflows.documents.engine.docx_render import Picture
from workflows.documents.engine.report_charts import Bar, bar_chart
from workflows.errors import InvalidInput
from workflows.monitoring import monitoring
from workflows.registers import coverage
from workflows.rules.acts import Act, MandateKind, the
from workflows.rules.agreements import KIND_LABELS as AGREEMENT_KIND_LABELS
from workflows.rules.costs import COST_RULE_LABELS
from workflows.rules.document_fields import KIND_LABELS, MANDATE_DOCUMENT_TITLES
from workflows.rules.dutch_format import (
    BLANK_LINE,
    long_date,
    long_date_or_blank,
    money,
    numbered_items,
    percentage,
    yes_no,
)
from workflows.rules.phases import phase_status_on

_MUNICIPALITY_MISSING = "Kies de gemeente waarvoor het document gemaakt wordt."
_ACT_WORDS = Act.labels()


@dataclass(frozen=True)
class Filled:
    """A kind's values for one subject and party, with what the document row records."""

    context: dict[str, Any]
    title: str
    party: Organisation | None
    provider_id: int | None
    # Principals a document would have named but may not, each "Gemeente: reden" (Dutch).
    left_out: tuple[str, ...] = ()


def agendaformulier(decision: Decision, arrangement: Arrangement | None, *, today: date) -> Filled:
    municipality = decision.municipality
    gemeente = (
        municipality.name
        if municipality is not None
        else (arrangement.lead_organisation.name if arrangement else "")
    )
    context = {
        "opgemaakt_op": long_date(today),
        "plaats": gemeente,
        "gemeente": gemeente,
        "regeling": arrangement.name if arrangement else "",
        "vergaderdatum": long_date_or_blank(decision.meeting_on),
        "portefeuillehouder": decision.portfolio_holder,
        "agendaletter": decision.agenda_letter,
        "onderwerp": decision.subject,
        "openbaar": yes_no(decision.public),
        "organisatieonderdeel": decision.department,
        "corsanummer": decision.corsa_number,
        "schrijver": decision.author,
        "casenummer": decision.case_number,
        "urgentie": decision.urgency,
        "raadsbesluit_nodig": yes_no(decision.council_decision_needed),
        "raad_informeren": yes_no(decision.inform_council),
        # One co-adviser per line, as on the paper form (a name with its unit holds commas).
        "mee_geadviseerd_door": "\n".join(decision.co_advisers),
        "advies_gemeentesecretaris": decision.secretary_advice,
        "conceptbesluit": numbered_items(decision.draft_decision),
        "publieksvriendelijke_samenvatting": decision.public_summary,
        "besluit_datum": long_date_or_blank(decision.decided_on),
        "inleiding": decision.introduction,
        "gewenst_effect": decision.desired_effect,
        "argumenten": numbered_items(decision.arguments),
        "risicos": decision.risks,
        "kosten": decision.costs,
        "alternatieven": decision.alternatives,
        "participatie": decision.participation,
        "communicatie": decision.communication,
        "persbericht": yes_no(decision.press_release),
        "vervolg": decision.follow_up,
        "bijlagen": [
            {
                "nummer": str(number),
                "titel": str(annex.get("description", "")),
                "college": yes_no(bool(annex.get("college"))),
                "raad": yes_no(bool(annex.get("council"))),
                "niet_actief_publiceren": yes_no(bool(annex.get("not_public"))),
                "geheim": yes_no(bool(annex.get("secret"))),
            }
            for number, annex in enumerate(decision.annexes, start=1)
        ],
    }
    title = f"{KIND_LABELS['agendaformulier']} {gemeente}: {decision.subject}"
    return Filled(context, title[:400], municipality, None)


def volmacht(mandate: Mandate, municipality: Organisation | None, *, today: date) -> Filled:
    if municipality is None:
        raise InvalidInput({"party_id": _MUNICIPALITY_MISSING})
    grant = next((g for g in mandate.grants if g.grantor_id == municipality.id), None)
    if grant is None:
        raise InvalidInput(
            {
                "party_id": f"{municipality.name} staat niet bij de volmachtgevers van dit "
                "mandaat; voeg de gemeente eerst toe."
            }
        )
    arrangement = mandate.arrangement
    heading = MANDATE_DOCUMENT_TITLES.get(mandate.kind, KIND_LABELS["volmacht"])
    # Awb 10:4: a mandatary outside the grantor's own organisation must consent (and whoever
    # it works under); a volmacht (BW 3:60) is granted without the attorney's consent.
    consent = (
        ""
        if mandate.kind == MandateKind.VOLMACHT
        else yes_no(mandate.grantee_id != municipality.id)
    )
    context = {
        "opgemaakt_op": long_date(today),
        "plaats": municipality.name,
        "soort": mandate.kind,
        "documentsoort": heading,
        "soort_met_lidwoord": the(mandate.kind),
        "gemeente": municipality.name,
        "gevolmachtigde": mandate.grantee.name,
        "gevolmachtigde_functie": mandate.grantee_function,
        "regeling": arrangement.name,
        "titel": mandate.title,
        "omschrijving": mandate.description,
        "handelingen": [_ACT_WORDS.get(act, act) for act in mandate.acts],
        "fasen": [
            {"naam": p.name, "van": long_date(p.start_on), "tot": long_date(p.end_on)}
            for p in mandate.phases
        ],
        "geldig_van": long_date_or_blank(mandate.valid_from),
        "geldig_tot": long_date_or_blank(mandate.valid_until),
        "plafond": money(mandate.ceiling) if mandate.ceiling is not None else "geen plafond",
        "ondermandaat": "toegestaan" if mandate.sub_mandate_allowed else "niet toegestaan",
        "verlengingen": yes_no(mandate.includes_extensions),
        "instemming_nodig": consent,
        "grondslag": mandate.legal_basis,
        "bekrachtiging_sinds": (
            long_date(mandate.ratifies_since) if mandate.ratifies_since is not None else ""
        ),
        "bekrachtigde_handelingen": list(mandate.ratified_acts),
        "besluit_datum": long_date_or_blank(grant.granted_on),
        "besluit_kenmerk": grant.decision_reference,
    }
    title = f"{heading} {municipality.name}: {mandate.title}"
    return Filled(context, title[:400], municipality, None)


def _participants(arrangement: Arrangement) -> list[Organisation]:
    return sorted(
        (p.organisation for p in arrangement.participants if p.organisation.kind == "municipality"),
        key=lambda organisation: organisation.name,
    )


def inkoopovereenkomst(
    agreement: Agreement, principals: Sequence[coverage.Row], *, today: date
) -> Filled:
    """The agreement names as principals only the municipalities the contracting party may
    conclude it for on its start date (BW 3:60: acting in another's name needs authority);
    the others are left out and said so, and with none at all it is refused."""
    arrangement = agreement.arrangement
    lead = agreement.contracting_party
    others = [row for row in principals if row.municipality.id != lead.id]
    covered = [row for row in others if row.answer.covered]
    left_out = tuple(
        f"{row.municipality.name}: {row.answer.reason}" for row in others if not row.answer.covered
    )
    if others and not covered:
        raise InvalidInput(
            {
                "kind": f"{lead.name} mag deze overeenkomst op "
                f"{long_date(agreement.start_on)} voor geen enkele andere gemeente sluiten. "
                + " ".join(left_out)
            }
        )
    represented = [row.municipality.name for row in covered]
    represented_ids = {row.municipality.id for row in covered}
    powers = [
        {
            "gemeente": grant.grantor.name,
            "datum": long_date_or_blank(grant.granted_on),
            "kenmerk": grant.decision_reference or BLANK_LINE,
        }
        for mandate in agreement.mandates
        for grant in sorted(mandate.grants, key=lambda g: g.grantor.name)
        if grant.status in ("granted", "active") and grant.grantor_id in represented_ids
    ]
    context = {
        "opgemaakt_op": long_date(today),
        "plaats": lead.name,
        "kenmerk": agreement.reference,
        "titel": agreement.title,
        "soort": AGREEMENT_KIND_LABELS.get(agreement.kind, "overeenkomst").capitalize(),
        "regeling": arrangement.name,
        "opdrachtgever": lead.name,
        "gemeenten": represented,
        "aanbieder": agreement.provider.name,
        "ingangsdatum": long_date(agreement.start_on),
        "einddatum": long_date(agreement.end_on),
        "uiterste_einddatum": long_date(agreement.maximum_end_on),
        "verlengingen": str(agreement.extension_count),
        "verlenging_maanden": str(agreement.extension_months),
        "opzegtermijn_maanden": str(agreement.notice_months),
        "tarief_bezet": _tariff(agreement.tariff_occupied_day),
        "tarief_leeg": _tariff(agreement.tariff_vacant_day),
        "indexering": agreement.indexation or "geen indexering afgesproken",
        "bedden": [
            {
                "locatie": bed.location.name,
                "zorgsoort": bed.location.care_type,
                "financiering": bed.financing.capitalize() if bed.financing else "",
                "vanaf": long_date(bed.available_from),
                "tot": long_date(bed.available_until) if bed.available_until else "doorlopend",
            }
            for bed in sorted(agreement.beds, key=lambda b: (b.location.name, b.id))
        ],
        "volmachten": powers,
    }
    title = f"{context['soort']} {agreement.reference} {agreement.provider.name}"
    return Filled(context, title[:400], agreement.provider, agreement.provider_id, left_out)


def _tariff(amount: Any) -> str:
    return money(amount) if amount is not None else "niet van toepassing"


def verlengingsbrief(session: Session, agreement: Agreement, *, today: date) -> Filled:
    if agreement.extensions_used == 0:
        raise InvalidInput(
            {
                "kind": "Er is nog geen verlengingsoptie van deze overeenkomst gebruikt; "
                "een verlengingsbrief volgt op een besluit tot verlengen."
            }
        )
    decided_on = session.scalar(
        select(Decision.decided_on)
        .join(Effect, Effect.decision_id == Decision.id)
        .where(Effect.agreement_id == agreement.id, Decision.decided_on.is_not(None))
        .order_by(Decision.decided_on.desc())
        .limit(1)
    )
    lead = agreement.contracting_party
    context = {
        "opgemaakt_op": long_date(today),
        "plaats": lead.name,
        "aanbieder": agreement.provider.name,
        "opdrachtgever": lead.name,
        "kenmerk": agreement.reference,
        "titel": agreement.title,
        "regeling": agreement.arrangement.name,
        "ingangsdatum": long_date(agreement.start_on),
        "nieuwe_einddatum": long_date(agreement.end_on),
        "verlenging_nummer": str(agreement.extensions_used),
        "verlengingen": str(agreement.extension_count),
        "resterende_verlengingen": str(agreement.extension_count - agreement.extensions_used),
        "uiterste_einddatum": long_date(agreement.maximum_end_on),
        "besluit_datum": long_date_or_blank(decided_on),
    }
    title = f"{KIND_LABELS['verlengingsbrief']} {agreement.reference} {agreement.provider.name}"
    return Filled(context, title[:400], agreement.provider, agreement.provider_id)


def raadsinformatiebrief(
    arrangement: Arrangement, municipality: Organisation | None, *, today: date
) -> Filled:
    if municipality is None:
        raise InvalidInput({"party_id": _MUNICIPALITY_MISSING})
    participants = _participants(arrangement)
    if municipality.id not in {o.id for o in participants}:
        raise InvalidInput(
            {"party_id": f"{municipality.name} neemt niet deel aan {arrangement.name}."}
        )
    budget = next(
        (
            line
            for line in arrangement.budgets
            if line.municipality_id == municipality.id and line.year == today.year
        ),
        None,
    )
    successor = arrangement.successor_description or (
        f"Een vervolg per {long_date(arrangement.successor_start_on)}"
        if arrangement.successor_start_on
        else "Nog niet besloten"
    )
    context = {
        "opgemaakt_op": long_date(today),
        "plaats": municipality.name,
        "gemeente": municipality.name,
        "regeling": arrangement.name,
        "omschrijving": arrangement.description,
        "penvoerder": arrangement.lead_organisation.name,
        "gemeenten": [o.name for o in participants],
        "aantal_gemeenten": str(len(participants)),
        "fasen": [
            {
                "naam": phase.name,
                "van": long_date(phase.start_on),
                "tot": long_date(phase.end_on),
                "status": phase_status_on(phase.start_on, phase.end_on, today=today).label,
            }
            for phase in arrangement.phases
        ],
        "evaluatiemomenten": [
            {"naam": moment.name, "datum": long_date(moment.due_on)}
            for moment in arrangement.evaluation_moments
        ],
        "aantal_bedden": str(len(arrangement.beds)),
        "budget": (
            f"{money(budget.amount)} in {budget.year}"
            + (f" ({budget.source})" if budget.source else "")
            if budget is not None
            else "niet vastgelegd"
        ),
        "opvolging": successor,
    }
    title = f"{KIND_LABELS['raadsinformatiebrief']} {municipality.name}: {arrangement.name}"
    return Filled(context, title[:400], municipality, None)


def _rate(row: RequestFigure) -> float:
    return row.placed / row.requested if row.requested else 0.0


def _charts(figures: monitoring.Figures, costs: monitoring.Costs) -> dict[str, Picture]:
    """The report's charts, drawn from the same figures as its tables."""
    requests = sorted(figures.requests, key=lambda r: r.provider.name)
    placement = [Bar(r.provider.name, _rate(r), percentage(_rate(r))) for r in requests]
    occupancy = [
        Bar(
            f"{b.bed.location.name} ({b.bed.financing.capitalize()})",
            b.occupancy,
            percentage(b.occupancy),
        )
        for b in figures.beds
    ]
    amounts = [float(r.total) for r in costs.rows]
    amounts += [float(r.budget) for r in costs.rows if r.budget is not None]
    spending = [
        Bar(
            r.municipality.name,
            float(r.total),
            money(r.total),
            marker=float(r.budget) if r.budget is not None else None,
            marker_text=money(r.budget) if r.budget is not None else "",
        )
        for r in costs.rows
    ]
    return {
        "grafiek_plaatsing": bar_chart("Plaatsingspercentage per aanbieder", placement, scale=1.0),
        "grafiek_bezetting": bar_chart("Bezettingsgraad per bed", occupancy, scale=1.0),
        "grafiek_kosten": bar_chart(
            "Kosten per gemeente", spending, scale=max(amounts, default=0.0), marker_name="budget"
        ),
    }


def _shortfall(row: monitoring.CostRow) -> str:
    remaining = row.budget_remaining
    return f"{money(-remaining)} tekort" if remaining is not None else ""


def _amount(amount: Decimal | None) -> str:
    return money(amount) if amount is not None else "niet vastgelegd"


def evaluatierapportage(
    arrangement: Arrangement,
    figures: monitoring.Figures,
    costs: monitoring.Costs,
    *,
    today: date,
) -> Filled:
    year = figures.year
    moments = sorted(arrangement.evaluation_moments, key=lambda m: m.due_on)
    moment = next((m for m in moments if m.due_on.year >= year), moments[-1] if moments else None)
    short = costs.short
    context = {
        "opgemaakt_op": long_date(today),
        "plaats": arrangement.lead_organisation.name,
        "regeling": arrangement.name,
        "penvoerder": arrangement.lead_organisation.name,
        "aantal_gemeenten": str(len(_participants(arrangement))),
        "jaar": str(year),
        "evaluatiemoment": (
            f"{moment.name} ({long_date(moment.due_on)})"
            if moment is not None
            else "geen evaluatiemoment vastgelegd"
        ),
        "aanvragen": str(figures.requested),
        "geplaatst": str(figures.placed),
        "niet_geplaatst": str(figures.not_placed),
        "onbekend": str(figures.unknown),
        "geannuleerd": str(figures.cancelled),
        "plaatsingspercentage": percentage(figures.placement_rate),
        "aanvragen_per_aanbieder": [
            {
                "aanbieder": row.provider.name,
                "aanvragen": str(row.requested),
                "geplaatst": str(row.placed),
                "niet_geplaatst": str(row.not_placed),
                "percentage": percentage(_rate(row)),
            }
            for row in sorted(figures.requests, key=lambda r: r.provider.name)
        ],
        "ligdagen_wmo": str(figures.days_wmo),
        "ligdagen_wlz": str(figures.days_wlz),
        "ligdagen_totaal": str(figures.days_wmo + figures.days_wlz),
        "bedden": [
            {
                "locatie": bed.bed.location.name,
                "financiering": bed.bed.financing.capitalize(),
                "beschikbaar": str(bed.available_days),
                "bezet": str(bed.occupied_days),
                "bezetting": percentage(bed.occupancy),
            }
            for bed in figures.beds
        ],
        "clienten": [
            {"gemeente": c.municipality.name, "wmo": str(c.wmo), "wlz": str(c.wlz)}
            for c in figures.clients
        ],
        "kostenregel": COST_RULE_LABELS.get(costs.rule, costs.rule),
        "kosten": [
            {
                "gemeente": row.municipality.name,
                "bezette_dagen": str(row.occupied_days),
                "kosten_bezetting": money(row.occupied_cost),
                "aandeel_leegstand": money(row.vacancy_share + row.housing_share + row.key_share),
                "totaal": money(row.total),
                "budget": _amount(row.budget),
                "verschil": money(row.budget_remaining)
                if row.budget_remaining is not None
                else "—",
            }
            for row in costs.rows
        ],
        "kosten_totaal": money(costs.total),
        "tekorten": (
            "Geen gemeente komt met haar budget tekort."
            if not short
            else "Hun budget is niet genoeg: "
            + ", ".join(f"{r.municipality.name} ({_shortfall(r)})" for r in short)
            + "."
        ),
        **_charts(figures, costs),
    }
    title = f"{KIND_LABELS['evaluatierapportage']} {arrangement.name} {year}"
    return Filled(context, title[:400], None, None)
