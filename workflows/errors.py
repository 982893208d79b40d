"""The ways a use case can refuse, each carrying a Dutch message for the user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class WorkflowError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(WorkflowError):
    """One or more fields are wrong; ``errors`` maps each field to its Dutch message."""

    code = "invalid_input"

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        summary = "; ".join(self.errors.values())
        super().__init__(f"Controleer de invoer: {summary}")


class NotFound(WorkflowError):
    code = "not_found"

    def __init__(self, message: str = "Niet gevonden.") -> None:
        super().__init__(message)


class Forbidden(WorkflowError):
    code = "forbidden"

    def __init__(self, message: str = "U heeft geen toegang tot deze handeling.") -> None:
        super().__init__(message)


class Conflict(WorkflowError):
    """Someone else saved the record since it was opened (docs/security.md S28)."""

    code = "conflict"

    def __init__(self, message: str, changed: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.changed = dict(changed)
