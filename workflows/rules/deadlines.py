"""The kinds of deadline and their statuses (docs/architecture.md §2: deadlines are derived
from the registers and carry the rule that made them)."""

from __future__ import annotations

from workflows.rules.vocabulary import Labelled


class DeadlineKind(Labelled):
    MANDATE_NEEDED = "mandate_needed", "nieuwe volmacht nodig"
    MANDATE_EXPIRING = "mandate_expiring", "volmacht verloopt"
    AGREEMENT_NOTICE = "agreement_notice", "opzeggen of verlengen"
    EXTENSION_DECISION = "extension_decision", "besluit over vervolg"
    TENDER_PREPARATION = "tender_preparation", "aanbesteding voorbereiden"
    EVALUATION_DUE = "evaluation_due", "evaluatie"
    PHASE_END = "phase_end", "einde fase"
    MANUAL = "manual", "handmatig"


# The kinds a signal finds in the registers on a day; a phase's end and a deadline typed in by
# hand are deadlines without a signal.
SIGNAL_KINDS = tuple(
    kind for kind in DeadlineKind if kind not in {DeadlineKind.PHASE_END, DeadlineKind.MANUAL}
)


class DeadlineStatus(Labelled):
    OPEN = "open", "open"
    DONE = "done", "afgehandeld"
    NOT_APPLICABLE = "not_applicable", "niet van toepassing"
