"""Generating documents from the Twente demo (docs/architecture.md §6): every kind filled and read
back with
python-docx, immutable versions with their hashes, template versions, values that come out
exactly as typed (S6), bundles with index page and bookmarks and nothing active in them (S9),
and the background jobs that make them in bulk (S29)."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import docx
import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy import func, select

from storage.accounts import find_user_by_email
from storage.documents import Bundle, Document, DocumentJob
from tests.conftest import LEGAL, POLICY, session_factory
from tests.support import word_documents
from tests.support.pdf_objects import reachable
from tests.support.record_changes import update_fields
from tests.support.word_documents import builtin_with_paragraph
from workflows.accounts import accounts
from workflows.actors import system_actor
from workflows.decisions import decisions
from workflows.demo import demo
from workflows.documents import (
    document_bundles,
    document_jobs,
    document_templates,
    documents,
    template_uploads,
)
from workflows.documents.engine import conversion, docx_render
from workflows.documents.engine.docx_render import Picture
from workflows.errors import InvalidInput
from workflows.registers import agreements, mandates
from workflows.rules.document_fields import CATALOGUES, KIND_PARTIES, KIND_SUBJECTS
from workflows.rules.dutch_format import long_date

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)  # Monday 2 June 2025
LATER = NOW + timedelta(hours=3)
EXACT = "Zorg & Co <B.V.> “gekrulde” {{ 7*7 }}"
EXTRA_PARAGRAPH = "Aanvullende bepaling voor {{ gemeente }}: {{ regeling }}."
ACTIVE_KEYS = {"/JavaScript", "/JS", "/OpenAction", "/AA", "/EmbeddedFiles", "/Launch"}


@pytest.fixture
def make_volmacht(session, files, actor, ids):
    """Makes (or finds) the volmacht of a granting municipality, Enschede unless named."""

    def make(municipality="Enschede"):
        return documents.generate(
            session,
            files,
            actor,
            "volmacht",
            "mandate",
            ids["mandate"],
            party_id=ids[municipality],
            now=NOW,
        )

    return make


# Reading a generated document back


def _rendered_parts(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if re.match(r"^(word/(document|header\d*|footer\d*)|docProps/core)\.xml$", name)
        )


def _scalars(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [item for part in value.values() for item in _scalars(part)]
    if isinstance(value, list):
        return [item for part in value for item in _scalars(part)]
    return [value]


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _count(session, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query)


def _new_active_volmacht_template(session, files, actor) -> int:
    result = template_uploads.upload(
        session,
        files,
        actor,
        "volmacht",
        builtin_with_paragraph("volmacht", EXTRA_PARAGRAPH),
        original_name="volmacht-nieuw.docx",
        note="Aanvullende bepaling",
        now=NOW,
    )
    assert result.template.status == "candidate"
    document_templates.activate(session, actor, result.template.id, now=NOW)
    return result.template.version


# Every kind, filled from the demo data

# The demo subject each kind is made from: Enschede's dossier, the volmacht, Carintreggeland's
# agreement, the arrangement; Enschede where a kind is made per municipality.
SUBJECTS = {
    "decision": "Enschede dossier",
    "mandate": "mandate",
    "agreement": "agreement",
    "arrangement": "arrangement",
}


@pytest.mark.parametrize("kind", list(KIND_SUBJECTS))
def test_every_kind_holds_every_value_of_its_context_and_no_template_code(
    session, files, actor, ids, kind
):
    subject_type = KIND_SUBJECTS[kind]
    subject = SUBJECTS[subject_type]
    party_id = ids["Enschede"] if kind in KIND_PARTIES else None
    if kind == "verlengingsbrief":
        agreement = agreements.get_visible(session, actor, ids["agreement"])
        agreements.use_extension_option(
            session, actor, agreement.id, expected_version=agreement.version
        )
    filled = documents.fill(session, actor, kind, subject_type, ids[subject], party_id, now=NOW)
    document = documents.generate(
        session, files, actor, kind, subject_type, ids[subject], party_id=party_id, now=NOW
    )
    content = files.read(document.file_key)
    texts = word_documents.texts(content)
    whole = "\n".join(texts)

    assert set(filled.context) == set(CATALOGUES[kind]), "exactly the fields of the kind"
    scalars = _scalars(filled.context)
    values = [v for v in scalars if v and not isinstance(v, Picture)]
    assert len(values) >= 10
    missing = [value for value in values if value not in whole]
    assert missing == []
    # A chart stands in the body as an image, its alternative text stating every value.
    pictures = [v for v in scalars if isinstance(v, Picture)]
    read_back = docx.Document(io.BytesIO(content))
    assert len(read_back.inline_shapes) == len(pictures)
    for shape, picture in zip(read_back.inline_shapes, pictures, strict=True):
        assert shape._inline.docPr.get("descr") == picture.description
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        assert read_back.part.related_parts[blip.embed].blob == picture.png
    for marker in ("{{", "}}", "{%", "%}"):
        assert marker not in whole
        assert marker not in _rendered_parts(content)
    assert texts[-1], "the document title (core properties) is filled"
    assert "2 juni 2025" in whole  # made on, as a Dutch date


def test_a_volmacht_names_the_acts_in_dutch_not_as_codes(files, make_volmacht):
    document = make_volmacht()
    whole = "\n".join(word_documents.texts(files.read(document.file_key)))
    for act in ("overeenkomst sluiten", "overeenkomst wijzigen", "overeenkomst verlengen"):
        assert act in whole
    assert "conclude_agreement" not in whole and "_agreement" not in whole


def test_a_verlengingsbrief_without_a_used_extension_option_is_refused_in_dutch(
    session, files, actor, ids
):
    with pytest.raises(InvalidInput) as refused:
        documents.generate(
            session, files, actor, "verlengingsbrief", "agreement", ids["agreement"], now=NOW
        )
    assert "nog geen verlengingsoptie" in refused.value.errors["kind"]
    assert "verlengingsbrief" in refused.value.errors["kind"]
    assert _count(session, Document) == 0


def test_a_kind_from_the_wrong_subject_or_without_its_municipality_is_refused_in_dutch(
    session, files, actor, ids
):
    with pytest.raises(InvalidInput) as wrong_subject:
        documents.generate(
            session, files, actor, "volmacht", "agreement", ids["agreement"], now=NOW
        )
    assert "vanuit een mandaat, niet vanuit een overeenkomst" in wrong_subject.value.message
    with pytest.raises(InvalidInput) as no_party:
        documents.generate(session, files, actor, "volmacht", "mandate", ids["mandate"], now=NOW)
    assert no_party.value.errors["party_id"] == (
        "Kies de gemeente waarvoor het document gemaakt wordt."
    )
    assert _count(session, Document) == 0


# Versions


def test_unchanged_data_gives_the_same_document_and_changed_data_the_next_version(
    session, files, actor, ids, make_volmacht
):
    """Borne's volmacht before and after Borne's college decided: the decision's date and
    reference change the document (the granted text itself never changes in place)."""
    first = make_volmacht("Borne")
    again = make_volmacht("Borne")
    assert (again.id, again.version) == (first.id, 1)
    assert _count(session, Document) == 1
    first_bytes = files.read(first.file_key)
    filled = documents.fill(
        session, actor, "volmacht", "mandate", ids["mandate"], ids["Borne"], now=NOW
    )
    assert first.template_version == 1
    assert first.input_sha256 == documents.input_hash(filled.context)
    assert first.output_sha256 == _sha(first_bytes) and first.size == len(first_bytes)

    mandate = mandates.get_visible(session, actor, ids["mandate"])
    borne = next(g for g in mandate.grants if g.grantor_id == ids["Borne"])
    mandates.record_grant(
        session,
        actor,
        mandate.id,
        ids["Borne"],
        {"status": "granted", "granted_on": "2025-09-02", "decision_reference": "BOR-2025-117"},
        expected_version=borne.version,
    )
    second = make_volmacht("Borne")
    assert second.version == 2 and second.id != first.id
    assert second.template_version == 1
    assert second.input_sha256 != first.input_sha256
    second_bytes = files.read(second.file_key)
    assert second.output_sha256 == _sha(second_bytes) != first.output_sha256

    # Version 1 is kept, unchanged, with its own hash.
    assert files.read(first.file_key) == first_bytes
    assert _sha(files.read(first.file_key)) == first.output_sha256
    assert not any("BOR-2025-117" in text for text in word_documents.texts(first_bytes))
    assert any("BOR-2025-117" in text for text in word_documents.texts(second_bytes))
    listed = documents.listed(session, actor, "mandate", ids["mandate"])
    assert [(d.id, d.version) for d in listed] == [(second.id, 2), (first.id, 1)]

    # Another municipality's volmacht is a document of its own.
    other = make_volmacht("Hof van Twente")
    assert other.version == 1 and other.party_id == ids["Hof van Twente"]


def test_a_new_active_template_version_makes_the_next_document_version(
    session, files, actor, make_volmacht
):
    first = make_volmacht()
    assert first.template_version == 1
    candidate = template_uploads.upload(
        session,
        files,
        actor,
        "volmacht",
        builtin_with_paragraph("volmacht", EXTRA_PARAGRAPH),
        original_name="volmacht-nieuw.docx",
        note="Aanvullende bepaling",
        now=NOW,
    )
    assert (candidate.template.version, candidate.template.status) == (2, "candidate")
    assert "regeling" in candidate.fields_used
    assert make_volmacht().id == first.id, "a candidate version is not used yet"

    document_templates.activate(session, actor, candidate.template.id, now=NOW)
    second = make_volmacht()
    assert (second.version, second.template_version) == (2, 2)
    assert second.template_id == candidate.template.id
    added = "Aanvullende bepaling voor Enschede: Pilot logeerzorg Twente."
    assert added in word_documents.texts(files.read(second.file_key))
    first_bytes = files.read(first.file_key)
    assert added not in word_documents.texts(first_bytes)
    assert _sha(first_bytes) == first.output_sha256


def test_a_template_replaced_during_a_render_does_not_affect_that_render(
    session, files, actor, ids, make_volmacht, monkeypatch
):
    real_prepare = docx_render.prepare
    replaced = []

    def prepare_after_a_replacement(content):
        # Someone activates a new version after this render read the active one.
        # (The upload's own checks prepare the new template: replace only once.)
        if not replaced:
            replaced.append(0)
            replaced[0] = _new_active_volmacht_template(session, files, actor)
        return real_prepare(content)

    monkeypatch.setattr(docx_render, "prepare", prepare_after_a_replacement)
    document = make_volmacht()
    monkeypatch.setattr(docx_render, "prepare", real_prepare)
    assert replaced == [2]
    assert document.template_version == 1
    old_bytes = files.read(document.file_key)
    added = "Aanvullende bepaling voor Enschede: Pilot logeerzorg Twente."
    assert added not in word_documents.texts(old_bytes)

    # The compiled template is keyed by the content's sha256: the old version, prepared
    # before the replacement, still renders the old layout.
    builtin = document_templates.builtin_content("volmacht")
    prepared = docx_render.prepare(builtin)
    assert prepared.sha256 == _sha(builtin)
    assert docx_render.prepare(builtin) is prepared
    filled = documents.fill(
        session, actor, "volmacht", "mandate", ids["mandate"], ids["Enschede"], now=NOW
    )
    assert added not in word_documents.texts(docx_render.render(prepared, filled.context))

    following = make_volmacht()
    assert (following.version, following.template_version) == (2, 2)
    assert added in word_documents.texts(files.read(following.file_key))
    assert files.read(document.file_key) == old_bytes
    assert _sha(old_bytes) == document.output_sha256


# S6: values come out exactly as typed


def test_s6_markup_quotes_and_template_code_in_a_mandate_come_out_exactly_in_the_volmacht(
    session, files, actor, ids
):
    # A new version of the volmacht: a draft, whose text may still change.
    mandate = mandates.new_version(session, actor, ids["mandate"])
    update_fields(
        mandates.update,
        session,
        actor,
        mandate,
        {"title": EXACT, "description": f"Eerste regel: {EXACT}\nTweede regel {{% if 1 %}}"},
    )
    document = documents.generate(
        session, files, actor, "volmacht", "mandate", mandate.id, party_id=ids["Enschede"], now=NOW
    )
    texts = word_documents.texts(files.read(document.file_key))
    assert EXACT in texts  # the title paragraph, character for character
    assert f"Eerste regel: {EXACT}\nTweede regel {{% if 1 %}}" in texts
    assert not any("49" in text for text in texts)


def test_s6_markup_quotes_and_template_code_in_a_dossier_come_out_exactly_in_the_agenda_form(
    session, files, actor, ids
):
    dossier = decisions.get_visible(session, actor, ids["Borne dossier"])
    introduction = "Aanleiding: <w:t> & “aanhalingstekens”\n{{ 7*7 }} blijft staan."
    decisions.update(
        session,
        actor,
        dossier.id,
        {"subject": EXACT, "introduction": introduction},
        expected_version=dossier.version,
    )
    document = documents.generate(
        session, files, actor, "agendaformulier", "decision", dossier.id, now=NOW
    )
    content = files.read(document.file_key)
    texts = word_documents.texts(content)
    assert EXACT in texts  # the Onderwerp cell
    assert introduction in texts
    assert not any("49" in text for text in texts)
    assert "Zorg &amp; Co &lt;B.V.&gt;" in _rendered_parts(content)


# Bundles (S9)


def _active_keys(pdf: bytes) -> set[str]:
    """Every dictionary key reachable from the trailer that could make the PDF act."""
    found: set[str] = set()
    for node in reachable(pdf):
        if isinstance(node, DictionaryObject):
            found |= ACTIVE_KEYS & set(node.keys())
            if node.get("/S") in ("/JavaScript", "/Launch"):
                found.add(str(node["/S"]))
    return found


def _check_bundle(files, bundle, parts: list[tuple[Document, str]]) -> str:
    """Page count, bookmarks, index rows and inertness of a bundle; returns the index text."""
    pdf = files.read(bundle.file_key)
    assert pdf.startswith(b"%PDF-")
    assert bundle.sha256 == _sha(pdf)
    assert bundle.document_ids == [document.id for document, _ in parts]
    reader = PdfReader(io.BytesIO(pdf))
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert outline[0] == ("Inhoud", 0)
    index_pages = outline[1][1]
    assert index_pages >= 1
    start = index_pages
    expected = [("Inhoud", 0)]
    for document, _ in parts:
        assert document.pdf_pages == len(PdfReader(io.BytesIO(files.read(document.pdf_key))).pages)
        expected.append((document.title, start))
        start += document.pdf_pages
    assert outline == expected
    assert len(reader.pages) == index_pages + sum(d.pdf_pages for d, _ in parts) == bundle.pages

    index = " ".join(
        " ".join(reader.pages[number].extract_text().split()) for number in range(index_pages)
    )
    for number, ((document, note), (_, page)) in enumerate(
        zip(parts, expected[1:], strict=True), start=1
    ):
        row = " ".join(f"{number} {document.title} {note} {page + 1}".split())
        assert row in index
    assert _active_keys(pdf) == set()
    for name in (b"/JavaScript", b"/OpenAction", b"/EmbeddedFiles"):
        assert name not in pdf
    return index


def test_s9_named_bundles_have_an_index_a_bookmark_per_document_and_nothing_active(
    session, files, actor, ids, monkeypatch
):
    conversions = []
    real_to_pdf = conversion.to_pdf

    def counted(batch, **options):
        conversions.append(len(batch))
        return real_to_pdf(batch, **options)

    monkeypatch.setattr(conversion, "to_pdf", counted)

    # volmachten: every granting municipality, with its signing status on the index page
    volmachten = document_bundles.make_named(
        session, files, actor, "volmachten", ids["mandate"], now=NOW
    )
    assert conversions == [13], "all volmachten converted in one soffice call"
    mandate = mandates.get_visible(session, actor, ids["mandate"])
    grants = sorted(mandate.grants, key=lambda g: g.grantor.name)
    made = {
        document.party_id: document
        for document in (session.get(Document, i) for i in volmachten.document_ids)
    }

    def signing_status(grant):
        granted_on = demo.GRANT_DATES[grant.grantor.name]
        if granted_on is None:
            return "nog niet verleend"
        return f"verleend en van kracht op {long_date(granted_on)}"

    index = _check_bundle(
        files, volmachten, [(made[g.grantor_id], signing_status(g)) for g in grants]
    )
    assert len(grants) == 13
    assert (
        "4 Volmacht Enschede: Volmacht inkoopovereenkomsten pilot logeerzorg Twente "
        "verleend en van kracht op 27 mei 2025 " in index
    )
    assert (
        "2 Volmacht Borne: Volmacht inkoopovereenkomsten pilot logeerzorg Twente "
        "nog niet verleend " in index
    )

    # The agreement and the agenda form are converted together; the volmachten are reused.
    agreement_document = documents.generate(
        session, files, actor, "inkoopovereenkomst", "agreement", ids["agreement"], now=NOW
    )
    agenda_form = documents.generate(
        session, files, actor, "agendaformulier", "decision", ids["Enschede dossier"], now=NOW
    )
    documents.ensure_pdfs(session, files, [agreement_document, agenda_form])
    assert conversions == [13, 2]

    # overeenkomst: the agreement and the volmachten it rests on (only those granted, BW 3:71)
    overeenkomst = document_bundles.make_named(
        session, files, actor, "overeenkomst", ids["agreement"], now=NOW
    )
    granted = [g for g in grants if g.status in ("granted", "active")]
    assert len(granted) == 12
    _check_bundle(
        files,
        overeenkomst,
        [(agreement_document, "")] + [(made[g.grantor_id], "bijlage (BW 3:71)") for g in granted],
    )
    assert overeenkomst.provider_id == agreement_document.provider_id is not None

    # bw: the agenda form and, as annex, the volmacht the decision grants
    bw = document_bundles.make_named(session, files, actor, "bw", ids["Enschede dossier"], now=NOW)
    _check_bundle(files, bw, [(agenda_form, ""), (made[ids["Enschede"]], "bijlage")])
    assert conversions == [13, 2], "the bundles made no conversions of their own"
    assert _count(session, Bundle) == 3


def test_an_unknown_bundle_name_is_refused_in_dutch(session, files, actor, ids):
    with pytest.raises(InvalidInput) as refused:
        document_bundles.make_named(session, files, actor, "alles", ids["mandate"], now=NOW)
    assert refused.value.errors["name"] == "Bundel: kies bw, overeenkomst of volmachten."


# Background jobs (S29)


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


def _user_actor(session, email):
    return accounts.actor_for(find_user_by_email(session, email), "test")


def test_s29_a_volmachten_job_makes_every_volmacht_with_a_pdf_and_a_bundle_once(
    sessions, files, ids
):
    with sessions() as session:
        legal = _user_actor(session, LEGAL)
        job = document_jobs.request(
            session, legal, "volmachten", ids["mandate"], request_key="formulier-1", now=NOW
        )
        again = document_jobs.request(
            session, legal, "volmachten", ids["mandate"], request_key="formulier-1", now=NOW
        )
        assert again.id == job.id
        with pytest.raises(InvalidInput) as taken:
            document_jobs.request(
                session,
                _user_actor(session, POLICY),
                "volmachten",
                ids["mandate"],
                request_key="formulier-1",
                now=NOW,
            )
        assert taken.value.errors["request_key"] == "Deze sleutel is al gebruikt."
        session.commit()
        job_id = job.id
        assert (job.status, job.done_count) == ("queued", 0)
        assert _count(session, DocumentJob) == 1

    assert document_jobs.run_pending(sessions, files, now=lambda: NOW) == 1

    with sessions() as session:
        job = session.get(DocumentJob, job_id)
        assert (job.status, job.error) == ("done", "")
        assert job.done_count == job.total == 13 + 2
        assert job.finished_at == NOW
        made = [session.get(Document, i) for i in job.result["document_ids"]]
        assert len(made) == 13
        assert {d.party_id for d in made} == {
            g.grantor_id
            for g in mandates.get_visible(session, system_actor("t"), ids["mandate"]).grants
        }
        for document in made:
            assert document.kind == "volmacht" and document.made_by_label.endswith(f"<{LEGAL}>")
            pdf = files.read(document.pdf_key)
            assert pdf.startswith(b"%PDF-") and _sha(pdf) == document.pdf_sha256
            assert document.pdf_pages >= 1
        bundle = session.get(Bundle, job.result["bundle_id"])
        assert bundle.name == "volmachten"
        assert sorted(bundle.document_ids) == sorted(job.result["document_ids"])
        assert bundle.pages > sum(d.pdf_pages for d in made)
        counts = (_count(session, Document), _count(session, Bundle))
        assert counts == (13, 1)

    # A job that is done is never run again.
    assert document_jobs.run(sessions, files, job_id, now=lambda: LATER) is False
    assert document_jobs.run_pending(sessions, files, now=lambda: LATER) == 0
    with sessions() as session:
        assert (_count(session, Document), _count(session, Bundle)) == counts
        job = session.get(DocumentJob, job_id)
        assert (job.status, job.finished_at) == ("done", NOW)


def test_a_job_of_a_user_who_was_blocked_since_fails_with_a_dutch_message(sessions, files, ids):
    with sessions() as session:
        legal = _user_actor(session, LEGAL)
        job_id = document_jobs.request(
            session, legal, "volmachten", ids["mandate"], request_key="formulier-2", now=NOW
        ).id
        session.commit()
    with sessions() as session:
        accounts.set_active(session, system_actor("test"), legal.user_id, active=False, now=NOW)
        session.commit()

    assert document_jobs.run_pending(sessions, files, now=lambda: LATER) == 1

    with sessions() as session:
        job = session.get(DocumentJob, job_id)
        assert job.status == "failed"
        assert job.error == "De aanvrager van deze opdracht bestaat niet meer of is geblokkeerd."
        assert job.finished_at == LATER
        assert (_count(session, Document), _count(session, Bundle)) == (0, 0)
    assert document_jobs.run_pending(sessions, files, now=lambda: LATER) == 0


def test_editing_then_generating_beside_generating_alone_never_deadlocks(engine, files, ids):
    """One transaction edits the volmacht's text and then makes a volmacht (the audit lock,
    then the generation); another makes a volmacht alone (the generation, then its audit
    event). With two locks taken in both orders PostgreSQL aborts one of them as a deadlock."""
    sessions = session_factory(engine)
    start = threading.Barrier(2)
    failures: list[BaseException] = []
    actor = system_actor("test")
    with sessions() as session:
        # A draft version of the volmacht: its text may change (the granted one's may not).
        draft_id = mandates.new_version(session, actor, ids["mandate"]).id
        session.commit()

    def edit_then_generate() -> None:
        start.wait()
        for turn in range(12):
            with sessions() as session:
                mandate = mandates.get_visible(session, actor, draft_id)
                update_fields(
                    mandates.update,
                    session,
                    actor,
                    mandate,
                    {"description": f"{mandate.description}\nronde {turn}"},
                )
                documents.generate(
                    session,
                    files,
                    actor,
                    "volmacht",
                    "mandate",
                    mandate.id,
                    party_id=ids["Enschede"],
                    now=NOW,
                )
                session.commit()

    def generate_alone() -> None:
        start.wait()
        for _ in range(12):
            with sessions() as session:
                documents.generate(
                    session,
                    files,
                    actor,
                    "volmacht",
                    "mandate",
                    draft_id,
                    party_id=ids["Borne"],
                    now=NOW,
                )
                session.commit()

    def guarded(work):
        def run() -> None:
            try:
                work()
            except BaseException as error:  # reported by the assertion below
                failures.append(error)

        return run

    threads = [threading.Thread(target=guarded(w)) for w in (edit_then_generate, generate_alone)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with sessions() as session:
        versions = session.scalars(
            select(Document.version).where(Document.party_id == ids["Enschede"])
        ).all()
    assert sorted(versions) == list(range(1, 13))


def test_identical_bundle_not_made_twice(session, files, actor, ids, monkeypatch):
    merges = []
    real_merge = document_bundles.bundles.merge

    def counted(parts, **options):
        merges.append(len(parts))
        return real_merge(parts, **options)

    monkeypatch.setattr(document_bundles.bundles, "merge", counted)
    first = document_bundles.make_named(
        session, files, actor, "overeenkomst", ids["agreement"], now=NOW
    )
    again = document_bundles.make_named(
        session, files, actor, "overeenkomst", ids["agreement"], now=LATER
    )
    assert again.id == first.id and len(merges) == 1
    assert _count(session, Bundle, subject_type="agreement") == 1

    volmachten = first.document_ids[1:]  # documents of one subject: the mandate
    chosen = document_bundles.make_from_documents(session, files, actor, volmachten, now=NOW)
    chosen_again = document_bundles.make_from_documents(
        session, files, actor, volmachten, now=LATER
    )
    assert chosen_again.id == chosen.id != first.id  # a chosen bundle is not the named one
    assert len(merges) == 2


def test_identical_bundle_not_made_twice_but_a_new_version_makes_a_new_bundle(
    session, files, actor, ids
):
    first = document_bundles.make_named(
        session, files, actor, "overeenkomst", ids["agreement"], now=NOW
    )
    agreement = agreements.get_visible(session, actor, ids["agreement"])
    agreement.indexation = "Het tarief volgt het NZa-tarief, jaarlijks per 1 januari."
    session.flush()
    second = document_bundles.make_named(
        session, files, actor, "overeenkomst", ids["agreement"], now=LATER
    )
    assert second.id != first.id
    assert second.document_ids[0] != first.document_ids[0]
    assert second.document_ids[1:] == first.document_ids[1:]
