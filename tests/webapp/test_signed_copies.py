"""S9: the signed agreement a provider returns reaches the officers without anything that acts
when the file is opened (scripts, automatic or launch actions, embedded files), while the upload
itself is kept unchanged as evidence of what the provider signed. The web clock is Monday
2 June 2025."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.pdfgen import canvas
from sqlalchemy import select

from storage.agreements import Agreement
from storage.audit import AuditEvent
from storage.documents import SignedCopy
from tests.conftest import LEGAL, PROVIDER_CR, csrf_token, login
from tests.support import demo_records
from tests.support.demo_day import NOW
from tests.support.pdf_objects import action, reachable
from tests.support.write_lock import free, held_by_request
from webapp.database import sessions
from workflows.documents import signed_copies

pytestmark = pytest.mark.usefixtures("on_demo_day")
# What makes a PDF act or carry other files (PDF 32000-1 §12.6, §7.11, §12.7.8; RichMedia and
# associated files of PDF 2.0).
ACTIVE_KEYS = {
    "/JavaScript",
    "/JS",
    "/AA",
    "/OpenAction",
    "/EmbeddedFiles",
    "/EF",
    "/AF",
    "/XFA",
    "/RichMediaContent",
}
ACTIVE_NAMES = {"/JavaScript", "/Launch", "/FileAttachment", "/RichMedia", "/SubmitForm"}
TRACES = (b"app.alert", b"calc.exe", b"factuur.exe", b"MZ\x90\x00")


@pytest.fixture
def agreement_id(app):
    with sessions(app)() as session:
        return demo_records.agreement_put_at(session, "CR", "sent")


def hostile_signed_pdf() -> bytes:
    """A signed agreement of two pages carrying a page /AA script, an /OpenAction that launches
    a program, an embedded executable, a document-level script, a link that launches, a rich
    media annotation and an XFA form."""
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer)
    for number in (1, 2):
        drawing.drawString(72, 720, f"Inkoopovereenkomst LOG-TW-2025-CR, pagina {number}")
        drawing.drawString(72, 700, "Getekend voor Carintreggeland")
        drawing.showPage()
    drawing.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    launch = action("/Launch", F=TextStringObject("C:\\Windows\\System32\\calc.exe"))
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(launch)
    writer.add_attachment("factuur.exe", b"MZ\x90\x00" + bytes(60))
    script = action("/JavaScript", JS=TextStringObject("app.alert('document')"))
    writer.root_object[NameObject("/Names")][NameObject("/JavaScript")] = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("start"), writer._add_object(script)])}
    )
    first = writer.pages[0]
    first[NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): action("/JavaScript", JS=TextStringObject("app.alert('page')"))}
    )
    rectangle = ArrayObject([NumberObject(n) for n in (72, 600, 300, 620)])
    annotations = [
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): rectangle,
                NameObject("/A"): launch,
            }
        ),
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/RichMedia"),
                NameObject("/Rect"): rectangle,
                NameObject("/RichMediaContent"): DictionaryObject(),
            }
        ),
    ]
    first[NameObject("/Annots")] = ArrayObject(writer._add_object(a) for a in annotations)
    writer.root_object[NameObject("/AcroForm")] = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Fields"): ArrayObject(),
                NameObject("/XFA"): TextStringObject("<xdp:xdp><script>app.alert(1)</script>"),
            }
        )
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def active_things(pdf: bytes) -> set[str]:
    """Every key and name value reachable from the trailer that makes a PDF act."""
    found: set[str] = set()
    for node in reachable(pdf):
        if isinstance(node, DictionaryObject):
            found |= ACTIVE_KEYS & {str(key) for key in node}
        elif isinstance(node, NameObject) and str(node) in ACTIVE_NAMES:
            found.add(str(node))
    return found


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def upload(client, agreement_id, content):
    page = f"/documenten/agreement/{agreement_id}"
    return client.post(
        f"/documenten/overeenkomsten/{agreement_id}/getekend",
        data={
            "csrf_token": csrf_token(client, page),
            "file": (io.BytesIO(content), "getekend.pdf"),
        },
        content_type="multipart/form-data",
    )


def test_s9_the_test_file_really_carries_each_active_thing():
    assert active_things(hostile_signed_pdf()) >= {
        "/AA",
        "/OpenAction",
        "/Launch",
        "/EmbeddedFiles",
        "/JavaScript",
        "/JS",
        "/RichMedia",
        "/XFA",
    }


def test_s9_an_officer_downloads_a_providers_signed_pdf_without_scripts_actions_or_files(
    app, agreement_id
):
    hostile = hostile_signed_pdf()
    provider = app.test_client()
    login(provider, PROVIDER_CR)
    assert upload(provider, agreement_id, hostile).status_code == 302
    with sessions(app)() as session:
        copy = session.scalars(select(SignedCopy)).one()
        assert session.get(Agreement, agreement_id).status == "signed_by_provider"
    files = app.extensions["besluitwerk.files"]
    # The upload is kept as it came: the evidence of what the provider signed.
    assert files.read(copy.file_key) == hostile
    assert copy.sha256 == hashlib.sha256(hostile).hexdigest()

    officer = app.test_client()
    login(officer, LEGAL)
    for client in (officer, provider):
        download = client.get(f"/documenten/getekend/{copy.id}")
        assert download.status_code == 200
        assert download.headers["Content-Type"] == "application/pdf"
        assert active_things(download.data) == set()
        for trace in TRACES:
            assert trace not in download.data
        assert page_texts(download.data) == page_texts(hostile)
        assert hashlib.sha256(download.data).hexdigest() == copy.clean_sha256


def test_s9_a_copy_uploaded_before_sanitising_is_sanitised_on_its_first_download(app, agreement_id):
    hostile = hostile_signed_pdf()
    files = app.extensions["besluitwerk.files"]
    stored = files.put(hostile)
    with sessions(app)() as session:
        agreement = session.get(Agreement, agreement_id)
        copy = SignedCopy(
            agreement_id=agreement.id,
            provider_id=agreement.provider_id,
            file_key=stored.key,
            sha256=stored.sha256,
            size=stored.size,
            pages=2,
            original_name="getekend.pdf",
            uploaded_by_label="Aanbieder Carintreggeland",
            uploaded_at=NOW,
        )
        session.add(copy)
        session.commit()
        copy_id = copy.id

    officer = app.test_client()
    login(officer, LEGAL)
    first = officer.get(f"/documenten/getekend/{copy_id}")
    assert first.status_code == 200
    assert active_things(first.data) == set()
    assert page_texts(first.data) == page_texts(hostile)
    with sessions(app)() as session:
        kept = session.get(SignedCopy, copy_id)
        assert kept.clean_sha256 == hashlib.sha256(first.data).hexdigest()
        assert files.read(kept.file_key) == hostile
    assert officer.get(f"/documenten/getekend/{copy_id}").data == first.data


def test_s30_the_database_is_not_locked_while_a_signed_copy_is_checked(
    app, agreement_id, monkeypatch, backend
):
    engine = app.extensions["besluitwerk.engine"]
    seen: list[tuple[str, bool]] = []
    check = signed_copies.check

    def observed(content: bytes):
        # While the child process probes the file.
        seen.extend(held_by_request(engine, backend))
        return check(content)

    monkeypatch.setattr(signed_copies, "check", observed)
    provider = app.test_client()
    login(provider, PROVIDER_CR)
    assert upload(provider, agreement_id, hostile_signed_pdf()).status_code == 302
    assert seen == free(backend)
    with sessions(app)() as session:
        assert session.get(Agreement, agreement_id).status == "signed_by_provider"
        assert len(session.scalars(select(SignedCopy)).all()) == 1


def test_s9_a_refused_upload_is_audited_and_keeps_nothing(app, agreement_id):
    provider = app.test_client()
    login(provider, PROVIDER_CR)
    refused = upload(provider, agreement_id, b"%PDF-1.7\nniet echt een pdf")
    assert refused.status_code == 422
    with sessions(app)() as session:
        assert session.scalars(select(SignedCopy)).all() == []
        assert session.get(Agreement, agreement_id).status == "sent"
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "agreement", AuditEvent.result == "refused"
            )
        ).all()
        assert [event.object_id for event in events] == [str(agreement_id)]
