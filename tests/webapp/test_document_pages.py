"""The document pages on the Twente demo: generating and downloading (S10, S24), bulk jobs with
progress, the provider's exchange of the agreement (S8, S11) and template management by the
beheerder. The web clock is Monday 2 June 2025."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from html import unescape

import docx
import pytest
from jinja2.sandbox import SandboxedEnvironment
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from storage.accounts import find_user_by_email
from storage.agreements import Agreement
from storage.audit import events_for
from storage.documents import Bundle, Document, DocumentTemplate, SignedCopy
from tests.conftest import (
    ADMIN,
    AUDITOR,
    LEGAL,
    POLICY,
    PROJECT,
    PROVIDER_CR,
    PROVIDER_LI,
    csrf_token,
    signed_in,
)
from tests.support import demo_records
from tests.support.demo_day import NOW
from tests.support.word_documents import builtin_with_paragraph
from tests.support.write_lock import free, held_by_request
from webapp.database import sessions
from webapp.jobs import run_queued
from workflows.accounts import accounts
from workflows.demo import demo
from workflows.documents import (
    document_bundles,
    document_templates,
    signed_copies,
    template_uploads,
)
from workflows.documents.documents import DOCX_TYPE
from workflows.documents.engine import conversion
from workflows.rules.document_fields import KIND_LABELS

pytestmark = pytest.mark.usefixtures("on_demo_day")
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = b"application/vnd.ms-word.document.macroEnabled.main+xml"
EXTRA_PARAGRAPH = "Aanvullende bepaling voor {{ gemeente }}: {{ regeling }}."


@pytest.fixture
def ids(app):
    with sessions(app)() as session:
        return demo_records.document_subjects(session)


def text(response):
    return unescape(response.get_data(as_text=True))


def post(client, page, action, data, **options):
    """Posts a form the way the browser does: with the CSRF token of the page it is on."""
    return client.post(action, data={**data, "csrf_token": csrf_token(client, page)}, **options)


def count(app, model, **where):
    with sessions(app)() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def latest_document(app, kind, subject_id):
    with sessions(app)() as session:
        return session.scalars(
            select(Document)
            .where(Document.kind == kind, Document.subject_id == subject_id)
            .order_by(Document.id.desc())
        ).first()


def agreement_status(app, agreement_id):
    with sessions(app)() as session:
        return session.get(Agreement, agreement_id).status


def set_agreement_status(app, agreement_id, status):
    # Straight in the database: the demo agreements are already running ("active"), and no
    # transition leads from there back to "draft" or "sent".
    with sessions(app)() as session:
        session.get(Agreement, agreement_id).status = status
        session.commit()


def job_form_key(page, action):
    """The request key of the job form for ``action`` on a documents page."""
    for form in page.split("<form")[1:]:
        if f'name="action" value="{action}"' in form:
            return re.search(r'name="request_key" value="([^"]+)"', form).group(1)
    raise AssertionError(f"no job form for {action}")


def assert_safe_download(response, filename, content_type):
    """S10: an attachment under a sanitised name, our own content type, no sniffing or caching."""
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"{filename}\"; filename*=UTF-8''{filename}"
    )
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def sha(data):
    return hashlib.sha256(data).hexdigest()


def signed_pdf(pages=2):
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer)
    for number in range(1, pages + 1):
        drawing.drawString(72, 720, f"Inkoopovereenkomst LOG-TW-2025-CR, pagina {number}")
        drawing.drawString(72, 700, "Getekend voor Carintreggeland")
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def encrypted_pdf():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(signed_pdf())))
    writer.encrypt("geheim")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload_signed(client, agreement_id, content, name="getekend.pdf"):
    return post(
        client,
        f"/documenten/agreement/{agreement_id}",
        f"/documenten/overeenkomsten/{agreement_id}/getekend",
        {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def generate(client, page, kind, subject_type, subject_id, party_id=None):
    data = {"kind": kind, "subject_type": subject_type, "subject_id": str(subject_id)}
    if party_id is not None:
        data["party_id"] = str(party_id)
    return post(client, page, "/documenten/maken", data)


def start_job(client, page, action, subject_type, subject_id, bundle=""):
    current = client.get(page).get_data(as_text=True)
    form_action = "bundle" if bundle else action
    key = job_form_key(current, form_action)
    data = {
        "action": action,
        "bundle": bundle,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "request_key": key,
    }
    return post(client, page, "/documenten/opdrachten", data), data


# Generating and downloading


def test_the_legal_officer_sees_the_generate_forms_and_makes_a_volmacht_once(app, ids):
    client = signed_in(app, LEGAL)
    page_url = f"/documenten/mandate/{ids['mandate']}"
    page = text(client.get(page_url))
    assert 'action="/documenten/maken"' in page
    assert 'name="kind" value="volmacht"' in page and "Volmacht maken" in page
    assert f'<option value="{ids["Hof van Twente"]}">Hof van Twente</option>' in page
    assert "Alle volmachten maken, met PDF en bundel" in page
    assert "Volmachtenbundel samenstellen (PDF)" in page
    assert "Er zijn nog geen documenten." in page

    made = generate(client, page_url, "volmacht", "mandate", ids["mandate"], ids["Hof van Twente"])
    assert made.status_code == 302 and made.headers["Location"] == page_url
    page = text(client.get(page_url))
    title = f"Volmacht Hof van Twente: {demo.VOLMACHT_TITLE}"
    assert f"{title}: versie 1 staat klaar." in page
    document = latest_document(app, "volmacht", ids["mandate"])
    assert document.title == title and document.made_by_label.endswith(f"<{LEGAL}>")
    assert f'href="/documenten/{document.id}/bestand?formaat=docx"' in page

    # A second click with the same data makes nothing new (S29).
    again = generate(client, page_url, "volmacht", "mandate", ids["mandate"], ids["Hof van Twente"])
    assert again.status_code == 302
    assert count(app, Document) == 1

    missing_party = generate(client, page_url, "volmacht", "mandate", ids["mandate"])
    assert missing_party.status_code == 422
    assert "Kies de gemeente waarvoor het document gemaakt wordt." in text(missing_party)
    assert count(app, Document) == 1


def test_s10_s24_word_and_pdf_downloads_are_safe_attachments_and_in_the_audit_log(app, ids):
    client = signed_in(app, LEGAL)
    page_url = f"/documenten/mandate/{ids['mandate']}"
    generate(client, page_url, "volmacht", "mandate", ids["mandate"], ids["Hof van Twente"])
    document = latest_document(app, "volmacht", ids["mandate"])

    word = client.get(f"/documenten/{document.id}/bestand?formaat=docx")
    assert_safe_download(word, "volmacht-Hof_van_Twente-v1.docx", DOCX_TYPE)
    assert sha(word.data) == document.output_sha256
    assert "Hof van Twente" in "\n".join(
        p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs
    )

    pdf = client.get(f"/documenten/{document.id}/bestand?formaat=pdf")
    assert_safe_download(pdf, "volmacht-Hof_van_Twente-v1.pdf", "application/pdf")
    assert pdf.data.startswith(b"%PDF-")
    assert "Hof van Twente" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    stored = latest_document(app, "volmacht", ids["mandate"])
    assert stored.pdf_sha256 == sha(pdf.data)

    unknown = client.get(f"/documenten/{document.id}/bestand?formaat=exe")
    assert unknown.status_code == 422
    assert "Formaat: kies docx of pdf." in text(unknown)

    with sessions(app)() as session:
        legal = find_user_by_email(session, LEGAL)
        events = events_for(session, "document", document.id)
        downloads = [e for e in events if e.action == "download"]
        assert [e.new_values["format"] for e in downloads] == ["docx", "pdf"]
        assert {(e.actor_id, e.result) for e in downloads} == {(legal.id, "success")}
        assert all(e.at is not None and e.origin for e in downloads)
        assert events[0].action == "generate"


def test_the_bulk_volmachten_job_shows_progress_then_klaar_with_a_bundle(app, ids):
    client = signed_in(app, LEGAL)
    page_url = f"/documenten/mandate/{ids['mandate']}"
    started, form = start_job(client, page_url, "volmachten", "mandate", ids["mandate"])
    assert started.status_code == 302
    job_url = started.headers["Location"]
    assert re.fullmatch(r"/documenten/opdrachten/\d+", job_url)
    # A double submit of the same form finds the same job (S29).
    again = post(client, page_url, "/documenten/opdrachten", form)
    assert again.headers["Location"] == job_url

    waiting = text(client.get(job_url))
    assert "<progress" in waiting
    assert '<meta http-equiv="refresh" content="2">' in waiting
    assert "De opdracht staat klaar en begint zo." in waiting
    assert "Klaar" not in waiting
    assert signed_in(app, POLICY).get(job_url).status_code == 404  # someone else's job

    assert run_queued(app) == 1

    done = text(client.get(job_url))
    assert "Klaar: 13 documenten en een bundel." in done
    assert 'http-equiv="refresh"' not in done
    bundle_link = re.search(r'href="(/documenten/bundels/(\d+)/bestand)"', done)
    bundle = client.get(bundle_link.group(1))
    assert_safe_download(bundle, f"bundel-volmachten-{bundle_link.group(2)}.pdf", "application/pdf")
    assert len(PdfReader(io.BytesIO(bundle.data)).outline) == 13 + 1
    listing = text(client.get(page_url))
    assert f"Volmachtenbundel: {demo.VOLMACHT_TITLE}" in listing
    assert count(app, Document) == 13 and count(app, Bundle) == 1
    assert run_queued(app) == 0


# The provider's exchange (S8, S11)

REFUSALS = [
    (encrypted_pdf, "Het PDF-bestand is beveiligd met een wachtwoord"),
    (
        lambda: b"<html><script>alert(1)</script></html>\n" + signed_pdf(),
        "Dit is geen PDF-bestand: het begint niet met de kenmerken van een PDF.",
    ),
    (lambda: b"", "Het bestand is leeg."),
]


def test_s8_s11_a_provider_gets_its_sent_agreement_returns_it_signed_and_the_municipality_signs(
    app, ids
):
    cr_page = f"/documenten/agreement/{ids['CR']}"
    set_agreement_status(app, ids["CR"], "draft")
    legal = signed_in(app, LEGAL)
    assert generate(legal, cr_page, "inkoopovereenkomst", "agreement", ids["CR"]).status_code == 302
    document = latest_document(app, "inkoopovereenkomst", ids["CR"])

    # While the municipalities still prepare it, the provider sees nothing of it.
    provider = signed_in(app, PROVIDER_CR)
    assert "LOG-TW-2025-CR" not in text(provider.get("/documenten/aanbieder"))
    hidden = text(provider.get(cr_page))
    assert "Er zijn nog geen documenten voor u." in hidden and document.title not in hidden
    assert provider.get(f"/documenten/{document.id}/bestand").status_code == 404

    # The legal officer sends it (status form) and has the agreement bundle made.
    detail = f"/overeenkomsten/{ids['CR']}"
    version = re.search(r'name="version" value="(\d+)"', legal.get(detail).get_data(as_text=True))
    sent = post(legal, detail, f"{detail}/status", {"status": "sent", "version": version.group(1)})
    assert sent.status_code == 302 and agreement_status(app, ids["CR"]) == "sent"
    started, _ = start_job(legal, cr_page, "bundle", "agreement", ids["CR"], bundle="overeenkomst")
    assert started.status_code == 302
    assert run_queued(app) == 1
    assert "Klaar: 13 documenten en een bundel." in text(legal.get(started.headers["Location"]))

    # The provider finds it, with its documents and the bundle, and downloads them.
    home = text(provider.get("/documenten/aanbieder"))
    assert "LOG-TW-2025-CR" in home and "verstuurd" in home
    assert f'href="{cr_page}"' in home
    page = text(provider.get(cr_page))
    assert document.title in page
    assert "Overeenkomstbundel: LOG-TW-2025-CR Carintreggeland" in page
    assert "Volmacht Enschede:" not in page  # the volmachten come only inside the bundle
    word = provider.get(f"/documenten/{document.id}/bestand?formaat=docx")
    assert_safe_download(word, "inkoopovereenkomst-Carintreggeland-v1.docx", DOCX_TYPE)
    pdf = provider.get(f"/documenten/{document.id}/bestand?formaat=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    with sessions(app)() as session:
        bundle = session.scalars(select(Bundle)).one()
        assert bundle.provider_id is not None
    assert f'href="/documenten/bundels/{bundle.id}/bestand"' in page
    bundle_pdf = provider.get(f"/documenten/bundels/{bundle.id}/bestand")
    assert bundle_pdf.status_code == 200
    assert len(PdfReader(io.BytesIO(bundle_pdf.data)).outline) == 1 + 13

    # Bad files are refused with a Dutch message and change nothing (S8).
    for make, message in REFUSALS:
        refused = upload_signed(provider, ids["CR"], make())
        assert refused.status_code == 422
        assert message in text(refused)
        assert agreement_status(app, ids["CR"]) == "sent"
        assert count(app, SignedCopy) == 0

    good = signed_pdf()
    accepted = upload_signed(provider, ids["CR"], good, name="../../getekend CR.pdf")
    assert accepted.status_code == 302 and accepted.headers["Location"] == cr_page
    assert agreement_status(app, ids["CR"]) == "signed_by_provider"
    with sessions(app)() as session:
        copy = session.scalars(select(SignedCopy)).one()
        assert (copy.agreement_id, copy.sha256, copy.pages) == (ids["CR"], sha(good), 2)
    page = text(provider.get(cr_page))
    assert "Dank u. Het getekende document is ontvangen; de gemeente tekent nu." in page
    assert f'href="/documenten/getekend/{copy.id}"' in page
    returned = provider.get(f"/documenten/getekend/{copy.id}")
    assert_safe_download(returned, f"getekend-{ids['CR']}-{copy.id}.pdf", "application/pdf")
    # What is handed out is the sanitised copy (S9): the same pages, the upload kept as it came.
    assert sha(returned.data) == copy.clean_sha256
    assert [p.extract_text() for p in PdfReader(io.BytesIO(returned.data)).pages] == [
        p.extract_text() for p in PdfReader(io.BytesIO(good)).pages
    ]
    assert app.extensions["besluitwerk.files"].read(copy.file_key) == good
    with sessions(app)() as session:  # S24: refusals and the accepted upload are audited
        uploads = [
            (e.result, (e.new_values or {}).get("reason"))
            for e in events_for(session, "agreement", ids["CR"])
            if e.action == "upload"
        ]
    assert uploads == [
        ("refused", "encrypted"),
        ("refused", "not_pdf"),
        ("refused", "empty"),
        ("success", None),
    ]

    # The municipality records its own signature, from "signed by the provider".
    officer_page = text(legal.get(cr_page))
    assert "De aanbieder heeft getekend." in officer_page
    assert f'href="/documenten/getekend/{copy.id}"' in officer_page
    version = re.search(r'name="version" value="(\d+)"', legal.get(detail).get_data(as_text=True))
    signed = post(
        legal, detail, f"{detail}/status", {"status": "signed", "version": version.group(1)}
    )
    assert signed.status_code == 302
    assert agreement_status(app, ids["CR"]) == "signed"
    # Now the agreement no longer waits for the provider.
    late = upload_signed(provider, ids["CR"], good)
    assert late.status_code == 422 and "wacht niet op uw handtekening" in text(late)
    assert count(app, SignedCopy) == 1


def _without_tokens(body):
    return re.sub(r'name="csrf_token" value="[^"]*"', "", body)


def test_s11_another_provider_gets_404_for_everything_of_carintreggeland(app, ids):
    set_agreement_status(app, ids["CR"], "sent")
    legal = signed_in(app, LEGAL)
    for agreement_id in (ids["CR"], ids["LI"]):
        page = f"/documenten/agreement/{agreement_id}"
        generate(legal, page, "inkoopovereenkomst", "agreement", agreement_id)
    cr_document = latest_document(app, "inkoopovereenkomst", ids["CR"])
    li_document = latest_document(app, "inkoopovereenkomst", ids["LI"])
    files = app.extensions["besluitwerk.files"]
    with sessions(app)() as session:
        officer = accounts.actor_for(find_user_by_email(session, LEGAL), "test")
        bundle = document_bundles.make_from_documents(
            session, files, officer, [cr_document.id], now=NOW
        )
        carintreggeland = accounts.actor_for(find_user_by_email(session, PROVIDER_CR), "test")
        copy = signed_copies.upload(
            session, files, carintreggeland, ids["CR"], signed_pdf(), original_name="x.pdf", now=NOW
        )
        session.commit()
        bundle_id, copy_id = bundle.id, copy.id

    other = signed_in(app, PROVIDER_LI)
    # Its own agreement works, so each 404 below is about Carintreggeland, not a broken page.
    own = text(other.get("/documenten/aanbieder"))
    assert "LOG-TW-2025-LI" in own and "LOG-TW-2025-CR" not in own
    own_page = text(other.get(f"/documenten/agreement/{ids['LI']}"))
    assert li_document.title in own_page and cr_document.title not in own_page
    assert other.get(f"/documenten/{li_document.id}/bestand").status_code == 200

    foreign = [
        f"/documenten/agreement/{ids['CR']}",
        f"/documenten/{cr_document.id}/bestand?formaat=docx",
        f"/documenten/{cr_document.id}/bestand?formaat=pdf",
        f"/documenten/bundels/{bundle_id}/bestand",
        f"/documenten/getekend/{copy_id}",
    ]
    for url in foreign:
        response = other.get(url)
        assert response.status_code == 404, url
        body = text(response)
        assert "LOG-TW-2025-CR" not in body and "Carintreggeland" not in body
    # A foreign id answers exactly like an id that does not exist.
    for url, unknown in (
        (foreign[0], "/documenten/agreement/999999"),
        (foreign[1], "/documenten/999999/bestand?formaat=docx"),
        (foreign[3], "/documenten/bundels/999999/bestand"),
        (foreign[4], "/documenten/getekend/999999"),
    ):
        assert _without_tokens(text(other.get(url))) == _without_tokens(text(other.get(unknown)))

    upload = post(
        other,
        "/documenten/aanbieder",
        f"/documenten/overeenkomsten/{ids['CR']}/getekend",
        {"file": (io.BytesIO(signed_pdf()), "getekend.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404
    assert count(app, SignedCopy) == 1
    assert agreement_status(app, ids["CR"]) == "signed_by_provider"


# Template management by the beheerder


def _upload_template(client, kind, content, name="sjabloon.docx"):
    return post(
        client,
        f"/sjablonen/{kind}",
        f"/sjablonen/{kind}",
        {"file": (io.BytesIO(content), name), "note": "Aanvullende bepaling"},
        content_type="multipart/form-data",
    )


def test_the_beheerder_uploads_checks_previews_and_activates_a_template_version(app, ids):
    admin = signed_in(app, ADMIN)
    overview = text(admin.get("/sjablonen/"))
    for label in (
        "Agendaformulier B&W",
        "Volmacht",
        "Inkoopovereenkomst",
        "Verlengingsbrief",
        "Raadsinformatiebrief",
    ):
        assert f">{label}</a>" in overview
    assert all(f">{label}</a>" in overview for label in KIND_LABELS.values())
    assert overview.count("versie 1 (meegeleverd)") == len(KIND_LABELS)

    uploaded = _upload_template(
        admin, "volmacht", builtin_with_paragraph("volmacht", EXTRA_PARAGRAPH)
    )
    assert uploaded.status_code == 302
    version_url = uploaded.headers["Location"]
    template_id = int(re.fullmatch(r"/sjablonen/versies/(\d+)", version_url).group(1))
    version_page = text(admin.get(version_url))
    assert "Volmacht: versie 2" in version_page
    assert "kandidaat: nog niet in gebruik" in version_page
    assert "Versie 2 is gecontroleerd en als kandidaat opgeslagen." in version_page
    assert "regeling" in version_page  # the fields it uses

    preview = admin.get(f"{version_url}/proefversie")
    assert_safe_download(preview, "proefversie-volmacht-v2.docx", DOCX_TYPE)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(preview.data)).paragraphs]
    assert any(
        re.fullmatch(r"Aanvullende bepaling voor [\w -]+: Pilot logeerzorg Twente\.", p)
        for p in paragraphs
    )

    activated = post(admin, version_url, f"{version_url}/activeren", {})
    assert activated.status_code == 302 and activated.headers["Location"] == "/sjablonen/volmacht"
    kind_page = text(admin.get("/sjablonen/volmacht"))
    assert "Versie 2 is nu het actieve sjabloon." in kind_page
    rows = re.findall(r"versie (\d)</a></td>\s*<td[^>]*>(\w+)</td>", kind_page)
    assert rows == [("2", "actief"), ("1", "vervangen")]
    with sessions(app)() as session:
        active = session.get(DocumentTemplate, template_id)
        assert (active.status, active.version) == ("active", 2)

    # What officers make from now on comes from version 2.
    legal = signed_in(app, LEGAL)
    page_url = f"/documenten/mandate/{ids['mandate']}"
    generate(legal, page_url, "volmacht", "mandate", ids["mandate"], ids["Enschede"])
    document = latest_document(app, "volmacht", ids["mandate"])
    assert document.template_version == 2
    word = legal.get(f"/documenten/{document.id}/bestand")
    assert "Aanvullende bepaling voor Enschede: Pilot logeerzorg Twente." in [
        p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs
    ]


def _docm(kind):
    """The built-in template declared as a macro-enabled document (.docm)."""
    builtin = document_templates.builtin_content(kind)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(builtin)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(DOCX_MAIN, DOCM_MAIN)
                assert DOCM_MAIN in data
            target.writestr(info.filename, data)
    return buffer.getvalue()


BAD_TEMPLATES = {
    "macro's": (
        lambda: _docm("volmacht"),
        "Het sjabloon bevat een document met macro's (.docm/.dotm)",
    ),
    "onbekend veld": (
        lambda: builtin_with_paragraph("volmacht", "Zie {{ onbekend_veld }}."),
        "Onbekend veld in het sjabloon: {{ onbekend_veld }}.",
    ),
    "geneste lussen": (
        lambda: builtin_with_paragraph(
            "volmacht",
            "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
        ),
        "Het sjabloon gebruikt een {% for %}-lus over range(), dat geen lijstveld is",
    ),
    "leeg": (lambda: b"", "Het bestand is leeg."),
}


@pytest.mark.parametrize("case", list(BAD_TEMPLATES))
def test_a_bad_template_is_refused_with_its_reasons_and_nothing_is_stored(app, case):
    make, reason = BAD_TEMPLATES[case]
    admin = signed_in(app, ADMIN)
    admin.get("/sjablonen/")  # stores the built-in versions
    before = count(app, DocumentTemplate)
    refused = _upload_template(admin, "volmacht", make(), name="sjabloon.docm")
    assert refused.status_code == 422
    body = text(refused)
    assert "De nieuwe versie is niet opgeslagen." in body
    assert reason in body
    assert count(app, DocumentTemplate) == before == len(KIND_LABELS)


HOSTILE_TEMPLATES = {
    # Jinja folds this constant while compiling: 400 MB in the worker that compiles it.
    "opmaken met %": ("{{ '%0400000000d' % 1 }}", "Het sjabloon gebruikt de bewerking '%'"),
    "tekst maal getal": ("{{ 'a'*10**8 }}", "Het sjabloon gebruikt de bewerking '*'"),
    "lussen over een tekst": (
        "{% for a in gemeente %}{% for b in gemeente %}{% for c in gemeente %}{% for d in "
        "gemeente %}{{ a }}{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
        "dat geen lijstveld is maar een tekst",
    ),
    "lus over range": (
        "{% for i in range(100000) %}x{% endfor %}",
        "{% for %}-lus over range(), dat geen lijstveld is",
    ),
    "te zwaar met de langste waarden": (
        "{% for a in bekrachtigde_handelingen %}{% for b in bekrachtigde_handelingen %}"
        "{% for c in bekrachtigde_handelingen %}.{% endfor %}{% endfor %}{% endfor %}",
        "Met de langste waarden die Besluitwerk toestaat",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_TEMPLATES))
def test_s2_a_hostile_template_gets_a_dutch_422_and_the_web_worker_never_compiles_it(
    app, ids, case, monkeypatch
):
    paragraph, reason = HOSTILE_TEMPLATES[case]
    admin = signed_in(app, ADMIN)
    admin.get("/sjablonen/")
    before = count(app, DocumentTemplate)

    def not_in_the_worker(*arguments, **keywords):
        raise AssertionError("the web worker read the code of an uploaded template")

    with monkeypatch.context() as patched:
        patched.setattr(SandboxedEnvironment, "compile", not_in_the_worker, raising=False)
        patched.setattr(SandboxedEnvironment, "parse", not_in_the_worker, raising=False)
        refused = _upload_template(admin, "volmacht", builtin_with_paragraph("volmacht", paragraph))
    assert refused.status_code == 422
    body = text(refused)
    assert "De nieuwe versie is niet opgeslagen." in body and reason in body
    assert count(app, DocumentTemplate) == before

    # The same worker goes on: the next page works and a volmacht is made.
    legal = signed_in(app, LEGAL)
    page_url = f"/documenten/mandate/{ids['mandate']}"
    made = generate(legal, page_url, "volmacht", "mandate", ids["mandate"], ids["Enschede"])
    assert made.status_code == 302
    assert latest_document(app, "volmacht", ids["mandate"]).template_version == 1


@pytest.mark.parametrize("email", [POLICY, LEGAL, PROJECT, AUDITOR, PROVIDER_CR])
def test_only_the_beheerder_manages_templates(app, email):
    client = signed_in(app, email)
    assert client.get("/sjablonen/").status_code == 403
    assert client.get("/sjablonen/volmacht").status_code == 403
    upload = post(
        client,
        "/",
        "/sjablonen/volmacht",
        {"file": (io.BytesIO(document_templates.builtin_content("volmacht")), "v.docx")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 403
    assert count(app, DocumentTemplate) == 0


def test_without_libreoffice_word_works_and_every_pdf_action_says_it_is_missing(
    app, ids, monkeypatch
):
    monkeypatch.setattr(conversion, "soffice", lambda: None)
    client = signed_in(app, LEGAL)
    page = f"/documenten/mandate/{ids['mandate']}"
    assert "LibreOffice is op deze server niet geïnstalleerd" in text(client.get(page))
    made = post(
        client,
        page,
        "/documenten/maken",
        {
            "kind": "volmacht",
            "subject_type": "mandate",
            "subject_id": ids["mandate"],
            "party_id": ids["Enschede"],
        },
    )
    assert made.status_code == 302
    document = latest_document(app, "volmacht", ids["mandate"])
    word = client.get(f"/documenten/{document.id}/bestand?formaat=docx")
    assert word.status_code == 200 and word.data[:2] == b"PK"
    pdf = client.get(f"/documenten/{document.id}/bestand?formaat=pdf")
    assert pdf.status_code == 503
    assert "LibreOffice (soffice) is op deze server niet geïnstalleerd" in text(pdf)
    job = post(
        client,
        page,
        "/documenten/opdrachten",
        {
            "action": "volmachten",
            "subject_type": "mandate",
            "subject_id": ids["mandate"],
            "request_key": "zonder-libreoffice",
        },
    )
    assert job.status_code == 503 and "LibreOffice" in text(job)


def test_s30_the_database_is_not_locked_while_an_uploaded_template_is_checked(
    app, backend, monkeypatch
):
    engine = app.extensions["besluitwerk.engine"]
    seen: list[tuple[str, bool]] = []
    check = template_uploads.template_checks.check_template

    def observed(*args, **kwargs):
        seen.extend(held_by_request(engine, backend))
        return check(*args, **kwargs)

    monkeypatch.setattr(template_uploads.template_checks, "check_template", observed)
    admin = signed_in(app, ADMIN)
    content = builtin_with_paragraph("volmacht", EXTRA_PARAGRAPH)
    assert _upload_template(admin, "volmacht", content).status_code == 302
    assert seen == free(backend)
    assert count(app, DocumentTemplate, kind="volmacht", status="candidate") == 1
