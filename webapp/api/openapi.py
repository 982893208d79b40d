"""The OpenAPI 3.1 description of /api/v1, with paths written in full."""

from __future__ import annotations

from typing import Any

from workflows.organisations import KIND_LABELS

_DATE = {"type": ["string", "null"], "format": "date"}
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
        401: "Geen of een ongeldig token.",
        403: "Geen toegang.",
        404: "Niet gevonden of niet zichtbaar voor u.",
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
            "/api/v1/arrangements": {
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
                }
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
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
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
