"""Who may read a bundle (S11, S12): a bundle holds the documents of one subject, and it is for
those who may read every document in it, so a secret dossier's agenda form or another
provider's agreement never reaches someone through a bundle of something they may see. The
"old" bundles below are rows as the code before the one-subject rule could make them."""

from __future__ import annotations

import hashlib
from html import unescape

import pytest
from sqlalchemy import func, select

from storage.accounts import find_user_by_email
from storage.agreements import find_agreement_by_reference
from storage.arrangements import find_arrangement_by_name
from storage.decisions import Decision
from storage.documents import Bundle, DocumentJob
from storage.mandates import find_mandate_by_title
from storage.organisations import find_organisation_by_name
from tests.conftest import LEGAL, POLICY, PROVIDER_CR, login
from tests.support.demo_day import NOW
from webapp.database import sessions
from workflows.accounts import accounts
from workflows.decisions import decisions
from workflows.demo import demo
from workflows.documents import document_bundles, document_jobs, documents
from workflows.errors import InvalidInput, NotFound
from workflows.registers import agreements

pytestmark = pytest.mark.usefixtures("on_demo_day")
SECRET_SUBJECT = "Geheim: integriteitsmelding zorgaanbieder"
MIXED = (
    "Een bundel bevat documenten van één onderwerp. Deze documenten horen bij verschillende "
    "dossiers, mandaten, overeenkomsten of regelingen: maak per onderwerp een eigen bundel."
)


def actor_of(session, email):
    return accounts.actor_for(find_user_by_email(session, email), "test")


@pytest.fixture
def made(app):
    """Enschede's public dossier and a secret one only its author (the policy officer) reads,
    each with its agenda form; Carintreggeland's and Liberein's agreements with theirs; and
    Enschede's volmacht."""
    files = app.extensions["besluitwerk.files"]
    with sessions(app)() as session:
        arrangement = find_arrangement_by_name(session, demo.ARRANGEMENT_NAME)
        enschede = find_organisation_by_name(session, "Enschede")
        policy = actor_of(session, POLICY)
        public = session.scalars(
            select(Decision).where(
                Decision.parent_id.is_not(None), Decision.municipality_id == enschede.id
            )
        ).one()
        secret = decisions.create(
            session,
            policy,
            {
                "arrangement_id": arrangement.id,
                "subject": SECRET_SUBJECT,
                "meeting_on": "2025-06-24",
                "co_advisers": ["Juridische Zaken"],
                "case_number": "BV25000099",
                "secret": True,
            },
            now=NOW,
        )
        mandate = find_mandate_by_title(session, arrangement.id, demo.VOLMACHT_TITLE)

        def generate(kind, subject_type, subject_id, party_id=None):
            return documents.generate(
                session, files, policy, kind, subject_type, subject_id, party_id=party_id, now=NOW
            ).id

        found = {
            "public": public.id,
            "secret": secret.id,
            "public form": generate("agendaformulier", "decision", public.id),
            "secret form": generate("agendaformulier", "decision", secret.id),
            "CR": find_agreement_by_reference(session, "LOG-TW-2025-CR").id,
            "LI": find_agreement_by_reference(session, "LOG-TW-2025-LI").id,
            "mandate": mandate.id,
            "volmacht": generate("volmacht", "mandate", mandate.id, enschede.id),
        }
        found["CR agreement"] = generate("inkoopovereenkomst", "agreement", found["CR"])
        found["LI agreement"] = generate("inkoopovereenkomst", "agreement", found["LI"])
        session.commit()
    return found


def old_bundle(app, *, name, subject_type, subject_id, provider_id, document_ids):
    """A bundle row as the code before the one-subject rule made it: of its first document's
    subject, holding whatever was chosen."""
    content = b"%PDF-1.7\n% bundel\n%%EOF\n"
    stored = app.extensions["besluitwerk.files"].put(content)
    with sessions(app)() as session:
        bundle = Bundle(
            name=name,
            title="Bundel van gekozen documenten",
            subject_type=subject_type,
            subject_id=subject_id,
            provider_id=provider_id,
            document_ids=document_ids,
            file_key=stored.key,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            pages=1,
            made_by_label="Beleid Enschede",
            made_at=NOW,
        )
        session.add(bundle)
        session.commit()
        return bundle.id


def count(app, model):
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_s12_a_bundle_of_documents_of_two_subjects_is_refused_in_dutch(
    app, client, token_for, made
):
    officer = token_for(POLICY)
    for mix in (
        [made["public form"], made["secret form"]],
        [made["CR agreement"], made["LI agreement"]],
        [made["CR agreement"], made["volmacht"]],
    ):
        refused = client.post("/api/v1/bundles", headers=officer, json={"document_ids": mix})
        assert refused.status_code == 422
        assert refused.json["error"]["fields"] == {"document_ids": MIXED}
    assert count(app, DocumentJob) == 0

    files = app.extensions["besluitwerk.files"]
    with sessions(app)() as session:
        with pytest.raises(InvalidInput) as error:
            document_bundles.make_from_documents(
                session,
                files,
                actor_of(session, POLICY),
                [made["public form"], made["secret form"]],
                now=NOW,
            )
        assert error.value.errors == {"document_ids": MIXED}
    assert count(app, Bundle) == 0

    # Documents of one subject still make a bundle.
    accepted = client.post(
        "/api/v1/bundles", headers=officer, json={"document_ids": [made["public form"]]}
    )
    assert accepted.status_code == 202


def test_s12_a_bundle_holding_a_secret_dossiers_document_is_only_for_its_readers(
    app, client, token_for, made
):
    bundle_id = old_bundle(
        app,
        name="eigen",
        subject_type="decision",
        subject_id=made["public"],
        provider_id=None,
        document_ids=[made["public form"], made["secret form"]],
    )
    link = f'href="/documenten/bundels/{bundle_id}/bestand"'
    page = f"/documenten/decision/{made['public']}"

    # The jurist sees the public dossier, not the secret one: nothing of the bundle is there.
    jurist = token_for(LEGAL)
    assert client.get(f"/api/v1/decisions/{made['public']}", headers=jurist).status_code == 200
    for url in (f"/api/v1/bundles/{bundle_id}", f"/api/v1/bundles/{bundle_id}/content"):
        assert client.get(url, headers=jurist).status_code == 404
    browser = app.test_client()
    login(browser, LEGAL)
    listed = unescape(browser.get(page).get_data(as_text=True))
    assert link not in listed and "Bundel van gekozen documenten" not in listed
    assert browser.get(f"/documenten/bundels/{bundle_id}/bestand").status_code == 404

    # The policy officer reads both documents, and so the bundle.
    author = token_for(POLICY)
    assert client.get(f"/api/v1/bundles/{bundle_id}/content", headers=author).status_code == 200
    login(client, POLICY)
    assert link in client.get(page).get_data(as_text=True)

    # Once the jurist is given access to the secret dossier, the bundle is theirs to read too.
    with sessions(app)() as session:
        decisions.grant_access(
            session,
            actor_of(session, POLICY),
            made["secret"],
            find_user_by_email(session, LEGAL).id,
        )
        session.commit()
    assert client.get(f"/api/v1/bundles/{bundle_id}/content", headers=jurist).status_code == 200
    assert link in browser.get(page).get_data(as_text=True)


def draft_agreement_of_carintreggeland(app):
    """A second agreement for Carintreggeland, still being prepared: not yet for its eyes."""
    files = app.extensions["besluitwerk.files"]
    with sessions(app)() as session:
        arrangement = find_arrangement_by_name(session, demo.ARRANGEMENT_NAME)
        legal = actor_of(session, LEGAL)
        agreement = agreements.create(
            session,
            legal,
            {
                "arrangement_id": arrangement.id,
                "kind": "purchase",
                "reference": "LOG-TW-2026-CR",
                "title": "Inkoopovereenkomst logeerzorg Carintreggeland 2026 (in voorbereiding)",
                "provider_id": find_organisation_by_name(session, "Carintreggeland").id,
                "contracting_party_id": find_organisation_by_name(session, "Rijssen-Holten").id,
                "start_on": "2026-01-01",
                "end_on": "2026-12-31",
            },
        )
        assert agreement.status == "draft"
        document = documents.generate(
            session, files, legal, "inkoopovereenkomst", "agreement", agreement.id, now=NOW
        )
        session.commit()
        return agreement.id, document.id, document.provider_id


def test_s12_a_provider_reads_no_bundle_holding_a_document_not_yet_or_never_for_it(
    app, client, token_for, made
):
    _, draft_document, carintreggeland = draft_agreement_of_carintreggeland(app)
    # Both documents are addressed to Carintreggeland, so the old code addressed the bundle to
    # it too, under the sent agreement: the draft reached the provider through the bundle.
    with_draft = old_bundle(
        app,
        name="eigen",
        subject_type="agreement",
        subject_id=made["CR"],
        provider_id=carintreggeland,
        document_ids=[made["CR agreement"], draft_document],
    )
    with_liberein = old_bundle(
        app,
        name="eigen",
        subject_type="agreement",
        subject_id=made["CR"],
        provider_id=carintreggeland,
        document_ids=[made["CR agreement"], made["LI agreement"]],
    )
    # The agreement bundle with the volmachten it rests on (BW 3:71) stays the provider's.
    agreement_bundle = old_bundle(
        app,
        name="overeenkomst",
        subject_type="agreement",
        subject_id=made["CR"],
        provider_id=carintreggeland,
        document_ids=[made["CR agreement"], made["volmacht"]],
    )

    provider = token_for(PROVIDER_CR)
    own = client.get(f"/api/v1/documents/{made['CR agreement']}/content", headers=provider)
    assert own.status_code == 200
    draft = client.get(f"/api/v1/documents/{draft_document}/content", headers=provider)
    assert draft.status_code == 404
    for bundle_id in (with_draft, with_liberein):
        for url in (f"/api/v1/bundles/{bundle_id}", f"/api/v1/bundles/{bundle_id}/content"):
            assert client.get(url, headers=provider).status_code == 404, url
    answer = client.get(f"/api/v1/bundles/{agreement_bundle}/content", headers=provider)
    assert answer.status_code == 200
    login(client, PROVIDER_CR)
    page = client.get(f"/documenten/agreement/{made['CR']}").get_data(as_text=True)
    assert f'href="/documenten/bundels/{agreement_bundle}/bestand"' in page
    for bundle_id in (with_draft, with_liberein):
        assert f'href="/documenten/bundels/{bundle_id}/bestand"' not in page

    # The officers who may read both documents still read the bundle.
    officer = token_for(LEGAL)
    for bundle_id in (with_draft, with_liberein, agreement_bundle):
        assert client.get(f"/api/v1/bundles/{bundle_id}", headers=officer).status_code == 200
    refused = client.post(
        "/api/v1/bundles",
        headers=officer,
        json={"document_ids": [made["CR agreement"], draft_document]},
    )
    assert refused.status_code == 422 and refused.json["error"]["fields"] == {"document_ids": MIXED}


def test_s12_a_bundle_jobs_title_is_gone_once_its_dossier_is_made_secret(
    app, client, token_for, made
):
    with sessions(app)() as session:
        job = document_jobs.request(
            session,
            actor_of(session, POLICY),
            "bundle",
            made["public"],
            bundle="bw",
            request_key="bw-openbaar",
            now=NOW,
        )
        session.commit()
        job_id, title = job.id, job.title
    headers = token_for(POLICY)
    shown = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert shown.status_code == 200 and shown.json["title"] == title

    # The jurist makes the dossier secret; the policy officer is not among its readers.
    with sessions(app)() as session:
        decision = session.get(Decision, made["public"])
        decision.secret = True
        decision.readers = [find_user_by_email(session, LEGAL)]
        session.commit()
    hidden = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert hidden.status_code == 404
    assert title not in hidden.get_data(as_text=True)
    login(client, POLICY)
    page = client.get(f"/documenten/opdrachten/{job_id}")
    assert page.status_code == 404 and title not in unescape(page.get_data(as_text=True))
    with sessions(app)() as session, pytest.raises(NotFound):
        document_jobs.get(session, actor_of(session, POLICY), job_id)
