"""Whose work comes first on the start page and the signals page (issue 16, point 2).

A policy officer or jurist works for one municipality (the role pairing says so): what concerns
her municipality is her work, the rest of the region is background she looks at now and then.
So her pages show first what concerns her municipality, with the whole region one click away.
The beheerder, the auditor and the project group work for the region and keep its picture.
"""

from __future__ import annotations

from workflows.rules.roles import Role

MUNICIPAL_ROLES = frozenset({Role.POLICY_OFFICER, Role.LEGAL_OFFICER})


def own_municipality(role: Role | None, organisation_id: int | None) -> int | None:
    """The municipality whose work comes first for this role, or None for a regional role."""
    return organisation_id if role in MUNICIPAL_ROLES else None


def concerns(municipality_id: int | None, own_id: int) -> bool:
    """Whether something concerns the municipality: it is its own, or it is the whole
    arrangement's (no municipality: a tender, an agreement ending), which is hers as a
    participant too."""
    return municipality_id is None or municipality_id == own_id
