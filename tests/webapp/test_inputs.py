"""Issue #14, point 9: hostile numbers and dates anywhere get a clear 4xx, never a 500.

Ids beyond what an id column holds (2^31 on PostgreSQL, 2^63 on SQLite), Unicode digits that
``str.isdigit()`` lets through ('²', Arabic-Indic digits) and dates whose arithmetic runs off the
calendar (year 9999) were read with ``int()`` or plain date arithmetic and crashed.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ADMIN, POLICY, csrf_token, login
from tests.support.api_tokens import api_headers
from workflows.rules import fields
from workflows.rules.dates import parse_date

HOSTILE = [str(2**31), str(2**63), str(10**30), "²", "٣", "1_0", "-1", "0x1f", "1e3", " ", "\r\n"]
PATH_HOSTILE = [str(2**31), str(2**63), str(10**30), "²", "٣"]
QUERY_NAMES = (
    "regeling", "gemeente", "aanbieder", "status", "eindigt_binnen", "verloopt_binnen", "per",
    "start", "aantal", "eenheid", "vergadering", "jaar", "year", "van", "tot", "arrangement",
    "municipality", "subject_id", "subject_type", "limit", "offset", "as_of", "from", "to",
    "days", "weeks", "months", "on", "act", "kind", "meeting_on", "format", "next", "pagina",
)  # fmt: skip
_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _get_routes(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    )


def _fill(rule: str, value: str) -> str | None:
    """The rule with every int parameter set to ``value`` (None when it has no int parameter);
    other parameters get a plausible value."""
    has_int = False

    def replace(match: re.Match[str]) -> str:
        nonlocal has_int
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            has_int = True
            return value
        if name == "subject_type":
            return "decision"
        return "x"

    filled = _PARAMETER.sub(replace, rule)
    return filled if has_int else None


def _clients(app: Flask) -> list[tuple[FlaskClient, dict[str, str]]]:
    found = []
    for email in (POLICY, ADMIN):
        client = app.test_client()
        login(client, email)
        found.append((client, api_headers(app, email)))
    return found


def _failures(client: FlaskClient, headers: dict[str, str], paths: list[str]) -> list[str]:
    bad = []
    for path in paths:
        response = client.get(path, headers=headers if path.startswith("/api/") else {})
        if response.status_code >= 500:
            bad.append(f"{response.status_code} {path!r}")
    return bad


@pytest.mark.parametrize("value", PATH_HOSTILE)
def test_inputs_every_get_route_with_a_hostile_id_answers_4xx(app, value):
    paths = [p for p in (_fill(rule, value) for rule in _get_routes(app)) if p is not None]
    assert len(paths) > 30
    bad = [f for client, headers in _clients(app) for f in _failures(client, headers, paths)]
    assert bad == []


def test_inputs_a_huge_id_in_a_path_is_404(app):
    client = app.test_client()
    login(client, POLICY)
    for value in PATH_HOSTILE:
        assert client.get(f"/besluiten/{value}").status_code == 404
        assert client.get(f"/regelingen/{value}").status_code == 404


@pytest.mark.parametrize("value", HOSTILE)
def test_inputs_every_list_page_and_api_with_hostile_query_values_answers_4xx(app, value):
    query = urlencode(dict.fromkeys(QUERY_NAMES, value))
    routes = [r for r in _get_routes(app) if "<" not in r]
    paths = [f"{rule}?{query}" for rule in routes]
    bad = [f for client, headers in _clients(app) for f in _failures(client, headers, paths)]
    assert bad == []


@pytest.mark.parametrize(
    "query",
    [
        "start=9999-12-30&months=3",
        "start=9999-12-30&days=10000",
        "start=0001-01-01&weeks=3",
        "start=2025-01-01&months=%C2%B2",
        "start=2025-01-01&days=" + str(2**63),
    ],
)
def test_inputs_term_end_api_refuses_dates_off_the_calendar_with_422(app, query):
    client = app.test_client()
    response = client.get(f"/api/v1/terms/end?{query}", headers=api_headers(app, POLICY))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]


def test_inputs_term_calculator_page_says_the_date_is_outside_the_calendar(app):
    client = app.test_client()
    login(client, POLICY)
    response = client.get("/termijnen?start=9999-12-30&aantal=3&eenheid=months")
    assert response.status_code == 200
    assert "valt buiten de kalender" in response.get_data(as_text=True)
    response = client.get("/termijnen?start=2025-01-01&aantal=%C2%B2&eenheid=days")
    assert "Aantal: vul een geheel getal van 1 of meer in." in response.get_data(as_text=True)


def test_inputs_the_one_whole_number_reader_takes_ascii_digits_only():
    for bad in ("²", "٣", "1_000", "+5", "0x10", "1e3", "١٢", "5\n6"):
        with pytest.raises(fields.FieldError):
            fields.parse_whole(bad, label="Aantal")
    assert fields.parse_whole(" 161.000 ", label="Aantal") == 161_000
    assert fields.parse_whole(7.0, label="Aantal") == 7
    assert fields.parse_id("2147483647", label="Regeling") == 2**31 - 1
    for bad in (str(2**31), 2**31, 0, "0", str(10**30), "9" * 5000, True):
        with pytest.raises(fields.FieldError, match="Regeling"):
            fields.parse_id(bad, label="Regeling")
    assert fields.id_or_none("²") is None
    assert fields.Ids("Fasen").read(["1", 2]) == [1, 2]
    with pytest.raises(fields.FieldError):
        fields.Ids("Fasen").read([str(2**63)])
    with pytest.raises(fields.FieldError):
        fields.WeekList("Reces").read("1-99999999999")


def test_inputs_dates_off_the_calendar_are_refused_in_dutch():
    for raw in ("9999-12-30", "0001-01-01", "31-12-2200"):
        with pytest.raises(ValueError, match="valt buiten de kalender"):
            parse_date(raw, label="Begindatum")
    with pytest.raises(ValueError, match="geen datum"):
        parse_date("٢٠٢٥-٠١-٠١", label="Begindatum")


def test_inputs_hostile_ids_in_posted_forms_answer_4xx(app):
    client = app.test_client()
    login(client, POLICY)
    token = csrf_token(client, "/signalen")
    for value in PATH_HOSTILE:
        gap = {"act": "run_tender", "arrangement_id": "1", "act_on": "9999-12-31"}
        document = {"subject_type": "decision", "subject_id": value, "kind": "agendaformulier"}
        for path, data in (
            ("/signalen/volmacht", {"act": "run_tender", "arrangement_id": value}),
            ("/signalen/besluit", gap),
            ("/besluiten/nieuw", {"regeling": value}),
            ("/volmachten/nieuw", {"regeling": value}),
            ("/overeenkomsten/nieuw", {"regeling": value}),
            ("/documenten/maken", document),
        ):
            response = client.post(path, data={**data, "csrf_token": token})
            assert response.status_code < 500, (path, value, response.status_code)


def test_inputs_a_unicode_second_factor_code_is_refused_not_a_crash(app):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"email": ADMIN, "password": "Logeren-in-Twente-2025", "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/login/code")
    for code in ("٠١٢٣٤٥", "²²²²²²", "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥"):
        page = client.post(
            "/login/code", data={"code": code, "csrf_token": csrf_token(client, "/login/code")}
        )
        assert page.status_code == 401
