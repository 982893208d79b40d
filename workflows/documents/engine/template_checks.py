"""Checking an uploaded Word template before it can be activated (docs/architecture.md §6;
docs/security.md S2
to S5, S7).

Three stages, each only when the one before it passed:

1. ``check_archive``, in the web worker: the bytes are a plain ``.docx`` and nothing else.
   Size, zip magic and the central directory (entry count, declared sizes, compression ratios,
   names, forbidden parts) are checked before anything is inflated; then each entry is inflated
   by hand against the size its header declares, and every XML part is parsed without DTDs or
   entities and checked for macro content types, embedded objects, external relationships,
   inserted documents (altChunk), linked pictures, SVG pictures that fetch something, and
   fields that fetch or start something outside the document. The placeholders are counted
   and measured, so that what follows has a bounded amount of code to read (S2).
2. ``check_code``, in a child process: the code parses, uses only the constructs a document
   template needs (fields, conditions, loops over list fields, a few filters that do not grow)
   and only the fields of the kind's catalogue. Nothing is compiled before this passed.
3. ``check_longest``, in the same child: compiled, the template is filled with the longest
   values the registers accept, then with the sample values for the preview.

``check_template`` runs all three. Every problem is a Dutch sentence for the beheerder who
uploaded the file.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from jinja2 import nodes
from lxml import etree

from workflows.documents.engine import child_process, docx_render
from workflows.rules.document_fields import CATALOGUES, Catalogue
from workflows.rules.longest_values import LONG_TEXT, PICTURES, REGISTER_ITEMS, longest_values

_MB = 1024 * 1024
MAX_BYTES = 5 * _MB
MAX_ENTRIES = 1000
MAX_UNCOMPRESSED = 50 * _MB
MAX_RATIO = 100
# A part that inflates to a few hundred KB says little through its ratio (Word's styles.xml is
# ~30:1, a long empty table more) and the total cap bounds it anyway; the ratio is for big ones.
RATIO_CHECKED_FROM = 1 * _MB
# Parsing and compiling placeholders costs ~15 s per MB of template code, so the code is bounded
# before the child process reads it (S2). The shipped templates have under 50 placeholders and
# 1 000 characters of code.
MAX_PLACEHOLDERS = 2000
MAX_TEMPLATE_CODE = 50_000
# The problems shown to the beheerder; a hostile file can have thousands.
MAX_PROBLEMS = 12

_ZIP_MAGIC = b"PK\x03\x04"
_OPENER = re.compile(rb"\{[{%#]")
_CLOSERS = {b"{{": b"}}", b"{%": b"%}", b"{#": b"#}"}
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_INFLATE_CHUNK = 64 * 1024
_REQUIRED = ("[Content_Types].xml", "word/document.xml")
_CORE = "docProps/core.xml"

_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# r:link on a picture (a:blip, asvg:svgBlip, v:imagedata): the picture is not in the file but
# fetched from where the relationship points whenever the document is opened or converted.
_LINKED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}link"
_SVG = "{http://www.w3.org/2000/svg}svg"
_CSS_URL = re.compile(r"""url\(\s*['"]?\s*([^'")\s]*)""", re.IGNORECASE)
# What an SVG may point at: its own elements (#id), or a picture inside itself.
_SVG_OWN = re.compile(r"^(#|data:image/(png|jpeg|gif);)", re.IGNORECASE)
# Relationship types (last part of the Type URI, lower case) that carry code or foreign objects.
_REFUSED_RELATIONSHIPS = {
    "vbaproject": "macro's (VBA)",
    "wordvbadata": "macro's (VBA)",
    "oleobject": "een ingesloten object (OLE)",
    "package": "een ingesloten bestand",
    "control": "een ActiveX-besturingselement",
    "activexcontrolbinary": "een ActiveX-besturingselement",
    # altChunk: a whole other document (HTML, RTF, .docx, .mht) that Word pours into this one
    # when it opens the file, with whatever that document loads itself.
    "afchunk": "een ingevoegd ander document (altChunk)",
}
# Content types (lower case fragments) of the same.
_REFUSED_CONTENT_TYPES = {
    "macroenabled": "een document met macro's (.docm/.dotm)",
    "vbaproject": "macro's (VBA)",
    "vbadata": "macro's (VBA)",
    "oleobject": "een ingesloten object (OLE)",
    "activex": "een ActiveX-besturingselement",
}
# Word fields that fetch or start something outside the document when it is opened, printed or
# converted (DDEAUTO starts a program; INCLUDEPICTURE would make our PDF converter fetch a URL).
_REFUSED_FIELDS = frozenset({"DDE", "DDEAUTO", "INCLUDETEXT", "INCLUDEPICTURE", "LINK", "IMPORT"})
# External hyperlinks are how Word stores every ordinary link, so they stay; any other external
# target (a remote attachedTemplate, a linked image or frame) is fetched by Word or LibreOffice
# on opening, and a file:// or \\server link leaks the reader's Windows credentials.
_HYPERLINK_SCHEMES = frozenset({"http", "https", "mailto"})

_NOT_A_ZIP = (
    (b"MZ", "maar een programma (.exe)"),
    (b"%PDF", "maar een PDF"),
    (b"\xd0\xcf\x11\xe0", "maar een oud Word-bestand (.doc); sla het in Word op als .docx"),
    (b"{\\rtf", "maar een RTF-bestand; sla het in Word op als .docx"),
)


class TemplateRefused(Exception):
    """The uploaded template cannot be used; ``problems`` says why, one Dutch sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TemplateReport:
    """A template that passed: the top-level fields it uses, the catalogue fields it leaves out
    (a warning for the beheerder, not a refusal) as paths in the notation of
    ``document_fields.field_names`` (``conceptbesluit[].nummer``), and the template filled with
    the sample values when those were given."""

    fields_used: list[str]
    missing_fields: list[str]
    preview: bytes | None = None


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.seen: set[str] = set()
        self.dropped = 0

    def add(self, problem: str) -> None:
        if problem in self.seen:
            return
        self.seen.add(problem)
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(problem)
        else:
            self.dropped += 1

    def raise_if_any(self) -> None:
        if not self.items:
            return
        problems = list(self.items)
        if self.dropped:
            problems.append(f"En nog {self.dropped} andere problemen.")
        raise TemplateRefused(problems)


def check_archive(
    content: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_entries: int = MAX_ENTRIES,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    max_ratio: int = MAX_RATIO,
) -> None:
    """Refuses anything but a plain .docx (S3, S4, S5) and more template code than the later
    stages may read (S2); raises ``TemplateRefused`` with every problem found."""
    if not content:
        raise TemplateRefused(["Het bestand is leeg."])
    if len(content) > max_bytes:
        raise TemplateRefused(
            [f"Het bestand is te groot: {_size(len(content))}; ten hoogste {_size(max_bytes)}."]
        )
    if not content.startswith(_ZIP_MAGIC):
        what = next((text for magic, text in _NOT_A_ZIP if content.startswith(magic)), None)
        raise TemplateRefused(
            [f"Dit is geen Word-bestand (.docx), {what}." if what else _NOT_DOCX_MESSAGE]
        )
    try:
        # Reads the central directory only; nothing is inflated here.
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, struct.error) as error:
        raise TemplateRefused([_NOT_DOCX_MESSAGE]) from error
    if len(infos) > max_entries:
        raise TemplateRefused(
            [
                f"Het bestand bestaat uit {_count(len(infos))} onderdelen; een Word-sjabloon "
                f"heeft er ten hoogste {_count(max_entries)}."
            ]
        )
    problems = _Problems()
    _check_directory(infos, problems, max_uncompressed=max_uncompressed, max_ratio=max_ratio)
    problems.raise_if_any()
    spans = _data_spans(content, infos, problems)
    problems.raise_if_any()
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    placeholders = code = 0
    for info in infos:
        data = _inflate(content, info, spans[info.filename], problems)
        if data is not None and info.filename.lower().endswith((".xml", ".rels")):
            parsed = _check_xml(info.filename, data, parser, problems)
            if parsed and (info.filename.startswith("word/") or info.filename == _CORE):
                found, length = _template_code(data)
                placeholders += found
                code += length
        elif data is not None and _svg_like(info.filename, data):
            _check_svg(info.filename, data, parser, problems)
    if placeholders > MAX_PLACEHOLDERS:
        problems.add(
            f"Het sjabloon bevat {_count(placeholders)} velden en blokken; ten hoogste "
            f"{_count(MAX_PLACEHOLDERS)} zijn toegestaan."
        )
    elif code > MAX_TEMPLATE_CODE:
        problems.add(
            f"De velden en blokken van het sjabloon zijn samen {_count(code)} tekens lang; ten "
            f"hoogste {_count(MAX_TEMPLATE_CODE)} zijn toegestaan."
        )
    problems.raise_if_any()


_NOT_DOCX_MESSAGE = (
    "Dit is geen Word-bestand (.docx), of het bestand is beschadigd. Sla het sjabloon in Word "
    "op als 'Word-document (*.docx)' en probeer het opnieuw."
)


def _check_directory(
    infos: list[zipfile.ZipInfo], problems: _Problems, *, max_uncompressed: int, max_ratio: int
) -> None:
    declared = sum(info.file_size for info in infos)
    if declared > max_uncompressed:
        problems.add(
            f"Het bestand pakt uit tot {_size(declared)}; ten hoogste {_size(max_uncompressed)} "
            "is toegestaan. Dit lijkt een zip-bom en is niet uitgepakt."
        )
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        shown = _shown(name)
        lower = name.lower()
        if lower in seen:
            problems.add(f"Het bestand bevat het onderdeel '{shown}' meer dan eens.")
        seen.add(lower)
        if _unsafe_name(info):
            problems.add(f"Het bestand bevat een onderdeel met een ongeldige naam: '{shown}'.")
        if info.flag_bits & 0x1:
            problems.add(f"Het onderdeel '{shown}' is versleuteld; dat kan niet in een sjabloon.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problems.add(f"Het onderdeel '{shown}' is op een onbekende manier ingepakt.")
        if info.file_size >= RATIO_CHECKED_FROM and (
            info.compress_size == 0 or info.file_size / info.compress_size > max_ratio
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            problems.add(
                f"Het onderdeel '{shown}' is verdacht sterk samengeperst ({_count(ratio)}:1, "
                f"ten hoogste {max_ratio}:1); het is niet uitgepakt."
            )
        forbidden = _forbidden_part(lower)
        if forbidden is not None:
            problems.add(
                f"Het sjabloon bevat {forbidden} ('{shown}'); dat is in een sjabloon niet "
                "toegestaan. Verwijder het in Word en sla op als .docx."
            )
    names = {info.filename for info in infos}
    for required in _REQUIRED:
        if required not in names:
            problems.add(
                f"Het bestand mist het onderdeel {required} en is dus geen Word-document (.docx)."
            )


def _unsafe_name(info: zipfile.ZipInfo) -> bool:
    # zipfile cuts a name at a NUL byte; the original shows what was really in the archive.
    name = info.orig_filename
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in name.split("/")
        or any(ord(character) < 32 or ord(character) == 127 for character in name)
    )


def _forbidden_part(lower: str) -> str | None:
    if "vbaproject" in lower or "vbadata" in lower:
        return "macro's (VBA)"
    if lower.startswith("word/embeddings/"):
        return "een ingesloten object of bestand"
    if "activex" in lower:
        return "een ActiveX-besturingselement"
    if lower.endswith(".bin"):
        return "een binair onderdeel (macro's, objecten of printerinstellingen)"
    if lower.endswith(".svgz"):
        return "een ingepakte SVG-afbeelding (.svgz), die niet te controleren is"
    return None


def _data_spans(
    content: bytes, infos: list[zipfile.ZipInfo], problems: _Problems
) -> dict[str, tuple[int, int]]:
    """Where each entry's compressed data lies, from its local header; entries may not overlap
    (overlapping entries let a small file inflate many times over) nor run past the end."""
    spans: dict[str, tuple[int, int]] = {}
    for info in infos:
        offset = info.header_offset
        header = content[offset : offset + _LOCAL_HEADER.size]
        if len(header) < _LOCAL_HEADER.size:
            problems.add(_broken(info))
            continue
        signature, _, flags, _, _, _, _, _, _, name_length, extra_length = _LOCAL_HEADER.unpack(
            header
        )
        name_start = offset + _LOCAL_HEADER.size
        raw_name = content[name_start : name_start + name_length]
        local_name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        start = name_start + name_length + extra_length
        end = start + info.compress_size
        if signature != _ZIP_MAGIC or local_name != info.orig_filename or end > len(content):
            problems.add(_broken(info))
            continue
        spans[info.filename] = (start, end)
    previous_end = 0
    for start, end in sorted(spans.values()):
        if start < previous_end:
            problems.add(
                "Onderdelen van het bestand overlappen elkaar; het bestand is gemanipuleerd."
            )
            break
        previous_end = end
    return spans


def _inflate(
    content: bytes, info: zipfile.ZipInfo, span: tuple[int, int], problems: _Problems
) -> bytes | None:
    """The entry's bytes, inflated by hand so that a header that declares fewer bytes than the
    data holds is caught: zipfile would cut the data at the declared size and trust it."""
    start, end = span
    declared = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        data = content[start:end]
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pieces: list[bytes] = []
        produced = 0
        position = start
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    chunk = inflater.unconsumed_tail
                elif position < end:
                    chunk = content[position : min(position + _INFLATE_CHUNK, end)]
                    position += len(chunk)
                else:
                    break
                # Never more than one byte past the declared size: enough to know it lies.
                piece = inflater.decompress(chunk, declared - produced + 1)
                produced += len(piece)
                if produced > declared:
                    problems.add(_lying(info))
                    return None
                pieces.append(piece)
        except zlib.error:
            problems.add(_broken(info))
            return None
        if not inflater.eof or position < end or inflater.unused_data:
            problems.add(_lying(info))
            return None
        data = b"".join(pieces)
    if len(data) != declared:
        problems.add(_lying(info))
        return None
    if zlib.crc32(data) != info.CRC:
        problems.add(_broken(info))
        return None
    return data


def _broken(info: zipfile.ZipInfo) -> str:
    return f"Het onderdeel '{_shown(info.filename)}' is beschadigd."


def _lying(info: zipfile.ZipInfo) -> str:
    return (
        f"Het onderdeel '{_shown(info.filename)}' is anders dan de zip-kop opgeeft; het bestand "
        "is beschadigd of gemanipuleerd en is niet verder uitgepakt."
    )


def _parsed(name: str, data: bytes, parser: etree.XMLParser, problems: _Problems) -> Any:
    """The part's root element, or None when it is not well-formed XML without a DTD (the
    problem is added)."""
    shown = _shown(name)
    doctype = (
        f"Het onderdeel '{shown}' bevat een DOCTYPE- of ENTITY-declaratie; die horen niet in een "
        "Word-document en worden om veiligheidsredenen geweigerd."
    )
    # Refused before the parser sees it; the docinfo check below catches the same declarations
    # in a part encoded as UTF-16, where these bytes do not occur.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        problems.add(doctype)
        return None
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        problems.add(f"Het onderdeel '{shown}' is geen geldige XML.")
        return None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        problems.add(doctype)
        return None
    return root


def _check_xml(name: str, data: bytes, parser: etree.XMLParser, problems: _Problems) -> bool:
    """Whether the part is well-formed XML without a DTD (its other problems are added)."""
    shown = _shown(name)
    root = _parsed(name, data, parser, problems)
    if root is None:
        return False
    if name == "[Content_Types].xml":
        _check_content_types(root, problems)
    elif name.lower().endswith(".rels"):
        _check_relationships(shown, root, problems)
    elif name.startswith("word/"):
        _check_word_part(shown, root, problems)
        for code in _field_codes(root):
            words = code.split()
            if words and words[0].upper() in _REFUSED_FIELDS:
                problems.add(
                    f"Het sjabloon bevat een Word-veld {words[0].upper()} ('{shown}'), dat iets "
                    "van buiten het document ophaalt of start; zulke velden zijn niet toegestaan."
                )
    return True


def _check_word_part(shown: str, root: Any, problems: _Problems) -> None:
    for element in root.iter(etree.Element):
        if element.tag == f"{_W}altChunk":
            problems.add(
                f"Het sjabloon voegt een ander document in (altChunk, '{shown}'). Word verwerkt "
                "zo'n document (HTML, RTF of Word) pas bij het openen, en het kan iets van buiten "
                "het document ophalen; neem de tekst in het sjabloon zelf op."
            )
        elif _LINKED in element.attrib:
            problems.add(
                f"Het sjabloon bevat een gekoppelde afbeelding ('{shown}'): die zit niet in het "
                "bestand maar wordt bij het openen of omzetten opgehaald. Voeg de afbeelding "
                "opnieuw in zonder 'Koppelen aan bestand'."
            )


def _svg_like(name: str, data: bytes) -> bool:
    """Whether a part is (or pretends not to be) an SVG picture: by its name, or by an <svg
    element near its start in UTF-8 or UTF-16, whatever the name says."""
    head = data[:2048]
    return name.lower().endswith(".svg") or any(
        marker in head
        for marker in (b"<svg", "<svg".encode("utf-16-le"), "<svg".encode("utf-16-be"))
    )


def _check_svg(name: str, data: bytes, parser: etree.XMLParser, problems: _Problems) -> None:
    """An SVG picture may point only at its own elements and at pictures inside itself: a
    link, a use, an image, a CSS url() or @import to anything else makes Word and the PDF
    converter fetch it (from a web server, or from a file:// or \\\\server path that hands out
    the reader's Windows credentials)."""
    shown = _shown(name)
    root = _parsed(name, data, parser, problems)
    if root is None:
        return
    if root.tag != _SVG:
        if name.lower().endswith(".svg"):
            problems.add(f"Het onderdeel '{shown}' is geen geldige SVG-afbeelding.")
        return
    targets: list[str] = []
    if b"xml-stylesheet" in data or "xml-stylesheet".encode("utf-16-le") in data:
        targets.append("xml-stylesheet")
    for element in root.iter(etree.Element):
        for attribute, value in element.attrib.items():
            if str(attribute).rsplit("}", 1)[-1].lower() == "href":
                targets.append(str(value))
            targets.extend(_CSS_URL.findall(str(value)))
        if str(element.tag).rsplit("}", 1)[-1].lower() == "style" and element.text:
            targets.extend(_CSS_URL.findall(element.text))
            if "@import" in element.text.lower():
                targets.append("@import")
    for target in targets:
        if not _SVG_OWN.match(target.strip()):
            problems.add(
                f"Het sjabloon bevat een SVG-afbeelding ('{shown}') die iets van buiten het "
                f"document ophaalt ('{_shown(target)}'); Word en de PDF-omzetting zouden dat "
                "ophalen. Voeg de afbeelding opnieuw in als afbeelding zonder koppelingen."
            )


def _template_code(data: bytes) -> tuple[int, int]:
    """How many ``{{``, ``{%`` and ``{#`` a part holds, and how long they are together, read as
    Jinja will read them (docxtpl drops the Word markup inside a placeholder). One forward pass;
    an unclosed opener counts up to the end of the part. Only called on well-formed XML, where
    every ``<`` has its ``>``, so the markup pattern cannot backtrack over the whole part."""
    text = re.sub(rb"<[^>]*>", b"", data)
    count = text.count(b"{{") + text.count(b"{%") + text.count(b"{#")
    if count > MAX_PLACEHOLDERS:
        return count, 0
    length = 0
    position = 0
    while (opener := _OPENER.search(text, position)) is not None:
        start = opener.start()
        end = text.find(_CLOSERS[opener.group()], start + 2)
        if end < 0:
            return count, length + len(text) - start
        length += end + 2 - start
        position = end + 2
    return count, length


def _check_content_types(root: Any, problems: _Problems) -> None:
    for element in root.iter():
        content_type = str(element.get("ContentType", "")).lower()
        for fragment, what in _REFUSED_CONTENT_TYPES.items():
            if fragment in content_type:
                problems.add(
                    f"Het sjabloon bevat {what}; dat is in een sjabloon niet toegestaan. Sla het "
                    "in Word op als 'Word-document (*.docx)' zonder macro's of objecten."
                )


def _check_relationships(shown: str, root: Any, problems: _Problems) -> None:
    for relationship in root.iter(_RELATIONSHIP):
        kind = str(relationship.get("Type", "")).rstrip("/").rsplit("/", 1)[-1]
        target = str(relationship.get("Target", ""))
        what = _REFUSED_RELATIONSHIPS.get(kind.lower())
        if what is not None:
            problems.add(
                f"Het sjabloon bevat {what} ('{shown}'); dat is in een sjabloon niet toegestaan."
            )
            continue
        external = str(relationship.get("TargetMode", "")).lower() == "external"
        # A target with a scheme or a network path leaves the package whether or not the
        # relationship says so: LibreOffice follows Target="http://..." without TargetMode.
        if not external and not _outside(target):
            continue
        if kind.lower() == "hyperlink" and _web_link(target):
            continue
        if kind.lower() == "attachedtemplate":
            problems.add(
                f"Het sjabloon is gekoppeld aan een documentsjabloon buiten het bestand "
                f"('{_shown(target)}'); Word en de PDF-omzetting zouden die ophalen. Ontkoppel de "
                "documentsjabloon in Word (Ontwikkelaars > Documentsjabloon) en sla opnieuw op."
            )
            continue
        problems.add(
            f"Het sjabloon verwijst naar iets buiten het document ({_shown(kind)}: "
            f"'{_shown(target)}'); alleen gewone links naar een website of e-mailadres mogen. "
            "Verwijder de koppeling (bijvoorbeeld een gekoppelde documentsjabloon of afbeelding)."
        )


def _outside(target: str) -> bool:
    stripped = target.strip()
    if stripped.startswith(("\\\\", "//")):
        return True
    try:
        return bool(urlsplit(stripped).scheme)
    except ValueError:
        return True


def _web_link(target: str) -> bool:
    try:
        return urlsplit(target.strip()).scheme.lower() in _HYPERLINK_SCHEMES
    except ValueError:
        return False


def _field_codes(root: Any) -> Iterator[str]:
    """The instruction of each field: ``w:fldSimple`` carries it whole, a complex field spreads
    it over ``w:instrText`` runs between its begin and separate (or end) marks."""
    open_fields: list[list[str] | None] = []
    for element in root.iter(f"{_W}fldSimple", f"{_W}fldChar", f"{_W}instrText"):
        if element.tag == f"{_W}fldSimple":
            yield str(element.get(f"{_W}instr", ""))
        elif element.tag == f"{_W}instrText":
            if open_fields and open_fields[-1] is not None:
                open_fields[-1].append(element.text or "")
        else:
            mark = element.get(f"{_W}fldCharType")
            if mark == "begin":
                open_fields.append([])
            elif mark in ("separate", "end") and open_fields:
                parts = open_fields.pop() if mark == "end" else open_fields[-1]
                if parts is not None:
                    yield "".join(parts)
                if mark == "separate":
                    open_fields[-1] = None
    for parts in open_fields:
        if parts is not None:
            yield "".join(parts)


def unknown_placeholders(prepared: docx_render.PreparedTemplate, kind: str) -> list[str]:
    """Every path the template reads that the kind's catalogue does not offer, sorted."""
    return _unknown(prepared.variables(), CATALOGUES[kind])


def _unknown(variables: dict[str, set[str]], catalogue: Catalogue) -> list[str]:
    paths = {path for group in variables.values() for path in group}
    return sorted(path for path in paths if _miss(path, catalogue) is not None)


def _miss(path: str, catalogue: Catalogue) -> str | None:
    """Why ``path`` is not in the catalogue (a Dutch sentence), or None when it is."""
    spec: Any = catalogue
    walked = ""
    for segment in path.split("."):
        name = segment.split("[]", 1)[0]
        if not isinstance(spec, dict):
            return (
                f"Onbekend veld in het sjabloon: {{{{ {path} }}}}; {_described(walked, spec)} en "
                f"heeft geen onderdeel '{name}'."
            )
        if name not in spec:
            return _unknown_name(path, name, walked, spec)
        spec = spec[name]
        walked = f"{walked}.{name}" if walked else name
        for _ in range(segment.count("[]")):
            if not isinstance(spec, list):
                return (
                    f"Onbekend veld in het sjabloon: {{{{ {path} }}}}; {_described(walked, spec)}"
                    ", geen lijst, en kan niet in een {% for %}-lus staan."
                )
            spec = spec[0]
            walked += "[]"
    return None


def _unknown_name(path: str, name: str, walked: str, level: Catalogue) -> str:
    known = ", ".join(sorted(level))
    close = difflib.get_close_matches(name, sorted(level), n=1, cutoff=0.75)
    if not walked:
        return (
            f"Onbekend veld in het sjabloon: {{{{ {name} }}}}."
            + (f" Bedoelt u {{{{ {close[0]} }}}}?" if close else "")
            + f" Bekende velden zijn: {known}."
        )
    if walked.endswith("[]"):
        items = walked.removesuffix("[]")
        where = f"bij elk item van {items} ({{{{ {path} }}}}, in een {{% for %}}-lus over {items})"
        owner = f"Een item van {items}"
    else:
        where = f"van {walked} ({{{{ {path} }}}})"
        owner = walked[0].upper() + walked[1:]
    return (
        f"Onbekend veld in het sjabloon: '{name}' {where}."
        + (f" Bedoelt u '{close[0]}'?" if close else "")
        + f" {owner} heeft alleen: {known}."
    )


def _described(walked: str, spec: Any) -> str:
    kind = "een lijst" if isinstance(spec, list) else "een tekst"
    if walked.endswith("[]"):
        return f"elk item van {walked.removesuffix('[]')} is {kind}"
    return f"{walked} is {kind}"


# The child process that reads an uploaded template's code. Its own work is bounded by the
# renderer's budgets; these limits are for what those do not count (imports, the XML check of
# a large output, a bug). The render with the longest values takes about a second.
CHILD_SECONDS = 15.0
CHILD_MEMORY_MB = 512


def check_template(
    content: bytes, kind: str, *, sample: Mapping[str, Any] | None = None
) -> TemplateReport:
    """Runs every check on an uploaded template of ``kind`` and, given ``sample`` values, fills
    it with them for the preview; raises ``TemplateRefused`` with the problems found.

    The archive is checked here. Everything that reads the template code (parsing, the allowed
    constructs, the known fields, compiling, the render with the longest values, the render
    with the sample values) runs in a child process with time and memory limits (S2): Jinja
    folds constant expressions while it compiles, so even compiling an unchecked template would
    run part of it in the web worker.
    """
    if kind not in CATALOGUES:
        raise ValueError(f"unknown document kind {kind!r}")
    check_archive(content)
    answer = _in_child(content, kind, sample, check=True)
    return TemplateReport(
        fields_used=[str(name) for name in answer["fields_used"]],
        missing_fields=[str(path) for path in answer["missing_fields"]],
        preview=bytes.fromhex(str(answer["document"])) if answer.get("document") else None,
    )


def render_sample(content: bytes, kind: str, sample: Mapping[str, Any]) -> bytes:
    """A stored version filled with the sample values, in the same child process (the preview
    a beheerder downloads before activating it)."""
    answer = _in_child(content, kind, sample, check=False)
    return bytes.fromhex(str(answer["document"]))


def _in_child(
    content: bytes, kind: str, sample: Mapping[str, Any] | None, *, check: bool
) -> dict[str, Any]:
    payload = json.dumps(
        {
            "template": content.hex(),
            "kind": kind,
            "check": check,
            "context": (
                None if sample is None else docx_render.context_json(sample, with_images=True)
            ),
        }
    ).encode("utf-8")
    try:
        output = child_process.run_limited(
            "workflows.documents.engine.template_probe",
            payload,
            seconds=CHILD_SECONDS,
            memory_mb=CHILD_MEMORY_MB,
        )
    except child_process.ChildFailed as failed:
        why = {
            child_process.TIMEOUT: "het duurde te lang",
            child_process.MEMORY: "het gebruikte te veel geheugen",
        }.get(failed.reason, "het proces stopte onverwacht")
        raise TemplateRefused(
            [
                f"Het sjabloon kon niet veilig worden gecontroleerd en gevuld ({why}); het is "
                "niet opgeslagen."
            ]
        ) from failed
    answer: dict[str, Any] = json.loads(output)
    if answer.get("problems"):
        raise TemplateRefused([str(problem) for problem in answer["problems"]][: MAX_PROBLEMS + 1])
    return answer


def check_rendering(content: bytes, kind: str, sample: Mapping[str, Any] | None) -> TemplateReport:
    """What the child process runs (``template_probe``): ``check_code``, then compiling, a render
    with the longest values the registers accept and, given ``sample``, one with those."""
    report = check_code(content, kind)
    prepared = _prepared(content)
    check_longest(prepared, kind)
    preview = None
    if sample is not None:
        preview = _filled(prepared, sample)
    return TemplateReport(report.fields_used, report.missing_fields, preview)


def fill_sample(content: bytes, sample: Mapping[str, Any]) -> bytes:
    """The child's side of ``render_sample``."""
    return _filled(_prepared(content), sample)


def _prepared(content: bytes) -> docx_render.PreparedTemplate:
    try:
        return docx_render.prepare(content)
    except docx_render.RenderFailed as failed:
        raise TemplateRefused([failed.message]) from failed


def _filled(prepared: docx_render.PreparedTemplate, sample: Mapping[str, Any]) -> bytes:
    try:
        return docx_render.render(prepared, sample)
    except docx_render.RenderFailed as failed:
        raise TemplateRefused([failed.message]) from failed


def check_code(content: bytes, kind: str) -> TemplateReport:
    """Stage 2, on an archive that passed ``check_archive``: the code parses, uses only
    the constructs a document template needs (``allowed_constructs``) and only the fields of
    the kind's catalogue. Parses, never compiles; meant for the child process."""
    catalogue = CATALOGUES.get(kind)
    if catalogue is None:
        raise ValueError(f"unknown document kind {kind!r}")
    try:
        trees = docx_render.parse(content)
    except docx_render.RenderFailed as failed:
        raise TemplateRefused([failed.message]) from failed
    problems = _Problems()
    try:
        for tree in trees.values():
            for problem in allowed_constructs(tree, catalogue):
                problems.add(problem)
        variables = docx_render.variables(trees.values())
    except RecursionError as error:
        raise TemplateRefused(
            ["Het sjabloon bevat een veld of blok dat te diep genest is; vereenvoudig het."]
        ) from error
    for path in _unknown(variables, catalogue):
        miss = _miss(path, catalogue)
        if miss is not None:
            problems.add(miss)
    problems.raise_if_any()
    used = {path for group in variables.values() for path in group}
    return TemplateReport(
        fields_used=sorted(variables),
        missing_fields=[leaf for leaf in _leaves(catalogue, "") if not _is_used(leaf, used)],
    )


def check_longest(prepared: docx_render.PreparedTemplate, kind: str) -> None:
    """Fills the template with the longest values the registers accept and every list at its
    most items (``rules.longest_values``): the demo data would not show that a template stays
    within the render limits with a real dossier."""
    values = longest_values(kind)
    for name in PICTURES.get(kind, frozenset()):
        values[name] = docx_render.Picture(_PIXEL, 1.0, 1.0, str(values[name]))
    try:
        docx_render.render(prepared, values)
    except docx_render.RenderFailed as failed:
        raise TemplateRefused(
            [
                "Met de langste waarden die Besluitwerk toestaat (teksten tot "
                f"{_count(LONG_TEXT)} tekens, lijsten tot {_count(REGISTER_ITEMS)} items) "
                f"lukt het vullen niet. {failed.message}"
            ]
        ) from failed


# A PNG of one white pixel, for the picture fields of the render with the longest values.
_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
    "9c63f8ffff3f0005fe02fea7359a500000000049454e44ae426082"
)

# What a document template may contain (docs/security.md S2): fields, conditions and loops over the
# list fields of its kind, and a few filters that do not make a value grow. Anything else is
# what it takes to build a value that grows without end (operators on texts, formatting,
# range(), method calls, filters such as center or indent, assignments and macros) or to nest
# loops over the characters of a text (n to the power k steps).
ALLOWED_FILTERS = ("upper", "lower", "capitalize", "title", "trim", "length", "first", "last")
_JOIN_SEPARATOR = 10
_ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "string", "number"})
_LOOP_ATTRIBUTES = frozenset(
    {"index", "index0", "revindex", "revindex0", "first", "last", "length"}
)
_STATEMENTS: dict[type[nodes.Node], str] = {
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.With: "{% with %}",
    nodes.Scope: "{% autoescape %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}",
}
_OPERATORS: dict[type[nodes.Node], str] = {
    nodes.Add: "+",
    nodes.Sub: "-",
    nodes.Mul: "*",
    nodes.Div: "/",
    nodes.FloorDiv: "//",
    nodes.Mod: "%",
    nodes.Pow: "**",
    nodes.Neg: "-",
    nodes.Pos: "+",
    nodes.Concat: "~",
}
_ALLOWED = (
    "een sjabloon mag alleen velden, {% if %} en {% for %}-lussen over de lijstvelden van de "
    "documentsoort bevatten"
)


def allowed_constructs(tree: nodes.Template, catalogue: Catalogue) -> list[str]:
    """What the tree uses beyond fields, {% if %}, {% for %} over list fields and the allowed
    filters, one Dutch sentence each."""
    found: list[str] = []
    _statements(tree.body, {}, catalogue, found)
    return list(dict.fromkeys(found))


def _statements(
    body: list[nodes.Node], loops: dict[str, Any], catalogue: Catalogue, found: list[str]
) -> None:
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    _expression(child, loops, catalogue, found)
        elif isinstance(node, nodes.If):
            _expression(node.test, loops, catalogue, found)
            _statements(node.body, loops, catalogue, found)
            _statements(list(node.elif_), loops, catalogue, found)
            _statements(node.else_, loops, catalogue, found)
        elif isinstance(node, nodes.For):
            _loop(node, loops, catalogue, found)
        else:
            shown = _STATEMENTS.get(type(node), f"het blok {type(node).__name__}")
            found.append(f"Het sjabloon gebruikt {shown}; {_ALLOWED}.")


def _loop(node: nodes.For, loops: dict[str, Any], catalogue: Catalogue, found: list[str]) -> None:
    spec = _spec(node.iter, loops, catalogue)
    path = _shown_path(node.iter)
    if node.recursive:
        found.append(f"Het sjabloon gebruikt een recursieve {{% for %}}-lus; {_ALLOWED}.")
    if not isinstance(node.target, nodes.Name):
        found.append(
            f"Het sjabloon gebruikt een {{% for %}}-lus met meer dan één lusvariabele; {_ALLOWED}."
        )
    if isinstance(spec, list):
        item = spec[0]
    elif isinstance(spec, str | dict):
        found.append(
            f"Het sjabloon gebruikt een {{% for %}}-lus over {path}, dat geen lijstveld is maar "
            "een tekst: zo'n lus herhaalt zich voor elke letter, en lussen daarin voor elke "
            f"combinatie van letters; {_ALLOWED}."
        )
        item = None
    elif spec is _UNKNOWN:
        # An unknown name: the field check names it.
        item = None
    else:
        found.append(
            f"Het sjabloon gebruikt een {{% for %}}-lus over {_described_node(node.iter)}, "
            f"dat geen lijstveld is; {_ALLOWED}."
        )
        item = None
    inner = dict(loops)
    inner["loop"] = _LOOP
    if isinstance(node.target, nodes.Name):
        inner[node.target.name] = item if item is not None else _UNKNOWN
    if node.test is not None:
        _expression(node.test, inner, catalogue, found)
    _statements(node.body, inner, catalogue, found)
    _statements(node.else_, loops, catalogue, found)


_UNKNOWN = object()
_LOOP = object()
_NOT_A_FIELD = object()


def _spec(node: nodes.Node, loops: dict[str, Any], catalogue: Catalogue) -> Any:
    """What a field path stands for: a description (a text), a nested catalogue, a list; or
    _UNKNOWN for a name outside the catalogue, _NOT_A_FIELD for anything but a path."""
    if isinstance(node, nodes.Name) and node.ctx == "load":
        if node.name in loops:
            return loops[node.name]
        return catalogue.get(node.name, _UNKNOWN)
    if isinstance(node, nodes.Getattr):
        base = _spec(node.node, loops, catalogue)
        if base is _LOOP:
            return _LOOP_VALUE if node.attr in _LOOP_ATTRIBUTES else _NOT_A_FIELD
        if isinstance(base, dict):
            return base.get(node.attr, _UNKNOWN)
        return _UNKNOWN if base is not _NOT_A_FIELD else _NOT_A_FIELD
    return _NOT_A_FIELD


_LOOP_VALUE = "loop"


def _expression(
    node: nodes.Node, loops: dict[str, Any], catalogue: Catalogue, found: list[str]
) -> None:
    if isinstance(node, nodes.Const):
        return
    if isinstance(node, nodes.Name | nodes.Getattr):
        spec = _spec(node, loops, catalogue)
        base: nodes.Node = node
        while isinstance(base, nodes.Getattr):
            base = base.node
        if spec is _LOOP:
            found.append(f"Het sjabloon gebruikt loop zonder onderdeel; {_ALLOWED}.")
        elif spec is _NOT_A_FIELD and isinstance(base, nodes.Name):
            found.append(f"Het sjabloon gebruikt {_shown_path(node)}; {_ALLOWED}.")
        elif spec is _NOT_A_FIELD:
            found.append(
                f"Het sjabloon gebruikt een onderdeel (.{_first_attribute(node)}) van iets "
                f"anders dan een veld; {_ALLOWED}."
            )
            _expression(base, loops, catalogue, found)
        return
    if isinstance(node, nodes.Filter):
        _filter(node, loops, catalogue, found)
        return
    if isinstance(node, nodes.Test):
        if node.name not in _ALLOWED_TESTS or node.args or node.kwargs:
            found.append(f"Het sjabloon gebruikt de test 'is {node.name}'; {_ALLOWED}.")
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            found.append(f"Het sjabloon gebruikt de test 'is {node.name}'; {_ALLOWED}.")
        _expression(node.node, loops, catalogue, found)
        return
    if isinstance(node, nodes.And | nodes.Or):
        _expression(node.left, loops, catalogue, found)
        _expression(node.right, loops, catalogue, found)
        return
    if isinstance(node, nodes.Not):
        _expression(node.node, loops, catalogue, found)
        return
    if isinstance(node, nodes.Compare):
        if any(operand.op not in ("eq", "ne") for operand in node.ops):
            found.append(f"Het sjabloon gebruikt een vergelijking anders dan == of !=; {_ALLOWED}.")
        _expression(node.expr, loops, catalogue, found)
        for operand in node.ops:
            _expression(operand.expr, loops, catalogue, found)
        return
    if isinstance(node, nodes.CondExpr):
        for part in (node.test, node.expr1, node.expr2):
            if part is not None:
                _expression(part, loops, catalogue, found)
        return
    found.append(f"Het sjabloon gebruikt {_described_node(node)}; {_ALLOWED}.")
    # What stands inside is named too: 'a' * 10 ** 8 uses both * and **.
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Expr):
            _expression(child, loops, catalogue, found)
        elif isinstance(child, nodes.Keyword | nodes.Pair):
            for value in child.iter_child_nodes():
                _expression(value, loops, catalogue, found)


def _filter(
    node: nodes.Filter, loops: dict[str, Any], catalogue: Catalogue, found: list[str]
) -> None:
    inner: nodes.Node | None = node.node
    while isinstance(inner, nodes.Filter):
        inner = inner.node
    allowed = ", ".join(f"|{name}" for name in (*ALLOWED_FILTERS, "join"))
    if node.name == "join":
        separator = node.args[0] if node.args else nodes.Const("")
        good = (
            len(node.args) <= 1
            and not node.kwargs
            and isinstance(separator, nodes.Const)
            and isinstance(separator.value, str)
            and len(separator.value) <= _JOIN_SEPARATOR
            and node.node is not None
            and isinstance(_spec(node.node, loops, catalogue), list)
        )
        if not good:
            found.append(
                "Het sjabloon gebruikt |join anders dan op een lijstveld met een korte vaste "
                f"tekst ertussen (ten hoogste {_JOIN_SEPARATOR} tekens), zoals "
                "{{ handelingen|join(', ') }}; " + f"{_ALLOWED}."
            )
    elif node.name not in ALLOWED_FILTERS or node.args or node.kwargs:
        shown = f"het filter |{node.name}" + ("(…)" if node.args or node.kwargs else "")
        found.append(
            f"Het sjabloon gebruikt {shown}; {_ALLOWED}, met hooguit de filters {allowed} "
            "(zonder argumenten, behalve de tekst tussen de items bij |join)."
        )
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        found.append(f"Het sjabloon gebruikt het filter |{node.name} met *-argumenten.")
    if inner is None or not isinstance(inner, nodes.Name | nodes.Getattr):
        found.append(
            f"Het sjabloon gebruikt het filter |{node.name} op iets anders dan een veld; "
            f"{_ALLOWED}."
        )
    elif node.node is not None and not isinstance(node.node, nodes.Filter):
        _expression(node.node, loops, catalogue, found)
    elif node.node is not None:
        _filter(node.node, loops, catalogue, found)


def _first_attribute(node: nodes.Node) -> str:
    attribute = ""
    while isinstance(node, nodes.Getattr):
        attribute, node = node.attr, node.node
    return attribute


def _described_node(node: nodes.Node) -> str:
    if type(node) in _OPERATORS:
        return f"de bewerking '{_OPERATORS[type(node)]}' (rekenen of tekst opbouwen)"
    if isinstance(node, nodes.Call):
        if isinstance(node.node, nodes.Name) and node.node.name == "range":
            return "range()"
        if isinstance(node.node, nodes.Getattr):
            return f"de methode .{node.node.attr}()"
        return "een functieaanroep"
    if isinstance(node, nodes.Getitem | nodes.Slice):
        return "[…] achter een waarde"
    if isinstance(node, nodes.List | nodes.Tuple | nodes.Dict):
        return "een lijst of tabel in het sjabloon zelf"
    return f"de uitdrukking {type(node).__name__}"


def _shown_path(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_shown_path(node.node)}.{node.attr}"
    return "?"


def _leaves(node: Catalogue, prefix: str) -> list[str]:
    leaves: list[str] = []
    for name, spec in sorted(node.items()):
        path = f"{prefix}{name}"
        if isinstance(spec, dict):
            leaves.extend(_leaves(spec, f"{path}."))
        elif isinstance(spec, list) and isinstance(spec[0], dict):
            leaves.extend(_leaves(spec[0], f"{path}[]."))
        elif isinstance(spec, list):
            leaves.append(f"{path}[]")
        else:
            leaves.append(path)
    return leaves


def _is_used(leaf: str, used: set[str]) -> bool:
    # ``{{ handelingen|join(', ') }}`` reads the items of a list of texts without a loop.
    whole_list = leaf.removesuffix("[]")
    return any(
        path in (leaf, whole_list) or path.startswith((f"{leaf}.", f"{leaf}[")) for path in used
    )


def _size(size: int) -> str:
    megabytes = size / _MB
    if megabytes >= 10 or megabytes == int(megabytes):
        return f"{megabytes:.0f} MB"
    return f"{megabytes:.1f} MB".replace(".", ",")


def _count(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _shown(text: str) -> str:
    """A name from the file, safe to show and log: no control characters, not too long."""
    cleaned = "".join(character if character.isprintable() else "?" for character in text)
    return cleaned if len(cleaned) <= 80 else f"{cleaned[:77]}..."
