"""Roles (docs/architecture.md §1) and what each may do. One table, read by the web layer's route
map."""

from __future__ import annotations

from enum import StrEnum

from workflows.rules.vocabulary import Labelled


class Role(Labelled):
    POLICY_OFFICER = "policy_officer", "beleidsmedewerker"
    LEGAL_OFFICER = "legal_officer", "jurist"
    PROJECT_GROUP = "project_group", "projectgroep"
    PROVIDER = "provider", "aanbieder"
    ADMINISTRATOR = "administrator", "beheerder"
    AUDITOR = "auditor", "auditor"


ROLE_LABELS: dict[Role, str] = {role: role.label for role in Role}


class Permission(StrEnum):
    VIEW_ORGANISATIONS = "view_organisations"
    EDIT_ORGANISATIONS = "edit_organisations"
    VIEW_ARRANGEMENTS = "view_arrangements"
    EDIT_ARRANGEMENTS = "edit_arrangements"
    VIEW_MANDATES = "view_mandates"
    EDIT_MANDATES = "edit_mandates"
    VIEW_AGREEMENTS = "view_agreements"
    EDIT_AGREEMENTS = "edit_agreements"
    VIEW_HISTORY = "view_history"
    VIEW_SIGNALS = "view_signals"
    EDIT_DEADLINES = "edit_deadlines"
    VIEW_DECISIONS = "view_decisions"
    EDIT_DECISIONS = "edit_decisions"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_DOCUMENTS = "view_documents"
    GENERATE_DOCUMENTS = "generate_documents"
    MANAGE_TEMPLATES = "manage_templates"
    RETURN_SIGNED_COPIES = "return_signed_copies"
    # The days equated with holidays by Royal Decree (Algemene termijnenwet art. 3 lid 3).
    MANAGE_CALENDAR = "manage_calendar"


_READER = frozenset(
    {
        Permission.VIEW_ORGANISATIONS,
        Permission.VIEW_ARRANGEMENTS,
        Permission.VIEW_MANDATES,
        Permission.VIEW_AGREEMENTS,
        Permission.VIEW_HISTORY,
        Permission.VIEW_SIGNALS,
        Permission.VIEW_DECISIONS,
        Permission.VIEW_DOCUMENTS,
    }
)
# Whoever prepares a decision, a mandate or an agreement makes its documents and handles the
# deadlines that follow from them (acknowledge, close, add); which deadlines is decided per
# deadline in workflows.deadlines. The auditor reads and changes nothing (docs/architecture.md §1).
_DRAFTER = _READER | {Permission.GENERATE_DOCUMENTS, Permission.EDIT_DEADLINES}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # The policy officer prepares the B&W decisions of their municipality.
    Role.POLICY_OFFICER: _DRAFTER | {Permission.EDIT_DECISIONS},
    # Juridische Zaken keeps the mandate register and co-signs the agreements.
    Role.LEGAL_OFFICER: _DRAFTER
    | {Permission.EDIT_MANDATES, Permission.EDIT_AGREEMENTS, Permission.EDIT_DECISIONS},
    # The regional project group runs the arrangement: phases, capacity, agreements.
    # It also drafts the standard volmacht that every college is asked to grant.
    Role.PROJECT_GROUP: _DRAFTER
    | {
        Permission.EDIT_ARRANGEMENTS,
        Permission.EDIT_AGREEMENTS,
        Permission.EDIT_DECISIONS,
        Permission.EDIT_MANDATES,
    },
    # A provider sees its own organisation, the arrangements it takes part in and its own
    # agreements, scoped in every query (docs/security.md S11); not the mandate register. It
    # downloads the documents addressed to it and returns the signed agreement.
    Role.PROVIDER: frozenset(
        {
            Permission.VIEW_ORGANISATIONS,
            Permission.VIEW_ARRANGEMENTS,
            Permission.VIEW_AGREEMENTS,
            Permission.VIEW_DOCUMENTS,
            Permission.RETURN_SIGNED_COPIES,
        }
    ),
    Role.ADMINISTRATOR: _DRAFTER
    | {
        Permission.EDIT_ORGANISATIONS,
        Permission.EDIT_ARRANGEMENTS,
        Permission.EDIT_MANDATES,
        Permission.EDIT_AGREEMENTS,
        Permission.EDIT_DECISIONS,
        Permission.MANAGE_USERS,
        Permission.VIEW_AUDIT_LOG,
        Permission.MANAGE_TEMPLATES,
        Permission.MANAGE_CALENDAR,
    },
    Role.AUDITOR: _READER | {Permission.VIEW_AUDIT_LOG},
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
