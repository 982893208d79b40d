"""Phase arithmetic. Phase ends are inclusive ("t/m" in the agenda forms)."""

from __future__ import annotations

from datetime import date

from workflows.rules.vocabulary import Labelled


class PhaseKind(Labelled):
    PILOT = "pilot", "pilot"
    EXTENSION = "extension", "verlenging"
    STRUCTURAL = "structural", "structureel"


class PhaseStatus(Labelled):
    """Not kept: read from the phase's dates on the day (phase_status_on)."""

    PLANNED = "planned", "gepland"
    ACTIVE = "active", "lopend"
    ENDED = "ended", "afgelopen"


class SuccessorKind(Labelled):
    """What follows an arrangement's last phase."""

    EXTENSION = "extension", "verdere verlenging"
    TENDER = "tender", "aanbesteding"
    STRUCTURAL_CONTRACT = "structural_contract", "structureel contract"
    STOP = "stop", "stoppen"


def phase_status_on(start_on: date, end_on: date, *, today: date) -> PhaseStatus:
    if today < start_on:
        return PhaseStatus.PLANNED
    if today > end_on:
        return PhaseStatus.ENDED
    return PhaseStatus.ACTIVE


def days_inclusive(start_on: date, end_on: date) -> int:
    return (end_on - start_on).days + 1
