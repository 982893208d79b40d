"""Rules of purchasing and framework agreements.

A framework agreement runs at most four years, extensions included (Aanbestedingswet 2012,
art. 2.140); an extension beyond what the agreement itself provides for is a change of
contract, limited by art. 2.163b, and is not something Besluitwerk does silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflows.rules.dutch_format import long_date
from workflows.rules.periods import ONE_DAY, add_months, end_after_months, extend_end
from workflows.rules.vocabulary import Labelled

FRAMEWORK_MAX_MONTHS = 48


class AgreementKind(Labelled):
    PURCHASE = "purchase", "inkoopovereenkomst"
    FRAMEWORK = "framework", "raamovereenkomst"


class AgreementStatus(Labelled):
    DRAFT = "draft", "concept"
    SENT = "sent", "verstuurd"
    SIGNED_BY_PROVIDER = "signed_by_provider", "getekend door aanbieder"
    SIGNED = "signed", "getekend"
    ACTIVE = "active", "lopend"
    EXTENDED = "extended", "verlengd"
    ENDED = "ended", "afgelopen"
    TERMINATED = "terminated", "opgezegd"


KIND_LABELS = AgreementKind.labels()
STATUS_LABELS = AgreementStatus.labels()

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"sent"}),
    "sent": frozenset({"draft", "signed_by_provider"}),
    "signed_by_provider": frozenset({"signed"}),
    "signed": frozenset({"active"}),
    "active": frozenset({"extended", "ended", "terminated"}),
    "extended": frozenset({"extended", "ended", "terminated"}),
    "ended": frozenset(),
    "terminated": frozenset(),
}


def transition_problem(current: str, target: str) -> str | None:
    if target not in STATUS_LABELS:
        return f"Status: '{target[:30]}' bestaat niet."
    if target in TRANSITIONS.get(current, frozenset()):
        return None
    allowed = ", ".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS.get(current, frozenset())))
    return (
        f"Status: van '{STATUS_LABELS.get(current, current)}' kan de overeenkomst niet naar "
        f"'{STATUS_LABELS[target]}'"
        + (f"; wel naar: {allowed}." if allowed else "; dit is de eindstatus.")
    )


def framework_latest_end(start_on: date) -> date:
    return end_after_months(start_on, FRAMEWORK_MAX_MONTHS)


@dataclass(frozen=True)
class Term:
    kind: str
    start_on: date
    end_on: date
    extension_count: int
    extension_months: int
    maximum_end_on: date | None
    notice_months: int

    @property
    def end_with_all_extensions(self) -> date:
        return extend_end(self.end_on, self.extension_count * self.extension_months)

    @property
    def effective_maximum_end(self) -> date:
        return self.maximum_end_on or self.end_with_all_extensions

    def notice_deadline(self, end_on: date | None = None) -> date:
        """The last day notice can be given so that the agreement ends on ``end_on``."""
        end = end_on or self.end_on
        return add_months(end + ONE_DAY, -self.notice_months) - ONE_DAY


def term_problems(term: Term, *, arrangement_start: date | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if term.end_on < term.start_on:
        problems["end_on"] = "Einddatum: ligt vóór de begindatum."
    if arrangement_start is not None and term.start_on < arrangement_start:
        problems["start_on"] = (
            f"Begindatum: de overeenkomst kan niet beginnen vóór de regeling "
            f"({long_date(arrangement_start)})."
        )
    if problems:
        return problems
    if term.kind == "framework":
        latest = framework_latest_end(term.start_on)
        if term.effective_maximum_end > latest:
            problems["maximum_end_on"] = (
                "Uiterste einddatum: een raamovereenkomst duurt ten hoogste vier jaar, "
                f"verlengingen inbegrepen (Aanbestedingswet 2012, art. 2.140): uiterlijk "
                f"{long_date(latest)}."
            )
    if term.maximum_end_on is not None:
        if term.maximum_end_on < term.end_on:
            problems["maximum_end_on"] = "Uiterste einddatum: ligt vóór de einddatum."
        elif term.end_with_all_extensions > term.maximum_end_on:
            problems["extension_count"] = (
                f"Verlengingen: met alle verlengingsopties loopt de overeenkomst tot "
                f"{long_date(term.end_with_all_extensions)}, na de uiterste einddatum "
                f"{long_date(term.maximum_end_on)}."
            )
    return problems
