"""Which role fits which kind of organisation.

A provider account sees only its own agreements (docs/security.md S11), so the role *aanbieder*
belongs to a care provider and to nothing else, and a provider's staff never hold an officer's
role. The officers' roles work for a municipality (policy, legal, administration, audit are
municipal functions); the regional project group also seats the care office and knowledge
partners (docs/architecture.md §1: "sees all municipalities of the arrangement").
"""

from __future__ import annotations

from workflows.rules.organisations import OrganisationKind
from workflows.rules.roles import Role

_MUNICIPAL = frozenset({OrganisationKind.MUNICIPALITY})
ORGANISATION_KINDS: dict[Role, frozenset[OrganisationKind]] = {
    Role.POLICY_OFFICER: _MUNICIPAL,
    Role.LEGAL_OFFICER: _MUNICIPAL,
    Role.PROJECT_GROUP: _MUNICIPAL
    | {OrganisationKind.CARE_OFFICE, OrganisationKind.KNOWLEDGE_PARTNER},
    Role.PROVIDER: frozenset({OrganisationKind.PROVIDER}),
    Role.ADMINISTRATOR: _MUNICIPAL,
    Role.AUDITOR: _MUNICIPAL,
}


def pairing_problem(role: Role, organisation_kind: str, role_label: str) -> str | None:
    kinds = ORGANISATION_KINDS[role]
    if organisation_kind in kinds:
        return None
    words = sorted(f"een {kind.label}" for kind in kinds)
    allowed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " of " + words[-1]
    return f"Rol: de rol {role_label} hoort bij {allowed}; kies een passende organisatie of rol."
