"""The JSON shape of each object (API conventions: snake_case, ``id``, ``…_on`` dates)."""

from __future__ import annotations

from typing import Any

from storage.organisations import Organisation
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
        "version": arrangement.version,
    }


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
