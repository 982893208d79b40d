"""Every answer of /api/v1 in the tests is checked against the published OpenAPI description.

The ``app`` fixture gives its test client this class, so each existing API test also checks the
contract: the status must be one the operation documents (405 with ``Allow`` for a method the
path does not have), a JSON answer must be JSON and match the schema of that status.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

from webapp.api import openapi

PREFIX = "/api/v1"


class ContractBroken(AssertionError):
    """An answer that differs from what the description promises."""


@cache
def _operations() -> list[tuple[re.Pattern[str], dict[str, Any]]]:
    paths: dict[str, Any] = openapi.document()["paths"]
    return [
        (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"), operations)
        for path, operations in paths.items()
    ]


@cache
def _validator(path: str, method: str, status: str) -> Draft202012Validator | None:
    document = openapi.document()
    response = document["paths"][path][method]["responses"][status]
    content = response.get("content", {}).get("application/json")
    if content is None:
        return None
    schema = {"allOf": [content["schema"]], "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _path_of(operations: dict[str, Any]) -> str:
    paths: dict[str, Any] = openapi.document()["paths"]
    return next(p for p, ops in paths.items() if ops is operations)


def check(method: str, path: str, response: TestResponse) -> None:
    """Raise ContractBroken when ``response`` to ``method path`` breaks the description."""
    found = next((ops for pattern, ops in _operations() if pattern.match(path)), None)
    status = str(response.status_code)
    where = f"{method} {path} -> {status}"
    if found is None or method.lower() not in found:
        if method in {"HEAD", "OPTIONS"}:
            return
        if found is None and status != "404":
            raise ContractBroken(f"{where}: no such path is described, so 404 was expected")
        if found is not None and status != "404":  # 404: no such record (an id out of range)
            if status != "405":
                raise ContractBroken(f"{where}: the method is not described, 405 was expected")
            allowed = {m.strip().lower() for m in response.headers.get("Allow", "").split(",")}
            if not set(found) <= allowed:
                raise ContractBroken(f"{where}: Allow names {sorted(allowed)}, not {sorted(found)}")
        _check_body(where, response, _error_validator())
        return
    template = _path_of(found)
    if status not in found[method.lower()]["responses"]:
        raise ContractBroken(f"{where}: status not described for {method} {template}")
    validator = _validator(template, method.lower(), status)
    if validator is not None:
        _check_body(where, response, validator)


@cache
def _error_validator() -> Draft202012Validator:
    document = openapi.document()
    schema = {"$ref": "#/components/schemas/Error", "components": document["components"]}
    return Draft202012Validator(schema)


def _check_body(where: str, response: TestResponse, validator: Draft202012Validator) -> None:
    if response.mimetype != "application/json":
        raise ContractBroken(f"{where}: answered {response.mimetype}, not application/json")
    try:
        body = json.loads(response.get_data(as_text=True))
    except ValueError as error:
        raise ContractBroken(f"{where}: the answer is no JSON ({error})") from None
    problems = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if problems:
        first = problems[0]
        at = "/".join(str(p) for p in first.absolute_path) or "(the answer)"
        raise ContractBroken(f"{where}: at {at}: {first.message}")


class ContractClient(FlaskClient):
    """A test client that checks every /api/v1 answer against the description."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith(PREFIX + "/"):
            check(request.method, request.path, response)
        return response
