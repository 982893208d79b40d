"""The B&W decision workflow as an explicit transition table.

concept → mee-advisering → advies gemeentesecretaris → geagendeerd → besloten → afgehandeld.
Each step may go back where practice does (co-advice sends a draft back; a meeting can be
cancelled); an outcome "aangehouden" (deferred) sends the dossier back to a later meeting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from workflows.rules.dutch_format import long_date
from workflows.rules.vocabulary import Labelled


class DecisionStatus(Labelled):
    DRAFT = "draft", "concept"
    CO_ADVICE = "co_advice", "mee-advisering"
    SECRETARY_ADVICE = "secretary_advice", "advies gemeentesecretaris"
    SCHEDULED = "scheduled", "geagendeerd"
    DECIDED = "decided", "besloten"
    CLOSED = "closed", "afgehandeld"


class Outcome(Labelled):
    AS_PROPOSED = "as_proposed", "conform"
    AMENDED = "amended", "gewijzigd"
    DEFERRED = "deferred", "aangehouden"
    REJECTED = "rejected", "afgewezen"


class Advice(Labelled):
    AGREE = "agree", "akkoord"
    AGREE_WITH_REMARKS = "agree_with_remarks", "akkoord met opmerkingen"
    DISAGREE = "disagree", "niet akkoord"


class EffectKind(Labelled):
    """What a decision does to the registers once it is taken."""

    GRANT_MANDATE = "grant_mandate", "verleent volmacht of mandaat"
    APPROVE_PHASE = "approve_phase", "keurt fase goed"
    APPROVE_AGREEMENT = "approve_agreement", "keurt overeenkomst goed"


class WooPublication(Labelled):
    """Whether the decision is published actively (Woo art. 3.3) or, with a ground, not."""

    ACTIVELY_PUBLISHED = "actively_published", "actief openbaar gemaakt (Woo art. 3.3)"
    NOT_PUBLISHED = "not_published", "niet actief openbaar gemaakt"


STATUS_LABELS = DecisionStatus.labels()
# A decision that is taken: decided (its outcome may still be deferred) or closed.
TAKEN_STATUSES = frozenset({DecisionStatus.DECIDED, DecisionStatus.CLOSED})
OUTCOME_LABELS = Outcome.labels()
ADVICE_LABELS = Advice.labels()
# Outcomes whose effects (grants, approvals) are applied to the registers.
APPLYING_OUTCOMES = frozenset({Outcome.AS_PROPOSED, Outcome.AMENDED})

TRANSITIONS: Mapping[str, frozenset[str]] = {
    "draft": frozenset({"co_advice"}),
    "co_advice": frozenset({"draft", "secretary_advice"}),
    "secretary_advice": frozenset({"co_advice", "scheduled"}),
    "scheduled": frozenset({"secretary_advice", "decided"}),
    "decided": frozenset({"closed", "scheduled"}),
    "closed": frozenset(),
}


@dataclass(frozen=True)
class Facts:
    """What the guards of the transitions need to know about the dossier."""

    status: str
    co_advisers: int
    advices: int
    meeting_set: bool
    meeting_in_calendar: bool
    agenda_open: bool
    outcome: str | None
    decided_on_set: bool
    secretary_advice_set: bool


def transition_problem(target: str, facts: Facts) -> str | None:
    """None when the dossier may move to ``target``; otherwise the Dutch reason."""
    if target not in STATUS_LABELS:
        return f"Status '{target[:30]}' bestaat niet."
    current = facts.status
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS[current]))
        return (
            f"Van '{STATUS_LABELS[current]}' kan het dossier niet naar '{STATUS_LABELS[target]}'"
            + (f"; wel naar: {allowed}." if allowed else "; het dossier is afgehandeld.")
        )
    if (
        current == "co_advice"
        and target == "secretary_advice"
        and facts.advices < facts.co_advisers
    ):
        return (
            f"Nog niet alle mee-adviseurs hebben geadviseerd ({facts.advices} van "
            f"{facts.co_advisers})."
        )
    if target == "scheduled":
        if current == "decided" and facts.outcome != "deferred":
            return "Alleen een aangehouden besluit kan opnieuw worden geagendeerd."
        if not facts.meeting_set:
            return "Kies eerst een collegevergadering uit de vergaderkalender."
        if not facts.meeting_in_calendar:
            return "Op die datum vergadert het college niet; kies een vergadering uit de kalender."
        if not facts.agenda_open:
            return (
                "De agenda van die collegevergadering is al gesloten; kies een latere vergadering."
            )
    if current == "secretary_advice" and target == "scheduled" and not facts.secretary_advice_set:
        return "Vul eerst het advies van de gemeentesecretaris in."
    if target == "decided":
        if facts.outcome not in OUTCOME_LABELS:
            return "Kies de uitkomst: conform, gewijzigd, aangehouden of afgewezen."
        if not facts.decided_on_set:
            return "Vul de datum van het B&W-besluit in."
    if target == "closed" and facts.outcome == "deferred":
        return "Een aangehouden besluit is niet af: agendeer het opnieuw."
    return None


def decision_date_problem(decided_on: date, *, meeting_on: date | None, today: date) -> str | None:
    """The college decides at its meeting: the date of the B&W decision is not before the
    meeting the dossier was scheduled for, nor in the future. None when the date is right."""
    if decided_on > today:
        return "Datum besluit: ligt in de toekomst."
    if meeting_on is not None and decided_on < meeting_on:
        return (
            f"Datum besluit: {long_date(decided_on)} ligt vóór de collegevergadering van "
            f"{long_date(meeting_on)} waarvoor het dossier is geagendeerd; het college besluit "
            "op of na die vergadering."
        )
    return None


_POINT = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d+)\.(\d+)\s+(.*)$")


def decision_points(text: str) -> list[str]:
    """The numbered points of a conceptbesluit ("1. …", "2. …"), continuation lines joined."""
    points: list[str] = []
    for line in text.splitlines():
        match = _POINT.match(line)
        if match and not _NUMBERED.match(line):
            points.append(match.group(2).strip())
        elif points and line.strip():
            points[-1] = f"{points[-1]} {line.strip()}"
    return points


@dataclass(frozen=True)
class Numbered:
    number: str
    point: int
    title: str
    text: str


def numbered_items(text: str) -> list[Numbered]:
    """Arguments or risks written as on the agenda form: "1.1 Title" followed by its text."""
    items: list[Numbered] = []
    for line in text.splitlines():
        match = _NUMBERED.match(line)
        if match:
            items.append(
                Numbered(
                    f"{match.group(1)}.{match.group(2)}",
                    int(match.group(1)),
                    match.group(3).strip(),
                    "",
                )
            )
        elif items:
            last = items[-1]
            body = f"{last.text}\n{line}".strip("\n") if line.strip() else last.text + "\n"
            items[-1] = Numbered(last.number, last.point, last.title, body)
    return [Numbered(i.number, i.point, i.title, i.text.strip()) for i in items]


def numbering_problem(label: str, text: str, points: int) -> str | None:
    """Arguments are numbered per decision point (1.1, 1.2, 2.1); each must refer to a point
    of the conceptbesluit and follow on from the previous number."""
    expected: dict[int, int] = {}
    for item in numbered_items(text):
        if points and item.point > points:
            return (
                f"{label}: {item.number} hoort bij beslispunt {item.point}, maar het "
                f"conceptbesluit heeft {points} punt{'en' if points != 1 else ''}."
            )
        wanted = expected.get(item.point, 0) + 1
        if item.number != f"{item.point}.{wanted}":
            return (
                f"{label}: na {item.point}.{wanted - 1} volgt {item.point}.{wanted}, "
                f"niet {item.number}."
            )
        expected[item.point] = wanted
    return None
