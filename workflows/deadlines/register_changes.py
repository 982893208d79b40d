"""Which arrangements the registers changed for since a registers version: what lets the
scheduler re-derive only those arrangements' deadlines and a cached signal stay valid.

Every change of the registers writes an audit event in its own transaction (docs/security.md S24),
naming the object it changed. An object that belongs to one arrangement (a phase, a mandate, an
agreement, a decision about it) changes that arrangement's derivations only; an organisation
(its meeting calendar), a day equated with a holiday, a deleted object whose arrangement is no
longer known, and any kind of object not named below may change any arrangement's: then the
answer is "all of them". Stale is never the default.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import derivations
from storage.agreements import Agreement
from storage.arrangements import Bed, BudgetLine, CostLine, EvaluationMoment, Phase
from storage.decisions import Decision
from storage.documents import SignedCopy
from storage.mandates import Grant, Mandate

# Objects whose changes no derivation reads: accounts, the audit log itself, documents and
# their templates, the deadlines (derived from the registers, not the other way round),
# reminder ladders (read by the sweep as it runs), monitoring figures and their imports.
NOT_DERIVED_FROM = frozenset(
    {
        "api_token",
        "audit_log",
        "bundle",
        "deadline",
        "document",
        "document_template",
        "figures",
        "import",
        "reminder_ladder",
        "user",
    }
)

# Objects of one arrangement: the column that names it, found from the object's id.
_OWNED_BY = {
    "phase": (Phase.id, Phase.arrangement_id),
    "evaluation_moment": (EvaluationMoment.id, EvaluationMoment.arrangement_id),
    "bed": (Bed.id, Bed.arrangement_id),
    "budget_line": (BudgetLine.id, BudgetLine.arrangement_id),
    "cost_line": (CostLine.id, CostLine.arrangement_id),
    "mandate": (Mandate.id, Mandate.arrangement_id),
    "agreement": (Agreement.id, Agreement.arrangement_id),
    "decision": (Decision.id, Decision.arrangement_id),
}

# More events than this since the version asked about: re-deriving everything is cheaper
# than finding out what they touched.
MOST_EVENTS = 5_000


@dataclass(frozen=True)
class Changes:
    """What changed after the version asked about: per arrangement the newest audit event that
    touched it (``last``), and the newest that may have touched any (``everything_at``)."""

    last: Mapping[int, int] = field(default_factory=dict)
    everything_at: int | None = None

    @property
    def everything(self) -> bool:
        return self.everything_at is not None

    @property
    def arrangement_ids(self) -> frozenset[int] | None:
        """The arrangements whose derivations may have changed; None: any."""
        return None if self.everything else frozenset(self.last)

    def touches(self, arrangement_id: int, *, after: int = 0) -> bool:
        """Whether a change after the audit event ``after`` may have touched the arrangement."""
        if self.everything_at is not None and self.everything_at > after:
            return True
        return self.last.get(arrangement_id, 0) > after


_ALWAYS = 2**62
EVERYTHING = Changes(everything_at=_ALWAYS)
NOTHING = Changes()


def since(session: Session, audit_id: int, *, skip_actions: Sequence[str]) -> Changes:
    """What changed for which arrangement after the audit event ``audit_id``. ``skip_actions``:
    the actions that change no register (signals.NOT_REGISTER_CHANGES)."""
    events = derivations.events_since(
        session, audit_id, skip_actions=skip_actions, limit=MOST_EVENTS + 1
    )
    if len(events) > MOST_EVENTS:
        return EVERYTHING
    last: dict[int, int] = {}
    everything_at: int | None = None
    wanted: dict[str, dict[int, int]] = defaultdict(dict)  # object id: newest event id

    def touched(arrangement_id: int, event_id: int) -> None:
        last[arrangement_id] = max(last.get(arrangement_id, 0), event_id)

    for event_id, object_type, object_id, old_values in events:
        if object_type in NOT_DERIVED_FROM:
            continue
        number = _number(object_id)
        if object_type == "arrangement" and number is not None:
            touched(number, event_id)
        elif number is not None and (
            object_type in _OWNED_BY or object_type in ("mandate_grant", "signed_copy")
        ):
            wanted[object_type][number] = event_id
            named = _number((old_values or {}).get("arrangement_id"))
            if named is not None:  # where it was before a move to another arrangement
                touched(named, event_id)
        else:
            everything_at = event_id
    for object_type, newest in wanted.items():
        owners = _owners(session, object_type, set(newest))
        for number, event_id in newest.items():
            owner = owners.get(number)
            if owner is None:  # gone since, or of no arrangement: it may have touched any
                everything_at = max(everything_at or 0, event_id)
            else:
                touched(owner, event_id)
    return Changes(last, everything_at)


def _owners(session: Session, object_type: str, ids: set[int]) -> dict[int, int]:
    """The arrangement of each of these objects that still exists and belongs to one."""
    rows: Sequence[Any]
    if object_type == "mandate_grant":
        rows = session.execute(
            select(Grant.id, Mandate.arrangement_id)
            .join(Mandate, Mandate.id == Grant.mandate_id)
            .where(Grant.id.in_(ids))
        ).all()
    elif object_type == "signed_copy":
        rows = session.execute(
            select(SignedCopy.id, Agreement.arrangement_id)
            .join(Agreement, Agreement.id == SignedCopy.agreement_id)
            .where(SignedCopy.id.in_(ids))
        ).all()
    else:
        key, owner = _OWNED_BY[object_type]
        rows = session.execute(select(key, owner).where(key.in_(ids))).all()
    return {row[0]: row[1] for row in rows if row[1] is not None}


def _number(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
