"""Who must use a second factor (docs/security.md S19, BIO2 5.17.01): the external care providers,
who log in over the internet, and the beheerders, who can change everyone's access. Everyone
else may switch it on."""

from __future__ import annotations

from workflows.rules.roles import Role

REQUIRED_FOR = frozenset({Role.PROVIDER, Role.ADMINISTRATOR})
RECOVERY_CODE_COUNT = 10


def required(role: Role) -> bool:
    return role in REQUIRED_FOR


def normalised_code(raw: str) -> str:
    """What people type: spaces and dashes are allowed between the digits or characters. Codes
    are ASCII: anything else ('²', Arabic-Indic digits) is no code at all (an empty one)."""
    code = "".join(raw.split()).replace("-", "").lower()
    return code if code.isascii() else ""
