"""The OpenAPI 3.1 description of /api/v1, made from what the code itself uses.

- Response schemas: the representations every answer passes through (representations.py).
- Request schemas: the readers the workflows read a body with (``EDITABLE``, ``…_FIELDS``), each
  reader telling its type, bounds and whether it is required (``reader_schema``).
- Vocabularies: the label dicts of workflows/rules/* and workflows/*; page bounds from views.
Only the operations themselves (paths, summaries, which errors they answer) are written here;
tests/webapp/test_api_contract.py checks that they are exactly the routes of the blueprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from webapp.api import views
from webapp.api.representations import BUNDLE_NAMES, PUBLISHED, one_of
from workflows.deadlines import deadlines
from workflows.decisions import co_advice, decisions
from workflows.monitoring import monitoring
from workflows.registers import agreements, arrangements, mandates
from workflows.rules import fields
from workflows.rules.acts import Act
from workflows.rules.agreements import AgreementStatus
from workflows.rules.decisions import DecisionStatus, Outcome
from workflows.rules.document_fields import DocumentKind, SubjectType
from workflows.rules.figure_imports import ImportKind
from workflows.rules.mandates import GrantStatus
from workflows.rules.organisations import OrganisationKind

ID = {"type": "integer", "minimum": 1, "maximum": fields.MAX_ID}
DATE = {"type": "string", "format": "date"}
YEAR = {"type": "integer", "minimum": monitoring.YEAR.minimum, "maximum": monitoring.YEAR.maximum}
# The term calculator's bound on days, weeks or months (signals.compute_term_end).
MAX_TERM = 10_000


def _enum(vocabulary: Any) -> dict[str, Any]:
    return {"type": "string", "enum": list(one_of(vocabulary).values)}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:
        return {**schema, "type": [schema["type"], "null"], "enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def reader_schema(reader: Any) -> dict[str, Any]:
    """What a reader of workflows.rules.fields takes from a JSON body (it also takes the texts a
    form sends, such as "12" for a number; a client of the API sends JSON types)."""
    label = {"description": reader.label}
    if isinstance(reader, fields.Text):
        return {"type": "string", "maxLength": reader.max_length, **label}
    if isinstance(reader, fields.Whole):
        schema = {"type": "integer", "minimum": reader.minimum, "maximum": reader.maximum}
        return {**(schema if reader.required else _nullable(schema)), **label}
    if isinstance(reader, fields.Day):
        return {**(DATE if reader.required else _nullable(DATE)), **label}
    if isinstance(reader, fields.Flag):
        return {"type": "boolean", **label}
    if isinstance(reader, fields.Choice):
        schema = _enum(reader.options)
        return {**(schema if reader.required else _nullable(schema)), **label}
    if isinstance(reader, fields.Choices):
        return {"type": "array", "items": _enum(reader.options), **label}
    if isinstance(reader, fields.Ids):
        return {"type": "array", "items": ID, **label}
    if isinstance(reader, fields.Lines):
        item = {"type": "string", "maxLength": reader.max_length}
        return {"type": "array", "items": item, "maxItems": reader.max_items, **label}
    if isinstance(reader, fields.WeekList):
        week = {"type": "integer", "minimum": 1, "maximum": 53}
        return {"type": "array", "items": week, **label}
    if isinstance(reader, fields.Money):
        return {
            "type": ["string", "null"],
            "pattern": r"^[0-9]+(\.[0-9]{1,2})?$",
            "examples": ["28400.00"],
            "description": f"{reader.label}: bedrag in euro, ten hoogste {reader.maximum}",
        }
    if isinstance(reader, decisions.Annexes):
        flag = {"type": "boolean"}
        annex = {
            "type": "object",
            "properties": {
                "description": {"type": "string", "maxLength": 500},
                "college": flag,
                "council": flag,
                "not_public": flag,
                "secret": flag,
            },
            "required": ["description"],
        }
        return {"type": "array", "items": annex, **label}
    raise TypeError(f"no JSON Schema for reader {reader!r}")


def body_schema(
    readers: Mapping[str, Any],
    *,
    partial: bool = False,
    extra: Mapping[str, Any] | None = None,
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An object of the readers' fields; required are the readers' required fields (none when
    ``partial``: a PATCH names only what changes) and the names in ``required``."""
    properties = {name: reader_schema(reader) for name, reader in readers.items()}
    properties.update(extra or {})
    needed = [] if partial else [n for n, r in readers.items() if getattr(r, "required", False)]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if needed or required:
        schema["required"] = [*needed, *required]
    return schema


VERSION = {
    "type": "integer",
    "minimum": 1,
    "maximum": fields.MAX_ID,
    "description": "De versie die u las; een andere versie geeft 409 met wat er veranderde.",
}


def _request_schemas() -> dict[str, Any]:
    grant = body_schema(
        mandates.GRANT_FIELDS,
        partial=True,
        extra={"grantor_id": ID, "version": VERSION},
        required=("grantor_id", "version"),
    )
    adviser = body_schema(co_advice.ADVISER_FIELDS)
    effect = body_schema(decisions.EFFECT_FIELDS)
    return {
        "ArrangementInput": body_schema(arrangements.EDITABLE),
        "ArrangementPatch": body_schema(
            arrangements.EDITABLE, partial=True, extra={"version": VERSION}, required=("version",)
        ),
        "PhaseInput": body_schema(arrangements.PHASE_FIELDS),
        "MandateInput": body_schema({**mandates.CREATION_FIELDS, **mandates.EDITABLE}),
        "MandatePatch": body_schema(
            mandates.EDITABLE,
            partial=True,
            extra={
                "version": VERSION,
                "grants": {"type": "array", "items": grant, "description": "Besluiten vastleggen"},
            },
        ),
        "AgreementInput": body_schema({**agreements.CREATION_FIELDS, **agreements.EDITABLE}),
        "AgreementPatch": body_schema(
            agreements.EDITABLE,
            partial=True,
            extra={"version": VERSION, "status": _enum(AgreementStatus)},
            required=("version",),
        ),
        "DecisionInput": body_schema(
            {**decisions.SCOPE_FIELDS, **decisions.EDITABLE},
            extra={
                "advisers": {
                    "type": "array",
                    "items": adviser,
                    "description": "Mee-adviseurs (accounts van de gemeente)",
                },
                "effects": {
                    "type": "array",
                    "items": effect,
                    "description": "Wat het besluit in de registers verandert",
                },
            },
        ),
        "DecisionPatch": body_schema(
            decisions.EDITABLE, partial=True, extra={"version": VERSION}, required=("version",)
        ),
        "DecisionTransition": {
            "type": "object",
            "properties": {
                "to": _enum(DecisionStatus),
                "outcome": _enum(Outcome),
                "decided_on": DATE,
                "note": {"type": "string", "maxLength": 2000},
            },
            "required": ["to"],
        },
        "DecisionAdvice": body_schema(
            co_advice.ADVICE_FIELDS,
            extra={"adviser": {**ID, "description": "Het verzoek, als u er meer mag vastleggen"}},
        ),
        "DecisionAdviser": adviser,
        "GapInput": body_schema(decisions.GAP_FIELDS, required=("municipality_ids",)),
        "DeadlineInput": body_schema(deadlines.MANUAL_FIELDS),
        "DocumentRequest": {
            "type": "object",
            "properties": {
                "kind": _enum(DocumentKind),
                "subject_type": _enum(SubjectType),
                "subject_id": ID,
                "party_id": {**ID, "description": "De gemeente (volmacht, raadsinformatiebrief)"},
                "year": {**ID, "description": "Jaar van de cijfers (evaluatierapportage)"},
            },
            "required": ["kind", "subject_type", "subject_id"],
        },
        "BundleRequest": {
            "type": "object",
            "properties": {
                "name": _enum(BUNDLE_NAMES[:-1]),
                "subject_id": ID,
                "document_ids": {
                    "type": "array",
                    "items": ID,
                    "description": "Documenten van één onderwerp (1 tot 100); een mengsel "
                    "van onderwerpen geeft 422",
                },
                "request_key": {
                    "type": "string",
                    "maxLength": 64,
                    "description": "Dezelfde sleutel nogmaals geeft dezelfde opdracht",
                },
            },
        },
        "ImportConfirm": {
            "type": "object",
            "properties": {
                "exclude": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": fields.MAX_ID},
                    "description": "Regelnummers die niet worden opgeslagen",
                }
            },
        },
    }


def _response_schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [(model, "serialization") for model in PUBLISHED.values()],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = top["$defs"]
    # Published under the names the paths use (Organisation, not OrganisationOut).
    renamed = {model.__name__: name for name, model in PUBLISHED.items()}
    text = _rename(schemas, renamed)
    return {renamed.get(k, k): v for k, v in text.items()}


def _rename(node: Any, renamed: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[1]
                out[key] = f"#/components/schemas/{renamed.get(name, name)}"
            else:
                out[key] = _rename(value, renamed)
        return out
    if isinstance(node, list):
        return [_rename(v, renamed) for v in node]
    return node


# Operations --------------------------------------------------------------------------------------

_ERRORS = {
    401: "Geen token, of een ongeldig, verlopen of ingetrokken token.",
    403: "Geen toegang, of een token dat alleen mag lezen bij een wijziging.",
    404: "Niet gevonden of niet zichtbaar voor u.",
    409: "Intussen door een ander gewijzigd; changed noemt wat er veranderde.",
    413: "Het verzoek is te groot.",
    422: "Ongeldige invoer; fields noemt per veld wat er mis is.",
    503: "PDF niet beschikbaar: LibreOffice ontbreekt of de omzetting mislukte.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _json(_ref("Error"), _ERRORS[s]) for s in (401, 403, *statuses)}


def _list_of(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "total": {"type": "integer", "minimum": 0, "description": "Alle treffers"},
        },
        "required": ["items", "total"],
    }


def _paging() -> list[dict[str, Any]]:
    # views imports this module: its page bound is read when the description is made.
    most = views.MAX_PAGE
    return [
        _query("limit", {"type": "integer", "minimum": 0, "maximum": most, "default": most}),
        _query("offset", {"type": "integer", "minimum": 0, "maximum": fields.MAX_WHOLE}),
    ]


def _query(name: str, schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


_ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": ID}


def _get(name: str, summary: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": params,
        "responses": {"200": _json(_ref(name), summary), **_errors(404, 422)},
    }


def _list(
    name: str, summary: str, params: list[dict[str, Any]], errors: tuple[int, ...] = (422,)
) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [*params, *_paging()],
        "responses": {"200": _json(_list_of(name), "Lijst"), **_errors(*errors)},
    }


def _write(
    summary: str,
    body: str | None,
    answer: str,
    status: int = 200,
    params: list[dict[str, Any]] | None = None,
    errors: tuple[int, ...] = (404, 409, 422),
) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "parameters": params or []}
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    operation["responses"] = {str(status): _json(_ref(answer), summary), **_errors(*errors)}
    return operation


def _file(content_type: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
    }


def _multipart(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": properties, "required": required}
            }
        },
    }


def _paths() -> dict[str, Any]:
    arrangement = _query("arrangement", ID)
    return {
        "/api/v1/openapi.json": {
            "get": {
                "summary": "Deze beschrijving",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "OpenAPI-document")},
            }
        },
        "/api/v1/organisations": {
            "get": _list(
                "Organisation",
                "Organisaties die u mag zien",
                [_query("kind", _enum(OrganisationKind))],
            )
        },
        "/api/v1/arrangements": {
            "get": _list("Arrangement", "Regelingen waaraan uw organisatie deelneemt", []),
            "post": _write(
                "Nieuwe regeling", "ArrangementInput", "Arrangement", 201, errors=(422,)
            ),
        },
        "/api/v1/arrangements/{id}": {
            "get": _get(
                "Arrangement",
                "Eén regeling met fasen, evaluatiemomenten, deelnemers en bedden",
                [_ID_PARAM],
            ),
            "patch": _write(
                "Regeling wijzigen (version verplicht)",
                "ArrangementPatch",
                "Arrangement",
                params=[_ID_PARAM],
            ),
        },
        "/api/v1/arrangements/{id}/phases": {
            "post": _write(
                "Fase toevoegen; zonder begindatum een verlenging na de vorige",
                "PhaseInput",
                "Arrangement",
                201,
                [_ID_PARAM],
                (404, 422),
            )
        },
        "/api/v1/mandates": {
            "get": _list(
                "Mandate",
                "Volmachten en mandaten van de regelingen die u mag zien",
                [arrangement, _query("status", _enum(GrantStatus))],
            ),
            "post": _write(
                "Nieuwe volmacht of mandaat, met een conceptbesluit per volmachtgever",
                "MandateInput",
                "Mandate",
                201,
                errors=(422,),
            ),
        },
        "/api/v1/mandates/{id}": {
            "get": _get("Mandate", "Eén volmacht met de besluiten per volmachtgever", [_ID_PARAM]),
            "patch": _write(
                "Volmacht wijzigen en/of besluiten vastleggen (version verplicht); de inhoud "
                "van een verleende volmacht wijzigt niet (422): maak een nieuwe versie",
                "MandatePatch",
                "Mandate",
                params=[_ID_PARAM],
            ),
        },
        "/api/v1/mandates/{id}/versions": {
            "post": _write(
                "Nieuwe versie van een verleende volmacht: een concept dat erop volgt, met "
                "een conceptbesluit per volmachtgever; de vorige blijft zoals verleend",
                None,
                "Mandate",
                201,
                [_ID_PARAM],
                (404, 422),
            )
        },
        "/api/v1/agreements": {
            "get": _list(
                "Agreement",
                "Overeenkomsten; een aanbieder ziet alleen de eigen overeenkomsten",
                [arrangement, _query("status", _enum(AgreementStatus))],
            ),
            "post": _write(
                "Nieuwe overeenkomst (status concept)",
                "AgreementInput",
                "Agreement",
                201,
                errors=(422,),
            ),
        },
        "/api/v1/agreements/{id}": {
            "get": _get("Agreement", "Eén overeenkomst", [_ID_PARAM]),
            "patch": _write(
                "Overeenkomst wijzigen of de status verder zetten (version verplicht)",
                "AgreementPatch",
                "Agreement",
                params=[_ID_PARAM],
            ),
        },
        "/api/v1/coverage": {
            "get": _get(
                "Coverage",
                "Mag de penvoerder deze handeling op die datum voor elke gemeente doen?",
                [
                    _query("arrangement", ID, required=True),
                    _query("act", _enum(Act), required=True),
                    _query("on", DATE, required=True),
                ],
            )
        },
        "/api/v1/signals": {
            "get": _get(
                "Signals",
                "Wat moet wanneer gebeuren: signalen met terugrekening naar het college",
                [_query("as_of", DATE), arrangement],
            )
        },
        "/api/v1/signals/dossiers": {
            "post": {
                "summary": (
                    "Besluitvormingsdossier opstellen vanuit een signaal 'nieuwe volmacht nodig'"
                ),
                "parameters": [],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("GapInput")}},
                },
                "responses": {
                    "201": _json(_ref("Decision"), "Dossier en conceptvolmacht opgesteld"),
                    "200": _json(_ref("Decision"), "Het dossier dat al in behandeling is"),
                    **_errors(404, 422),
                },
                "description": (
                    "Neem arrangement.id, act, act_on en de municipality.id's over van de "
                    "signalen van één gat (GET /api/v1/signals). Maakt één conceptvolmacht die "
                    "de handeling dekt en het dossier dat haar verleent; voor de projectgroep "
                    "een regionaal dossier, meteen uitgespreid over de colleges van het gat. "
                    "Is er al een dossier in behandeling, dan komt dat terug met 200 en wordt "
                    "er niets gemaakt."
                ),
            }
        },
        "/api/v1/terms/end": {
            "get": {
                **_get(
                    "TermEnd",
                    "Einde van een termijn volgens de Algemene termijnenwet",
                    [
                        _query("start", DATE, required=True),
                        *(
                            _query(unit, {"type": "integer", "minimum": 1, "maximum": MAX_TERM})
                            for unit in ("days", "weeks", "months")
                        ),
                    ],
                ),
                "description": (
                    "Precies één van days, weeks of months. Telt de feestdagen van art. 3 zoals "
                    "ze in dat jaar golden en de dagen die bij koninklijk besluit met een "
                    "feestdag zijn gelijkgesteld (art. 3, derde lid; bijgehouden door de "
                    "beheerder). Vóór 1 april 1965 (art. 7) en voor termijnen van art. 4: "
                    "applies is false, met de reden."
                ),
            }
        },
        "/api/v1/deadlines": {
            "get": _list(
                "Deadline",
                "Termijnen (afgeleid uit de registers en handmatig)",
                [_query("from", DATE), _query("to", DATE), arrangement],
            ),
            "post": _write("Handmatige termijn", "DeadlineInput", "Deadline", 201, errors=(422,)),
        },
        "/api/v1/deadlines/{id}/acknowledge": {
            "post": _write(
                "Termijn gezien: de herinneringen stoppen tot de termijn verandert",
                None,
                "Deadline",
                params=[_ID_PARAM],
                errors=(404, 422),
            )
        },
        **_decision_paths(),
        **_monitoring_paths(),
        **_document_paths(),
    }


def _decision_paths() -> dict[str, Any]:
    return {
        "/api/v1/decisions": {
            "get": _list(
                "DecisionSummary",
                "Besluitvormingsdossiers die u mag zien (geheime alleen met toegang)",
                [
                    _query("status", _enum(DecisionStatus)),
                    _query("municipality", ID),
                    _query("arrangement", ID),
                    _query("meeting_on", DATE),
                ],
            ),
            "post": _write(
                "Nieuw dossier (zonder gemeente: een regionaal dossier)",
                "DecisionInput",
                "Decision",
                201,
                errors=(422,),
            ),
        },
        "/api/v1/decisions/{id}": {
            "get": _get(
                "Decision", "Eén dossier met alle velden van het agendaformulier", [_ID_PARAM]
            ),
            "patch": _write(
                "Velden wijzigen (version verplicht)",
                "DecisionPatch",
                "Decision",
                params=[_ID_PARAM],
            ),
        },
        "/api/v1/decisions/{id}/transitions": {
            "post": _write(
                "Naar de volgende status; besloten met outcome en decided_on",
                "DecisionTransition",
                "Decision",
                params=[_ID_PARAM],
                errors=(404, 422),
            )
        },
        "/api/v1/decisions/{id}/advices": {
            "post": _write(
                "Advies van een mee-adviseur: alleen de gevraagde mee-adviseur of diens "
                "plaatsvervanger (namens de mee-adviseur) legt het vast; anderen krijgen 403",
                "DecisionAdvice",
                "Decision",
                201,
                [_ID_PARAM],
                (404, 422),
            )
        },
        "/api/v1/decisions/{id}/advisers": {
            "post": _write(
                "Een account van de gemeente vragen mee te adviseren (met organisatieonderdeel "
                "en eventueel een plaatsvervanger); in mee-advisering volgt meteen een melding",
                "DecisionAdviser",
                "Decision",
                201,
                [_ID_PARAM],
                (404, 422),
            )
        },
        "/api/v1/decisions/{id}/fan-out": {
            "post": {
                "summary": "Een regionaal dossier uitspreiden: één dossier per gemeente",
                "parameters": [_ID_PARAM],
                "responses": {
                    "201": _json(_ref("FanOut"), "Dossiers aangemaakt"),
                    "200": _json(_ref("FanOut"), "Alle gemeenten hadden al een dossier"),
                    **_errors(404, 422),
                },
            }
        },
        "/api/v1/advice-requests": {
            "get": _list(
                "AdviceRequest", "Te adviseren: dossiers in mee-advisering die op u wachten", []
            ),
        },
        "/api/v1/advice-requests/{id}": {
            "delete": _write(
                "Een verzoek om advies intrekken dat nog niet is beantwoord",
                None,
                "Decision",
                params=[_ID_PARAM],
                errors=(404, 422),
            )
        },
    }


def _monitoring_paths() -> dict[str, Any]:
    year = _query("year", YEAR)
    return {
        "/api/v1/arrangements/{id}/figures": {
            "get": _get(
                "Figures",
                "Monitoringcijfers: aanvragen, plaatsingen, ligdagen, bezetting per bed",
                [_ID_PARAM, year],
            )
        },
        "/api/v1/arrangements/{id}/costs": {
            "get": _get(
                "Costs",
                "Kostenverdeling per gemeente: bezetting en leegstand naar inwonertal",
                [_ID_PARAM, year],
            )
        },
        "/api/v1/arrangements/{id}/cost-lines": {
            "get": _get(
                "CostLines",
                "Begroting en realisatie per kostenpost (bedkosten berekend)",
                [_ID_PARAM, year],
            )
        },
        "/api/v1/arrangements/{id}/imports": {
            "post": {
                "summary": "Monitoringgegevens inlezen (file, kind, year): eerst een voorbeeld",
                "parameters": [_ID_PARAM],
                "requestBody": _multipart(
                    {
                        "file": {"type": "string", "format": "binary"},
                        "kind": _enum(ImportKind),
                        "year": YEAR,
                    },
                    ["file", "kind"],
                ),
                "responses": {
                    "201": _json(_ref("Import"), "Voorbeeld met rows en problems"),
                    **_errors(404, 413, 422),
                },
            }
        },
        "/api/v1/imports/{id}/confirm": {
            "post": _write(
                "Het voorbeeld opslaan; regels met fouten moeten in exclude staan",
                "ImportConfirm",
                "Import",
                params=[_ID_PARAM],
                errors=(404, 422),
            )
        },
    }


def _document_paths() -> dict[str, Any]:
    return {
        "/api/v1/documents": {
            "get": _list(
                "Document",
                "Alle versies van de documenten van een onderwerp",
                [
                    _query("subject_type", _enum(SubjectType), required=True),
                    _query("subject_id", ID, required=True),
                ],
                (404, 422),
            ),
            "post": _write(
                "Een document maken uit de registers (zelfde gegevens: zelfde versie)",
                "DocumentRequest",
                "Document",
                201,
                errors=(404, 422),
            ),
        },
        "/api/v1/documents/{id}/content": {
            "get": {
                "summary": "Het bestand: format=docx (standaard) of pdf (zo nodig nu omgezet)",
                "parameters": [
                    _ID_PARAM,
                    _query("format", {"type": "string", "enum": ["docx", "pdf"]}),
                ],
                "responses": {
                    "200": {
                        "description": "Bijlage (Content-Disposition: attachment)",
                        "content": {
                            "application/vnd.openxmlformats-officedocument."
                            "wordprocessingml.document": {
                                "schema": {"type": "string", "format": "binary"}
                            },
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    **_errors(404, 422, 503),
                },
            }
        },
        "/api/v1/bundles": {
            "post": _write(
                "Een bundel (één PDF) laten samenstellen; loopt op de achtergrond",
                "BundleRequest",
                "Job",
                202,
                errors=(404, 422, 503),
            )
        },
        "/api/v1/bundles/{id}": {"get": _get("Bundle", "Eén bundel", [_ID_PARAM])},
        "/api/v1/bundles/{id}/content": {
            "get": {
                "summary": "De PDF van de bundel: inhoudspagina en een bladwijzer per document",
                "parameters": [_ID_PARAM],
                "responses": {"200": _file("application/pdf", "PDF-bijlage"), **_errors(404)},
            }
        },
        "/api/v1/jobs/{id}": {
            "get": _get(
                "Job",
                "Voortgang van een documentopdracht; klaar: bundle_id en document_ids",
                [_ID_PARAM],
            )
        },
        "/api/v1/templates/{kind}/versions": {
            "post": {
                "summary": "Nieuwe sjabloonversie (multipart 'file'): gecontroleerd, proef gevuld",
                "parameters": [
                    {
                        "name": "kind",
                        "in": "path",
                        "required": True,
                        "schema": _enum(DocumentKind),
                    }
                ],
                "requestBody": _multipart(
                    {"file": {"type": "string", "format": "binary"}, "note": {"type": "string"}},
                    ["file"],
                ),
                "responses": {
                    "201": _json(_ref("TemplateReport"), "Opgeslagen als kandidaat"),
                    **_errors(404, 413, 422),
                },
            }
        },
    }


@cache
def document() -> dict[str, Any]:
    """The description; made once per process (it follows the code, not the data)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Besluitwerk API",
            "version": "1",
            "description": (
                "Registers van regionale zorgregelingen. Authenticatie met "
                "'Authorization: Bearer <token>' (token via 'besluitwerk create-api-token'). "
                "Datums zijn ISO-tekst in velden op _on, tijden ISO UTC in velden op _at, "
                "bedragen tekst met twee decimalen. Een methode die een pad niet kent geeft 405 "
                "met Allow."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Een API-token (besluitwerk create-api-token): verloopt, en "
                    "met bereik read alleen voor GET; write ook voor POST, PATCH en DELETE.",
                }
            },
            "schemas": {**_response_schemas(), **_request_schemas()},
        },
    }
