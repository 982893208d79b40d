"""Who can start the work a gap signal asks for, read from the role table.

Starting from a "nieuwe volmacht nodig" signal drafts a volmacht and the decision dossier that
grants it: both need their register's edit right. A municipal officer starts it for the college
of their own municipality; the project group for the region. Whoever cannot start it is told
who can, so the signal never ends in a page without a way forward.
"""

from __future__ import annotations

from collections.abc import Sequence

from workflows.rules.roles import ROLE_LABELS, ROLE_PERMISSIONS, Permission, Role

# What starting the work from a gap writes: a draft volmacht and its decision dossier.
DOSSIER_NEEDS = frozenset({Permission.EDIT_DECISIONS, Permission.EDIT_MANDATES})
# Joining the work once the draft volmacht exists: the dossier of one's own college for it.
JOIN_NEEDS = frozenset({Permission.EDIT_DECISIONS})
# Roles that prepare decisions for the whole region, not for their own college alone.
REGIONAL_ROLES = frozenset({Role.PROJECT_GROUP})
# The beheerder keeps the application and may step in, but is not whom a signal refers to.
NOT_NAMED = frozenset({Role.ADMINISTRATOR})


def starters(needs: frozenset[Permission] = DOSSIER_NEEDS) -> list[Role]:
    """The roles, in the table's order, whose permissions hold all of ``needs``."""
    return [role for role in Role if needs <= ROLE_PERMISSIONS[role]]


def may_start(
    role: Role,
    organisation_id: int | None,
    municipality_ids: Sequence[int],
    *,
    draft_exists: bool = False,
) -> bool:
    """May this role, of this organisation, start the work for these municipalities? A
    municipal officer only when their own municipality is one of them. Once the draft volmacht
    exists (``draft_exists``), whoever prepares the college's decisions may start its dossier."""
    if role not in starters(JOIN_NEEDS if draft_exists else DOSSIER_NEEDS):
        return False
    if role in REGIONAL_ROLES or role is Role.ADMINISTRATOR:
        return True
    return organisation_id is not None and organisation_id in municipality_ids


def who_can_start(
    municipalities: Sequence[str],
    *,
    own: str | None = None,
    needs: frozenset[Permission] = DOSSIER_NEEDS,
) -> str:
    """In Dutch, who can start it: "Een jurist van Borne of de projectgroep kan dit starten.".
    ``own``: the reader's own municipality, named when it is one of them."""
    roles = [r for r in starters(needs) if r not in NOT_NAMED]
    local = [ROLE_LABELS[r] for r in roles if r not in REGIONAL_ROLES]
    regional = [ROLE_LABELS[r] for r in roles if r in REGIONAL_ROLES]
    if own is not None and own in municipalities:
        where = own
    elif len(municipalities) == 1:
        where = municipalities[0]
    else:
        where = "een van deze gemeenten"
    who = []
    if local and municipalities:
        who.append(f"een {' of '.join(local)} van {where}")
    who += [f"de {label}" for label in regional]
    if not who:
        return "Niemand kan dit vanuit het signaal starten; vraag de beheerder."
    sentence = " of ".join(who)
    return sentence[:1].upper() + sentence[1:] + " kan dit starten."


def once_drafted(role: Role, organisation_id: int | None, municipality_ids: Sequence[int]) -> str:
    """For a reader who may not start the work now but may join it once the draft volmacht
    exists: what they can do then. Empty for everyone else."""
    if may_start(role, organisation_id, municipality_ids, draft_exists=True):
        return "Zodra de conceptvolmacht er is, start u hier het dossier van uw college."
    return ""
