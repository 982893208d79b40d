"""Sample values for a test render of an uploaded template: the first subject of the kind in
the registers — the Twente demo on a demo installation — so the beheerder sees the new version
with real data before activating it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.agreements import Agreement
from storage.arrangements import Arrangement
from storage.decisions import Decision
from storage.mandates import Grant, Mandate
from workflows.actors import system_actor
from workflows.documents import documents
from workflows.errors import WorkflowError
from workflows.rules.document_fields import CATALOGUES, Catalogue


def context(session: Session, kind: str, *, now: datetime) -> dict[str, Any]:
    actor = system_actor("sjabloontest")
    for subject_type, subject_id, party_id in _candidates(session, kind):
        try:
            return documents.fill(
                session, actor, kind, subject_type, subject_id, party_id, now=now
            ).context
        except WorkflowError:
            continue
    return described(CATALOGUES[kind])


def _candidates(session: Session, kind: str) -> list[tuple[str, int, int | None]]:
    if kind == "agendaformulier":
        ids = session.scalars(select(Decision.id).order_by(Decision.id).limit(3)).all()
        return [("decision", i, None) for i in ids]
    if kind == "volmacht":
        rows = session.execute(
            select(Mandate.id, Grant.grantor_id)
            .join(Grant, Grant.mandate_id == Mandate.id)
            .order_by(Mandate.id, Grant.id)
            .limit(3)
        ).all()
        return [("mandate", mandate_id, grantor) for mandate_id, grantor in rows]
    if kind in ("inkoopovereenkomst", "verlengingsbrief"):
        query = select(Agreement.id).order_by(Agreement.id).limit(10)
        if kind == "verlengingsbrief":
            query = query.where(Agreement.extensions_used > 0)
        return [("agreement", i, None) for i in session.scalars(query).all()]
    arrangements = session.scalars(select(Arrangement).order_by(Arrangement.id).limit(3)).all()
    return [("arrangement", a.id, a.lead_organisation_id) for a in arrangements]


def described(catalogue: Catalogue) -> dict[str, Any]:
    """Each field filled with its own description: visibly sample text, never a blank."""
    values: dict[str, Any] = {}
    for name, spec in catalogue.items():
        if isinstance(spec, dict):
            values[name] = described(spec)
        elif isinstance(spec, list) and isinstance(spec[0], dict):
            values[name] = [described(spec[0]), described(spec[0])]
        elif isinstance(spec, list):
            values[name] = [str(spec[0]), str(spec[0])]
        else:
            values[name] = f"[{spec}]"
    return values
