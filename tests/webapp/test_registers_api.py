"""The JSON API of the registers: mandates with their grants, agreements, coverage and
adding a phase, with Bearer tokens per role."""

import pytest
from sqlalchemy import select

from storage.audit import AuditEvent
from tests.conftest import ADMIN, LEGAL, POLICY, PROJECT, PROVIDER_CR, PROVIDER_LI
from webapp.database import sessions
from workflows.demo import demo


@pytest.fixture
def ids(client, token_for):
    """Ids of the demo arrangement and organisations, as the API gives them."""
    headers = token_for(POLICY)
    arrangement = client.get("/api/v1/arrangements", headers=headers).get_json()["items"][0]
    organisations = client.get("/api/v1/organisations", headers=headers).get_json()["items"]
    found = {o["name"]: o["id"] for o in organisations}
    found["arrangement"] = arrangement["id"]
    found["beds"] = {b["location"]: b["id"] for b in arrangement["beds"]}
    found["phases"] = {p["name"]: p["id"] for p in arrangement["phases"]}
    return found


def the_volmacht(client, headers):
    listing = client.get("/api/v1/mandates", headers=headers).get_json()
    return next(m for m in listing["items"] if m["name"] == demo.VOLMACHT_TITLE)


def grant_of(mandate, name):
    return next(g for g in mandate["grants"] if g["grantor"]["name"] == name)


def agreement_by_reference(client, headers, reference):
    listing = client.get("/api/v1/agreements", headers=headers).get_json()
    return next(a for a in listing["items"] if a["reference"] == reference)


def new_mandate(ids, **changes):
    body = {
        "arrangement_id": ids["arrangement"],
        "kind": "volmacht",
        "title": "Volmacht aanbesteding structurele logeerzorg",
        "grantee_id": ids["Rijssen-Holten"],
        "acts": ["prepare_tender", "run_tender"],
        "includes_extensions": True,
        "valid_from": "2026-01-01",
        "valid_until": "2027-12-31",
        "ceiling": "1.250.000,00",
        "grantor_ids": [ids["Enschede"], ids["Hengelo"]],
    }
    body.update(changes)
    return body


def new_agreement(ids, **changes):
    body = {
        "arrangement_id": ids["arrangement"],
        "kind": "purchase",
        "reference": "LOG-TW-2026-CR",
        "title": "Inkoopovereenkomst logeerzorg Carintreggeland 2026",
        "provider_id": ids["Carintreggeland"],
        "contracting_party_id": ids["Rijssen-Holten"],
        "start_on": "2026-01-02",
        "end_on": "2026-12-31",
        "extension_count": 1,
        "extension_months": 12,
        "notice_months": 3,
        "tariff_occupied_day": 166,
        "tariff_vacant_day": "166,00",
        "bed_ids": [ids["beds"]["Humanitas"]],
    }
    body.update(changes)
    return body


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


# --- mandates --------------------------------------------------------------------------------


def test_mandates_list_holds_the_demo_volmacht_granted_by_12_of_13(client, token_for):
    body = client.get("/api/v1/mandates", headers=token_for(POLICY)).get_json()
    assert body["total"] == 1
    [mandate] = body["items"]
    assert mandate["name"] == demo.VOLMACHT_TITLE and mandate["kind"] == "volmacht"
    assert mandate["grantee"]["name"] == "Rijssen-Holten"
    assert mandate["granted"] == 12 and mandate["grantors"] == 13
    assert [p["name"] for p in mandate["phases"]] == ["Pilot"]
    assert mandate["includes_extensions"] is True
    assert mandate["ratifies_since_on"] == "2025-01-01"
    assert mandate["valid_until_on"] is None and mandate["ceiling"] is None
    assert grant_of(mandate, "Borne")["status"] == "draft"
    enschede = grant_of(mandate, "Enschede")
    assert enschede["status"] == "active" and enschede["granted_on"] == "2025-05-27"
    assert isinstance(enschede["version"], int)


def test_mandates_list_filters_on_grant_status_and_arrangement(client, token_for, ids):
    headers = token_for(POLICY)
    drafts = client.get("/api/v1/mandates?status=draft", headers=headers).get_json()
    assert drafts["total"] == 1
    revoked = client.get("/api/v1/mandates?status=revoked", headers=headers).get_json()
    assert revoked["total"] == 0
    own = client.get(f"/api/v1/mandates?arrangement={ids['arrangement']}", headers=headers)
    assert own.get_json()["total"] == 1
    assert client.get("/api/v1/mandates?arrangement=999", headers=headers).get_json() == {
        "items": [],
        "total": 0,
    }
    bad = client.get("/api/v1/mandates?arrangement=een", headers=headers)
    assert "arrangement" in error_of(bad, 422)["fields"]


def test_one_mandate_by_id_and_an_unknown_id_is_404(client, token_for):
    headers = token_for(POLICY)
    volmacht = the_volmacht(client, headers)
    response = client.get(f"/api/v1/mandates/{volmacht['id']}", headers=headers)
    assert response.status_code == 200 and response.get_json() == volmacht
    assert error_of(client.get("/api/v1/mandates/999", headers=headers), 404)["code"] == (
        "not_found"
    )


def test_a_mandate_in_the_list_reads_as_it_does_on_its_own(client, token_for, ids):
    """The list reads its mandates as rows (``mandates.page_lines``), one mandate reads the
    mapped object: every field, the phases in their order and the grants agree."""
    headers = token_for(LEGAL)
    phases = ids["phases"]
    body = new_mandate(
        ids,
        phase_ids=[phases["Verlenging 1"], phases["Pilot"]],
        grantee_function='Wethouder <Zorg> & "Jeugd"',
        legal_basis="Art. 10:3 Awb; Gemeentewet art. 160",
        ratifies_since="2025-01-01",
        ratified_acts="Voorbereiding aanbesteding\nGunning",
        description="Toelichting met é, ü en een regel\nerbij.",
        sub_mandate_allowed=True,
    )
    made = client.post("/api/v1/mandates", headers=headers, json=body).get_json()
    listed = client.get("/api/v1/mandates?limit=500", headers=headers).get_json()["items"]
    [in_list] = [m for m in listed if m["id"] == made["id"]]
    alone = client.get(f"/api/v1/mandates/{made['id']}", headers=headers).get_json()
    assert in_list == alone == made
    assert [p["name"] for p in in_list["phases"]] == ["Pilot", "Verlenging 1"]
    assert in_list["grantee"] == {
        "id": ids["Rijssen-Holten"],
        "name": "Rijssen-Holten",
        "kind": "municipality",
    }
    assert in_list["ceiling"] == "1250000.00" and in_list["sub_mandate_allowed"] is True
    assert in_list["ratified_acts"] == ["Voorbereiding aanbesteding", "Gunning"]
    assert in_list["grantee_function"] == 'Wethouder <Zorg> & "Jeugd"'


def test_creating_a_mandate_answers_201_with_draft_grants_and_amounts_as_strings(
    client, token_for, ids
):
    headers = token_for(LEGAL)
    response = client.post("/api/v1/mandates", headers=headers, json=new_mandate(ids))
    assert response.status_code == 201
    mandate = response.get_json()
    assert isinstance(mandate["id"], int) and mandate["version"] == 1
    assert mandate["kind"] == "volmacht"
    assert mandate["acts"] == ["prepare_tender", "run_tender"]
    assert mandate["valid_from_on"] == "2026-01-01" and mandate["valid_until_on"] == "2027-12-31"
    assert mandate["ceiling"] == "1250000.00"
    assert [(g["grantor"]["name"], g["status"]) for g in mandate["grants"]] == [
        ("Enschede", "draft"),
        ("Hengelo", "draft"),
    ]
    assert mandate["granted"] == 0 and mandate["grantors"] == 2
    assert client.get("/api/v1/mandates", headers=headers).get_json()["total"] == 2
    assert client.get(f"/api/v1/mandates/{mandate['id']}", headers=headers).get_json() == mandate


def test_a_mandate_ending_before_it_starts_is_422_with_a_dutch_field_message(
    client, token_for, ids
):
    headers = token_for(LEGAL)
    response = client.post(
        "/api/v1/mandates",
        headers=headers,
        json=new_mandate(ids, valid_from="2026-01-01", valid_until="2025-12-31"),
    )
    error = error_of(response, 422)
    assert error["code"] == "invalid_input"
    assert error["fields"]["valid_until"].startswith("Geldig tot en met: ligt vóór")
    assert client.get("/api/v1/mandates", headers=headers).get_json()["total"] == 1


def test_a_mandate_without_acts_or_with_an_outside_grantor_is_422(client, token_for, ids):
    headers = token_for(LEGAL)
    error = error_of(
        client.post(
            "/api/v1/mandates",
            headers=headers,
            json=new_mandate(ids, acts=[], grantor_ids=[ids["Zorgkantoor Menzis"]]),
        ),
        422,
    )
    assert error["fields"]["acts"] == "Handelingen: kies ten minste één handeling."
    assert "Zorgkantoor Menzis neemt niet als gemeente deel" in error["fields"]["grantor_ids"]
    assert client.get("/api/v1/mandates", headers=headers).get_json()["total"] == 1


def test_a_mandaat_for_a_tender_is_422_naming_the_volmacht_it_needs(client, token_for, ids):
    headers = token_for(LEGAL)
    error = error_of(
        client.post("/api/v1/mandates", headers=headers, json=new_mandate(ids, kind="mandaat")),
        422,
    )
    assert error["fields"]["acts"].startswith(
        "Handelingen: Het mandaat is voor publiekrechtelijke besluiten, genomen namens het "
        "college (Awb 10:1); 'aanbesteding voorbereiden' is een privaatrechtelijke "
        "rechtshandeling en vraagt een volmacht (BW 3:60)."
    )
    assert client.get("/api/v1/mandates", headers=headers).get_json()["total"] == 1


def test_s14_extra_fields_in_a_mandate_post_change_nothing(client, token_for, ids):
    headers = token_for(LEGAL)
    body = new_mandate(
        ids,
        id=999,
        status="active",
        version=7,
        granted=2,
        grants=[{"grantor_id": ids["Enschede"], "status": "active", "granted_on": "2025-01-01"}],
    )
    response = client.post("/api/v1/mandates", headers=headers, json=body)
    assert response.status_code == 201
    mandate = response.get_json()
    assert mandate["id"] != 999 and mandate["version"] == 1
    assert {g["status"] for g in mandate["grants"]} == {"draft"}
    assert all(g["granted_on"] is None for g in mandate["grants"])
    assert mandate["granted"] == 0
    assert client.get("/api/v1/mandates/999", headers=headers).status_code == 404


def test_recording_a_grant_through_patch(client, token_for, ids):
    headers = token_for(LEGAL)
    volmacht = the_volmacht(client, headers)
    borne = grant_of(volmacht, "Borne")
    response = client.patch(
        f"/api/v1/mandates/{volmacht['id']}",
        headers=headers,
        json={
            "grants": [
                {
                    "grantor_id": ids["Borne"],
                    "status": "granted",
                    "granted_on": "2025-09-01",
                    "decision_reference": "B&W-besluit Borne",
                    "version": borne["version"],
                }
            ],
            "version": volmacht["version"],
        },
    )
    assert response.status_code == 200
    mandate = response.get_json()
    recorded = grant_of(mandate, "Borne")
    assert recorded["status"] == "granted" and recorded["granted_on"] == "2025-09-01"
    assert recorded["decision_reference"] == "B&W-besluit Borne"
    assert recorded["version"] == borne["version"] + 1
    assert mandate["granted"] == 13 and mandate["grantors"] == 13
    assert the_volmacht(client, token_for(POLICY)) == mandate


def test_s28_recording_a_grant_on_a_stale_version_is_409_naming_what_changed(
    client, token_for, ids
):
    headers = token_for(LEGAL)
    volmacht = the_volmacht(client, headers)
    enschede = grant_of(volmacht, "Enschede")
    response = client.patch(
        f"/api/v1/mandates/{volmacht['id']}",
        headers=headers,
        json={
            "grants": [
                {
                    "grantor_id": ids["Enschede"],
                    "decision_reference": "Ander kenmerk",
                    # Two changes ago: before it came into force and was linked to its dossier.
                    "version": enschede["version"] - 2,
                }
            ],
            "version": volmacht["version"],
        },
    )
    error = error_of(response, 409)
    assert error["code"] == "conflict"
    assert error["changed"]["status"] == "active"
    assert isinstance(error["changed"]["decision_id"], int)
    assert "intussen gewijzigd" in error["message"]
    assert the_volmacht(client, headers) == volmacht


def new_version(client, headers, mandate):
    response = client.post(f"/api/v1/mandates/{mandate['id']}/versions", headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_api_granted_mandate_cannot_change_in_place(client, token_for):
    headers = token_for(LEGAL)
    volmacht = the_volmacht(client, headers)
    for change in ({"valid_until": "2026-12-31"}, {"acts": ["run_tender"]}, {"title": "Anders"}):
        response = client.patch(
            f"/api/v1/mandates/{volmacht['id']}",
            headers=headers,
            json={**change, "version": volmacht["version"]},
        )
        error = error_of(response, 422)
        assert error["fields"]["status"].startswith("Deze volmacht is al verleend")
        assert "Maak een nieuwe versie" in error["fields"]["status"]
    assert the_volmacht(client, headers) == volmacht


def test_api_new_version_needs_own_grants(client, token_for):
    headers = token_for(LEGAL)
    volmacht = the_volmacht(client, headers)
    assert volmacht["predecessor_id"] is None
    new = new_version(client, headers, volmacht)
    assert new["predecessor_id"] == volmacht["id"] and new["id"] != volmacht["id"]
    assert new["name"] == f"{demo.VOLMACHT_TITLE} (versie 2)"
    assert new["acts"] == volmacht["acts"] and new["phases"] == volmacht["phases"]
    assert (new["granted"], new["grantors"]) == (0, 13)
    assert {g["status"] for g in new["grants"]} == {"draft"}
    assert the_volmacht(client, headers)["granted"] == 12
    again = client.post(f"/api/v1/mandates/{volmacht['id']}/versions", headers=headers)
    assert error_of(again, 422)["fields"]["status"].startswith("Er is al een nieuwe versie")
    refused = client.post(f"/api/v1/mandates/{volmacht['id']}/versions", headers=token_for(POLICY))
    assert error_of(refused, 403)["code"] == "forbidden"
    changed = client.patch(
        f"/api/v1/mandates/{new['id']}",
        headers=headers,
        json={"valid_until": "2026-12-31", "version": new["version"]},
    )
    assert changed.status_code == 200 and changed.get_json()["valid_until_on"] == "2026-12-31"
    assert the_volmacht(client, headers)["valid_until_on"] is None


def test_s28_changing_a_mandate_on_a_stale_version_is_409_naming_what_changed(client, token_for):
    headers = token_for(LEGAL)
    volmacht = new_version(client, headers, the_volmacht(client, headers))
    url = f"/api/v1/mandates/{volmacht['id']}"
    first = client.patch(
        url, headers=headers, json={"valid_until": "2026-12-31", "version": volmacht["version"]}
    )
    assert first.status_code == 200
    assert first.get_json()["valid_until_on"] == "2026-12-31"
    assert first.get_json()["version"] == volmacht["version"] + 1
    stale = client.patch(
        url, headers=headers, json={"title": "Andere titel", "version": volmacht["version"]}
    )
    error = error_of(stale, 409)
    assert error["code"] == "conflict"
    assert error["changed"] == {"valid_until": "2026-12-31"}
    assert client.get(url, headers=headers).get_json()["name"] == volmacht["name"]


def test_an_illegal_grant_transition_through_patch_is_422_and_changes_nothing(
    client, token_for, ids
):
    headers = token_for(LEGAL)
    volmacht = the_volmacht(client, headers)
    borne = grant_of(volmacht, "Borne")
    response = client.patch(
        f"/api/v1/mandates/{volmacht['id']}",
        headers=headers,
        json={
            "grants": [
                {
                    "grantor_id": ids["Borne"],
                    "status": "active",
                    "granted_on": "2025-09-01",
                    "version": borne["version"],
                }
            ]
        },
    )
    error = error_of(response, 422)
    assert error["fields"]["status"].startswith("Status: van 'concept' kan niet naar 'van kracht'")
    assert the_volmacht(client, headers) == volmacht


def test_a_decision_of_a_municipality_that_does_not_grant_the_mandate_is_404(
    client, token_for, ids
):
    headers = token_for(LEGAL)
    volmacht = the_volmacht(client, headers)
    response = client.patch(
        f"/api/v1/mandates/{volmacht['id']}",
        headers=headers,
        json={
            "grants": [
                {
                    "grantor_id": ids["Rijssen-Holten"],
                    "status": "granted",
                    "granted_on": "2025-09-01",
                    "version": 1,
                }
            ]
        },
    )
    assert error_of(response, 404)["code"] == "not_found"
    assert the_volmacht(client, headers) == volmacht


def test_grants_must_be_a_list_of_decisions_naming_their_grantor(client, token_for):
    headers = token_for(LEGAL)
    url = f"/api/v1/mandates/{the_volmacht(client, headers)['id']}"
    for grants in ({"grantor_id": 1}, [{"status": "granted"}], ["Borne"], [{"grantor_id": "2"}]):
        error = error_of(client.patch(url, headers=headers, json={"grants": grants}), 422)
        assert "grants" in error["fields"]


def test_a_grantor_id_must_be_a_number_and_not_true(client, token_for):
    # JSON true is no number; Python's bool is an int, so it must not pass for grantor 1.
    headers = token_for(LEGAL)
    volmacht = the_volmacht(client, headers)
    first = volmacht["grants"][0]
    response = client.patch(
        f"/api/v1/mandates/{volmacht['id']}",
        headers=headers,
        json={
            "grants": [
                {"grantor_id": True, "decision_reference": "via true", "version": first["version"]}
            ]
        },
    )
    assert "grants" in error_of(response, 422)["fields"]
    assert the_volmacht(client, headers) == volmacht


def test_a_patch_of_mandate_fields_and_a_refused_grant_saves_neither(client, token_for, ids):
    headers = token_for(LEGAL)
    volmacht = new_version(client, headers, the_volmacht(client, headers))
    response = client.patch(
        f"/api/v1/mandates/{volmacht['id']}",
        headers=headers,
        json={
            "valid_until": "2026-12-31",
            "version": volmacht["version"],
            "grants": [
                {
                    "grantor_id": ids["Borne"],
                    "status": "active",
                    "granted_on": "2025-09-01",
                    "version": grant_of(volmacht, "Borne")["version"],
                }
            ],
        },
    )
    assert error_of(response, 422)["fields"]["status"].startswith("Status: van 'concept'")
    assert client.get(f"/api/v1/mandates/{volmacht['id']}", headers=headers).get_json() == volmacht


def test_malformed_json_is_422_asking_for_a_json_object(client, token_for, ids):
    headers = token_for(LEGAL)
    for data in ("{niet: json", "[1, 2]", ""):
        response = client.post(
            "/api/v1/mandates", headers=headers, data=data, content_type="application/json"
        )
        error = error_of(response, 422)
        assert error["fields"]["body"].startswith("Stuur een JSON-object")
    project = token_for(PROJECT)
    cr = agreement_by_reference(client, project, "LOG-TW-2025-CR")
    patch = client.patch(
        f"/api/v1/agreements/{cr['id']}",
        headers=project,
        data="{kapot",
        content_type="application/json",
    )
    assert "body" in error_of(patch, 422)["fields"]
    assert client.get("/api/v1/mandates", headers=headers).get_json()["total"] == 1


def test_a_policy_officer_reads_but_cannot_create_or_change_mandates(client, token_for, ids):
    headers = token_for(POLICY)
    response = client.post("/api/v1/mandates", headers=headers, json=new_mandate(ids))
    assert error_of(response, 403)["code"] == "forbidden"
    volmacht = the_volmacht(client, headers)
    patch = client.patch(
        f"/api/v1/mandates/{volmacht['id']}",
        headers=headers,
        json={"title": "x", "version": volmacht["version"]},
    )
    assert patch.status_code == 403
    assert client.get("/api/v1/mandates", headers=headers).get_json()["total"] == 1


def test_s27_a_refused_mandate_post_is_audited(app, client, token_for, ids):
    assert client.post(
        "/api/v1/mandates", headers=token_for(POLICY), json=new_mandate(ids)
    ).status_code == (403)
    with sessions(app)() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.result == "denied").order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None
    assert POLICY in event.actor_label and event.object_id == "api.mandate_create"


def test_s11_a_provider_gets_403_on_the_mandate_register_and_coverage(client, token_for, ids):
    headers = token_for(PROVIDER_CR)
    assert error_of(client.get("/api/v1/mandates", headers=headers), 403)["code"] == "forbidden"
    volmacht = the_volmacht(client, token_for(POLICY))
    assert client.get(f"/api/v1/mandates/{volmacht['id']}", headers=headers).status_code == 403
    coverage = f"/api/v1/coverage?arrangement={ids['arrangement']}&act=run_tender&on=2026-03-01"
    assert client.get(coverage, headers=headers).status_code == 403


def test_the_registers_need_a_token(client):
    for path in ("/api/v1/mandates", "/api/v1/agreements", "/api/v1/coverage"):
        assert error_of(client.get(path), 401)["code"] == "unauthenticated"


# --- agreements ------------------------------------------------------------------------------


def test_agreements_list_has_the_five_demo_agreements_with_dates_and_amounts(client, token_for):
    headers = token_for(POLICY)
    body = client.get("/api/v1/agreements", headers=headers).get_json()
    assert body["total"] == 5
    assert sorted(a["reference"] for a in body["items"]) == [
        "LOG-TW-2025-CR",
        "LOG-TW-2025-LI",
        "LOG-TW-2025-TMZ",
        "LOG-TW-2025-ZA",
        "LOG-TW-2025-ZSM",
    ]
    cr = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    assert cr["provider"]["name"] == "Carintreggeland"
    assert cr["contracting_party"]["name"] == "Rijssen-Holten"
    assert cr["status"] == "active" and cr["kind"] == "purchase"
    assert (cr["start_on"], cr["end_on"]) == ("2025-01-01", "2026-01-01")
    assert cr["maximum_end_on"] == "2027-01-01"
    assert cr["notice_deadline_on"] == "2025-10-01"
    assert cr["tariff_occupied_day"] == "166.00" and cr["tariff_vacant_day"] == "166.00"
    assert [m["name"] for m in cr["mandates"]] == [demo.VOLMACHT_TITLE]
    assert [b["location"] for b in cr["beds"]] == ["Humanitas"]
    one = client.get(f"/api/v1/agreements/{cr['id']}", headers=headers)
    assert one.status_code == 200 and one.get_json() == cr


def test_agreements_list_filters_on_status(client, token_for):
    headers = token_for(POLICY)
    assert client.get("/api/v1/agreements?status=active", headers=headers).get_json()["total"] == 5
    assert client.get("/api/v1/agreements?status=draft", headers=headers).get_json()["total"] == 0


def test_s11_a_provider_sees_only_its_own_agreements(client, token_for):
    body = client.get("/api/v1/agreements", headers=token_for(PROVIDER_CR)).get_json()
    assert body["total"] == 1
    assert [a["reference"] for a in body["items"]] == ["LOG-TW-2025-CR"]
    assert {a["provider"]["name"] for a in body["items"]} == {"Carintreggeland"}


def test_s11_another_providers_agreement_is_404_for_a_provider(client, token_for):
    everyone = token_for(POLICY)
    liberein = agreement_by_reference(client, everyone, "LOG-TW-2025-LI")
    own = agreement_by_reference(client, everyone, "LOG-TW-2025-CR")
    headers = token_for(PROVIDER_CR)
    response = client.get(f"/api/v1/agreements/{liberein['id']}", headers=headers)
    assert error_of(response, 404)["code"] == "not_found"
    assert client.get(f"/api/v1/agreements/{own['id']}", headers=headers).status_code == 200
    assert client.get(
        f"/api/v1/agreements/{own['id']}", headers=token_for(PROVIDER_LI)
    ).status_code == (404)


def test_s11_a_provider_does_not_see_the_internal_notes_of_its_agreement(client, token_for):
    project = token_for(PROJECT)
    cr = agreement_by_reference(client, project, "LOG-TW-2025-CR")
    patched = client.patch(
        f"/api/v1/agreements/{cr['id']}",
        headers=project,
        json={"notes": "Intern: tarief heronderhandelen.", "version": cr["version"]},
    )
    assert patched.status_code == 200
    assert patched.get_json()["notes"] == "Intern: tarief heronderhandelen."
    provider = token_for(PROVIDER_CR)
    assert client.get(f"/api/v1/agreements/{cr['id']}", headers=provider).get_json()["notes"] == ""
    listed = client.get("/api/v1/agreements", headers=provider).get_json()["items"]
    assert [a["notes"] for a in listed] == [""]


def test_s11_a_provider_cannot_create_or_change_agreements(client, token_for, ids):
    headers = token_for(PROVIDER_CR)
    response = client.post("/api/v1/agreements", headers=headers, json=new_agreement(ids))
    assert response.status_code == 403
    own = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    patch = client.patch(
        f"/api/v1/agreements/{own['id']}",
        headers=headers,
        json={"status": "terminated", "version": own["version"]},
    )
    assert patch.status_code == 403
    assert agreement_by_reference(client, headers, "LOG-TW-2025-CR")["status"] == "active"


def test_creating_an_agreement_answers_201_as_draft_with_amounts_as_strings(client, token_for, ids):
    headers = token_for(PROJECT)
    response = client.post("/api/v1/agreements", headers=headers, json=new_agreement(ids))
    assert response.status_code == 201
    agreement = response.get_json()
    assert agreement["status"] == "draft" and agreement["version"] == 1
    assert agreement["reference"] == "LOG-TW-2026-CR"
    assert (agreement["start_on"], agreement["end_on"]) == ("2026-01-02", "2026-12-31")
    assert agreement["maximum_end_on"] == "2027-12-31"
    assert agreement["notice_deadline_on"] == "2026-09-30"
    assert agreement["tariff_occupied_day"] == "166.00"
    assert agreement["tariff_vacant_day"] == "166.00"
    assert agreement["extensions_used"] == 0
    assert [b["location"] for b in agreement["beds"]] == ["Humanitas"]
    assert client.get("/api/v1/agreements", headers=headers).get_json()["total"] == 6


def test_a_framework_agreement_longer_than_four_years_is_422_citing_article_2_140(
    client, token_for, ids
):
    headers = token_for(PROJECT)
    body = new_agreement(
        ids,
        kind="framework",
        start_on="2025-01-01",
        end_on="2026-12-31",
        extension_count=3,
        extension_months=12,
    )
    error = error_of(client.post("/api/v1/agreements", headers=headers, json=body), 422)
    message = error["fields"]["maximum_end_on"]
    assert "art. 2.140" in message and message.endswith("uiterlijk 31 december 2028.")
    assert client.get("/api/v1/agreements", headers=headers).get_json()["total"] == 5


def test_an_agreement_starting_before_the_arrangement_is_422(client, token_for, ids):
    body = new_agreement(ids, start_on="2024-01-01", end_on="2024-12-31")
    error = error_of(client.post("/api/v1/agreements", headers=token_for(PROJECT), json=body), 422)
    assert error["fields"] == {
        "start_on": (
            "Begindatum: de overeenkomst kan niet beginnen vóór de regeling (1 februari 2024)."
        )
    }


def test_a_date_that_does_not_exist_is_422_naming_the_field(client, token_for, ids):
    body = new_agreement(ids, end_on="31-02-2026")
    error = error_of(client.post("/api/v1/agreements", headers=token_for(PROJECT), json=body), 422)
    assert error["fields"]["end_on"] == "Einddatum (t/m): 31-02-2026 bestaat niet in de kalender."


def test_s14_extra_fields_in_an_agreement_post_change_nothing(client, token_for, ids):
    headers = token_for(PROJECT)
    body = new_agreement(ids, id=999, status="active", extensions_used=1, version=9)
    response = client.post("/api/v1/agreements", headers=headers, json=body)
    assert response.status_code == 201
    agreement = response.get_json()
    assert agreement["id"] != 999
    assert agreement["status"] == "draft"
    assert agreement["extensions_used"] == 0 and agreement["version"] == 1
    assert client.get("/api/v1/agreements/999", headers=headers).status_code == 404


def test_an_agreement_moves_through_its_statuses_with_patch(client, token_for):
    headers = token_for(PROJECT)
    cr = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    response = client.patch(
        f"/api/v1/agreements/{cr['id']}",
        headers=headers,
        json={"status": "extended", "version": cr["version"]},
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "extended"
    assert response.get_json()["version"] == cr["version"] + 1


def test_the_same_status_sent_twice_changes_nothing_the_second_time(client, token_for):
    headers = token_for(PROJECT)
    cr = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    url = f"/api/v1/agreements/{cr['id']}"
    body = {"status": "terminated", "version": cr["version"]}
    first = client.patch(url, headers=headers, json=body).get_json()
    second = client.patch(url, headers=headers, json=body)
    assert second.status_code == 200 and second.get_json() == first


def test_fields_and_status_change_together_in_one_patch(client, token_for):
    headers = token_for(PROJECT)
    cr = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    response = client.patch(
        f"/api/v1/agreements/{cr['id']}",
        headers=headers,
        json={"tariff_occupied_day": "170,50", "status": "terminated", "version": cr["version"]},
    )
    assert response.status_code == 200
    agreement = response.get_json()
    assert agreement["tariff_occupied_day"] == "170.50" and agreement["status"] == "terminated"
    assert agreement["version"] == cr["version"] + 2


def test_s28_a_status_change_on_a_stale_version_is_409_naming_what_changed(client, token_for):
    headers = token_for(PROJECT)
    cr = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    url = f"/api/v1/agreements/{cr['id']}"
    assert (
        client.patch(
            url, headers=headers, json={"status": "extended", "version": cr["version"]}
        ).status_code
        == 200
    )
    stale = client.patch(
        url, headers=headers, json={"status": "terminated", "version": cr["version"]}
    )
    error = error_of(stale, 409)
    assert error["code"] == "conflict"
    # Extending used an option: the status, the end date and the options used all changed.
    assert error["changed"] == {"status": "extended", "end_on": "2027-01-01", "extensions_used": 1}
    assert client.get(url, headers=headers).get_json()["status"] == "extended"


def test_s28_a_field_change_on_a_stale_version_is_409_and_saves_nothing(client, token_for):
    headers = token_for(PROJECT)
    cr = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    url = f"/api/v1/agreements/{cr['id']}"
    stale = client.patch(
        url,
        headers=headers,
        json={"tariff_occupied_day": "1,00", "status": "terminated", "version": cr["version"] - 1},
    )
    assert error_of(stale, 409)["changed"] == {"status": "active"}
    assert client.get(url, headers=headers).get_json() == cr


def test_s14_extra_fields_in_an_agreement_patch_change_nothing(client, token_for):
    headers = token_for(PROJECT)
    cr = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    response = client.patch(
        f"/api/v1/agreements/{cr['id']}",
        headers=headers,
        json={
            "id": 999,
            "arrangement_id": 999,
            "extensions_used": 1,
            "created_at": "2020-01-01T00:00:00Z",
            "version": cr["version"],
        },
    )
    assert response.status_code == 200
    assert response.get_json() == cr
    assert client.get(f"/api/v1/agreements/{cr['id']}", headers=headers).get_json() == cr


def test_a_patch_of_fields_with_a_refused_status_saves_neither(client, token_for):
    headers = token_for(PROJECT)
    cr = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    response = client.patch(
        f"/api/v1/agreements/{cr['id']}",
        headers=headers,
        json={"notes": "Wordt niet bewaard.", "status": "draft", "version": cr["version"]},
    )
    assert "status" in error_of(response, 422)["fields"]
    assert client.get(f"/api/v1/agreements/{cr['id']}", headers=headers).get_json() == cr


def test_an_illegal_status_transition_is_422_in_dutch(client, token_for):
    headers = token_for(PROJECT)
    cr = agreement_by_reference(client, headers, "LOG-TW-2025-CR")
    response = client.patch(
        f"/api/v1/agreements/{cr['id']}",
        headers=headers,
        json={"status": "draft", "version": cr["version"]},
    )
    error = error_of(response, 422)
    assert error["fields"]["status"].startswith(
        "Status: van 'lopend' kan de overeenkomst niet naar 'concept'"
    )
    unknown = client.patch(
        f"/api/v1/agreements/{cr['id']}",
        headers=headers,
        json={"status": "gesloten", "version": cr["version"]},
    )
    assert error_of(unknown, 422)["fields"]["status"] == "Status: 'gesloten' bestaat niet."


# --- coverage ---------------------------------------------------------------------------------


def coverage_of(client, headers, arrangement, act, on):
    url = f"/api/v1/coverage?arrangement={arrangement}&act={act}&on={on}"
    return client.get(url, headers=headers)


def test_coverage_has_one_row_per_participating_municipality(client, token_for, ids):
    response = coverage_of(
        client, token_for(POLICY), ids["arrangement"], "run_tender", "2026-03-01"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["arrangement"], body["act"], body["on"]) == (
        ids["arrangement"],
        "run_tender",
        "2026-03-01",
    )
    assert body["total"] == 14 == len(body["items"])
    assert sorted(r["municipality"]["name"] for r in body["items"]) == sorted(demo.MUNICIPALITIES)
    for row in body["items"]:
        assert set(row) >= {"municipality", "covered", "mandate_id", "reason"}
        assert set(row["municipality"]) == {"id", "name"}


def test_coverage_of_a_tender_names_the_scope_of_the_volmacht(client, token_for, ids):
    headers = token_for(POLICY)
    body = coverage_of(client, headers, ids["arrangement"], "run_tender", "2026-03-01").get_json()
    rows = {r["municipality"]["name"]: r for r in body["items"]}
    hengelo = rows["Hengelo"]
    assert hengelo["covered"] is False
    assert hengelo["mandate_id"] == the_volmacht(client, headers)["id"]
    assert "De volmacht dekt de pilot en eventuele verlengingen" in hengelo["reason"]
    assert "niet voor 'aanbesteding uitvoeren'" in hengelo["reason"]


def test_coverage_row_of_the_lead_is_its_own_authority(client, token_for, ids):
    body = coverage_of(
        client, token_for(POLICY), ids["arrangement"], "run_tender", "2026-03-01"
    ).get_json()
    [lead] = [r for r in body["items"] if r["municipality"]["name"] == "Rijssen-Holten"]
    assert lead["municipality"]["id"] == ids["Rijssen-Holten"]
    assert lead["covered"] is True
    assert lead["mandate_id"] is None
    assert lead["reason"] == "eigen bevoegdheid"


def test_coverage_of_extending_in_march_2025_shows_ratification_and_bornes_gap(
    client, token_for, ids
):
    body = coverage_of(
        client, token_for(LEGAL), ids["arrangement"], "extend_agreement", "2025-03-01"
    ).get_json()
    rows = {r["municipality"]["name"]: r for r in body["items"]}
    assert rows["Enschede"]["covered"] is True and rows["Enschede"]["ratified"] is True
    assert rows["Borne"]["covered"] is False
    assert rows["Borne"]["reason"] == "Borne heeft nog niet besloten."


def test_coverage_refuses_an_unknown_act_and_an_impossible_date(client, token_for, ids):
    headers = token_for(POLICY)
    act = coverage_of(client, headers, ids["arrangement"], "unknown", "2026-03-01")
    assert error_of(act, 422)["fields"]["act"].startswith("Handeling: kies uit")
    day = coverage_of(client, headers, ids["arrangement"], "run_tender", "31-02-2026")
    assert error_of(day, 422)["fields"]["on"] == "Datum: 31-02-2026 bestaat niet in de kalender."


def test_coverage_needs_a_visible_arrangement_by_number(client, token_for):
    headers = token_for(POLICY)
    missing = client.get("/api/v1/coverage?act=run_tender&on=2026-03-01", headers=headers)
    assert "arrangement" in error_of(missing, 422)["fields"]
    assert coverage_of(client, headers, "een", "run_tender", "2026-03-01").status_code == 422
    assert coverage_of(client, headers, 999, "run_tender", "2026-03-01").status_code == 404


# --- phases ----------------------------------------------------------------------------------


def test_adding_a_phase_with_only_an_end_date_adds_verlenging_2(client, token_for, ids):
    headers = token_for(PROJECT)
    response = client.post(
        f"/api/v1/arrangements/{ids['arrangement']}/phases",
        headers=headers,
        json={"end_on": "2026-12-31"},
    )
    assert response.status_code == 201
    phases = [
        (p["name"], p["kind"], p["start_on"], p["end_on"]) for p in response.get_json()["phases"]
    ]
    assert phases == [
        ("Pilot", "pilot", "2024-02-01", "2024-12-31"),
        ("Verlenging 1", "extension", "2025-01-01", "2026-01-01"),
        ("Verlenging 2", "extension", "2026-01-02", "2026-12-31"),
    ]


def test_an_overlapping_phase_is_422_and_only_editors_add_phases(client, token_for, ids):
    url = f"/api/v1/arrangements/{ids['arrangement']}/phases"
    overlap = client.post(
        url,
        headers=token_for(ADMIN),
        json={"start_on": "2025-12-01", "end_on": "2026-06-30"},
    )
    assert "overlapt met Verlenging 1" in error_of(overlap, 422)["fields"]["start_on"]
    for email in (POLICY, LEGAL, PROVIDER_CR):
        response = client.post(url, headers=token_for(email), json={"end_on": "2026-12-31"})
        assert response.status_code == 403
    body = client.get(f"/api/v1/arrangements/{ids['arrangement']}", headers=token_for(POLICY))
    assert len(body.get_json()["phases"]) == 2
