"""The JSON shape of each object (API conventions: snake_case, ``id``, ``…_on`` dates).

Every answer of /api/v1 is one of the representations below (pydantic models): the functions
that build an answer pass it through its representation before it is sent, and openapi.py
publishes the same representations as the response schemas. A field added to an answer but not
here, a field missing, a value outside its vocabulary: the request fails in the tests instead of
the published contract drifting from what is sent. Vocabularies come from the status and kind
enums in workflows/rules (workflows/rules/vocabulary.py), or where a concept has none yet from
the label dict the pages use, so a new status is added in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic_core import CoreSchema, core_schema

from storage.agreements import Agreement
from storage.documents import JOB_STATUSES
from storage.mandates import (
    GrantLine,
    Mandate,
    MandateLine,
    PhaseName,
    grant_line,
    mandate_line,
)
from storage.organisations import Organisation
from workflows.documents.document_bundles import BUNDLE_LABELS
from workflows.registers import agreements, mandates
from workflows.registers.agreements import term_of
from workflows.registers.arrangements import Overview
from workflows.rules.acts import Act, MandateKind
from workflows.rules.agreements import AgreementKind, AgreementStatus
from workflows.rules.costs import CostLineKind, CostRule, Financing
from workflows.rules.deadlines import SIGNAL_KINDS, DeadlineKind, DeadlineStatus
from workflows.rules.decisions import Advice, DecisionStatus, EffectKind, Outcome, WooPublication
from workflows.rules.document_fields import DocumentKind, SubjectType, TemplateStatus
from workflows.rules.fields import MAX_ID
from workflows.rules.figure_imports import ImportKind
from workflows.rules.mandates import GrantStatus
from workflows.rules.organisations import OrganisationKind
from workflows.rules.phases import PhaseKind, PhaseStatus, SuccessorKind

DEADLINE_SOURCES = ("derived", "manual")
# The named bundles, and "eigen": one of documents the caller chose (make_from_documents).
BUNDLE_NAMES = (*BUNDLE_LABELS, "eigen")


@dataclass(frozen=True)
class OneOf:
    """A string from a fixed vocabulary: validated, and published as the schema's ``enum``."""

    values: tuple[str, ...]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.literal_schema(list(self.values))


def one_of(vocabulary: Iterable[Any]) -> OneOf:
    """The keys of a label dict, or the values of an Enum class."""
    return OneOf(tuple(v.value if isinstance(v, Enum) else str(v) for v in vocabulary))


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=1, le=9999)]
# Amounts are text with two decimals ("28400.00"), so that no client rounds them through a float.
Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["28400.00"])]
# Moments are sent as Python writes them (…+00:00), which pydantic would rewrite to …Z.
Moment = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Acts = list[Annotated[str, one_of(Act)]]


class Representation(BaseModel):
    """Exactly the named fields, each always present (``null`` where there is no value)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def shaped(cls, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` as sent: checked against this representation, in its JSON types."""
        return cls.model_validate(body).model_dump(mode="json")

    @classmethod
    def listed(cls, bodies: Iterable[Mapping[str, Any]], total: int) -> str:
        """A list's envelope ``{"items": [...], "total": n}`` as JSON text, each body checked
        against this representation. The page is checked in one call and written by pydantic's
        own serializer: a check and a dump to Python per item, then ``json.dumps`` of the whole
        page, cost a page of fifty volmachten with thirteen grants each about a third of its
        time (bench/scale.py)."""
        envelope = Listed[cls]  # type: ignore[valid-type]
        return envelope.model_validate({"items": list(bodies), "total": total}).model_dump_json()


R = TypeVar("R", bound=Representation)


class Listed(Representation, Generic[R]):
    """The envelope of the paged lists of the API (``views.page``): one page of items and the
    total of the list."""

    items: list[R]
    total: Count


class Named(Representation):
    id: Id
    name: str


class Reference(Representation):
    id: Id
    name: str
    kind: Annotated[str, one_of(OrganisationKind)]


class MeetingCalendar(Representation):
    weekday: Annotated[int, Field(ge=0, le=6)] | None
    agenda_lead_working_days: Count | None
    co_advice_working_days: Count | None
    recess_weeks: list[Annotated[int, Field(ge=1, le=53)]]
    no_meetings_christmas_to_new_year: bool


class OrganisationOut(Representation):
    id: Id
    name: str
    kind: Annotated[str, one_of(OrganisationKind)]
    short_name: str | None
    inhabitants: Count | None
    inhabitants_on: date | None
    meeting_calendar: MeetingCalendar | None = Field(
        description="Alleen bij een gemeente: de B&W-vergaderkalender."
    )
    version: Version


class PhaseOut(Representation):
    id: Id
    name: str
    kind: Annotated[str, one_of(PhaseKind)]
    status: Annotated[str, one_of(PhaseStatus)]
    start_on: date
    end_on: date = Field(description="Inclusief (t/m).")


class EvaluationMomentOut(Representation):
    id: Id
    name: str
    due_on: date
    description: str


class BedOut(Representation):
    id: Id
    provider: Reference
    location: str
    care_type: str
    financing: Annotated[str, one_of(Financing)]
    available_start_on: date
    available_end_on: date | None


class Successor(Representation):
    kind: Annotated[str, one_of(SuccessorKind)] | None
    start_on: date | None
    description: str


class BudgetOut(Representation):
    municipality: Reference
    year: Year
    amount: Money
    source: str


class ArrangementOut(Representation):
    id: Id
    name: str
    description: str
    lead_organisation: Reference
    phases: list[PhaseOut]
    evaluation_moments: list[EvaluationMomentOut]
    participants: list[Reference]
    providers: list[Reference]
    beds: list[BedOut]
    cost_rule: Annotated[str, one_of(CostRule)]
    successor: Successor
    budgets: list[BudgetOut]
    version: Version


class GrantOut(Representation):
    id: Id
    grantor: Reference
    status: Annotated[str, one_of(GrantStatus)]
    granted_on: date | None
    revoked_on: date | None
    decision_reference: str
    version: Version


class MandateOut(Representation):
    id: Id
    name: str
    kind: Annotated[str, one_of(MandateKind)]
    arrangement: Named
    grantee: Reference
    grantee_function: str
    acts: Acts
    phases: list[Named]
    includes_extensions: bool
    valid_from_on: date | None
    valid_until_on: date | None
    ceiling: Money | None
    sub_mandate_allowed: bool
    parent_id: Id | None
    predecessor_id: Id | None = Field(description="De verleende volmacht die deze opvolgt.")
    legal_basis: str
    ratifies_since_on: date | None
    ratified_acts: list[str]
    description: str
    grants: list[GrantOut]
    granted: Count = Field(description="Aantal volmachtgevers dat besloot.")
    grantors: Count
    version: Version


class MandateRef(Representation):
    id: Id
    name: str
    kind: Annotated[str, one_of(MandateKind)]


class AgreementBed(Representation):
    id: Id
    location: str


class AgreementOut(Representation):
    id: Id
    name: str
    reference: str
    kind: Annotated[str, one_of(AgreementKind)]
    arrangement: Named
    provider: Reference
    contracting_party: Reference
    mandates: list[MandateRef]
    start_on: date
    end_on: date
    extension_count: Count
    extension_months: Count
    extensions_used: Count
    notice_months: Count
    notice_deadline_on: date
    maximum_end_on: date
    tariff_occupied_day: Money | None
    tariff_vacant_day: Money | None
    indexation: str
    beds: list[AgreementBed]
    status: Annotated[str, one_of(AgreementStatus)]
    notes: str = Field(description="Leeg voor een zorgaanbieder.")
    version: Version


class CoverageRow(Representation):
    municipality: Named
    covered: bool
    mandate_id: Id | None
    reason: str
    ratified: bool


class CoverageOut(Representation):
    arrangement: Id
    act: Annotated[str, one_of(Act)]
    on: date
    items: list[CoverageRow]
    total: Count


class NextMeeting(Representation):
    meeting_on: date
    agenda_closes_on: date
    start_by_on: date


class SignalOut(Representation):
    kind: Annotated[str, one_of(SIGNAL_KINDS)]
    subject: str
    arrangement: Named
    municipality: Named | None
    act: Annotated[str, one_of(Act)] | None
    act_on: date
    latest_meeting_on: date
    agenda_closes_on: date
    start_by_on: date
    overdue: bool
    mandate_id: Id | None
    explanation: str
    acts: Acts
    mandate_kind: Annotated[str, one_of(MandateKind)] | None
    gap_now: bool
    missed: bool
    next_meeting: NextMeeting | None
    advice: str
    ratification: str


class SignalsOut(Representation):
    as_of: date
    items: list[SignalOut]
    total: Count


class TermEndOut(Representation):
    start_on: date
    end_on: date
    unadjusted_end_on: date
    applies: bool
    reason: str


class DeadlineOut(Representation):
    id: Id
    name: str
    kind: Annotated[str, one_of(DeadlineKind)]
    due_on: date
    start_by_on: date | None
    arrangement_id: Id | None
    organisation_id: Id | None
    owner_id: Id | None
    status: Annotated[str, one_of(DeadlineStatus)]
    status_reason: str
    source: Annotated[str, OneOf(DEADLINE_SOURCES)]
    deadline_version: Version
    acknowledged_at: Moment | None
    explanation: str


Status = Annotated[str, one_of(DecisionStatus)]


class DecisionSummaryOut(Representation):
    id: Id
    name: str
    subject: str
    municipality: Named | None
    arrangement_id: Id | None
    parent_id: Id | None = Field(description="Het regionale dossier waaruit dit is uitgespreid.")
    case_number: str
    corsa_number: str
    status: Status
    meeting_on: date | None
    decided_on: date | None
    outcome: Annotated[str, one_of(Outcome)] | None
    secret: bool
    woo_publication: Annotated[str, one_of(WooPublication)]
    version: Version


class AdviceOut(Representation):
    id: Id
    adviser: str
    unit: str
    label: str
    adviser_id: Id | None
    stand_in_id: Id | None
    advice: Annotated[str, one_of(Advice)] | None
    text: str
    recorded_by: str | None
    on_behalf: bool
    recorded_at: Moment | None


class TransitionOut(Representation):
    from_: Status | Annotated[str, OneOf(("",))] = Field(alias="from")
    to: Status
    by: str
    at: Moment
    note: str

    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True)


class EffectOut(Representation):
    kind: Annotated[str, one_of(EffectKind)]
    mandate_id: Id | None
    phase_id: Id | None
    agreement_id: Id | None
    applied_at: Moment | None
    result: str


class Annex(Representation):
    description: str
    college: bool
    council: bool
    not_public: bool
    secret: bool


class DecisionOut(DecisionSummaryOut):
    """The summary and every field of the agenda form (workflows.decisions.decisions.EDITABLE)."""

    portfolio_holder: str
    agenda_letter: str
    public: bool
    department: str
    author: str
    urgency: str
    council_decision_needed: bool
    inform_council: bool
    secretary_advice: str
    draft_decision: str
    public_summary: str
    introduction: str
    desired_effect: str
    arguments: str
    risks: str
    costs: str
    alternatives: str
    participation: str
    communication: str
    press_release: bool
    follow_up: str
    annexes: list[Annex]
    woo_ground: str
    retention_category: str
    decide_by: date | None
    decide_by_on: date | None
    co_advisers: list[str] = Field(description="Het 'mee geadviseerd door' van het formulier.")
    advices: list[AdviceOut]
    transitions: list[TransitionOut]
    effects: list[EffectOut]


class AdviceRequestOut(AdviceOut):
    as_stand_in: bool
    decision: DecisionSummaryOut


class FanOutOut(Representation):
    created: Count
    decided: Count
    total: Count
    items: list[DecisionSummaryOut]


class ProviderRequests(Representation):
    provider: Named
    requested: Count
    placed: Count
    not_placed: Count
    unknown: Count
    cancelled: Count


class DaysStayed(Representation):
    wmo: Count
    wlz: Count


class BedFigures(Representation):
    id: Id
    location: str
    provider: str
    available_days: Count
    occupied_days: Count
    occupancy: float = Field(ge=0, description="bezette ÷ beschikbare dagen")


class ClientFigures(Representation):
    municipality: Named
    wmo: Count
    wlz: Count


class FiguresOut(Representation):
    year: Year
    requests: list[ProviderRequests]
    requested: Count
    placed: Count
    placement_rate: float = Field(ge=0, description="geplaatst ÷ aanvragen")
    days_stayed: DaysStayed
    beds: list[BedFigures]
    clients: list[ClientFigures]


class CostRow(Representation):
    municipality: Named
    occupied_days: Count
    occupied_cost: Money | None
    vacancy_share: Money | None = Field(description="Aandeel in de leegstand (Twente).")
    housing_share: Money | None = Field(
        description="Aandeel in de huisvesting per beschikbare dag (Hoeksche Waard)."
    )
    key_share: Money | None = Field(
        description="Aandeel naar inwonertal in alle kosten (subsidie naar verdeelsleutel)."
    )
    total: Money | None
    budget: Money | None
    budget_source: str
    budget_remaining: Money | None = Field(description="Budget min totaal; negatief bij tekort.")


class CostsOut(Representation):
    year: Year
    items: list[CostRow]
    total: Money | None = Field(description="De som van de rijen, tot op de cent.")
    bed_days: Count
    vacant_days: Count
    rule: Annotated[str, one_of(CostRule)]


class CostLineOut(Representation):
    kind: Annotated[str, one_of(CostLineKind)]
    label: str
    municipality: Named | None
    budget: Money | None
    realised: Money | None
    computed: bool
    difference: Money | None
    source: str


class CostLinesOut(Representation):
    year: Year
    items: list[CostLineOut]
    budget: Money | None
    realised: Money | None
    complete: bool


class ImportOut(Representation):
    id: Id
    kind: Annotated[str, one_of(ImportKind)]
    year: Year
    status: str
    rows: list[dict[str, Any]]
    problems: list[dict[str, Any]]


class DocumentOut(Representation):
    id: Id
    kind: Annotated[str, one_of(DocumentKind)]
    title: str
    subject_type: Annotated[str, one_of(SubjectType)]
    subject_id: Id
    party_id: Id | None
    version: Version
    template_version: Version
    sha256: str = Field(description="sha256 van het .docx-bestand")
    input_sha256: str
    pdf_sha256: str | None
    made_at: Moment
    made_by: str


class BundleOut(Representation):
    id: Id
    name: Annotated[str, OneOf(BUNDLE_NAMES)]
    title: str
    subject_type: Annotated[str, one_of(SubjectType)]
    subject_id: Id
    document_ids: list[Id]
    pages: Count
    sha256: str
    made_at: Moment


class JobOut(Representation):
    id: Id
    action: str
    title: str
    status: Annotated[str, OneOf(JOB_STATUSES)]
    done: Count
    total: Count
    bundle_id: Id | None
    document_ids: list[Id]
    error: str | None


class TemplateReportOut(Representation):
    id: Id
    kind: Annotated[str, one_of(DocumentKind)]
    version: Version
    status: Annotated[str, one_of(TemplateStatus)]
    sha256: str
    fields_used: list[str]
    missing_fields: list[str]
    problems: list[str]


class ErrorDetail(Representation):
    code: str
    message: str
    fields: dict[str, str] | None = Field(
        default=None, description="Bij 422: per veld wat er mis is."
    )
    changed: dict[str, Any] | None = Field(
        default=None, description="Bij 409: wat een ander intussen veranderde."
    )


class ErrorOut(Representation):
    error: ErrorDetail


# Every representation openapi.py publishes, under the name its schema gets.
PUBLISHED: dict[str, type[Representation]] = {
    "Organisation": OrganisationOut,
    "Arrangement": ArrangementOut,
    "Mandate": MandateOut,
    "Agreement": AgreementOut,
    "Coverage": CoverageOut,
    "Signals": SignalsOut,
    "TermEnd": TermEndOut,
    "Deadline": DeadlineOut,
    "DecisionSummary": DecisionSummaryOut,
    "Decision": DecisionOut,
    "AdviceRequest": AdviceRequestOut,
    "FanOut": FanOutOut,
    "Figures": FiguresOut,
    "Costs": CostsOut,
    "CostLines": CostLinesOut,
    "Import": ImportOut,
    "Document": DocumentOut,
    "Bundle": BundleOut,
    "Job": JobOut,
    "TemplateReport": TemplateReportOut,
    "Error": ErrorOut,
}


def organisation_json(organisation: Organisation) -> dict[str, Any]:
    return OrganisationOut.shaped(organisation_body(organisation))


def organisation_body(organisation: Organisation) -> dict[str, Any]:
    """An organisation as ``OrganisationOut`` shows it, before the check."""
    return {
        "id": organisation.id,
        "name": organisation.name,
        "kind": organisation.kind,
        "short_name": organisation.short_name,
        "inhabitants": organisation.inhabitants,
        "inhabitants_on": organisation.inhabitants_on,
        "meeting_calendar": {
            "weekday": organisation.meeting_weekday,
            "agenda_lead_working_days": organisation.agenda_lead_working_days,
            "co_advice_working_days": organisation.co_advice_working_days,
            "recess_weeks": list(organisation.recess_weeks or []),
            "no_meetings_christmas_to_new_year": organisation.no_meetings_christmas_to_new_year,
        }
        if organisation.kind == "municipality"
        else None,
        "version": organisation.version,
    }


def _reference(organisation: Organisation) -> dict[str, Any]:
    return {"id": organisation.id, "name": organisation.name, "kind": organisation.kind}


def arrangement_json(overview: Overview) -> dict[str, Any]:
    return ArrangementOut.shaped(arrangement_body(overview))


def arrangement_body(overview: Overview) -> dict[str, Any]:
    """An arrangement as ``ArrangementOut`` shows it, before the check."""
    arrangement = overview.arrangement
    return {
        "id": arrangement.id,
        "name": arrangement.name,
        "description": arrangement.description,
        "lead_organisation": _reference(arrangement.lead_organisation),
        "phases": [
            {
                "id": phase.id,
                "name": phase.name,
                "kind": phase.kind,
                "status": overview.status_of(phase),
                "start_on": phase.start_on,
                "end_on": phase.end_on,
            }
            for phase in overview.phases
        ],
        "evaluation_moments": [
            {
                "id": moment.id,
                "name": moment.name,
                "due_on": moment.due_on,
                "description": moment.description,
            }
            for moment in arrangement.evaluation_moments
        ],
        "participants": [_reference(o) for o in overview.municipalities + overview.others],
        "providers": [_reference(o) for o in overview.providers],
        "beds": [
            {
                "id": bed.id,
                "provider": _reference(bed.location.provider),
                "location": bed.location.name,
                "care_type": bed.location.care_type,
                "financing": bed.financing,
                "available_start_on": bed.available_from,
                "available_end_on": bed.available_until,
            }
            for bed in overview.beds
        ],
        "cost_rule": arrangement.cost_rule,
        "successor": {
            "kind": arrangement.successor_kind,
            "start_on": arrangement.successor_start_on,
            "description": arrangement.successor_description,
        },
        "budgets": [
            {
                "municipality": _reference(b.municipality),
                "year": b.year,
                "amount": f"{b.amount:.2f}",
                "source": b.source,
            }
            for b in overview.budgets
        ],
        "version": arrangement.version,
    }


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def grant_json(grant: GrantLine) -> dict[str, Any]:
    return {
        "id": grant.id,
        "grantor": {"id": grant.grantor_id, "name": grant.grantor_name, "kind": grant.grantor_kind},
        "status": grant.status,
        "granted_on": grant.granted_on,
        "revoked_on": grant.revoked_on,
        "decision_reference": grant.decision_reference,
        "version": grant.version,
    }


def mandate_json(mandate: Mandate) -> dict[str, Any]:
    return MandateOut.shaped(
        mandate_body(
            mandate_line(mandate),
            [PhaseName(p.id, p.name) for p in mandate.phases],
            [grant_line(g) for g in mandate.grants],
        )
    )


def mandate_body(
    mandate: MandateLine, phases: Sequence[PhaseName], grants: Sequence[GrantLine]
) -> dict[str, Any]:
    """A mandate as ``MandateOut`` shows it, before the check, with its phases and grants: for
    a list those read as rows for the whole page (``mandates.page_lines``), for one mandate
    its own."""
    summary = mandates.summary_of(grants)
    return {
        "id": mandate.id,
        "name": mandate.title,
        "kind": mandate.kind,
        "arrangement": {"id": mandate.arrangement_id, "name": mandate.arrangement_name},
        "grantee": {
            "id": mandate.grantee_id,
            "name": mandate.grantee_name,
            "kind": mandate.grantee_kind,
        },
        "grantee_function": mandate.grantee_function,
        "acts": mandate.acts,
        "phases": [{"id": p.id, "name": p.name} for p in phases],
        "includes_extensions": mandate.includes_extensions,
        "valid_from_on": mandate.valid_from,
        "valid_until_on": mandate.valid_until,
        "ceiling": _money(mandate.ceiling),
        "sub_mandate_allowed": mandate.sub_mandate_allowed,
        "parent_id": mandate.parent_id,
        "predecessor_id": mandate.predecessor_id,
        "legal_basis": mandate.legal_basis,
        "ratifies_since_on": mandate.ratifies_since,
        "ratified_acts": mandate.ratified_acts,
        "description": mandate.description,
        "grants": [grant_json(g) for g in grants],
        "granted": summary.decided,
        "grantors": summary.total,
        "version": mandate.version,
    }


def agreement_json(agreement: Agreement, *, for_provider: bool = False) -> dict[str, Any]:
    return AgreementOut.shaped(agreement_body(agreement, for_provider=for_provider))


def agreement_body(agreement: Agreement, *, for_provider: bool = False) -> dict[str, Any]:
    """An agreement as ``AgreementOut`` shows it, before the check; a provider does not read
    the notes."""
    term = term_of(agreements.snapshot(agreement))
    return {
        "id": agreement.id,
        "name": agreement.title,
        "reference": agreement.reference,
        "kind": agreement.kind,
        "arrangement": {"id": agreement.arrangement_id, "name": agreement.arrangement.name},
        "provider": _reference(agreement.provider),
        "contracting_party": _reference(agreement.contracting_party),
        "mandates": [{"id": m.id, "name": m.title, "kind": m.kind} for m in agreement.mandates],
        "start_on": agreement.start_on,
        "end_on": agreement.end_on,
        "extension_count": agreement.extension_count,
        "extension_months": agreement.extension_months,
        "extensions_used": agreement.extensions_used,
        "notice_months": agreement.notice_months,
        "notice_deadline_on": term.notice_deadline(),
        "maximum_end_on": agreement.maximum_end_on,
        "tariff_occupied_day": _money(agreement.tariff_occupied_day),
        "tariff_vacant_day": _money(agreement.tariff_vacant_day),
        "indexation": agreement.indexation,
        "beds": [{"id": b.id, "location": b.location.name} for b in agreement.beds],
        "status": agreement.status,
        "notes": "" if for_provider else agreement.notes,
        "version": agreement.version,
    }
