"""The OpenAPI 3.1 description of /api/v1, with paths written in full."""

from __future__ import annotations

from typing import Any

from workflows.organisations import KIND_LABELS
from workflows.rules.acts import Act, MandateKind
from workflows.rules.agreements import STATUS_LABELS as AGREEMENT_STATUS_LABELS
from workflows.rules.costs import COST_RULE_LABELS
from workflows.rules.decisions import OUTCOME_LABELS as OUTCOMES
from workflows.rules.decisions import STATUS_LABELS as DECISION_STATUSES
from workflows.rules.document_fields import KIND_LABELS as DOCUMENT_KIND_LABELS
from workflows.rules.document_fields import SUBJECT_LABELS
from workflows.rules.mandates import GRANT_STATUS_LABELS

_DATE = {"type": ["string", "null"], "format": "date"}
_SUBJECT_TYPES = list(SUBJECT_LABELS)
_REF = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": list(KIND_LABELS)},
    },
    "required": ["id", "name", "kind"],
}


def _list_of(schema: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
            "total": {"type": "integer"},
        },
        "required": ["items", "total"],
    }


def _errors(*statuses: int) -> dict[str, Any]:
    text = {
        401: "Geen token, of een ongeldig, verlopen of ingetrokken token.",
        403: "Geen toegang, of een token dat alleen mag lezen bij een wijziging.",
        404: "Niet gevonden of niet zichtbaar voor u.",
        409: "Intussen door een ander gewijzigd; changed noemt wat er veranderde.",
        422: "Ongeldige invoer; fields noemt per veld wat er mis is.",
    }
    return {
        str(status): {
            "description": text[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in statuses
    }


_PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 500}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
]


def _json_body(schema: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _one(schema: str, description: str = "Object") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _list(schema: str, summary: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [*params, *_PAGING],
        "responses": {
            "200": {
                "description": "Lijst",
                "content": {"application/json": {"schema": _list_of(schema)}},
            },
            **_errors(401, 403, 422),
        },
    }


def _id_param() -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _filter(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


def _register_paths() -> dict[str, Any]:
    return {
        "/api/v1/mandates": {
            "get": _list(
                "Mandate",
                "Volmachten en mandaten van de regelingen die u mag zien",
                [
                    _filter("arrangement", {"type": "integer"}),
                    _filter("status", {"type": "string", "enum": list(GRANT_STATUS_LABELS)}),
                ],
            ),
            "post": {
                "summary": "Nieuwe volmacht of mandaat, met een conceptbesluit per volmachtgever",
                "requestBody": _json_body("MandateInput"),
                "responses": {"201": _one("Mandate", "Aangemaakt"), **_errors(401, 403, 422)},
            },
        },
        "/api/v1/mandates/{id}": {
            "get": {
                "summary": "Eén volmacht met de besluiten per volmachtgever",
                "parameters": [_id_param()],
                "responses": {"200": _one("Mandate"), **_errors(401, 403, 404)},
            },
            "patch": {
                "summary": (
                    "Volmacht wijzigen en/of besluiten vastleggen (version verplicht); de inhoud "
                    "van een verleende volmacht wijzigt niet (422): maak een nieuwe versie"
                ),
                "parameters": [_id_param()],
                "requestBody": _json_body("MandatePatch"),
                "responses": {"200": _one("Mandate"), **_errors(401, 403, 404, 409, 422)},
            },
        },
        "/api/v1/mandates/{id}/versions": {
            "post": {
                "summary": (
                    "Nieuwe versie van een verleende volmacht: een concept dat erop volgt, met "
                    "een conceptbesluit per volmachtgever; de vorige blijft zoals verleend"
                ),
                "parameters": [_id_param()],
                "responses": {"201": _one("Mandate", "Aangemaakt"), **_errors(401, 403, 404, 422)},
            }
        },
        "/api/v1/agreements": {
            "get": _list(
                "Agreement",
                "Overeenkomsten; een aanbieder ziet alleen de eigen overeenkomsten",
                [
                    _filter("arrangement", {"type": "integer"}),
                    _filter("status", {"type": "string", "enum": list(AGREEMENT_STATUS_LABELS)}),
                ],
            ),
            "post": {
                "summary": "Nieuwe overeenkomst (status concept)",
                "requestBody": _json_body("AgreementInput"),
                "responses": {"201": _one("Agreement", "Aangemaakt"), **_errors(401, 403, 422)},
            },
        },
        "/api/v1/agreements/{id}": {
            "get": {
                "summary": "Eén overeenkomst",
                "parameters": [_id_param()],
                "responses": {"200": _one("Agreement"), **_errors(401, 403, 404)},
            },
            "patch": {
                "summary": "Overeenkomst wijzigen of de status verder zetten (version verplicht)",
                "parameters": [_id_param()],
                "requestBody": _json_body("AgreementPatch"),
                "responses": {"200": _one("Agreement"), **_errors(401, 403, 404, 409, 422)},
            },
        },
        "/api/v1/signals": {
            "get": {
                "summary": "Wat moet wanneer gebeuren: signalen met terugrekening naar het college",
                "parameters": [
                    _filter("as_of", {"type": "string", "format": "date"}),
                    _filter("arrangement", {"type": "integer"}),
                ],
                "responses": {"200": _one("Signals"), **_errors(401, 403, 422)},
            }
        },
        "/api/v1/decisions": {
            "get": _list(
                "DecisionSummary",
                "Besluitvormingsdossiers die u mag zien (geheime alleen met toegang)",
                [
                    _filter("status", {"type": "string", "enum": list(DECISION_STATUSES)}),
                    _filter("municipality", {"type": "integer"}),
                    _filter("arrangement", {"type": "integer"}),
                    _filter("meeting_on", {"type": "string", "format": "date"}),
                ],
            ),
            "post": {
                "summary": "Nieuw dossier (zonder gemeente: een regionaal dossier)",
                "requestBody": _json_body("DecisionInput"),
                "responses": {"201": _one("Decision", "Aangemaakt"), **_errors(401, 403, 422)},
            },
        },
        "/api/v1/decisions/{id}": {
            "get": {
                "summary": "Eén dossier met alle velden van het agendaformulier",
                "parameters": [_id_param()],
                "responses": {"200": _one("Decision"), **_errors(401, 403, 404)},
            },
            "patch": {
                "summary": "Velden wijzigen (version verplicht)",
                "parameters": [_id_param()],
                "requestBody": _json_body("DecisionInput"),
                "responses": {"200": _one("Decision"), **_errors(401, 403, 404, 409, 422)},
            },
        },
        "/api/v1/decisions/{id}/transitions": {
            "post": {
                "summary": "Naar de volgende status; besloten met outcome en decided_on",
                "parameters": [_id_param()],
                "requestBody": _json_body("DecisionTransition"),
                "responses": {"200": _one("Decision"), **_errors(401, 403, 404, 422)},
            }
        },
        "/api/v1/decisions/{id}/advices": {
            "post": {
                "summary": (
                    "Advies van een mee-adviseur: alleen de gevraagde mee-adviseur of diens "
                    "plaatsvervanger (namens de mee-adviseur) legt het vast; anderen krijgen 403"
                ),
                "parameters": [_id_param()],
                "requestBody": _json_body("DecisionAdvice"),
                "responses": {"201": _one("Decision"), **_errors(401, 403, 404, 422)},
            }
        },
        "/api/v1/decisions/{id}/advisers": {
            "post": {
                "summary": (
                    "Een account van de gemeente vragen mee te adviseren (met organisatieonderdeel "
                    "en eventueel een plaatsvervanger); in mee-advisering volgt meteen een melding"
                ),
                "parameters": [_id_param()],
                "requestBody": _json_body("DecisionAdviser"),
                "responses": {"201": _one("Decision"), **_errors(401, 403, 404, 422)},
            }
        },
        "/api/v1/advice-requests": {
            "get": _list(
                "AdviceRequest", "Te adviseren: dossiers in mee-advisering die op u wachten", []
            ),
        },
        "/api/v1/advice-requests/{id}": {
            "delete": {
                "summary": "Een verzoek om advies intrekken dat nog niet is beantwoord",
                "parameters": [_id_param()],
                "responses": {"200": _one("Decision"), **_errors(401, 403, 404, 422)},
            }
        },
        "/api/v1/decisions/{id}/fan-out": {
            "post": {
                "summary": "Een regionaal dossier uitspreiden: één dossier per gemeente",
                "parameters": [_id_param()],
                "responses": {
                    "201": {"description": "Dossiers aangemaakt"},
                    "200": {"description": "Alle gemeenten hadden al een dossier"},
                    **_errors(401, 403, 404, 422),
                },
            }
        },
        "/api/v1/arrangements/{id}/figures": {
            "get": {
                "summary": "Monitoringcijfers: aanvragen, plaatsingen, ligdagen, bezetting per bed",
                "parameters": [_id_param(), _filter("year", {"type": "integer"})],
                "responses": {"200": _one("Figures"), **_errors(401, 403, 404, 422)},
            }
        },
        "/api/v1/arrangements/{id}/costs": {
            "get": {
                "summary": "Kostenverdeling per gemeente: bezetting en leegstand naar inwonertal",
                "parameters": [_id_param(), _filter("year", {"type": "integer"})],
                "responses": {"200": _one("Costs"), **_errors(401, 403, 404, 422)},
            }
        },
        "/api/v1/arrangements/{id}/cost-lines": {
            "get": {
                "summary": "Begroting en realisatie per kostenpost (bedkosten berekend)",
                "parameters": [_id_param(), _filter("year", {"type": "integer"})],
                "responses": {
                    "200": {
                        "description": "Kostenposten met begroting, realisatie en verschil",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "year": {"type": "integer"},
                                        "items": {"type": "array", "items": {"type": "object"}},
                                        "budget": {"type": "string"},
                                        "realised": {"type": "string"},
                                        "complete": {"type": "boolean"},
                                    },
                                }
                            }
                        },
                    },
                    **_errors(401, 403, 404, 422),
                },
            }
        },
        "/api/v1/arrangements/{id}/imports": {
            "post": {
                "summary": "Monitoringgegevens inlezen (file, kind, year): eerst een voorbeeld",
                "parameters": [_id_param()],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "kind": {
                                        "type": "string",
                                        "enum": ["requests", "stays", "clients"],
                                    },
                                    "year": {"type": "integer"},
                                },
                                "required": ["file", "kind"],
                            }
                        }
                    },
                },
                "responses": {
                    "201": {"description": "Voorbeeld met rows en problems"},
                    **_errors(401, 403, 404, 422),
                },
            }
        },
        "/api/v1/imports/{id}/confirm": {
            "post": {
                "summary": "Het voorbeeld opslaan; regels met fouten moeten in exclude staan",
                "parameters": [_id_param()],
                "responses": {"200": {"description": "Bevestigd"}, **_errors(401, 403, 404, 422)},
            }
        },
        "/api/v1/deadlines": {
            "get": _list(
                "Deadline",
                "Termijnen (afgeleid uit de registers en handmatig)",
                [
                    _filter("from", {"type": "string", "format": "date"}),
                    _filter("to", {"type": "string", "format": "date"}),
                    _filter("arrangement", {"type": "integer"}),
                ],
            ),
            "post": {
                "summary": "Handmatige termijn",
                "requestBody": _json_body("DeadlineInput"),
                "responses": {"201": _one("Deadline", "Aangemaakt"), **_errors(401, 403, 422)},
            },
        },
        "/api/v1/deadlines/{id}/acknowledge": {
            "post": {
                "summary": "Bevestigen dat de termijn wordt opgepakt (stopt escalatie)",
                "parameters": [_id_param()],
                "responses": {"200": _one("Deadline"), **_errors(401, 403, 404)},
            }
        },
        "/api/v1/terms/end": {
            "get": {
                "summary": "Einde van een termijn volgens de Algemene termijnenwet",
                "description": (
                    "Telt de feestdagen van art. 3 zoals ze in dat jaar golden en de dagen die "
                    "bij koninklijk besluit met een feestdag zijn gelijkgesteld (art. 3, derde "
                    "lid; bijgehouden door de beheerder). Vóór 1 april 1965 (art. 7) en voor "
                    "termijnen van art. 4: applies is false, met de reden."
                ),
                "parameters": [
                    {**_filter("start", {"type": "string", "format": "date"}), "required": True},
                    _filter("days", {"type": "integer", "minimum": 1}),
                    _filter("weeks", {"type": "integer", "minimum": 1}),
                    _filter("months", {"type": "integer", "minimum": 1}),
                ],
                "responses": {"200": _one("TermEnd"), **_errors(401, 422)},
            }
        },
        "/api/v1/coverage": {
            "get": {
                "summary": "Mag de penvoerder deze handeling op die datum voor elke gemeente doen?",
                "parameters": [
                    {**_filter("arrangement", {"type": "integer"}), "required": True},
                    {
                        **_filter("act", {"type": "string", "enum": [a.value for a in Act]}),
                        "required": True,
                    },
                    {**_filter("on", {"type": "string", "format": "date"}), "required": True},
                ],
                "responses": {"200": _one("Coverage"), **_errors(401, 403, 404, 422)},
            }
        },
        "/api/v1/documents": {
            "get": _list(
                "Document",
                "Alle versies van de documenten van een onderwerp",
                [
                    {
                        **_filter("subject_type", {"type": "string", "enum": _SUBJECT_TYPES}),
                        "required": True,
                    },
                    {**_filter("subject_id", {"type": "integer"}), "required": True},
                ],
            ),
            "post": {
                "summary": "Een document maken uit de registers (zelfde gegevens: zelfde versie)",
                "requestBody": _json_body("DocumentRequest"),
                "responses": {
                    "201": _one("Document", "Gemaakt, of de bestaande versie bij gelijke gegevens"),
                    **_errors(401, 403, 404, 422),
                },
            },
        },
        "/api/v1/documents/{id}/content": {
            "get": {
                "summary": "Het bestand: format=docx (standaard) of pdf (zo nodig nu omgezet)",
                "parameters": [
                    _id_param(),
                    _filter("format", {"type": "string", "enum": ["docx", "pdf"]}),
                ],
                "responses": {
                    "200": {"description": "Bijlage (Content-Disposition: attachment)"},
                    **_errors(401, 403, 404, 422),
                    "503": {"description": "PDF niet beschikbaar: LibreOffice ontbreekt"},
                },
            }
        },
        "/api/v1/bundles": {
            "post": {
                "summary": "Een bundel (één PDF) laten samenstellen; loopt op de achtergrond",
                "requestBody": _json_body("BundleRequest"),
                "responses": {
                    "202": _one("Job", "Opdracht aangenomen; Location wijst naar de opdracht"),
                    **_errors(401, 403, 404, 422),
                    "503": {"description": "PDF niet beschikbaar: LibreOffice ontbreekt"},
                },
            }
        },
        "/api/v1/bundles/{id}": {
            "get": {
                "summary": "Eén bundel",
                "parameters": [_id_param()],
                "responses": {"200": _one("Bundle"), **_errors(401, 403, 404)},
            }
        },
        "/api/v1/bundles/{id}/content": {
            "get": {
                "summary": "De PDF van de bundel: inhoudspagina en een bladwijzer per document",
                "parameters": [_id_param()],
                "responses": {
                    "200": {"description": "PDF-bijlage"},
                    **_errors(401, 403, 404),
                },
            }
        },
        "/api/v1/jobs/{id}": {
            "get": {
                "summary": "Voortgang van een documentopdracht; klaar: bundle_id en document_ids",
                "parameters": [_id_param()],
                "responses": {"200": _one("Job"), **_errors(401, 403, 404)},
            }
        },
        "/api/v1/templates/{kind}/versions": {
            "post": {
                "summary": "Nieuwe sjabloonversie (multipart 'file'): gecontroleerd, proef gevuld",
                "parameters": [
                    {
                        "name": "kind",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": list(DOCUMENT_KIND_LABELS)},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "note": {"type": "string"},
                                },
                                "required": ["file"],
                            }
                        }
                    },
                },
                "responses": {
                    "201": _one("TemplateReport", "Opgeslagen als kandidaat"),
                    **_errors(401, 403, 404, 422),
                },
            }
        },
    }


def _register_schemas() -> dict[str, Any]:
    acts = {"type": "array", "items": {"type": "string", "enum": [a.value for a in Act]}}
    mandate_fields: dict[str, Any] = {
        "kind": {"type": "string", "enum": [k.value for k in MandateKind]},
        "title": {"type": "string"},
        "grantee_id": {"type": "integer"},
        "grantee_function": {"type": "string"},
        "acts": acts,
        "phase_ids": {"type": "array", "items": {"type": "integer"}},
        "includes_extensions": {"type": "boolean"},
        "valid_from": _DATE,
        "valid_until": _DATE,
        "ceiling": {"type": ["string", "null"], "examples": ["28400.00"]},
        "sub_mandate_allowed": {"type": "boolean"},
        "parent_id": {"type": ["integer", "null"]},
        "legal_basis": {"type": "string"},
        "ratifies_since": _DATE,
        "ratified_acts": {"type": "array", "items": {"type": "string"}},
        "description": {"type": "string"},
    }
    grant = {
        "type": "object",
        "properties": {
            "grantor_id": {"type": "integer"},
            "status": {"type": "string", "enum": list(GRANT_STATUS_LABELS)},
            "granted_on": _DATE,
            "revoked_on": _DATE,
            "decision_reference": {"type": "string"},
            "version": {"type": "integer"},
        },
        "required": ["grantor_id", "version"],
    }
    agreement_fields: dict[str, Any] = {
        "kind": {"type": "string", "enum": ["purchase", "framework"]},
        "reference": {"type": "string"},
        "title": {"type": "string"},
        "provider_id": {"type": "integer"},
        "contracting_party_id": {"type": "integer"},
        "start_on": {"type": "string", "format": "date"},
        "end_on": {"type": "string", "format": "date"},
        "extension_count": {"type": "integer", "minimum": 0},
        "extension_months": {"type": "integer", "minimum": 0},
        "notice_months": {"type": "integer", "minimum": 0},
        "maximum_end_on": _DATE,
        "tariff_occupied_day": {"type": ["string", "null"], "examples": ["166.00"]},
        "tariff_vacant_day": {"type": ["string", "null"]},
        "indexation": {"type": "string"},
        "mandate_ids": {"type": "array", "items": {"type": "integer"}},
        "bed_ids": {"type": "array", "items": {"type": "integer"}},
        "notes": {"type": "string"},
    }
    return {
        "MandateInput": {
            "type": "object",
            "properties": {
                "arrangement_id": {"type": "integer"},
                "grantor_ids": {"type": "array", "items": {"type": "integer"}},
                **mandate_fields,
            },
            "required": ["arrangement_id", "kind", "title", "grantee_id", "acts"],
        },
        "MandatePatch": {
            "type": "object",
            "properties": {
                "version": {"type": "integer"},
                "grants": {"type": "array", "items": grant},
                **mandate_fields,
            },
        },
        "Mandate": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": [k.value for k in MandateKind]},
                "acts": acts,
                "grants": {"type": "array", "items": grant},
                "granted": {"type": "integer"},
                "grantors": {"type": "integer"},
                "version": {"type": "integer"},
            },
            "required": ["id", "name", "kind", "acts", "grants", "version"],
        },
        "AgreementInput": {
            "type": "object",
            "properties": {"arrangement_id": {"type": "integer"}, **agreement_fields},
            "required": [
                "arrangement_id",
                "kind",
                "reference",
                "title",
                "provider_id",
                "contracting_party_id",
                "start_on",
                "end_on",
            ],
        },
        "AgreementPatch": {
            "type": "object",
            "properties": {
                "version": {"type": "integer"},
                "status": {"type": "string", "enum": list(AGREEMENT_STATUS_LABELS)},
                **agreement_fields,
            },
            "required": ["version"],
        },
        "Agreement": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "status": {"type": "string", "enum": list(AGREEMENT_STATUS_LABELS)},
                "notice_deadline_on": {"type": "string", "format": "date"},
                "version": {"type": "integer"},
                **agreement_fields,
            },
            "required": ["id", "name", "status", "version"],
        },
        "ArrangementInput": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "lead_organisation_id": {"type": "integer"},
                "participant_ids": {"type": "array", "items": {"type": "integer"}},
                "successor_kind": {
                    "type": ["string", "null"],
                    "enum": ["extension", "tender", "structural_contract", "stop", None],
                },
                "successor_start_on": _DATE,
                "successor_description": {"type": "string"},
                "cost_rule": {"type": "string", "enum": list(COST_RULE_LABELS)},
                "version": {"type": "integer", "description": "Verplicht bij PATCH."},
            },
        },
        "PhaseInput": {
            "type": "object",
            "properties": {
                "end_on": {"type": "string", "format": "date"},
                "start_on": _DATE,
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["pilot", "extension", "structural"]},
            },
            "required": ["end_on"],
        },
        "Signals": {
            "type": "object",
            "properties": {
                "as_of": {"type": "string", "format": "date"},
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "kind": {
                                "type": "string",
                                "enum": [
                                    "mandate_needed",
                                    "mandate_expiring",
                                    "agreement_notice",
                                    "extension_decision",
                                    "tender_preparation",
                                    "evaluation_due",
                                ],
                            },
                            "subject": {"type": "string"},
                            "municipality": {"type": ["object", "null"]},
                            "act": {"type": ["string", "null"]},
                            "act_on": {"type": "string", "format": "date"},
                            "latest_meeting_on": {"type": "string", "format": "date"},
                            "agenda_closes_on": {"type": "string", "format": "date"},
                            "start_by_on": {"type": "string", "format": "date"},
                            "overdue": {"type": "boolean"},
                            "explanation": {"type": "string"},
                            "acts": {
                                "type": "array",
                                "items": {"type": "string", "enum": [a.value for a in Act]},
                            },
                            "mandate_kind": {
                                "type": ["string", "null"],
                                "enum": ["volmacht", "mandaat", "machtiging", None],
                            },
                            "gap_now": {"type": "boolean"},
                            "missed": {"type": "boolean"},
                            "next_meeting": {
                                "type": ["object", "null"],
                                "properties": {
                                    "meeting_on": {"type": "string", "format": "date"},
                                    "agenda_closes_on": {"type": "string", "format": "date"},
                                    "start_by_on": {"type": "string", "format": "date"},
                                },
                            },
                            "advice": {"type": "string"},
                            "ratification": {"type": "string"},
                        },
                    },
                },
                "total": {"type": "integer"},
            },
        },
        "DecisionSummary": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "subject": {"type": "string"},
                "municipality": {"type": ["object", "null"]},
                "case_number": {"type": "string"},
                "corsa_number": {"type": "string"},
                "status": {"type": "string", "enum": list(DECISION_STATUSES)},
                "meeting_on": _DATE,
                "decided_on": _DATE,
                "outcome": {"type": ["string", "null"], "enum": [*OUTCOMES, None]},
                "version": {"type": "integer"},
            },
            "required": ["id", "name", "status", "version"],
        },
        "Decision": {"allOf": [{"$ref": "#/components/schemas/DecisionSummary"}]},
        "DecisionInput": {
            "type": "object",
            "properties": {
                "arrangement_id": {"type": ["integer", "null"]},
                "municipality_id": {"type": ["integer", "null"]},
                "subject": {"type": "string"},
                "meeting_on": _DATE,
                "draft_decision": {"type": "string"},
                "arguments": {"type": "string", "description": "1.1 Titel, tekst; 1.2 …"},
                "advisers": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/DecisionAdviser"},
                    "description": "mee-adviseurs (accounts van de gemeente), alleen bij aanmaken",
                },
                "annexes": {"type": "array", "items": {"type": "object"}},
                "woo_publication": {
                    "type": "string",
                    "enum": ["actively_published", "not_published"],
                },
                "effects": {"type": "array", "items": {"type": "object"}},
                "version": {"type": "integer"},
            },
        },
        "DecisionTransition": {
            "type": "object",
            "properties": {
                "to": {"type": "string", "enum": list(DECISION_STATUSES)},
                "outcome": {"type": "string", "enum": list(OUTCOMES)},
                "decided_on": {"type": "string", "format": "date"},
                "note": {"type": "string"},
            },
            "required": ["to"],
        },
        "DecisionAdvice": {
            "type": "object",
            "properties": {
                "adviser": {
                    "type": "integer",
                    "description": "nummer van het verzoek; nodig als u er meer mag vastleggen",
                },
                "advice": {"type": "string", "enum": ["agree", "agree_with_remarks", "disagree"]},
                "text": {"type": "string"},
            },
            "required": ["advice"],
        },
        "DecisionAdviser": {
            "type": "object",
            "properties": {
                "user_id": {"type": "integer"},
                "unit": {"type": "string", "description": "zoals op het agendaformulier, bv. JZ"},
                "stand_in_id": {"type": ["integer", "null"]},
            },
            "required": ["user_id"],
        },
        "AdviceRequest": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "adviser": {"type": "string"},
                "unit": {"type": "string"},
                "as_stand_in": {"type": "boolean"},
                "decision": {"$ref": "#/components/schemas/DecisionSummary"},
            },
            "required": ["id", "adviser", "decision"],
        },
        "Figures": {
            "type": "object",
            "properties": {
                "year": {"type": "integer"},
                "requested": {"type": "integer"},
                "placed": {"type": "integer"},
                "placement_rate": {"type": "number", "description": "geplaatst ÷ aanvragen"},
                "days_stayed": {"type": "object"},
                "beds": {"type": "array", "items": {"type": "object"}},
                "clients": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Costs": {
            "type": "object",
            "properties": {
                "year": {"type": "integer"},
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "municipality": _REF,
                            "occupied_days": {"type": "integer"},
                            "occupied_cost": {"type": "string", "examples": ["19588.00"]},
                            "vacancy_share": {
                                "type": "string",
                                "description": "Aandeel in de leegstand (Twentse verdeling).",
                            },
                            "housing_share": {
                                "type": "string",
                                "description": "Aandeel in de huisvesting per beschikbare dag "
                                "(Hoeksche Waardse verdeling).",
                            },
                            "key_share": {
                                "type": "string",
                                "description": "Aandeel naar inwonertal in alle kosten "
                                "(subsidie naar verdeelsleutel).",
                            },
                            "total": {"type": "string"},
                            "budget": {"type": ["string", "null"]},
                            "budget_source": {"type": "string", "examples": ["GALA-middelen"]},
                            "budget_remaining": {
                                "type": ["string", "null"],
                                "description": "Budget min totaal; negatief bij een tekort.",
                            },
                        },
                    },
                },
                "total": {"type": "string", "description": "De som van de rijen, tot op de cent."},
                "rule": {"type": "string", "enum": list(COST_RULE_LABELS)},
            },
        },
        "Deadline": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "kind": {"type": "string"},
                "due_on": {"type": "string", "format": "date"},
                "start_by_on": _DATE,
                "status": {"type": "string", "enum": ["open", "done", "not_applicable"]},
                "deadline_version": {"type": "integer"},
                "acknowledged_at": {"type": ["string", "null"], "format": "date-time"},
                "explanation": {"type": "string"},
            },
            "required": ["id", "name", "kind", "due_on", "status"],
        },
        "DeadlineInput": {
            "type": "object",
            "properties": {
                "subject": {"type": "string"},
                "due_on": {"type": "string", "format": "date"},
                "owner_id": {"type": "integer"},
                "arrangement_id": {"type": ["integer", "null"]},
                "explanation": {"type": "string"},
            },
            "required": ["subject", "due_on", "owner_id"],
        },
        "TermEnd": {
            "type": "object",
            "properties": {
                "start_on": {"type": "string", "format": "date"},
                "end_on": {"type": "string", "format": "date"},
                "unadjusted_end_on": {"type": "string", "format": "date"},
                "applies": {"type": "boolean"},
                "reason": {"type": "string"},
            },
        },
        "Coverage": {
            "type": "object",
            "properties": {
                "arrangement": {"type": "integer"},
                "act": {"type": "string"},
                "on": {"type": "string", "format": "date"},
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "municipality": _REF,
                            "covered": {"type": "boolean"},
                            "mandate_id": {"type": ["integer", "null"]},
                            "reason": {"type": "string"},
                            "ratified": {"type": "boolean"},
                        },
                    },
                },
                "total": {"type": "integer"},
            },
        },
        "Document": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": list(DOCUMENT_KIND_LABELS)},
                "title": {"type": "string"},
                "subject_type": {"type": "string", "enum": _SUBJECT_TYPES},
                "subject_id": {"type": "integer"},
                "party_id": {"type": ["integer", "null"]},
                "version": {"type": "integer"},
                "template_version": {"type": "integer"},
                "sha256": {"type": "string", "description": "sha256 van het .docx-bestand"},
                "input_sha256": {"type": "string"},
                "pdf_sha256": {"type": ["string", "null"]},
                "made_at": {"type": "string", "format": "date-time"},
                "made_by": {"type": "string"},
            },
            "required": ["id", "kind", "version", "template_version", "sha256"],
        },
        "DocumentRequest": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": list(DOCUMENT_KIND_LABELS)},
                "subject_type": {"type": "string", "enum": _SUBJECT_TYPES},
                "subject_id": {"type": "integer"},
                "party_id": {
                    "type": "integer",
                    "description": "De gemeente, voor volmacht en raadsinformatiebrief",
                },
                "year": {
                    "type": "integer",
                    "description": "Jaar van de cijfers, voor de evaluatierapportage",
                },
            },
            "required": ["kind", "subject_type", "subject_id"],
        },
        "BundleRequest": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "enum": ["bw", "overeenkomst", "volmachten"]},
                "subject_id": {"type": "integer"},
                "document_ids": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "Documenten van één onderwerp (1 tot 100); een mengsel "
                    "van onderwerpen geeft 422",
                },
                "request_key": {
                    "type": "string",
                    "description": "Dezelfde sleutel nogmaals geeft dezelfde opdracht",
                },
            },
        },
        "Bundle": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "title": {"type": "string"},
                "subject_type": {"type": "string"},
                "subject_id": {"type": "integer"},
                "document_ids": {"type": "array", "items": {"type": "integer"}},
                "pages": {"type": "integer"},
                "sha256": {"type": "string"},
                "made_at": {"type": "string", "format": "date-time"},
            },
        },
        "Job": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "action": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                "done": {"type": "integer"},
                "total": {"type": "integer"},
                "bundle_id": {"type": ["integer", "null"]},
                "document_ids": {"type": "array", "items": {"type": "integer"}},
                "error": {"type": ["string", "null"]},
            },
        },
        "TemplateReport": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string"},
                "version": {"type": "integer"},
                "status": {"type": "string"},
                "sha256": {"type": "string"},
                "fields_used": {"type": "array", "items": {"type": "string"}},
                "missing_fields": {"type": "array", "items": {"type": "string"}},
                "problems": {"type": "array", "items": {"type": "string"}},
            },
        },
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Besluitwerk API",
            "version": "1",
            "description": (
                "Registers van regionale zorgregelingen. Authenticatie met "
                "'Authorization: Bearer <token>' (token via 'besluitwerk create-api-token'). "
                "Datums zijn ISO-tekst in velden op _on, tijden ISO UTC in velden op _at, "
                "bedragen tekst met twee decimalen."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "Deze beschrijving",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI-document"}},
                }
            },
            "/api/v1/organisations": {
                "get": {
                    "summary": "Organisaties die u mag zien",
                    "parameters": [
                        {
                            "name": "kind",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(KIND_LABELS)},
                        },
                        *_PAGING,
                    ],
                    "responses": {
                        "200": {
                            "description": "Lijst",
                            "content": {"application/json": {"schema": _list_of("Organisation")}},
                        },
                        **_errors(401, 403, 422),
                    },
                }
            },
            **_register_paths(),
            "/api/v1/arrangements": {
                "post": {
                    "summary": "Nieuwe regeling",
                    "requestBody": _json_body("ArrangementInput"),
                    "responses": {
                        "201": _one("Arrangement", "Aangemaakt"),
                        **_errors(401, 403, 422),
                    },
                },
                "get": {
                    "summary": "Regelingen waaraan uw organisatie deelneemt",
                    "parameters": _PAGING,
                    "responses": {
                        "200": {
                            "description": "Lijst",
                            "content": {"application/json": {"schema": _list_of("Arrangement")}},
                        },
                        **_errors(401, 403, 422),
                    },
                },
            },
            "/api/v1/arrangements/{id}": {
                "get": {
                    "summary": "Eén regeling met fasen, evaluatiemomenten, deelnemers en bedden",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Regeling",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Arrangement"}
                                }
                            },
                        },
                        **_errors(401, 403, 404),
                    },
                },
                "patch": {
                    "summary": "Regeling wijzigen (version verplicht)",
                    "parameters": [_id_param()],
                    "requestBody": _json_body("ArrangementInput"),
                    "responses": {"200": _one("Arrangement"), **_errors(401, 403, 404, 409, 422)},
                },
            },
            "/api/v1/arrangements/{id}/phases": {
                "post": {
                    "summary": "Fase toevoegen; zonder begindatum een verlenging na de vorige",
                    "parameters": [_id_param()],
                    "requestBody": _json_body("PhaseInput"),
                    "responses": {"201": _one("Arrangement"), **_errors(401, 403, 404, 422)},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Een API-token (besluitwerk create-api-token): verloopt, en "
                    "met bereik read alleen voor GET; write ook voor POST en PATCH.",
                }
            },
            "schemas": {
                **_register_schemas(),
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                            "required": ["code", "message"],
                        }
                    },
                    "required": ["error"],
                },
                "Organisation": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "kind": {"type": "string", "enum": list(KIND_LABELS)},
                        "short_name": {"type": ["string", "null"]},
                        "inhabitants": {"type": ["integer", "null"]},
                        "inhabitants_on": _DATE,
                        "meeting_calendar": {"type": ["object", "null"]},
                        "version": {"type": "integer"},
                    },
                    "required": ["id", "name", "kind"],
                },
                "Arrangement": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "lead_organisation": _REF,
                        "cost_rule": {"type": "string", "enum": list(COST_RULE_LABELS)},
                        "phases": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "integer"},
                                    "name": {"type": "string"},
                                    "kind": {
                                        "type": "string",
                                        "enum": ["pilot", "extension", "structural"],
                                    },
                                    "status": {
                                        "type": "string",
                                        "enum": ["planned", "active", "ended"],
                                    },
                                    "start_on": {"type": "string", "format": "date"},
                                    "end_on": {
                                        "type": "string",
                                        "format": "date",
                                        "description": "Inclusief (t/m).",
                                    },
                                },
                            },
                        },
                        "evaluation_moments": {"type": "array", "items": {"type": "object"}},
                        "participants": {"type": "array", "items": _REF},
                        "providers": {"type": "array", "items": _REF},
                        "beds": {"type": "array", "items": {"type": "object"}},
                        "version": {"type": "integer"},
                    },
                    "required": ["id", "name", "phases", "participants", "providers", "beds"],
                },
            },
        },
    }
