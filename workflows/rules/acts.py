"""The fixed vocabulary of legal acts a mandate can cover, and the mandate kinds.

A volmacht and a mandaat are different things. A volmacht (BW 3:60) is authority to perform
private-law legal acts in the municipality's name: concluding, amending, extending or
terminating an agreement, preparing, running and awarding a tender (the award of a tender is a
private-law act, not a decision in the sense of the Awb). A mandaat (Awb 10:1) is authority to
take public-law decisions "namens" the college (Awb 10:10): a decision on an application, a
subsidy. Neither covers what the other is for.
"""

from __future__ import annotations

from workflows.rules.vocabulary import Labelled


class Act(Labelled):
    CONCLUDE_AGREEMENT = "conclude_agreement", "overeenkomst sluiten"
    AMEND_AGREEMENT = "amend_agreement", "overeenkomst wijzigen"
    EXTEND_AGREEMENT = "extend_agreement", "overeenkomst verlengen"
    TERMINATE_AGREEMENT = "terminate_agreement", "overeenkomst opzeggen"
    PREPARE_TENDER = "prepare_tender", "aanbesteding voorbereiden"
    RUN_TENDER = "run_tender", "aanbesteding uitvoeren"
    AWARD_TENDER = "award_tender", "aanbesteding gunnen"
    SIGN_DECLARATIONS = "sign_declarations", "declaraties ondertekenen"
    DECIDE_APPLICATION = "decide_application", "beschikken op aanvragen"
    GRANT_SUBSIDY = "grant_subsidy", "subsidie verlenen"


ACT_LABELS: dict[Act, str] = {act: act.label for act in Act}

TENDER_ACTS = frozenset({Act.PREPARE_TENDER, Act.RUN_TENDER, Act.AWARD_TENDER})
# Decisions in the sense of Awb 1:3, taken under a mandaat; every other act is a private-law
# legal act, done under a volmacht.
PUBLIC_LAW_ACTS = frozenset({Act.DECIDE_APPLICATION, Act.GRANT_SUBSIDY})


class MandateKind(Labelled):
    VOLMACHT = "volmacht", "volmacht (BW 3:60)"  # private law
    MANDAAT = "mandaat", "mandaat (Awb 10:1)"  # public law
    MACHTIGING = "machtiging", "machtiging"


MANDATE_KIND_LABELS: dict[MandateKind, str] = {kind: kind.label for kind in MandateKind}


def is_public_law(act: Act) -> bool:
    return act in PUBLIC_LAW_ACTS


def nature(act: Act) -> str:
    """``privaatrechtelijke rechtshandeling`` / ``publiekrechtelijk besluit``."""
    return (
        "publiekrechtelijk besluit" if is_public_law(act) else "privaatrechtelijke rechtshandeling"
    )


def kind_for(act: Act) -> MandateKind:
    """The kind of mandate an act needs: a mandaat for a decision, a volmacht otherwise."""
    return MandateKind.MANDAAT if is_public_law(act) else MandateKind.VOLMACHT


def kind_covers(kind: str, act: Act) -> bool:
    """May a mandate of this kind cover this act at all? A machtiging (Awb 10:12) is for acts
    that are neither a decision nor a private-law act; the register keeps what the college
    wrote in it, so it is not narrowed here."""
    if kind == MandateKind.VOLMACHT:
        return not is_public_law(act)
    if kind == MandateKind.MANDAAT:
        return is_public_law(act)
    return True


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


def needed(kind: str) -> str:
    """``nieuwe volmacht nodig`` / ``nieuw mandaat nodig``."""
    return f"{new(kind).removeprefix('een ')} nodig"


def with_article(kind: str) -> str:
    """``een volmacht (BW 3:60)`` / ``een mandaat (Awb 10:1)``: the kind and its legal basis."""
    try:
        return f"een {MANDATE_KIND_LABELS[MandateKind(kind)]}"
    except ValueError:
        return f"een {kind}"
