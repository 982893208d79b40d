"""S9: merging documents into one PDF bundle with an index page, and keeping PDFs inert.

The parts are our own LibreOffice output, but a bundle goes to colleges, councils and providers,
so whatever could act when the file is opened (scripts, launch actions, embedded files, XFA) is
removed anyway. The PDFs are parsed in this process: give this module only PDFs we made, or
ones that passed ``pdf_checks.check_pdf``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    PdfObject,
    TextStringObject,
)
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

INDEX_BOOKMARK = "Inhoud"

# Every key that makes a PDF act on its own or carry other files; dropped wherever it appears.
# /JavaScript and /EmbeddedFiles are name trees under /Names, /AF and /EF associated and
# embedded files (LibreOffice's hybrid PDF embeds the source document), /XFA a scripted form.
_ACTIVE_KEYS = frozenset(
    {"/AA", "/OpenAction", "/JavaScript", "/JS", "/EmbeddedFiles", "/AF", "/EF", "/XFA"}
)
# An allowlist: anything else (Launch, JavaScript, SubmitForm, ImportData, ResetForm, GoToR,
# GoToE, Rendition, ...) reaches outside the document or runs something.
_SAFE_ACTIONS = frozenset({"/GoTo", "/URI"})
_SAFE_URI_SCHEMES = frozenset({"http", "https", "mailto"})
# Annotations that carry files, media or 3D scenes, any of which may bring scripts.
_ACTIVE_ANNOTATIONS = frozenset(
    {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
)
_INDEX_PAGES_TRIES = 5


@dataclass(frozen=True)
class BundlePart:
    title: str
    pdf: bytes
    note: str = ""


@dataclass(frozen=True)
class IndexPage:
    """``compiled_on`` is the date as the reader should see it, e.g. "3 juni 2025"."""

    compiled_on: str


def merge(parts: Sequence[BundlePart], *, title: str, index: IndexPage | None) -> bytes:
    """One PDF: the index page (when asked), then each part, one bookmark per document."""
    if not parts:
        raise ValueError("a bundle needs at least one part")
    readers = [PdfReader(BytesIO(part.pdf)) for part in parts]
    counts = [len(reader.pages) for reader in readers]
    if 0 in counts:
        raise ValueError("a bundle part has no pages")
    writer = PdfWriter()
    first_page = 0
    if index is not None:
        index_pdf = _index_pdf(parts, counts, title=title, index=index)
        index_reader = PdfReader(BytesIO(index_pdf))
        writer.append(index_reader, import_outline=False)
        writer.add_outline_item(title=INDEX_BOOKMARK, page_number=0)
        first_page = len(index_reader.pages)
    for part, reader, count in zip(parts, readers, counts, strict=True):
        writer.append(reader, import_outline=False)
        writer.add_outline_item(title=_one_line(part.title), page_number=first_page)
        first_page += count
    writer.add_metadata({"/Title": _one_line(title)})
    # Appending copies pages, not the parts' catalogs: restore what readers and screen
    # readers look for there.
    writer.root_object[NameObject("/Lang")] = TextStringObject("nl-NL")
    writer.page_mode = "/UseOutlines"
    return _inert(writer)


def sanitise(pdf: bytes) -> bytes:
    """The same PDF without scripts, automatic actions, launch actions or embedded files."""
    return _inert(PdfWriter(clone_from=PdfReader(BytesIO(pdf))))


def page_count(pdf: bytes) -> int:
    """Pages of a PDF we made ourselves (uploads are counted by ``pdf_checks``)."""
    return len(PdfReader(BytesIO(pdf)).pages)


def _inert(writer: PdfWriter) -> bytes:
    _strip_active_content(writer.root_object)
    first = BytesIO()
    writer.write(first)
    # Stripping only detaches: the writer still holds the scripts and files and would write
    # them out. Cloning from the catalog copies what is reachable and nothing else.
    clean = PdfWriter(clone_from=PdfReader(BytesIO(first.getvalue())))
    out = BytesIO()
    clean.write(out)
    return out.getvalue()


def _strip_active_content(root: DictionaryObject) -> None:
    seen: set[int] = set()
    pending: list[PdfObject] = [root]
    while pending:
        node = pending.pop().get_object()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, DictionaryObject):
            _strip_dictionary(node)
            pending.extend(node.values())
        elif isinstance(node, ArrayObject):
            pending.extend(node)


def _strip_dictionary(node: DictionaryObject) -> None:
    for key in _ACTIVE_KEYS.intersection(node.keys()):
        del node[key]
    # Outline items, form fields and widgets keep their place without the action; links go
    # altogether through the /Annots filter below.
    if "/A" in node and not _safe_action(node["/A"]):
        del node["/A"]
    if "/Annots" in node:
        annotations = node["/Annots"]
        if isinstance(annotations, ArrayObject):
            kept = [a for a in annotations if not _active_annotation(a)]
            node[NameObject("/Annots")] = ArrayObject(kept)
    names = _entry(node, "/Names")
    if isinstance(names, DictionaryObject):
        # The catalog's name dictionary: the walk would strip these too, but an empty /Names
        # is then left behind.
        for key in ("/JavaScript", "/EmbeddedFiles"):
            names.pop(key, None)
        if not names:
            del node["/Names"]


def _active_annotation(annotation: PdfObject) -> bool:
    resolved = annotation.get_object()
    if not isinstance(resolved, DictionaryObject):
        return False
    subtype = _entry(resolved, "/Subtype")
    if subtype in _ACTIVE_ANNOTATIONS:
        return True
    return subtype == "/Link" and "/A" in resolved and not _safe_action(resolved["/A"])


def _safe_action(action: PdfObject) -> bool:
    seen: set[int] = set()
    pending: list[PdfObject] = [action]
    while pending:
        current = pending.pop().get_object()
        if isinstance(current, ArrayObject):
            pending.extend(current)
            continue
        if not isinstance(current, DictionaryObject):
            return False
        if id(current) in seen:
            continue
        seen.add(id(current))
        kind = _entry(current, "/S")
        if kind not in _SAFE_ACTIONS:
            return False
        if kind == "/URI" and not _safe_uri(_entry(current, "/URI")):
            return False
        # A harmless link may chain to a script through /Next.
        if "/Next" in current:
            pending.append(current["/Next"])
    return True


def _entry(node: DictionaryObject, key: str) -> object:
    # Indexing resolves indirect references; .get() would hand them back unresolved.
    return node[key] if key in node else None  # noqa: SIM401


def _safe_uri(uri: object) -> bool:
    if isinstance(uri, bytes):
        uri = uri.decode("latin-1")
    if not isinstance(uri, str):
        return False
    return urlsplit(uri.strip()).scheme.lower() in _SAFE_URI_SCHEMES


def _index_pdf(
    parts: Sequence[BundlePart], counts: Sequence[int], *, title: str, index: IndexPage
) -> bytes:
    # The start pages depend on how many pages the index itself takes, which depends on the
    # rows; render until the two agree (once, unless the list is very long).
    index_pages = 1
    for _ in range(_INDEX_PAGES_TRIES):
        pdf = _render_index(parts, counts, title=title, index=index, index_pages=index_pages)
        rendered = page_count(pdf)
        if rendered == index_pages:
            return pdf
        index_pages = rendered
    raise RuntimeError("the index page count does not settle")


def _render_index(
    parts: Sequence[BundlePart],
    counts: Sequence[int],
    *,
    title: str,
    index: IndexPage,
    index_pages: int,
) -> bytes:
    heading = ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=16, leading=20)
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13)
    bold = ParagraphStyle("bold", parent=body, fontName="Helvetica-Bold")
    rows: list[list[object]] = [
        [Paragraph(text, bold) for text in ("Nr.", "Document", "Status", "Pagina")]
    ]
    start = index_pages + 1
    for number, (part, count) in enumerate(zip(parts, counts, strict=True), start=1):
        rows.append(
            [
                Paragraph(str(number), body),
                Paragraph(_markup(part.title), body),
                Paragraph(_markup(part.note), body),
                Paragraph(str(start), body),
            ]
        )
        start += count
    table = Table(rows, colWidths=[10 * mm, 82 * mm, 62 * mm, 16 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_printable(_one_line(title)),
        lang="nl-NL",
        # No creation date or random id: the same bundle gives the same bytes.
        invariant=True,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    document.build(
        [
            Paragraph(_markup(title), heading),
            Spacer(0, 3 * mm),
            Paragraph(_markup(f"Samengesteld op {index.compiled_on}"), body),
            Spacer(0, 6 * mm),
            table,
        ]
    )
    return buffer.getvalue()


def _markup(text: str) -> str:
    # Paragraph reads its text as markup: "Zorg & Co <B.V.>" must come out as typed.
    return escape(_printable(_one_line(text)))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _printable(text: str) -> str:
    # Helvetica covers WinAnsi (ë, €, ’ are in it); ĳ and ﬁ become ij and fi, and a letter
    # outside it loses its accent rather than becoming a black box.
    return "".join(_winansi(char) for char in unicodedata.normalize("NFKC", text))


def _winansi(char: str) -> str:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        base = unicodedata.normalize("NFKD", char)[:1]
        return base if base and base.isascii() else char
    return char
