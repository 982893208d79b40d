"""The JSON shape of each object (API conventions: snake_case, ``id``, ``…_on`` dates)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from storage.agreements import Agreement
from storage.mandates import Grant, Mandate
from storage.organisations import Organisation
from workflows import agreements, mandates
from workflows.agreements import term_of
from workflows.arrangements import Overview


def organisation_json(organisation: Organisation) -> dict[str, Any]:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "kind": organisation.kind,
        "short_name": organisation.short_name,
        "inhabitants": organisation.inhabitants,
        "inhabitants_on": _day(organisation.inhabitants_on),
        "meeting_calendar": {
            "weekday": organisation.meeting_weekday,
            "agenda_lead_working_days": organisation.agenda_lead_working_days,
            "co_advice_working_days": organisation.co_advice_working_days,
            "recess_weeks": list(organisation.recess_weeks or []),
            "no_meetings_christmas_to_new_year": organisation.no_meetings_christmas_to_new_year,
        }
        if organisation.kind == "municipality"
        else None,
        "version": organisation.version,
    }


def _reference(organisation: Organisation) -> dict[str, Any]:
    return {"id": organisation.id, "name": organisation.name, "kind": organisation.kind}


def arrangement_json(overview: Overview) -> dict[str, Any]:
    arrangement = overview.arrangement
    return {
        "id": arrangement.id,
        "name": arrangement.name,
        "description": arrangement.description,
        "lead_organisation": _reference(arrangement.lead_organisation),
        "phases": [
            {
                "id": phase.id,
                "name": phase.name,
                "kind": phase.kind,
                "status": overview.status_of(phase),
                "start_on": _day(phase.start_on),
                "end_on": _day(phase.end_on),
            }
            for phase in overview.phases
        ],
        "evaluation_moments": [
            {
                "id": moment.id,
                "name": moment.name,
                "due_on": _day(moment.due_on),
                "description": moment.description,
            }
            for moment in arrangement.evaluation_moments
        ],
        "participants": [_reference(o) for o in overview.municipalities + overview.others],
        "providers": [_reference(o) for o in overview.providers],
        "beds": [
            {
                "id": bed.id,
                "provider": _reference(bed.location.provider),
                "location": bed.location.name,
                "care_type": bed.location.care_type,
                "financing": bed.financing,
                "available_start_on": _day(bed.available_from),
                "available_end_on": _day(bed.available_until),
            }
            for bed in overview.beds
        ],
        "cost_rule": arrangement.cost_rule,
        "successor": {
            "kind": arrangement.successor_kind,
            "start_on": _day(arrangement.successor_start_on),
            "description": arrangement.successor_description,
        },
        "budgets": [
            {
                "municipality": _reference(b.municipality),
                "year": b.year,
                "amount": f"{b.amount:.2f}",
                "source": b.source,
            }
            for b in overview.budgets
        ],
        "version": arrangement.version,
    }


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def grant_json(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.id,
        "grantor": _reference(grant.grantor),
        "status": grant.status,
        "granted_on": _day(grant.granted_on),
        "revoked_on": _day(grant.revoked_on),
        "decision_reference": grant.decision_reference,
        "version": grant.version,
    }


def mandate_json(mandate: Mandate) -> dict[str, Any]:
    summary = mandates.summary(mandate)
    return {
        "id": mandate.id,
        "name": mandate.title,
        "kind": mandate.kind,
        "arrangement": {"id": mandate.arrangement_id, "name": mandate.arrangement.name},
        "grantee": _reference(mandate.grantee),
        "grantee_function": mandate.grantee_function,
        "acts": list(mandate.acts),
        "phases": [{"id": p.id, "name": p.name} for p in mandate.phases],
        "includes_extensions": mandate.includes_extensions,
        "valid_from_on": _day(mandate.valid_from),
        "valid_until_on": _day(mandate.valid_until),
        "ceiling": _money(mandate.ceiling),
        "sub_mandate_allowed": mandate.sub_mandate_allowed,
        "parent_id": mandate.parent_id,
        "predecessor_id": mandate.predecessor_id,
        "legal_basis": mandate.legal_basis,
        "ratifies_since_on": _day(mandate.ratifies_since),
        "ratified_acts": list(mandate.ratified_acts),
        "description": mandate.description,
        "grants": [grant_json(g) for g in mandate.grants],
        "granted": summary.decided,
        "grantors": summary.total,
        "version": mandate.version,
    }


def agreement_json(agreement: Agreement, *, for_provider: bool = False) -> dict[str, Any]:
    term = term_of(agreements.snapshot(agreement))
    return {
        "id": agreement.id,
        "name": agreement.title,
        "reference": agreement.reference,
        "kind": agreement.kind,
        "arrangement": {"id": agreement.arrangement_id, "name": agreement.arrangement.name},
        "provider": _reference(agreement.provider),
        "contracting_party": _reference(agreement.contracting_party),
        "mandates": [{"id": m.id, "name": m.title, "kind": m.kind} for m in agreement.mandates],
        "start_on": _day(agreement.start_on),
        "end_on": _day(agreement.end_on),
        "extension_count": agreement.extension_count,
        "extension_months": agreement.extension_months,
        "extensions_used": agreement.extensions_used,
        "notice_months": agreement.notice_months,
        "notice_deadline_on": _day(term.notice_deadline()),
        "maximum_end_on": _day(agreement.maximum_end_on),
        "tariff_occupied_day": _money(agreement.tariff_occupied_day),
        "tariff_vacant_day": _money(agreement.tariff_vacant_day),
        "indexation": agreement.indexation,
        "beds": [{"id": b.id, "location": b.location.name} for b in agreement.beds],
        "status": agreement.status,
        "notes": "" if for_provider else agreement.notes,
        "version": agreement.version,
    }
