"""The provider's own agreements with, for each, the status of the day and the next step.

Scoped like every provider lookup: the list comes from ``agreements.list_visible``, which
filters on the provider in the query (docs/security.md S11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from storage.agreements import Agreement
from workflows.actors import Actor
from workflows.documents import documents
from workflows.registers import agreements
from workflows.rules import provider_steps


@dataclass(frozen=True)
class ProviderAgreement:
    agreement: Agreement
    status: str
    next_step: str
    upload_refusal: str | None


def describe(
    session: Session, actor: Actor, agreement: Agreement, *, today: date
) -> ProviderAgreement:
    has_documents = bool(documents.listed(session, actor, "agreement", agreement.id))
    return ProviderAgreement(
        agreement=agreement,
        status=provider_steps.shown_status(agreement.status, agreement.end_on, today),
        next_step=provider_steps.next_step(
            agreement.status,
            start_on=agreement.start_on,
            end_on=agreement.end_on,
            today=today,
            has_documents=has_documents,
        ),
        upload_refusal=provider_steps.upload_refusal(agreement.status),
    )


def overview(session: Session, actor: Actor, *, today: date) -> list[ProviderAgreement]:
    """The agreements sent to this provider (drafts are still the municipality's)."""
    return [
        describe(session, actor, agreement, today=today)
        for agreement in agreements.list_visible(session, actor)
        if agreement.status != "draft"
    ]
