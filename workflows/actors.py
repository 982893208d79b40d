"""Who is acting, as the use cases see it: no Flask request, just the facts they need."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.errors import Forbidden
from workflows.rules.roles import Permission, Role, has_permission


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    role: Role | None
    organisation_id: int | None
    origin: str

    def can(self, permission: Permission) -> bool:
        return self.role is not None and has_permission(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden()

    @property
    def is_provider(self) -> bool:
        return self.role is Role.PROVIDER


def system_actor(origin: str) -> Actor:
    """The operator at the command line or a scheduled job: may do everything, is logged as such."""
    return Actor(
        user_id=None, label="systeem", role=Role.ADMINISTRATOR, organisation_id=None, origin=origin
    )
