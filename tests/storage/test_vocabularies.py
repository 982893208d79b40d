"""Issue 17, point 3: a status or kind has one source, its enum in workflows/rules; the
database's CHECK constraint, which storage keeps next to the model because storage may not
import workflows, must list exactly the enum's codes (workflows/rules/vocabulary.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import CheckConstraint

from storage.accounts import User
from storage.agreements import Agreement
from storage.arrangements import Bed, CostLine, Phase
from storage.base import Base
from storage.deadlines import Deadline
from storage.decisions import CoAdvice, Decision, Effect
from storage.documents import Bundle, Document, DocumentTemplate
from storage.mandates import Grant, Mandate
from storage.monitoring import Import, Stay
from storage.organisations import Organisation
from workflows.rules.acts import MandateKind
from workflows.rules.agreements import AgreementKind, AgreementStatus
from workflows.rules.costs import CostLineKind, Financing
from workflows.rules.deadlines import DeadlineStatus
from workflows.rules.decisions import Advice, DecisionStatus, EffectKind, Outcome
from workflows.rules.document_fields import DocumentKind, SubjectType, TemplateStatus
from workflows.rules.figure_imports import ImportKind
from workflows.rules.mandates import GrantStatus
from workflows.rules.organisations import OrganisationKind
from workflows.rules.phases import PhaseKind
from workflows.rules.roles import Role
from workflows.rules.vocabulary import Labelled

CONSTRAINED: list[tuple[type[Base], str, type[Labelled]]] = [
    (Grant, "status", GrantStatus),
    (Mandate, "kind", MandateKind),
    (User, "role", Role),
    (Agreement, "kind", AgreementKind),
    (Agreement, "status", AgreementStatus),
    (Decision, "status", DecisionStatus),
    (Decision, "outcome", Outcome),
    (CoAdvice, "advice", Advice),
    (Effect, "kind", EffectKind),
    (Organisation, "kind", OrganisationKind),
    (Phase, "kind", PhaseKind),
    (Bed, "financing", Financing),
    (Stay, "financing", Financing),
    (CostLine, "kind", CostLineKind),
    (Import, "kind", ImportKind),
    (Deadline, "status", DeadlineStatus),
    (DocumentTemplate, "kind", DocumentKind),
    (DocumentTemplate, "status", TemplateStatus),
    (Document, "kind", DocumentKind),
    (Document, "subject_type", SubjectType),
    (Bundle, "subject_type", SubjectType),
]


@pytest.mark.parametrize(
    ("model", "column", "vocabulary"),
    CONSTRAINED,
    ids=[f"{model.__tablename__}.{column}" for model, column, _ in CONSTRAINED],
)
def test_the_database_accepts_exactly_the_codes_of_the_enum(
    model: type[Base], column: str, vocabulary: type[Labelled]
) -> None:
    name = f"ck_{model.__tablename__}_{column}"
    (constraint,) = (
        c for c in model.__table__.constraints if isinstance(c, CheckConstraint) and c.name == name
    )
    assert re.findall(r"'([^']*)'", str(constraint.sqltext)) == [code.value for code in vocabulary]


def test_a_member_is_its_code_and_carries_its_dutch_label() -> None:
    assert GrantStatus.ACTIVE == "active"
    assert GrantStatus.ACTIVE.label == "van kracht"
    assert GrantStatus.labels()["revoked"] == "ingetrokken"
