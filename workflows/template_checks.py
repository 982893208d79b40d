"""Checking an uploaded Word template before it can be activated (DESIGN.md §6; SECURITY.md S2
to S5, S7).

Three stages, each only when the one before it passed:

1. ``check_archive``: the bytes are a plain ``.docx`` and nothing else. Size, zip magic and the
   central directory (entry count, declared sizes, compression ratios, names, forbidden parts)
   are checked before anything is inflated; then each entry is inflated by hand against the size
   its header declares, and every XML part is parsed without DTDs or entities and checked for
   macro content types, embedded objects, external relationships and fields that fetch or start
   something outside the document. The placeholders are counted and measured, so that compiling
   them (next stage, in the worker) stays cheap (S2).
2. ``docx_render.prepare``: the placeholders compile as Jinja.
3. ``unknown_placeholders``: every placeholder is a field of the document kind's catalogue.

The test render with the demo data (time and memory limits, child process) is the caller's.
Every problem is a Dutch sentence for the beheerder who uploaded the file.
"""

from __future__ import annotations

import difflib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from jinja2 import nodes
from lxml import etree

from workflows import docx_render
from workflows.rules.document_fields import CATALOGUES, Catalogue

_MB = 1024 * 1024
MAX_BYTES = 5 * _MB
MAX_ENTRIES = 1000
MAX_UNCOMPRESSED = 50 * _MB
MAX_RATIO = 100
# A part that inflates to a few hundred KB says little through its ratio (Word's styles.xml is
# ~30:1, a long empty table more) and the total cap bounds it anyway; the ratio is for big ones.
RATIO_CHECKED_FROM = 1 * _MB
# Compiling placeholders costs the worker ~15 s per MB of template code, so the code is bounded
# before it is compiled (S2). The shipped templates have under 50 placeholders and 1 000
# characters of code.
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
# Relationship types (last part of the Type URI, lower case) that carry code or foreign objects.
_REFUSED_RELATIONSHIPS = {
    "vbaproject": "macro's (VBA)",
    "wordvbadata": "macro's (VBA)",
    "oleobject": "een ingesloten object (OLE)",
    "package": "een ingesloten bestand",
    "control": "een ActiveX-besturingselement",
    "activexcontrolbinary": "een ActiveX-besturingselement",
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
    """A template that passed: its compiled form, the top-level fields it uses, and the
    catalogue fields it leaves out (a warning for the beheerder, not a refusal) as paths in the
    notation of ``document_fields.field_names`` (``conceptbesluit[].nummer``)."""

    prepared: docx_render.PreparedTemplate
    fields_used: list[str]
    missing_fields: list[str]


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
    """Refuses anything but a plain .docx (S3, S4, S5) and more template code than compiles
    quickly (S2); raises ``TemplateRefused`` with every problem found."""
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


def _check_xml(name: str, data: bytes, parser: etree.XMLParser, problems: _Problems) -> bool:
    """Whether the part is well-formed XML without a DTD (its other problems are added)."""
    shown = _shown(name)
    doctype = (
        f"Het onderdeel '{shown}' bevat een DOCTYPE- of ENTITY-declaratie; die horen niet in een "
        "Word-document en worden om veiligheidsredenen geweigerd."
    )
    # Refused before the parser sees it; the docinfo check below catches the same declarations
    # in a part encoded as UTF-16, where these bytes do not occur.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        problems.add(doctype)
        return False
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        problems.add(f"Het onderdeel '{shown}' is geen geldige XML.")
        return False
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        problems.add(doctype)
        return False
    if name == "[Content_Types].xml":
        _check_content_types(root, problems)
    elif name.lower().endswith(".rels"):
        _check_relationships(shown, root, problems)
    elif name.startswith("word/"):
        for code in _field_codes(root):
            words = code.split()
            if words and words[0].upper() in _REFUSED_FIELDS:
                problems.add(
                    f"Het sjabloon bevat een Word-veld {words[0].upper()} ('{shown}'), dat iets "
                    "van buiten het document ophaalt of start; zulke velden zijn niet toegestaan."
                )
    return True


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
        if str(relationship.get("TargetMode", "")).lower() != "external":
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


def check_template(content: bytes, kind: str) -> TemplateReport:
    """Runs every check on an uploaded template of ``kind``; raises ``TemplateRefused`` with all
    problems found. Does not render: the caller test-renders in a child process."""
    catalogue = CATALOGUES.get(kind)
    if catalogue is None:
        raise ValueError(f"unknown document kind {kind!r}")
    check_archive(content)
    try:
        prepared = docx_render.prepare(content)
    except docx_render.RenderFailed as failed:
        raise TemplateRefused([failed.message]) from failed
    variables = prepared.variables()
    problems = _Problems()
    for statement in _statement_problems(prepared):
        problems.add(statement)
    for path in _unknown(variables, catalogue):
        problem = _miss(path, catalogue)
        if problem is not None:
            problems.add(problem)
    problems.raise_if_any()
    used = {path for group in variables.values() for path in group}
    return TemplateReport(
        prepared=prepared,
        fields_used=sorted(variables),
        missing_fields=[leaf for leaf in _leaves(catalogue, "") if not _is_used(leaf, used)],
    )


# A document template needs fields, conditions and loops over the lists a kind offers; anything
# more (assignments, macros, includes) is also what it takes to build a value that grows without
# end inside the worker, where no test render with the demo data would have noticed it.
_STATEMENTS = {
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.Extends: "{% extends %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.With: "{% with %}",
}


def _statement_problems(prepared: docx_render.PreparedTemplate) -> list[str]:
    found: list[str] = []
    for tree in prepared.trees():
        for node in tree.find_all((nodes.Stmt,)):
            for kind, shown in _STATEMENTS.items():
                if isinstance(node, kind) and shown not in found:
                    found.append(shown)
            if isinstance(node, nodes.For) and not _field_or_range(node.iter):
                found.append("{% for %} over iets anders dan een lijstveld of range()")
    return [
        f"Het sjabloon gebruikt {shown}; een sjabloon mag alleen velden, {{% if %}} en "
        "{% for %}-lussen over de lijstvelden van de documentsoort (of range()) bevatten."
        for shown in dict.fromkeys(found)
    ]


def _field_or_range(node: nodes.Node) -> bool:
    if isinstance(node, nodes.Name):
        return True
    if isinstance(node, nodes.Getattr):
        return _field_or_range(node.node)
    if isinstance(node, nodes.Filter):
        return (
            node.name in ("reverse", "sort")
            and node.node is not None
            and _field_or_range(node.node)
        )
    return (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "range"
        and all(isinstance(argument, nodes.Const) for argument in node.args)
    )


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
