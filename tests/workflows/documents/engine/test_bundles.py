"""S9: merged bundles carry no scripts, automatic or launch actions, or embedded files; each
document gets a bookmark and a line on the index page with the page where it starts."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from tests.support.pdf_objects import action, reachable
from workflows.documents.engine.bundles import BundlePart, IndexPage, merge, page_count, sanitise

ACTIVE = {"/JavaScript", "/JS", "/AA", "/OpenAction", "/EmbeddedFiles", "/Launch"}
INDEX = IndexPage(compiled_on="3 juni 2025")


def _text_pdf(label: str, pages: int) -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    for number in range(1, pages + 1):
        canvas.drawString(72, 760, f"{label} pagina {number}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _annotation(subtype: str, **entries: PdfObject) -> DictionaryObject:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (72, 700, 300, 720)]),
        }
    )
    annotation.update({NameObject(f"/{key}"): value for key, value in entries.items()})
    return annotation


def _hostile_pdf(label: str = "Kwaadaardig", pages: int = 2) -> bytes:
    """A text PDF with every active thing S9 names, and one harmless web link."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(_text_pdf(label, pages))))
    script = action("/JavaScript", JS=TextStringObject("app.alert('open-action')"))
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(script)
    writer.root_object[NameObject("/AA")] = DictionaryObject(
        {NameObject("/WC"): action("/JavaScript", JS=TextStringObject("app.alert('close')"))}
    )
    name_tree_script = action("/JavaScript", JS=TextStringObject("app.alert('name-tree')"))
    writer.root_object[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {
                    NameObject("/Names"): ArrayObject(
                        [TextStringObject("start"), writer._add_object(name_tree_script)]
                    )
                }
            )
        }
    )
    writer.add_attachment("betaal-verzoek.exe", b"MZ" + bytes(64))
    first = writer.pages[0]
    first[NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): action("/JavaScript", JS=TextStringObject("app.alert('page')"))}
    )
    launch = action("/Launch", F=TextStringObject("C:\\Windows\\System32\\calc.exe"))
    annotations = [
        _annotation("/Link", A=launch),
        _annotation("/Link", A=action("/URI", URI=TextStringObject("javascript:alert(1)"))),
        _annotation(
            "/Link",
            A=action(
                "/URI",
                URI=TextStringObject("https://example.org/veilig"),
                Next=action("/JavaScript", JS=TextStringObject("app.alert('chained')")),
            ),
        ),
        _annotation("/Link", A=action("/SubmitForm", F=TextStringObject("https://x.invalid"))),
        _annotation("/FileAttachment", FS=TextStringObject("bijlage.exe")),
        _annotation(
            "/Text",
            AA=DictionaryObject(
                {NameObject("/E"): action("/JavaScript", JS=TextStringObject("app.alert(2)"))}
            ),
        ),
        _annotation("/Link", A=action("/URI", URI=TextStringObject("https://wetten.overheid.nl"))),
    ]
    first[NameObject("/Annots")] = ArrayObject(writer._add_object(a) for a in annotations)
    writer.root_object[NameObject("/AcroForm")] = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Fields"): ArrayObject(),
                NameObject("/XFA"): TextStringObject("<xdp:xdp><script>x()</script></xdp:xdp>"),
            }
        )
    )
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _names_and_keys(pdf: bytes) -> set[str]:
    """Every dictionary key and every name value reachable from the trailer."""
    found: set[str] = set()
    for node in reachable(pdf):
        if isinstance(node, DictionaryObject):
            found.update(str(key) for key in node)
        elif isinstance(node, NameObject):
            found.add(str(node))
    return found


def _link_uris(pdf: bytes) -> list[str]:
    uris = []
    for page in PdfReader(BytesIO(pdf)).pages:
        for annotation in page.get("/Annots", ArrayObject()):
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action.get_object():
                uris.append(str(action.get_object()["/URI"]))
    return uris


def _bookmarks(pdf: bytes) -> list[tuple[str, int]]:
    reader = PdfReader(BytesIO(pdf))
    return [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]


def _lines(pdf: bytes, page: int) -> list[str]:
    return PdfReader(BytesIO(pdf)).pages[page].extract_text().splitlines()


def test_s9_the_hostile_test_file_really_carries_every_active_thing():
    found = _names_and_keys(_hostile_pdf())
    assert found >= ACTIVE | {"/XFA", "/SubmitForm", "/FileAttachment"}


def test_s9_a_bundle_carries_no_javascript_actions_or_embedded_files():
    bundle = merge(
        [
            BundlePart("Kwaadaardige overeenkomst", _hostile_pdf()),
            BundlePart("Gewone brief", _text_pdf("Brief", 1)),
        ],
        title="Bundel",
        index=INDEX,
    )
    found = _names_and_keys(bundle)
    assert not found & (ACTIVE | {"/XFA", "/SubmitForm", "/FileAttachment", "/EF"})
    # Nothing stripped is still written as an unreferenced object either.
    for trace in (b"app.alert", b"calc.exe", b"betaal-verzoek", b"MZ\x00", b"javascript:"):
        assert trace not in bundle
    assert _link_uris(bundle) == ["https://wetten.overheid.nl"]


def test_s9_sanitise_makes_a_single_pdf_inert_and_keeps_its_pages_text_and_web_links():
    clean = sanitise(_hostile_pdf("Overeenkomst", 2))
    assert not _names_and_keys(clean) & ACTIVE
    assert b"app.alert" not in clean
    assert page_count(clean) == 2
    assert _lines(clean, 1) == ["Overeenkomst pagina 2"]
    assert _link_uris(clean) == ["https://wetten.overheid.nl"]


def test_s9_page_count_is_index_pages_plus_the_pages_of_every_part_in_order():
    parts = [
        BundlePart("Besluit", _text_pdf("Besluit", 2)),
        BundlePart("Volmacht", _text_pdf("Volmacht", 3)),
        BundlePart("Overeenkomst", _text_pdf("Overeenkomst", 1)),
    ]
    bundle = merge(parts, title="Bundel", index=INDEX)
    assert page_count(bundle) == 1 + 2 + 3 + 1
    assert _lines(bundle, 1) == ["Besluit pagina 1"]
    assert _lines(bundle, 3) == ["Volmacht pagina 1"]
    assert _lines(bundle, 6) == ["Overeenkomst pagina 1"]


def test_s9_one_bookmark_per_part_on_its_first_page_plus_inhoud_on_the_index():
    parts = [
        BundlePart("Besluit", _text_pdf("Besluit", 2)),
        BundlePart("Volmacht", _text_pdf("Volmacht", 3)),
        BundlePart("Overeenkomst", _text_pdf("Overeenkomst", 1)),
    ]
    bundle = merge(parts, title="Bundel", index=INDEX)
    assert _bookmarks(bundle) == [
        ("Inhoud", 0),
        ("Besluit", 1),
        ("Volmacht", 3),
        ("Overeenkomst", 6),
    ]
    assert PdfReader(BytesIO(bundle)).metadata.title == "Bundel"


def test_s9_the_index_page_lists_each_title_its_note_and_its_start_page():
    parts = [
        BundlePart("Besluit", _text_pdf("Besluit", 2), "getekend op 3 juni 2025"),
        BundlePart("Volmacht", _text_pdf("Volmacht", 3), "nog niet getekend"),
        BundlePart("Overeenkomst", _text_pdf("Overeenkomst", 1)),
    ]
    lines = _lines(merge(parts, title="Bundel pilot logeerzorg", index=INDEX), 0)
    assert lines[:2] == ["Bundel pilot logeerzorg", "Samengesteld op 3 juni 2025"]
    # Reading order of a row: number, title, note, start page.
    at = lines.index("Besluit")
    assert lines[at - 1 : at + 3] == ["1", "Besluit", "getekend op 3 juni 2025", "2"]
    at = lines.index("Volmacht")
    assert lines[at - 1 : at + 3] == ["2", "Volmacht", "nog niet getekend", "4"]
    at = lines.index("Overeenkomst")
    assert lines[at - 1 : at + 2] == ["3", "Overeenkomst", "7"]


def test_s9_dutch_and_markup_characters_survive_on_the_index_page_and_in_bookmarks():
    title = "Zorg & Co <B.V.> – € 28.400 ’t Hof"
    note = "getekend door mw. Bëlen, 3 juni"
    bundle = merge(
        [BundlePart(title, _text_pdf("Deel", 1), note)],
        title="Bundel België – “pilot” ĳsselland",
        index=INDEX,
    )
    lines = _lines(bundle, 0)
    assert lines[0] == "Bundel België – “pilot” ijsselland"
    assert title in lines and note in lines
    assert [name for name, _ in _bookmarks(bundle)] == ["Inhoud", title]
    assert PdfReader(BytesIO(bundle)).metadata.title == "Bundel België – “pilot” ĳsselland"


def test_s9_a_long_list_spills_the_index_onto_a_second_page_and_start_pages_count_it():
    parts = [BundlePart(f"Bijlage {n}", _text_pdf(f"Bijlage {n}", 1)) for n in range(1, 61)]
    bundle = merge(parts, title="Bundel", index=INDEX)
    bookmarks = _bookmarks(bundle)
    index_pages = bookmarks[1][1]
    assert index_pages >= 2
    assert page_count(bundle) == index_pages + 60
    assert bookmarks[60] == ("Bijlage 60", index_pages + 59)
    assert _lines(bundle, index_pages + 59) == ["Bijlage 60 pagina 1"]
    last_index_page = _lines(bundle, index_pages - 1)
    at = last_index_page.index("Bijlage 60")
    assert last_index_page[at + 1] == str(index_pages + 60)


def test_s9_without_an_index_the_bundle_is_the_parts_with_their_bookmarks():
    parts = [
        BundlePart("Besluit", _text_pdf("Besluit", 2)),
        BundlePart("Volmacht", _text_pdf("Volmacht", 1)),
    ]
    bundle = merge(parts, title="Bundel", index=None)
    assert page_count(bundle) == 3
    assert _bookmarks(bundle) == [("Besluit", 0), ("Volmacht", 2)]
    assert _lines(bundle, 0) == ["Besluit pagina 1"]


def test_s9_a_bundle_without_parts_is_a_programming_error():
    with pytest.raises(ValueError):
        merge([], title="Bundel", index=INDEX)
