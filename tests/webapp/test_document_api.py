"""The document API on the Twente demo: documents made once and served with their hash, bundles
made by background jobs (202 and a job to poll), template versions checked on upload, and a
provider's token scoped to its own documents (S11). The web clock is Monday 2 June 2025."""

from __future__ import annotations

import hashlib
import io

import docx
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from storage.documents import Bundle, Document, DocumentTemplate
from tests.conftest import ADMIN, LEGAL, POLICY, PROVIDER_CR
from tests.support import demo_records
from tests.support.word_documents import builtin_with_paragraph
from webapp.database import sessions
from webapp.jobs import run_queued
from workflows.documents.documents import DOCX_TYPE

pytestmark = pytest.mark.usefixtures("on_demo_day")


@pytest.fixture
def ids(app):
    with sessions(app)() as session:
        return demo_records.document_subjects(session)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def count(app, model):
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(model))


def volmacht_request(ids):
    return {
        "kind": "volmacht",
        "subject_type": "mandate",
        "subject_id": ids["mandate"],
        "party_id": ids["Enschede"],
    }


def run_job(client, headers, response):
    """Runs the queued job a 202 answer points to and returns the finished job."""
    assert response.status_code == 202
    assert response.json["status"] == "queued"
    location = response.headers["Location"]
    assert location == f"/api/v1/jobs/{response.json['id']}"
    assert run_queued(client.application) == 1
    job = client.get(location, headers=headers)
    assert job.status_code == 200
    return job.json


def test_a_document_is_made_once_and_served_with_the_hash_the_api_gave(client, token_for, ids):
    headers = token_for(LEGAL)
    made = client.post("/api/v1/documents", headers=headers, json=volmacht_request(ids))
    assert made.status_code == 201
    body = made.json
    assert (body["kind"], body["version"], body["template_version"]) == ("volmacht", 1, 1)
    assert body["party_id"] == ids["Enschede"] and body["subject_id"] == ids["mandate"]
    assert len(body["sha256"]) == 64 and len(body["input_sha256"]) == 64
    assert body["pdf_sha256"] is None

    word = client.get(f"/api/v1/documents/{body['id']}/content?format=docx", headers=headers)
    assert word.status_code == 200
    assert word.headers["Content-Type"] == DOCX_TYPE
    assert word.headers["Content-Disposition"].startswith(
        'attachment; filename="volmacht-Enschede-v1.docx"'
    )
    assert word.headers["X-Content-Type-Options"] == "nosniff"
    assert word.headers["Cache-Control"] == "no-store"
    assert sha(word.data) == body["sha256"]
    assert "Enschede" in "\n".join(p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs)

    again = client.post("/api/v1/documents", headers=headers, json=volmacht_request(ids))
    assert (again.json["id"], again.json["version"]) == (body["id"], 1)
    assert again.json["sha256"] == body["sha256"]
    assert count(client.application, Document) == 1

    listed = client.get(
        f"/api/v1/documents?subject_type=mandate&subject_id={ids['mandate']}", headers=headers
    )
    assert listed.status_code == 200
    assert listed.json["total"] == 1
    assert [(d["id"], d["sha256"]) for d in listed.json["items"]] == [(body["id"], body["sha256"])]

    pdf = client.get(f"/api/v1/documents/{body['id']}/content?format=pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.data.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(pdf.data)).pages) >= 1
    listed = client.get(
        f"/api/v1/documents?subject_type=mandate&subject_id={ids['mandate']}", headers=headers
    )
    assert listed.json["items"][0]["pdf_sha256"] == sha(pdf.data)

    unknown_format = client.get(
        f"/api/v1/documents/{body['id']}/content?format=exe", headers=headers
    )
    assert unknown_format.status_code == 422
    assert unknown_format.json["error"]["fields"] == {"format": "Formaat: kies docx of pdf."}


def test_bundles_are_made_by_a_job_named_or_from_chosen_documents(client, token_for, ids):
    headers = token_for(LEGAL)
    requested = client.post(
        "/api/v1/bundles",
        headers=headers,
        json={"name": "volmachten", "subject_id": ids["mandate"], "request_key": "api-1"},
    )
    repeated = client.post(
        "/api/v1/bundles",
        headers=headers,
        json={"name": "volmachten", "subject_id": ids["mandate"], "request_key": "api-1"},
    )
    assert repeated.status_code == 202 and repeated.json["id"] == requested.json["id"]  # S29
    job = run_job(client, headers, requested)
    assert job["status"] == "done" and job["error"] is None
    assert job["done"] == job["total"]
    assert len(job["document_ids"]) == 13 and job["bundle_id"] is not None

    bundle = client.get(f"/api/v1/bundles/{job['bundle_id']}", headers=headers)
    assert bundle.status_code == 200
    assert bundle.json["name"] == "volmachten"
    assert sorted(bundle.json["document_ids"]) == sorted(job["document_ids"])
    content = client.get(f"/api/v1/bundles/{job['bundle_id']}/content", headers=headers)
    assert content.status_code == 200 and content.headers["Content-Type"] == "application/pdf"
    assert content.headers["Content-Disposition"].startswith("attachment; ")
    assert sha(content.data) == bundle.json["sha256"]
    reader = PdfReader(io.BytesIO(content.data))
    assert len(reader.pages) == bundle.json["pages"]
    assert len(reader.outline) == 1 + 13

    chosen = job["document_ids"][:2]
    own = client.post("/api/v1/bundles", headers=headers, json={"document_ids": chosen})
    job = run_job(client, headers, own)
    assert job["status"] == "done" and job["document_ids"] == chosen
    bundle = client.get(f"/api/v1/bundles/{job['bundle_id']}", headers=headers).json
    assert bundle["document_ids"] == chosen
    content = client.get(f"/api/v1/bundles/{job['bundle_id']}/content", headers=headers)
    reader = PdfReader(io.BytesIO(content.data))
    assert reader.outline[0].title == "Inhoud"
    assert len(reader.outline) == 1 + 2 and len(reader.pages) == bundle["pages"]
    assert count(client.application, Bundle) == 2

    # Someone else's job is not there for them; a bad request says what is wrong.
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=token_for(POLICY)).status_code == 404
    wrong = client.post("/api/v1/bundles", headers=headers, json={"document_ids": ["1"]})
    assert wrong.status_code == 422
    assert wrong.json["error"]["fields"]["document_ids"] == (
        "document_ids: verwacht een lijst van getallen."
    )
    unknown = client.post(
        "/api/v1/bundles", headers=headers, json={"name": "alles", "subject_id": ids["mandate"]}
    )
    assert unknown.status_code == 422
    assert unknown.json["error"]["fields"]["name"] == "Bundel: kies bw, overeenkomst of volmachten."


def _upload(client, headers, content, kind="volmacht"):
    return client.post(
        f"/api/v1/templates/{kind}/versions",
        headers=headers,
        data={"file": (io.BytesIO(content), "volmacht.docx"), "note": "API"},
        content_type="multipart/form-data",
    )


def test_template_versions_are_checked_on_upload(client, token_for):
    headers = token_for(ADMIN)
    good = _upload(
        client,
        headers,
        builtin_with_paragraph("volmacht", "Bijlage bij de regeling {{ regeling }}."),
    )
    assert good.status_code == 201
    assert good.json["status"] == "candidate" and good.json["kind"] == "volmacht"
    assert "regeling" in good.json["fields_used"] and "titel" in good.json["fields_used"]
    assert good.json["problems"] == []
    # The built-in template is version 1 of the kind, even when nothing was made from it yet.
    assert good.json["version"] == 2
    with sessions(client.application)() as session:
        versions = session.execute(
            select(DocumentTemplate.version, DocumentTemplate.origin, DocumentTemplate.status)
            .where(DocumentTemplate.kind == "volmacht")
            .order_by(DocumentTemplate.version)
        ).all()
    assert versions == [(1, "builtin", "active"), (2, "upload", "candidate")]
    stored = count(client.application, DocumentTemplate)

    bad = _upload(
        client,
        headers,
        builtin_with_paragraph("volmacht", "{{ onbekend_veld }} en {{ ook_onbekend }}"),
    )
    assert bad.status_code == 422
    error = bad.json["error"]
    assert error["code"] == "invalid_input"
    assert "Onbekend veld in het sjabloon: {{ onbekend_veld }}." in error["fields"]["file"]
    assert "Onbekend veld in het sjabloon: {{ ook_onbekend }}." in error["fields"]["file"]
    assert "onbekend_veld" in error["message"]
    assert count(client.application, DocumentTemplate) == stored

    empty = _upload(client, headers, b"")
    assert empty.status_code == 422 and empty.json["error"]["fields"]["file"] == (
        "Het bestand is leeg."
    )
    assert (
        client.post(
            "/api/v1/templates/volmacht/versions", headers=token_for(LEGAL), data={}
        ).status_code
        == 403
    )


def test_an_unknown_kind_is_refused_with_a_dutch_message(client, token_for, ids):
    made = client.post(
        "/api/v1/documents",
        headers=token_for(LEGAL),
        json={**volmacht_request(ids), "kind": "brief"},
    )
    assert made.status_code == 422
    assert made.json["error"]["fields"]["kind"] == "Documentsoort 'brief' bestaat niet."
    uploaded = _upload(
        client, token_for(ADMIN), builtin_with_paragraph("volmacht", "x"), kind="brief"
    )
    assert uploaded.status_code == 422
    assert uploaded.json["error"]["fields"]["kind"] == "Documentsoort 'brief' bestaat niet."
    assert count(client.application, Document) == 0
    assert count(client.application, DocumentTemplate) == 0


def test_s11_a_provider_token_reaches_only_its_own_documents(client, token_for, ids):
    officer = token_for(LEGAL)
    made = {}
    for name in ("CR", "LI"):
        response = client.post(
            "/api/v1/documents",
            headers=officer,
            json={
                "kind": "inkoopovereenkomst",
                "subject_type": "agreement",
                "subject_id": ids[name],
            },
        )
        assert response.status_code == 201
        made[name] = response.json
    liberein_bundle = run_job(
        client,
        officer,
        client.post("/api/v1/bundles", headers=officer, json={"document_ids": [made["LI"]["id"]]}),
    )["bundle_id"]
    volmacht = client.post("/api/v1/documents", headers=officer, json=volmacht_request(ids)).json

    provider = token_for(PROVIDER_CR)
    own = client.get(f"/api/v1/documents/{made['CR']['id']}/content", headers=provider)
    assert own.status_code == 200 and sha(own.data) == made["CR"]["sha256"]
    listed = client.get(
        f"/api/v1/documents?subject_type=agreement&subject_id={ids['CR']}", headers=provider
    )
    assert [d["id"] for d in listed.json["items"]] == [made["CR"]["id"]]

    for url in (
        f"/api/v1/documents/{made['LI']['id']}/content",
        f"/api/v1/documents/{made['LI']['id']}/content?format=pdf",
        f"/api/v1/documents?subject_type=agreement&subject_id={ids['LI']}",
        f"/api/v1/bundles/{liberein_bundle}",
        f"/api/v1/bundles/{liberein_bundle}/content",
        f"/api/v1/documents/{volmacht['id']}/content",
    ):
        response = client.get(url, headers=provider)
        assert response.status_code == 404, url
        assert response.json["error"]["code"] == "not_found"
        assert "Liberein" not in response.get_data(as_text=True)
    # The same answer as for an id that does not exist.
    foreign = client.get(f"/api/v1/documents/{made['LI']['id']}/content", headers=provider)
    missing = client.get("/api/v1/documents/999999/content", headers=provider)
    assert foreign.json == missing.json
    # A provider makes nothing itself.
    refused = client.post(
        "/api/v1/documents",
        headers=provider,
        json={"kind": "inkoopovereenkomst", "subject_type": "agreement", "subject_id": ids["CR"]},
    )
    assert refused.status_code == 403
    assert count(client.application, Document) == 3
