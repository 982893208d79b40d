"""The API's contract comes from one source: what the code reads and sends is what it publishes.

The answers themselves are checked against the description in every API test (the test client of
the ``app`` fixture, tests/support/api_contract.py) and fuzzed in test_api_fuzz.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from tests.conftest import ADMIN, POLICY
from tests.support.api_contract import ContractBroken, check
from tests.support.api_tokens import api_headers
from webapp.api import openapi
from webapp.api.representations import DecisionOut, OrganisationOut
from workflows.decisions import decisions
from workflows.registers import arrangements, mandates
from workflows.rules.agreements import STATUS_LABELS as AGREEMENT_STATUSES
from workflows.rules.decisions import STATUS_LABELS as DECISION_STATUSES
from workflows.rules.fields import MAX_ID
from workflows.rules.mandates import GRANT_STATUS_LABELS

ID_NAMES = re.compile(r"^(id|.*_id|arrangement|municipality)$")


def _routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(
                r"<(?:[^:>]+:)?([^>]+)>",
                lambda m: "{id}" if m.group(1).endswith("_id") else "{" + m.group(1) + "}",
                rule.rule,
            )
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_route_of_the_api_is_described_and_every_description_is_a_route(app):
    paths = openapi.document()["paths"]
    described = {(path, method) for path, operations in paths.items() for method in operations}
    assert _routes(app) == described


def test_openapi_json_is_served_and_each_schema_is_valid_json_schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema), name
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs <= set(document["components"]["schemas"])


def _walk(node: Any, path: str = ""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for number, value in enumerate(node):
            yield from _walk(value, f"{path}/{number}")


def _integer(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The integer branch of a schema (also of ``anyOf: [integer, null]``)."""
    types = schema.get("type")
    if types == "integer" or (isinstance(types, list) and "integer" in types):
        return schema
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "integer":
            return branch
    return None


def test_every_id_in_the_description_is_bounded_as_an_id_column_holds():
    document = openapi.document()
    checked = 0
    for where, node in _walk(document):
        named = []
        if node.get("in") in {"path", "query"} and ID_NAMES.match(node.get("name", "")):
            named.append((node["name"], node["schema"]))
        for name, schema in (node.get("properties") or {}).items():
            if isinstance(schema, dict) and (
                re.match(r"^(id|.*_id)$", name) or (ID_NAMES.match(name) and _integer(schema))
            ):
                named.append((name, schema))
        for name, schema in named:
            integer = _integer(schema)
            assert integer is not None, f"{where}/{name} is no integer"
            assert (integer.get("minimum"), integer.get("maximum")) == (1, MAX_ID), (
                f"{where}/{name}"
            )
            checked += 1
    assert checked > 100


def test_every_field_of_an_answer_is_required_and_readers_required_fields_too():
    schemas = openapi.document()["components"]["schemas"]
    for name in ("Mandate", "Agreement", "Arrangement", "Decision", "Deadline", "Document"):
        schema = schemas[name]
        assert set(schema["required"]) == set(schema["properties"]), name
    # Requests: what the readers require (the agreement's kind, title, dates, parties).
    assert set(schemas["AgreementInput"]["required"]) >= {
        "arrangement_id",
        "reference",
        "title",
        "provider_id",
        "contracting_party_id",
        "start_on",
        "end_on",
    }
    assert schemas["ArrangementPatch"]["required"] == ["version"]
    term = schemas["AgreementInput"]["properties"]["notice_months"]
    assert (term["minimum"], term["maximum"]) == (0, 24)
    limit = next(
        p
        for p in openapi.document()["paths"]["/api/v1/mandates"]["get"]["parameters"]
        if p["name"] == "limit"
    )
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (0, 500)


def test_vocabularies_in_the_description_are_the_label_dicts_the_pages_use():
    schemas = openapi.document()["components"]["schemas"]
    assert schemas["Agreement"]["properties"]["status"]["enum"] == list(AGREEMENT_STATUSES)
    decision_status = schemas["DecisionSummary"]["properties"]["status"]
    assert decision_status["enum"] == list(DECISION_STATUSES)
    grant = schemas["MandatePatch"]["properties"]["grants"]["items"]["properties"]["status"]
    assert [v for v in grant["enum"] if v] == list(GRANT_STATUS_LABELS)
    assert mandates.GRANT_FIELDS["status"].options is GRANT_STATUS_LABELS
    phase_kind = schemas["PhaseInput"]["properties"]["kind"]["enum"]
    assert [v for v in phase_kind if v] == list(arrangements.PHASE_KIND_LABELS)
    woo = schemas["DecisionInput"]["properties"]["woo_publication"]["enum"]
    assert [v for v in woo if v] == list(decisions.WOO_LABELS)


def test_a_representation_refuses_a_field_it_does_not_name_or_a_value_outside_its_vocabulary():
    body = {
        "id": 1,
        "name": "Enschede",
        "kind": "municipality",
        "short_name": None,
        "inhabitants": 161_000,
        "inhabitants_on": "2025-01-01",
        "meeting_calendar": None,
        "version": 1,
    }
    assert OrganisationOut.shaped(body)["inhabitants_on"] == "2025-01-01"
    with pytest.raises(ValidationError):
        OrganisationOut.shaped({**body, "password_hash": "x"})
    with pytest.raises(ValidationError):
        OrganisationOut.shaped({**body, "kind": "koning"})
    with pytest.raises(ValidationError):
        OrganisationOut.shaped({**body, "id": MAX_ID + 1})


def test_the_contract_check_of_the_tests_fails_on_an_answer_unlike_its_description(app):
    def answer(body: Any, status: int = 200):
        return app.response_class(json.dumps(body), status=status, mimetype="application/json")

    check("GET", "/api/v1/organisations", answer({"items": [], "total": 0}))
    with pytest.raises(ContractBroken, match="total"):
        check("GET", "/api/v1/organisations", answer({"items": []}))
    with pytest.raises(ContractBroken, match="status not described"):
        check("GET", "/api/v1/organisations", answer({"items": [], "total": 0}, 409))
    with pytest.raises(ContractBroken, match="items/0"):
        check("GET", "/api/v1/organisations", answer({"items": [{"id": 0}], "total": 1}))


def test_a_method_a_path_does_not_have_is_405_naming_the_allowed_methods(client):
    response = client.delete(
        "/api/v1/mandates", headers=api_headers(client.application, POLICY, scope="read")
    )
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_an_id_beyond_what_an_id_column_holds_is_404_for_every_method(client):
    headers = api_headers(client.application, ADMIN)
    for method in ("get", "patch", "post", "delete"):
        response = getattr(client, method)("/api/v1/arrangements/26607027907", headers=headers)
        assert response.status_code == 404, method


def test_the_decision_representation_names_every_field_of_the_agenda_form():
    # decision_json sends every reader of the agenda form; its representation must name each.
    assert set(decisions.EDITABLE) <= set(DecisionOut.model_fields)
