import re

from tests.conftest import ADMIN, POLICY, PROVIDER_CR, login


def test_api_without_token_is_401_with_a_json_error(client):
    response = client.get("/api/v1/organisations")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_api_ignores_a_logged_in_cookie_session(client):
    login(client, ADMIN)
    assert client.get("/api/v1/organisations").status_code == 401


def test_api_refuses_a_wrong_or_malformed_token(client):
    for header in ("Bearer bw_onzin", "Basic YWRtaW46YWRtaW4=", "Bearer ", "bw_x"):
        assert (
            client.get("/api/v1/organisations", headers={"Authorization": header}).status_code
            == 401
        )


def test_organisations_list_envelope_and_kind_filter(client, token_for):
    headers = token_for(POLICY)
    body = client.get("/api/v1/organisations", headers=headers).get_json()
    assert body["total"] == 22 and len(body["items"]) == 22
    providers = client.get("/api/v1/organisations?kind=provider", headers=headers).get_json()
    assert providers["total"] == 5
    assert {o["kind"] for o in providers["items"]} == {"provider"}
    enschede = next(o for o in body["items"] if o["name"] == "Enschede")
    assert enschede["inhabitants"] == 161_000 and enschede["inhabitants_on"] == "2025-01-01"
    assert enschede["meeting_calendar"]["weekday"] == 1
    assert isinstance(enschede["id"], int)


def test_unknown_kind_is_422_naming_the_field_in_dutch(client, token_for):
    response = client.get("/api/v1/organisations?kind=koning", headers=token_for(POLICY))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert "kind" in error["fields"] and "onbekend" in error["fields"]["kind"]


def test_limit_and_offset_page_through_the_list(client, token_for):
    headers = token_for(POLICY)
    page = client.get("/api/v1/organisations?limit=5&offset=20", headers=headers).get_json()
    assert page["total"] == 22 and len(page["items"]) == 2
    bad = client.get("/api/v1/organisations?limit=-1", headers=headers)
    assert bad.status_code == 422 and "limit" in bad.get_json()["error"]["fields"]
    assert client.get("/api/v1/organisations?limit=501", headers=headers).status_code == 422


def test_arrangement_has_phases_evaluations_participants_providers_and_beds(client, token_for):
    headers = token_for(POLICY)
    listing = client.get("/api/v1/arrangements", headers=headers).get_json()
    assert listing["total"] == 1
    arrangement_id = listing["items"][0]["id"]
    body = client.get(f"/api/v1/arrangements/{arrangement_id}", headers=headers).get_json()
    assert body["name"] == "Pilot logeerzorg Twente"
    assert body["lead_organisation"]["name"] == "Rijssen-Holten"
    assert [(p["name"], p["start_on"], p["end_on"]) for p in body["phases"]] == [
        ("Pilot", "2024-02-01", "2024-12-31"),
        ("Verlenging 1", "2025-01-01", "2026-01-01"),
    ]
    assert [m["due_on"] for m in body["evaluation_moments"]] == [
        "2025-05-31",
        "2025-11-30",
        "2026-05-20",
    ]
    assert len(body["providers"]) == 5
    assert sum(1 for p in body["participants"] if p["kind"] == "municipality") == 14
    assert len(body["beds"]) == 8
    liberein = next(b for b in body["beds"] if b["location"] == "Ariënshuis")
    assert liberein["available_end_on"] == "2025-09-07"


def test_s11_a_provider_gets_only_its_own_organisation_and_beds(client, token_for):
    headers = token_for(PROVIDER_CR)
    organisations = client.get("/api/v1/organisations", headers=headers).get_json()
    assert [o["name"] for o in organisations["items"]] == ["Carintreggeland"]
    listing = client.get("/api/v1/arrangements", headers=headers).get_json()
    beds = listing["items"][0]["beds"]
    assert {b["provider"]["name"] for b in beds} == {"Carintreggeland"}


def test_unknown_arrangement_and_unknown_path_are_json_404(client, token_for):
    headers = token_for(POLICY)
    response = client.get("/api/v1/arrangements/999", headers=headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert (
        client.get("/api/v1/bestaat-niet", headers=headers).get_json()["error"]["code"]
        == "not_found"
    )


def test_api_writes_need_no_csrf_token_but_unknown_methods_are_405(client, token_for):
    response = client.post("/api/v1/organisations", headers=token_for(ADMIN), json={})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_openapi_document_describes_every_api_route_with_full_paths(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert all(p.startswith("/api/v1/") for p in paths)
    routes = {
        re.sub(r"<(\w+)>", r"{\1}", re.sub(r"<int:\w+>", "{id}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert routes == paths
    kinds = document["paths"]["/api/v1/organisations"]["get"]["parameters"][0]["schema"]["enum"]
    assert kinds == ["municipality", "provider", "care_office", "knowledge_partner"]
