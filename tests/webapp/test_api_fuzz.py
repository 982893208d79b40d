"""Schemathesis fuzzes every operation of /api/v1 from the published OpenAPI description.

It runs in-process against the app (WSGI, no network) with a beheerder's tokens: reads with a
read token, writes with a write token. A bounded, derandomised number of examples per operation
keeps the run short and repeatable. It fails on any 5xx, and on any answer whose status, content
type or body the description does not promise.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import ADMIN
from tests.support.api_tokens import api_token, bearer

# Per operation; about 45 operations. Enough to reach past the readers' first refusals into the
# workflows, small enough for well under two minutes on one core.
EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def tokens(app: Flask) -> dict[str, str]:
    return {scope: api_token(app, ADMIN, scope=scope) for scope in ("read", "write")}


def _fuzz(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()


def test_api_fuzzed_from_its_description_gives_no_5xx_and_keeps_its_contract(
    app: Flask, tokens: dict[str, str]
) -> None:
    # Loaded as a client loads it: from the app's own /api/v1/openapi.json.
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 40
    failures: list[str] = []
    for operation in operations:
        scope = "read" if operation.method.upper() == "GET" else "write"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, bearer(tokens[scope]))
            except (Exception, BaseExceptionGroup) as error:  # every operation is tried
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
