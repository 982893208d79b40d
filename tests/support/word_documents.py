"""Word documents in the tests: made to upload as a template, and read back as a reader of the
generated document sees them."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import docx
import docx.document

from workflows.documents import document_templates


def _saved(document: docx.document.Document) -> bytes:
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def word_file(
    *paragraphs: str, build: Callable[[docx.document.Document], None] | None = None
) -> bytes:
    """A new document with these paragraphs; ``build`` adds what else a test needs."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if build is not None:
        build(document)
    return _saved(document)


def builtin_with_paragraph(kind: str, paragraph: str) -> bytes:
    """The built-in template of ``kind`` with one paragraph added at its end: a new version a
    beheerder could upload."""
    document = docx.Document(io.BytesIO(document_templates.builtin_content(kind)))
    document.add_paragraph(paragraph)
    return _saved(document)


def texts(content: bytes) -> list[str]:
    """Every paragraph of the body, of table cells (nested too), of every header and footer,
    and the document title, as python-docx reads them."""
    document = docx.Document(io.BytesIO(content))
    found: list[str] = []

    def block(container: Any) -> None:
        found.extend(paragraph.text for paragraph in container.paragraphs)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    block(cell)

    block(document)
    for section in document.sections:
        for part in (
            section.header,
            section.footer,
            section.first_page_header,
            section.first_page_footer,
            section.even_page_header,
            section.even_page_footer,
        ):
            block(part)
    found.append(document.core_properties.title or "")
    return found
