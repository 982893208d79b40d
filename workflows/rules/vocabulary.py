"""A status or kind as one enum: the code the database, the API and the audit trail keep, and
the Dutch word a user reads (docs/architecture.md §3, "One source per concept").

    class GrantStatus(Labelled):
        DRAFT = "draft", "concept"

``GrantStatus.DRAFT`` is the string ``"draft"`` (a StrEnum, so it compares, hashes, stores and
serialises as its code) and ``GrantStatus.DRAFT.label`` is ``"concept"``. The label dicts the
pages, readers and the audit log read (``GRANT_STATUS_LABELS``) are ``GrantStatus.labels()``,
and the API publishes the enum's codes as its schema's ``enum``.

The database's CHECK constraint keeps its own tuple of the codes next to the model
(``storage.mandates.GRANT_STATUSES``): storage sits below workflows and may not import it, and a
constraint is what the migrations made, not what the code wishes. tests/storage/test_vocabularies.py
checks that every constraint lists exactly its enum's codes, so a status added to one and not
the other fails there.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Self


class Labelled(StrEnum):
    label: str

    if TYPE_CHECKING:
        # What a type checker sees: a member is looked up by its code alone, ``Role("auditor")``
        # (the enum machinery keeps the two-argument form below for defining members only).
        def __new__(cls, code: str) -> Self: ...

    else:

        def __new__(cls, code, label):
            member = str.__new__(cls, code)
            member._value_ = code
            member.label = label
            return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Code → Dutch label, in the order the enum names them (the order of a choice list)."""
        return {member.value: member.label for member in cls}
