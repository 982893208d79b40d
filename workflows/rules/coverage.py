"""May this organisation do this act, for this municipality, on this date?

The answer comes from the mandate register alone. A mandate (volmacht, mandaat, machtiging)
covers an act for a municipality on a date when:

1. it is given to the organisation that acts (or that organisation holds a sub-mandate of it,
   which the parent must allow: substitution for a volmacht, BW 3:64; sub-mandate for a
   mandaat, Awb 10:9);
2. the act is in its scope, and of the kind it may cover: a volmacht covers private-law acts
   (BW 3:60), a mandaat public-law decisions (Awb 10:1), never the other way round;
3. the municipality granted it (each college decides for itself) and the grant was not revoked;
4. the date falls in a phase it covers ("pilot and any extension" is a scope, not a date) and
   within its validity; a mandate that names no phase (a tender volmacht, say) covers its
   period of validity;
5. the grant's decision was taken on or before that date — or the act falls on or after the
   date from which the mandate ratifies earlier acts (bekrachtiging, BW 3:69).

The lead municipality acts on its own authority for itself. When nothing covers the act, the
answer says why, taken from the mandate that came closest. Asked as of a day (``decided_by``),
a decision the register dates after that day has not been taken yet, and a revocation dated
after it has not happened yet: what the signals of that day may rely on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from workflows.rules.acts import (
    ACT_LABELS,
    Act,
    MandateKind,
    kind_covers,
    kind_for,
    nature,
    the,
    this,
    with_article,
)
from workflows.rules.dutch_format import long_date

OWN_AUTHORITY = "eigen bevoegdheid"
PHASE_NAMES = {
    "pilot": "de pilot",
    "extension": "verlengingen",
    "structural": "de structurele fase",
}


@dataclass(frozen=True)
class PhaseFact:
    id: int
    name: str
    kind: str
    start_on: date
    end_on: date


@dataclass(frozen=True)
class GrantFact:
    grantor_id: int
    status: str  # draft, granted, active, expired, revoked
    granted_on: date | None = None
    revoked_on: date | None = None


@dataclass(frozen=True)
class MandateFact:
    id: int
    kind: str
    grantee_id: int
    acts: frozenset[Act]
    phase_ids: frozenset[int]
    includes_extensions: bool
    grants: tuple[GrantFact, ...]
    valid_from: date | None = None
    valid_until: date | None = None
    ratifies_since: date | None = None
    sub_mandate_allowed: bool = False
    parent_id: int | None = None


@dataclass(frozen=True)
class Answer:
    municipality_id: int
    covered: bool
    mandate_id: int | None
    reason: str
    ratified: bool = False


@dataclass(frozen=True)
class _Attempt:
    progress: int
    answer: Answer


def covered_phases(mandate: MandateFact, phases: Sequence[PhaseFact]) -> list[PhaseFact]:
    """The phases a mandate covers: those it names, and with "any extension" every extension."""
    return [
        p
        for p in phases
        if p.id in mandate.phase_ids or (mandate.includes_extensions and p.kind == "extension")
    ]


def describe_scope(mandate: MandateFact, phases: Sequence[PhaseFact]) -> str:
    named = [p for p in phases if p.id in mandate.phase_ids]
    parts = [PHASE_NAMES.get(p.kind, p.name) if p.kind == "pilot" else p.name for p in named]
    if mandate.includes_extensions:
        parts.append("eventuele verlengingen")
    return " en ".join(parts) if parts else "geen enkele fase"


def answer(
    *,
    acting_id: int,
    municipality_id: int,
    act: Act,
    on: date,
    lead_id: int,
    names: Mapping[int, str],
    phases: Sequence[PhaseFact],
    mandates: Sequence[MandateFact],
    decided_by: date | None = None,
) -> Answer:
    if municipality_id == acting_id and acting_id == lead_id:
        return Answer(municipality_id, True, None, OWN_AUTHORITY)
    by_id = {m.id: m for m in mandates}
    attempts = [
        _attempt(m, acting_id, municipality_id, act, on, names, phases, by_id, decided_by)
        for m in mandates
        if m.grantee_id == acting_id
    ]
    covering = [a for a in attempts if a.answer.covered]
    if covering:
        # A grant in force beats one that only ratifies.
        covering.sort(key=lambda a: (a.answer.ratified, a.answer.mandate_id or 0))
        return covering[0].answer
    if not attempts:
        return Answer(
            municipality_id,
            False,
            None,
            f"Er is geen {kind_for(act)} aan {names.get(acting_id, 'deze organisatie')} "
            "in het register.",
        )
    best = max(attempts, key=lambda a: a.progress)
    return best.answer


def _attempt(
    mandate: MandateFact,
    acting_id: int,
    municipality_id: int,
    act: Act,
    on: date,
    names: Mapping[int, str],
    phases: Sequence[PhaseFact],
    by_id: Mapping[int, MandateFact],
    decided_by: date | None = None,
) -> _Attempt:
    municipality = names.get(municipality_id, "deze gemeente")

    def refuse(progress: int, reason: str) -> _Attempt:
        return _Attempt(progress, Answer(municipality_id, False, mandate.id, reason))

    # A mandate of the wrong kind covers nothing of this act, and says which kind it needs; it
    # is a nearer miss when it lists the act (a mandaat entered for a tender) than a mandate of
    # the right kind that does not, and a farther one when it does not list it either.
    if not kind_covers(mandate.kind, act):
        return refuse(3 if act in mandate.acts else 1, wrong_kind(mandate.kind, act))
    if act not in mandate.acts:
        return refuse(
            2,
            f"{the(mandate.kind).capitalize()} dekt {describe_scope(mandate, phases)}, voor: "
            + ", ".join(ACT_LABELS[a] for a in Act if a in mandate.acts)
            + f"; niet voor '{ACT_LABELS[act]}'.",
        )
    if mandate.parent_id is not None:
        parent = by_id.get(mandate.parent_id)
        if parent is None:
            return refuse(4, f"{_sub(mandate.kind)} verwijst naar {_missing(mandate.kind)}.")
        if not parent.sub_mandate_allowed:
            return refuse(
                4,
                f"{the(parent.kind).capitalize()} aan {names.get(parent.grantee_id, '?')} "
                f"staat {_no_sub(parent.kind)}.",
            )
        via_parent = _attempt(
            parent, parent.grantee_id, municipality_id, act, on, names, phases, by_id, decided_by
        )
        if not via_parent.answer.covered:
            return refuse(4, via_parent.answer.reason)
        grantor_of_sub = parent.grantee_id
    else:
        grantor_of_sub = municipality_id
    grant = next((g for g in mandate.grants if g.grantor_id == grantor_of_sub), None)
    if grant is None:
        return refuse(
            5, f"{names.get(grantor_of_sub, municipality)} verleent {this(mandate.kind)} niet."
        )
    not_yet = (
        decided_by is not None and grant.granted_on is not None and grant.granted_on > decided_by
    )
    if grant.status == "draft" or grant.granted_on is None or not_yet:
        return refuse(6, f"{names.get(grantor_of_sub, municipality)} heeft nog niet besloten.")
    revoked_on = grant.revoked_on
    if revoked_on is not None and decided_by is not None and revoked_on > decided_by:
        revoked_on = None  # not revoked yet on that day
    elif grant.status == "revoked" and revoked_on is None:
        return refuse(7, "Ingetrokken.")
    if revoked_on is not None and on >= revoked_on:
        return refuse(7, f"Ingetrokken op {long_date(revoked_on)}.")
    scoped_by_phase = bool(mandate.phase_ids) or mandate.includes_extensions
    in_phase = [p for p in covered_phases(mandate, phases) if p.start_on <= on <= p.end_on]
    if scoped_by_phase and not in_phase:
        return refuse(
            8,
            f"{the(mandate.kind).capitalize()} dekt {describe_scope(mandate, phases)}; "
            f"{long_date(on)} valt daarbuiten.",
        )
    ratifies = mandate.ratifies_since is not None and on >= mandate.ratifies_since
    if mandate.valid_until is not None and on > mandate.valid_until:
        return refuse(9, f"Verlopen op {long_date(mandate.valid_until)}.")
    # A volmacht valid from the day it is granted may still ratify what was done before it
    # (BW 3:69): a ratified act before its validity is covered by the ratification.
    if (
        not scoped_by_phase
        and mandate.valid_from is not None
        and on < mandate.valid_from
        and not ratifies
    ):
        return refuse(9, f"Geldig vanaf {long_date(mandate.valid_from)}.")
    if grant.status == "expired" and mandate.valid_until is None:
        return refuse(9, "Verlopen.")
    starts = mandate.valid_from or grant.granted_on
    if on >= max(starts, grant.granted_on):
        return _Attempt(
            11, Answer(municipality_id, True, mandate.id, f"{mandate.kind} van {municipality}")
        )
    if ratifies and mandate.ratifies_since is not None:
        return _Attempt(
            10,
            Answer(
                municipality_id,
                True,
                mandate.id,
                f"bekrachtigd door {municipality} op {long_date(grant.granted_on)} "
                f"(handelingen vanaf {long_date(mandate.ratifies_since)}, BW 3:69)",
                ratified=True,
            ),
        )
    return refuse(
        10,
        f"{municipality} verleende {the(mandate.kind)} pas op {long_date(grant.granted_on)}"
        + (
            f" en bekrachtigt handelingen vanaf {long_date(mandate.ratifies_since)}."
            if mandate.ratifies_since
            else "; eerdere handelingen zijn niet bekrachtigd."
        ),
    )


_PURPOSE = {
    MandateKind.VOLMACHT: "privaatrechtelijke rechtshandelingen (BW 3:60)",
    MandateKind.MANDAAT: "publiekrechtelijke besluiten, genomen namens het college (Awb 10:1)",
}


def wrong_kind(kind: str, act: Act) -> str:
    """Why a mandate of this kind cannot cover this act, naming the kind that can."""
    purpose = _PURPOSE.get(MandateKind(kind)) if kind in set(MandateKind) else None
    return (
        f"{the(kind).capitalize()} is voor {purpose or kind}; '{ACT_LABELS[act]}' is een "
        f"{nature(act)} en vraagt {with_article(kind_for(act))}."
    )


def _sub(kind: str) -> str:
    return "De substitutie" if kind == MandateKind.VOLMACHT else "Het ondermandaat"


def _missing(kind: str) -> str:
    return (
        f"{'een volmacht die' if kind == MandateKind.VOLMACHT else 'een mandaat dat'} niet bestaat"
    )


def _no_sub(kind: str) -> str:
    """Substitution of a volmacht (BW 3:64) or sub-mandate of a mandaat (Awb 10:9)."""
    if kind == MandateKind.VOLMACHT:
        return "geen substitutie toe (BW 3:64)"
    return "geen ondermandaat toe (Awb 10:9)"
