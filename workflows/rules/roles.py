"""Roles (DESIGN.md §1) and what each may do. One table, read by the web layer's route map."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    POLICY_OFFICER = "policy_officer"
    LEGAL_OFFICER = "legal_officer"
    PROJECT_GROUP = "project_group"
    PROVIDER = "provider"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"


ROLE_LABELS: dict[Role, str] = {
    Role.POLICY_OFFICER: "beleidsmedewerker",
    Role.LEGAL_OFFICER: "jurist",
    Role.PROJECT_GROUP: "projectgroep",
    Role.PROVIDER: "aanbieder",
    Role.ADMINISTRATOR: "beheerder",
    Role.AUDITOR: "auditor",
}


class Permission(StrEnum):
    VIEW_ORGANISATIONS = "view_organisations"
    EDIT_ORGANISATIONS = "edit_organisations"
    VIEW_ARRANGEMENTS = "view_arrangements"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT_LOG = "view_audit_log"


_OFFICER = frozenset({Permission.VIEW_ORGANISATIONS, Permission.VIEW_ARRANGEMENTS})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.POLICY_OFFICER: _OFFICER,
    Role.LEGAL_OFFICER: _OFFICER,
    Role.PROJECT_GROUP: _OFFICER,
    # A provider sees its own organisation and the arrangements it takes part in, scoped in
    # every query (SECURITY.md S11).
    Role.PROVIDER: _OFFICER,
    Role.ADMINISTRATOR: _OFFICER
    | {Permission.EDIT_ORGANISATIONS, Permission.MANAGE_USERS, Permission.VIEW_AUDIT_LOG},
    Role.AUDITOR: _OFFICER | {Permission.VIEW_AUDIT_LOG},
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
