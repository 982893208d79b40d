"""Changing an agreement's status where sending it depends on its document.

``agreements`` keeps the register and its transition table; whether the document is made
and current is the documents' business, and ``documents`` already depends on ``agreements``,
so the rule that joins them lives here, where pages and the API change a status.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.agreements import Agreement
from workflows.actors import Actor
from workflows.documents import documents
from workflows.registers import agreements


def change_status(
    session: Session, actor: Actor, agreement_id: int, target: str, *, expected_version: object
) -> Agreement:
    if target == "sent":
        current = agreements.get_visible(session, actor, agreement_id)
        if current.status != "sent":
            documents.require_current_agreement_document(session, actor, agreement_id)
    return agreements.change_status(
        session, actor, agreement_id, target, expected_version=expected_version
    )
