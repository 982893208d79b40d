"""Which role fits which kind of organisation.

A provider account sees only its own agreements (docs/security.md S11), so the role *aanbieder*
belongs to a care provider and to nothing else, and a provider's staff never hold an officer's
role. The officers' roles work for a municipality (policy, legal, administration, audit are
municipal functions); the regional project group also seats the care office and knowledge
partners (docs/architecture.md §1: "sees all municipalities of the arrangement").
"""

from __future__ import annotations

from workflows.rules.roles import Role

ORGANISATION_KINDS: dict[Role, frozenset[str]] = {
    Role.POLICY_OFFICER: frozenset({"municipality"}),
    Role.LEGAL_OFFICER: frozenset({"municipality"}),
    Role.PROJECT_GROUP: frozenset({"municipality", "care_office", "knowledge_partner"}),
    Role.PROVIDER: frozenset({"provider"}),
    Role.ADMINISTRATOR: frozenset({"municipality"}),
    Role.AUDITOR: frozenset({"municipality"}),
}

_KIND_WORDS = {
    "municipality": "een gemeente",
    "provider": "een zorgaanbieder",
    "care_office": "een zorgkantoor",
    "knowledge_partner": "een kennispartner",
}


def pairing_problem(role: Role, organisation_kind: str, role_label: str) -> str | None:
    kinds = ORGANISATION_KINDS[role]
    if organisation_kind in kinds:
        return None
    words = sorted(_KIND_WORDS[k] for k in kinds)
    allowed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " of " + words[-1]
    return f"Rol: de rol {role_label} hoort bij {allowed}; kies een passende organisatie of rol."
