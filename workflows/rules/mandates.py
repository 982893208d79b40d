"""Lifecycle of a grant of a mandate: draft → granted → active → expired / revoked."""

from __future__ import annotations

from datetime import date

from workflows.rules.vocabulary import Labelled


class GrantStatus(Labelled):
    DRAFT = "draft", "concept"
    GRANTED = "granted", "verleend"
    ACTIVE = "active", "van kracht"
    EXPIRED = "expired", "verlopen"
    REVOKED = "revoked", "ingetrokken"


GRANT_STATUS_LABELS = GrantStatus.labels()

GRANT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"granted"}),
    "granted": frozenset({"active", "revoked"}),
    "active": frozenset({"expired", "revoked"}),
    "expired": frozenset(),
    "revoked": frozenset(),
}


def grant_path(current: str, target: str) -> list[str] | None:
    """The statuses a grant passes from ``current`` to ``target`` along GRANT_TRANSITIONS (the
    shortest way): ``[]`` when it is there already, None when the table does not lead there (an
    expired or revoked grant is never revived). A college's decision to grant walks this path
    to "active", so the decision follows the same table as the register's status buttons."""
    paths: dict[str, list[str]] = {current: []}
    queue = [current]
    while queue:
        status = queue.pop(0)
        if status == target:
            return paths[status]
        for following in sorted(GRANT_TRANSITIONS.get(status, frozenset())):
            if following not in paths:
                paths[following] = [*paths[status], following]
                queue.append(following)
    return None


# A grant counts as decided from these statuses on (coverage, "12 of 13 granted").
DECIDED = frozenset({"granted", "active"})


def grant_problems(
    current: str, target: str, *, granted_on: date | None, revoked_on: date | None
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if target not in GRANT_STATUS_LABELS:
        return {"status": f"Status: '{target[:30]}' bestaat niet."}
    if target != current and target not in GRANT_TRANSITIONS[current]:
        allowed = ", ".join(GRANT_STATUS_LABELS[s] for s in sorted(GRANT_TRANSITIONS[current]))
        problems["status"] = (
            f"Status: van '{GRANT_STATUS_LABELS[current]}' kan niet naar "
            f"'{GRANT_STATUS_LABELS[target]}'"
            + (f"; wel naar: {allowed}." if allowed else "; dit is de eindstatus.")
        )
    if target in {"granted", "active", "expired", "revoked"} and granted_on is None:
        problems["granted_on"] = "Datum besluit: vul de datum in waarop het college besloot."
    if target == "revoked" and revoked_on is None:
        problems["revoked_on"] = "Ingetrokken op: vul de datum van intrekking in."
    if revoked_on is not None and granted_on is not None and revoked_on < granted_on:
        problems["revoked_on"] = "Ingetrokken op: ligt vóór de datum van het besluit."
    return problems
