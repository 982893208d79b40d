"""Issue 16, point 6: the built-in agendaformulier reads as the paper form of the college
(seed 000: "Gewenst effect van het besluit in relatie tot de strategische opgaven",
"Communicatie met direct betrokkenen", "Bijlage(n)", ...) and its PDF ends with its content,
never with a blank page."""

from __future__ import annotations

import io
import re
import shutil
from datetime import UTC, datetime

import docx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from storage.decisions import Decision
from storage.files import LocalFileStore
from workflows.actors import system_actor
from workflows.documents import document_templates, documents
from workflows.documents.engine import conversion, docx_render

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
# The headings of the paper form, in its order (the section texts between them are the
# dossier's).
PAPER_HEADINGS = [
    "Conceptbesluit",
    "Publieksvriendelijke samenvatting",
    "Inleiding en voorgeschiedenis",
    "Gewenst effect van het besluit in relatie tot de strategische opgaven",
    "Argumenten",
    "Risico’s",
    "Kosten en financiële dekking van het voorstel",
    "Afweging en alternatieven",
    "Participatie",
    "Communicatie met direct betrokkenen",
    "Persbericht, ja of nee",
    "Vervolg",
    "Bijlage(n)",
]


def _agenda_form(session, tmp_path) -> tuple[docx.document.Document, dict]:
    files = LocalFileStore(tmp_path / "files")
    decision_id = session.scalars(select(Decision.id).order_by(Decision.id)).first()
    actor = system_actor("test")
    document = documents.generate(
        session, files, actor, "agendaformulier", "decision", decision_id, now=NOW
    )
    filled = documents.fill(
        session, actor, "agendaformulier", "decision", decision_id, None, now=NOW
    )
    return docx.Document(io.BytesIO(files.read(document.file_key))), filled.context


def test_the_headings_are_those_of_the_paper_form_in_its_order(session, tmp_path) -> None:
    word, _ = _agenda_form(session, tmp_path)
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert headings == PAPER_HEADINGS
    annex_header = [cell.text for cell in word.tables[-1].rows[0].cells]
    assert annex_header[1:] == [
        "Omschrijving",
        "College",
        "Raad",
        "Niet actief publiceren",
        "Geheim",
    ]
    assert word.tables[-1].rows[1].cells[0].text == "Bijlage 1"


def _footer_only(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return all(
        "Pagina" in line or line.startswith("Agendaformulier B&W, agendaletter") for line in lines
    )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is missing")
def test_the_pdf_ends_with_its_content_and_has_no_blank_page(session, tmp_path) -> None:
    """The demo dossier, and the same dossier with so many annexes that the table reaches the
    bottom of a page in each of a range of places: every page holds more than the footer, and
    the last page holds the last annex."""
    _, context = _agenda_form(session, tmp_path)
    prepared = docx_render.prepare(document_templates.builtin_content("agendaformulier"))
    annex = context["bijlagen"][0]
    # The demo's table reaches the bottom of page 3 at about 34 annexes (a row split there
    # left a page with only the repeated header row).
    counts = [1, *range(28, 41)]
    rendered = [
        docx_render.render(
            prepared,
            {
                **context,
                "bijlagen": [{**annex, "nummer": str(i)} for i in range(1, count + 1)],
            },
        )
        for count in counts
    ]
    for count, pdf in zip(counts, conversion.to_pdf(rendered), strict=True):
        pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
        assert not any(_footer_only(text) for text in pages), f"{count} bijlagen: blank page"
        last_row = re.compile(rf"Bijlage\s+{count}\s+Volmacht")
        assert last_row.search(pages[-1]), f"{count} bijlagen: the last page is not the end"
        assert f"Pagina {len(pages)} van {len(pages)}" in pages[-1]
