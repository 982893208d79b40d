"""The fixed vocabulary of legal acts a mandate can cover, and the mandate kinds."""

from __future__ import annotations

from enum import StrEnum


class Act(StrEnum):
    CONCLUDE_AGREEMENT = "conclude_agreement"
    AMEND_AGREEMENT = "amend_agreement"
    EXTEND_AGREEMENT = "extend_agreement"
    TERMINATE_AGREEMENT = "terminate_agreement"
    PREPARE_TENDER = "prepare_tender"
    RUN_TENDER = "run_tender"
    AWARD_TENDER = "award_tender"
    SIGN_DECLARATIONS = "sign_declarations"


ACT_LABELS: dict[Act, str] = {
    Act.CONCLUDE_AGREEMENT: "overeenkomst sluiten",
    Act.AMEND_AGREEMENT: "overeenkomst wijzigen",
    Act.EXTEND_AGREEMENT: "overeenkomst verlengen",
    Act.TERMINATE_AGREEMENT: "overeenkomst opzeggen",
    Act.PREPARE_TENDER: "aanbesteding voorbereiden",
    Act.RUN_TENDER: "aanbesteding uitvoeren",
    Act.AWARD_TENDER: "aanbesteding gunnen",
    Act.SIGN_DECLARATIONS: "declaraties ondertekenen",
}

TENDER_ACTS = frozenset({Act.PREPARE_TENDER, Act.RUN_TENDER, Act.AWARD_TENDER})


class MandateKind(StrEnum):
    VOLMACHT = "volmacht"  # private law, BW 3:60
    MANDAAT = "mandaat"  # public law, Awb 10:1
    MACHTIGING = "machtiging"


MANDATE_KIND_LABELS: dict[MandateKind, str] = {
    MandateKind.VOLMACHT: "volmacht (BW 3:60)",
    MandateKind.MANDAAT: "mandaat (Awb 10:1)",
    MandateKind.MACHTIGING: "machtiging",
}


# "het mandaat", but "de volmacht" and "de machtiging": the article and adjective follow.
_NEUTER = {MandateKind.MANDAAT}


def the(kind: str) -> str:
    """``de volmacht`` / ``het mandaat``."""
    return f"{'het' if kind in _NEUTER else 'de'} {kind}"


def this(kind: str) -> str:
    """``deze volmacht`` / ``dit mandaat``."""
    return f"{'dit' if kind in _NEUTER else 'deze'} {kind}"


def new(kind: str) -> str:
    """``een nieuwe volmacht`` / ``een nieuw mandaat``."""
    return f"een {'nieuw' if kind in _NEUTER else 'nieuwe'} {kind}"
