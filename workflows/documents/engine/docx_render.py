"""Filling Word templates safely and fast (docs/architecture.md §6; docs/security.md S1, S2, S6,
S7).

docxtpl knows how to turn a Word file into a Jinja template (placeholders that Word split over
several runs, ``{%p %}`` and ``{%tr %}`` blocks); we use that part of it and nothing more. Its
own ``render`` runs template code unsandboxed, renders a missing field as a blank, and parses and
compiles the template again for every document. Here instead:

- every part that can hold placeholders (body, headers, footers, foot- and endnotes, the
  document properties with the title) is compiled once per template version, in a
  ``SandboxedEnvironment`` with autoescape and ``StrictUndefined``, and the compiled template is
  reused for every document made from that version (the cache is keyed by the sha256 of the
  template file, so a template replaced during a render cannot change that render);
- every render is bounded by budgets that depend on neither the template nor the data (S2):
  each loop step, macro call and filter costs work units from one budget per document, a
  value may not grow past ``MAX_VALUE_CHARACTERS``, a document's output past
  ``MAX_OUTPUT_CHARACTERS``; only a few callables and harmless filters exist, no operator can
  be folded while compiling (Jinja's constant folding would run it before any limit), and the
  compiled-template cache is capped in bytes. Uploaded templates are checked, compiled and
  test-rendered only in a child process with time and memory limits (``template_checks``);
- a value is escaped for XML and its line breaks and tabs become Word's own, so that
  ``Zorg & Co <B.V.>`` or ``{{ 7*7 }}`` come out exactly as typed; a field whose value is
  missing (``None``) is an error, never a blank.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import (
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    Undefined,
    UndefinedError,
    nodes,
    pass_context,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Macro
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

# The parts of a .docx that may hold placeholders.
_RENDERED_PART = re.compile(
    r"^(word/document\.xml|word/header\d*\.xml|word/footer\d*\.xml|word/footnotes\.xml"
    r"|word/endnotes\.xml|docProps/core\.xml)$"
)
_PROPERTIES_PART = "docProps/core.xml"

MAX_RANGE = 1000
MAX_RANGE_STEPS = 100_000
# The output of one whole document, all parts together: a template with many header parts
# must not multiply a per-part limit.
MAX_OUTPUT_CHARACTERS = 20_000_000
MAX_VALUE_CHARACTERS = 1_000_000
# Work units one document may use. A unit is about one evaluated template node (0.3 to 0.5
# microseconds): a loop step costs the size of the loop's body, a macro call the size of the
# macro, a filter or operator one unit per 250 characters it reads or makes. A template that
# spends all of it stops after about half a second in the worker.
MAX_WORK = 1_000_000
_CHARACTERS_PER_UNIT = 250
_MACRO_CALL = 10
_SAFE_FILTERS = (
    "capitalize",
    "count",
    "default",
    "d",
    "first",
    "join",
    "last",
    "length",
    "lower",
    "title",
    "trim",
    "upper",
)

_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'
_SECURE_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


@dataclass(frozen=True)
class Picture:
    """An image placed where a field stands in the body (a chart in a report): a PNG, its size
    in the document, and the alternative text that screen readers and the tagged PDF carry."""

    png: bytes
    width_cm: float
    height_cm: float
    description: str


@dataclass
class _Placed:
    """The pictures placed in the body being rendered: each distinct one is stored once, and
    every place gets a drawing id of its own (wp:docPr ids must be unique in a document)."""

    first_id: int
    pictures: list[Picture] = field(default_factory=list)
    places: int = 0


# None outside the body, where no picture may stand.
_PLACED: ContextVar[_Placed | None] = ContextVar("_PLACED", default=None)
_EMU_PER_CM = 360_000
# A template could repeat a picture field in a loop; each distinct picture is one media part.
MAX_PICTURES = 20
MAX_PICTURE_PLACES = 100
_DRAWING_ID = re.compile(r"<wp:docPr\b[^>]*?\bid=\"(\d+)\"")
_BODY_PART = "word/document.xml"
_BODY_RELATIONSHIPS = "word/_rels/document.xml.rels"
_CONTENT_TYPES = "[Content_Types].xml"
_IMAGE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_PACKAGE_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
# The namespaces are declared on the elements themselves, so the picture does not depend on
# what the template's root element happens to declare.
_PICTURE_RUN = (
    "</w:t></w:r><w:r><w:drawing>"
    '<wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
    ' distT="0" distB="0" distL="0" distR="0">'
    '<wp:extent cx="{cx}" cy="{cy}"/>'
    '<wp:docPr id="{id}" name="Afbeelding {number}" descr="{descr}"/>'
    "<wp:cNvGraphicFramePr>"
    '<a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    ' noChangeAspect="1"/></wp:cNvGraphicFramePr>'
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:nvPicPr><pic:cNvPr id="{id}" name="{name}" descr="{descr}"/><pic:cNvPicPr/>'
    "</pic:nvPicPr>"
    '<pic:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships" r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
    '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
    "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    '<w:r><w:t xml:space="preserve">'
)


_PICTURE_KEY = "__afbeelding__"


def context_json(context: Mapping[str, Any], *, with_images: bool) -> str:
    """The context as canonical JSON. ``with_images=False`` is what a document's input hash
    is taken over: a picture by what it shows (its alternative text states every value) and
    its size, not by its PNG bytes, which depend on the Pillow, zlib and font of the host.
    ``with_images=True`` carries the PNG too, for the child of a test render
    (``context_from_json``)."""

    def encode(value: Any) -> Any:
        if isinstance(value, Picture):
            fields: dict[str, Any] = {
                "width_cm": value.width_cm,
                "height_cm": value.height_cm,
                "description": value.description,
            }
            if with_images:
                fields["png"] = base64.b64encode(value.png).decode("ascii")
            return {_PICTURE_KEY: fields}
        raise TypeError(f"{type(value).__name__} hoort niet in de gegevens van een document")

    return json.dumps(
        context, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=encode
    )


def context_from_json(text: str) -> dict[str, Any]:
    def decode(value: dict[str, Any]) -> Any:
        if set(value) == {_PICTURE_KEY}:
            fields = value[_PICTURE_KEY]
            return Picture(
                png=base64.b64decode(fields["png"], validate=True),
                width_cm=float(fields["width_cm"]),
                height_cm=float(fields["height_cm"]),
                description=str(fields["description"]),
            )
        return value

    decoded: dict[str, Any] = json.loads(text, object_hook=decode)
    return decoded


def _picture_run(picture: Picture) -> Markup:
    placed = _PLACED.get()
    if placed is None:
        raise ValueError("een afbeelding kan alleen in de hoofdtekst staan")
    if picture in placed.pictures:
        number = placed.pictures.index(picture) + 1
    elif len(placed.pictures) >= MAX_PICTURES:
        raise ValueError(f"een document kan ten hoogste {MAX_PICTURES} afbeeldingen bevatten")
    else:
        placed.pictures.append(picture)
        number = len(placed.pictures)
    placed.places += 1
    if placed.places > MAX_PICTURE_PLACES:
        raise ValueError(
            f"een document kan ten hoogste {MAX_PICTURE_PLACES} keer een afbeelding tonen"
        )
    run = _PICTURE_RUN.format(
        cx=round(picture.width_cm * _EMU_PER_CM),
        cy=round(picture.height_cm * _EMU_PER_CM),
        id=placed.first_id + placed.places - 1,
        number=number,
        name=_picture_name(number),
        # An attribute keeps no line breaks; other characters (a no-break space) stay as given.
        descr=escape(re.sub(r"[\t\n\r]+", " ", _xml_text(picture.description))),
        rid=_picture_relationship(number),
    )
    return Markup(run)  # noqa: S704 - our own fixed markup; the one text in it is escaped


def _picture_name(number: int) -> str:
    return f"besluitwerk-afbeelding-{number}.png"


def _picture_relationship(number: int) -> str:
    return f"rIdBesluitwerkAfbeelding{number}"


class RenderFailed(Exception):
    """A template could not be compiled or filled; ``message`` says why, in Dutch."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Exhausted(Exception):
    """A render used up one of its budgets; ``reason`` says which, in Dutch."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The work units the document being rendered may still use (None outside a render).
_WORK_LEFT: ContextVar[list[int] | None] = ContextVar("_WORK_LEFT", default=None)


def _charge(units: int) -> None:
    left = _WORK_LEFT.get()
    if left is None:
        return
    left[0] -= units
    if left[0] < 0:
        limit = f"{MAX_WORK:,}".replace(",", ".")
        raise _Exhausted(
            f"het vraagt meer dan {limit} rekenstappen (lussen, herhalingen of filters)"
        )


def _size(value: Any, depth: int = 0) -> int:
    """Roughly how many characters a value holds, nested values included (to a few levels)."""
    if isinstance(value, str):
        return len(value)
    if depth < 3 and isinstance(value, list | tuple):
        return len(value) + sum(_size(item, depth + 1) for item in value)
    if depth < 3 and isinstance(value, dict):
        return len(value) + sum(_size(item, depth + 1) for item in value.values())
    return 1


class _Charged:
    """What a ``{% for %}`` walks: the same items, each step charged the size of the loop."""

    __slots__ = ("_cost", "_items")

    def __init__(self, items: Any, cost: int) -> None:
        self._items = items
        self._cost = cost

    def __iter__(self) -> Iterator[Any]:
        for item in self._items:
            _charge(self._cost)
            yield item

    def __len__(self) -> int:
        return len(self._items)


def _charged_loop(items: Any, cost: int) -> _Charged:
    return _Charged(items, cost)


def _charged_work(cost: int) -> str:
    _charge(cost)
    return ""


def _charged_filter(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """The filter, charged by what it reads, and marked as needing the context so that Jinja
    never runs it while compiling (a filter on constants would otherwise be folded then)."""
    passes = getattr(getattr(function, "jinja_pass_arg", None), "name", None)

    @pass_context
    def charged(context: Any, value: Any, *arguments: Any, **keywords: Any) -> Any:
        size = _size(value)
        if name == "join":
            separator = arguments[0] if arguments else keywords.get("d", "")
            items = len(value) if isinstance(value, list | tuple | str) else 0
            size += max(items - 1, 0) * len(str(separator))
            if size > MAX_VALUE_CHARACTERS:
                raise SecurityError("het sjabloon maakt een te grote waarde")
        _charge(1 + size // _CHARACTERS_PER_UNIT)
        if passes == "eval_context":
            return function(context.eval_ctx, value, *arguments, **keywords)
        if passes == "environment":
            return function(context.environment, value, *arguments, **keywords)
        if passes == "context":
            return function(context, value, *arguments, **keywords)
        return function(value, *arguments, **keywords)

    return charged


class _DocumentSandbox(SandboxedEnvironment):
    # Every operator is intercepted: Jinja folds constant expressions while it compiles, and a
    # folded operator runs before any limit of ours ('%0400000000d' % 1 builds 400 MB then).
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})
    # Reached from the compiled code as environment.<name> (see _charge_steps).
    besluitwerk_loop = staticmethod(_charged_loop)
    besluitwerk_work = staticmethod(_charged_work)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("machtsverheffen is in een sjabloon niet toegestaan")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("tekst opmaken met % is in een sjabloon niet toegestaan")
        for value, count in ((left, right), (right, left)):
            if (
                isinstance(value, str | list | tuple)
                and isinstance(count, int)
                and len(value) * count > MAX_VALUE_CHARACTERS
            ):
                raise SecurityError("het sjabloon maakt een te grote waarde")
        if (
            operator == "+"
            and isinstance(left, str | list | tuple)
            and isinstance(right, str | list | tuple)
            and len(left) + len(right) > MAX_VALUE_CHARACTERS
        ):
            raise SecurityError("het sjabloon maakt een te grote waarde")
        result = super().call_binop(context, operator, left, right)
        _charge(1 + _size(result) // _CHARACTERS_PER_UNIT)
        return result

    def call(__self, __context: Any, __obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        # Only what a template needs is callable: range() and the loops and macros of the
        # template itself. A method of a value (str.ljust, str.replace, str.center) would build
        # a value of any size in one step, before any output limit sees it.
        if not (
            __obj is _capped_range
            or __obj is _charged_loop
            or __obj is _charged_work
            or isinstance(__obj, Macro | Undefined)
        ):
            raise SecurityError("een sjabloon mag geen functies of methodes aanroepen")
        return super().call(__context, __obj, *args, **kwargs)


# The steps range() may still take in the part being rendered. A cap per call alone lets
# nested loops multiply (three loops of 1000 that print nothing are 10**9 steps and never reach
# the output cap), so all ranges of one part share a budget.
_RANGE_STEPS_LEFT: ContextVar[list[int] | None] = ContextVar("_RANGE_STEPS_LEFT", default=None)


def _capped_range(*arguments: int) -> range:
    result = range(*arguments)
    if len(result) > MAX_RANGE:
        raise SecurityError(f"range() in een sjabloon telt tot ten hoogste {MAX_RANGE}")
    left = _RANGE_STEPS_LEFT.get()
    if left is not None:
        left[0] -= len(result)
        if left[0] < 0:
            raise SecurityError(
                f"alle lussen met range() samen tellen tot ten hoogste {MAX_RANGE_STEPS}"
            )
    return result


# What XML 1.0 cannot carry. Values are validated before they get here (rules/text.py); one that
# slips through would otherwise break the part, or its UTF-8 encoding (a lone surrogate) with an
# exception that is not a RenderFailed.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str) -> str:
    found = _NOT_IN_XML.search(value)
    if found is not None:
        raise ValueError(
            f"een waarde bevat het teken U+{ord(found.group()):04X} (op positie "
            f"{found.start() + 1}), dat niet in een Word-document kan staan"
        )
    return value


def _body_value(value: Any) -> Any:
    if value is None:
        raise UndefinedError("een veld zonder waarde")
    if isinstance(value, Picture):
        return _picture_run(value)
    if isinstance(value, str):
        _xml_text(value)
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        # The value is escaped first; only our own fixed break and tab markup is added.
        escaped = str(escape(value))
        return Markup(escaped.replace("\n", _BREAK).replace("\t", _TAB))  # noqa: S704
    return value


def _property_value(value: Any) -> Any:
    if value is None:
        raise UndefinedError("een veld zonder waarde")
    if isinstance(value, Picture):
        raise ValueError("een afbeelding kan niet in de documenteigenschappen staan")
    if isinstance(value, str):
        return " ".join(_xml_text(value).split())
    return value


def _environment(finalize: Callable[[Any], Any]) -> SandboxedEnvironment:
    # optimized=False: Jinja's constant folding revisits every subtree of a chain, so one
    # placeholder of 300 attribute or filter steps took over ten seconds to compile, in the worker.
    environment = _DocumentSandbox(
        autoescape=True,
        undefined=StrictUndefined,
        finalize=finalize,
        auto_reload=False,
        optimized=False,
    )
    environment.globals = {"range": _capped_range}
    environment.filters = {
        name: _charged_filter(environment.filters[name], name) for name in _SAFE_FILTERS
    }
    environment.tests = {
        name: environment.tests[name]
        for name in ("defined", "undefined", "none", "string", "number", "sameas", "eq", "ne")
        if name in environment.tests
    }
    return environment


_BODY_ENVIRONMENT = _environment(_body_value)
_PROPERTIES_ENVIRONMENT = _environment(_property_value)
# docxtpl's XML clean-up does not depend on the instance; one shared object gives us it.
_PATCHER: DocxTemplate = DocxTemplate.__new__(DocxTemplate)


@dataclass(frozen=True)
class PreparedTemplate:
    """One template version, compiled: what every render of that version reuses."""

    sha256: str
    compiled: Mapping[str, Any]
    sources: Mapping[str, str]
    entries: tuple[tuple[zipfile.ZipInfo, bytes], ...]
    # The parts without placeholders (styles.xml alone is ~350 kB), already compressed as a
    # .docx archive: a render appends its filled parts instead of compressing these again.
    unchanged: bytes
    # The first drawing id the template's own body does not use, for the pictures placed.
    free_drawing_id: int = 1
    # About the bytes this version holds in memory: the unpacked parts, the compressed unchanged
    # parts, the sources and the generated code (what the cache is capped by).
    weight: int = 0

    def variables(self) -> dict[str, set[str]]:
        """Per top-level name, the attribute paths the template reads (for the upload check)."""
        return variables(_parse_part(name, source) for name, source in self.sources.items())


def parse(content: bytes) -> dict[str, nodes.Template]:
    """The Jinja tree of every part that can hold placeholders, parsed and not compiled: what
    the upload checks walk before anything of an uploaded template is compiled (parsing runs
    no template code; compiling folds constant expressions)."""
    _, sources = _read(content)
    return {name: _parse_part(name, source) for name, source in sources.items()}


def variables(trees: Iterable[nodes.Template]) -> dict[str, set[str]]:
    """Per top-level name, the attribute paths the templates read."""
    found: dict[str, set[str]] = {}
    for tree in trees:
        _collect(tree, {}, found)
    return found


def _collect(node: nodes.Node, loops: dict[str, str], found: dict[str, set[str]]) -> None:
    """Walks the Jinja tree, recording ``name`` or ``name.part`` for each field read.

    A loop variable stands for an item of the list it walks: ``punt.tekst`` inside
    ``{% for punt in conceptbesluit %}`` is recorded as ``conceptbesluit[].tekst``.
    """
    if isinstance(node, nodes.For):
        _collect(node.iter, loops, found)
        inner = dict(loops)
        source = _path(node.iter, loops)
        if isinstance(node.target, nodes.Name) and source is not None:
            inner[node.target.name] = f"{source}[]"
        for child in (*node.body, *node.else_):
            _collect(child, inner, found)
        if node.test is not None:
            _collect(node.test, inner, found)
        return
    if isinstance(node, nodes.Getattr | nodes.Name):
        path = _path(node, loops)
        if path is not None:
            top = path.split("[]", 1)[0].split(".", 1)[0]
            found.setdefault(top, set()).add(path)
            return
    for child in node.iter_child_nodes():
        _collect(child, loops, found)


def _path(node: nodes.Node, loops: dict[str, str]) -> str | None:
    if isinstance(node, nodes.Name) and node.ctx == "load":
        if node.name in ("loop", "range"):
            return None
        return loops.get(node.name, node.name)
    if isinstance(node, nodes.Getattr):
        base = _path(node.node, loops)
        return None if base is None else f"{base}.{node.attr}"
    return None


# Compiled versions kept for reuse, capped by the bytes they hold rather than by their number:
# one version holds its whole unpacked archive, up to 50 MB with pictures, so a cap of 32
# versions pinned up to 1.6 GB in every worker. A version heavier than the cap is not kept.
MAX_CACHE_BYTES = 64 * 1024 * 1024
_CACHE: OrderedDict[str, PreparedTemplate] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def prepare(content: bytes) -> PreparedTemplate:
    """Compiles a template file once; later calls with the same bytes reuse the result."""
    sha256 = hashlib.sha256(content).hexdigest()
    with _CACHE_LOCK:
        cached = _CACHE.get(sha256)
        if cached is not None:
            _CACHE.move_to_end(sha256)
            return cached
    prepared = _compile(content, sha256)
    limit = MAX_CACHE_BYTES
    if prepared.weight <= limit:
        with _CACHE_LOCK:
            _CACHE[sha256] = prepared
            while sum(kept.weight for kept in _CACHE.values()) > limit:
                _CACHE.popitem(last=False)
    return prepared


def cached_bytes() -> int:
    """The weight of the compiled versions kept now."""
    with _CACHE_LOCK:
        return sum(kept.weight for kept in _CACHE.values())


def _read(content: bytes) -> tuple[tuple[tuple[zipfile.ZipInfo, bytes], ...], dict[str, str]]:
    """The archive's entries, and the Jinja source of each part that can hold placeholders
    (docxtpl's clean-up of the Word markup, each paragraph on a line of its own)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = tuple((info, archive.read(info)) for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise RenderFailed("Het sjabloon is geen geldig Word-bestand (.docx).") from error
    sources: dict[str, str] = {}
    for info, data in entries:
        if not _RENDERED_PART.match(info.filename):
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RenderFailed(
                f"Het sjabloononderdeel {info.filename} is geen UTF-8-tekst."
            ) from error
        sources[info.filename] = re.sub(r"<w:p([ >])", r"\n<w:p\1", _PATCHER.patch_xml(text))
    if _BODY_PART not in sources:
        raise RenderFailed("Het sjabloon mist word/document.xml en is dus geen Word-document.")
    return entries, sources


def _part_environment(part: str) -> SandboxedEnvironment:
    return _PROPERTIES_ENVIRONMENT if part == _PROPERTIES_PART else _BODY_ENVIRONMENT


def _too_deep(part: str) -> RenderFailed:
    # Jinja's parser recurses per nesting level and Python's compiler caps nesting at 200: a
    # deeply nested placeholder would otherwise escape as an internal error.
    return RenderFailed(
        f"Het sjabloon bevat een veld of blok dat te diep genest is ({_part_label(part)}); "
        "vereenvoudig het."
    )


def _parse_part(part: str, source: str) -> nodes.Template:
    try:
        return _part_environment(part).parse(source)
    except TemplateSyntaxError as error:
        raise RenderFailed(_syntax_message(part, source, error)) from error
    except (RecursionError, SyntaxError) as error:
        raise _too_deep(part) from error


def _compile_part(part: str, source: str) -> tuple[Any, int]:
    """The part's compiled template and the length of its generated Python code."""
    environment = _part_environment(part)
    tree = _parse_part(part, source)
    try:
        _charge_steps(tree, environment, part)
        python = environment.compile(tree, raw=True)
        code = compile(python, f"<{part}>", "exec")
    except TemplateSyntaxError as error:
        raise RenderFailed(_syntax_message(part, source, error)) from error
    except (RecursionError, SyntaxError) as error:
        raise _too_deep(part) from error
    template = environment.template_class.from_code(
        environment, code, environment.make_globals(None), None
    )
    return template, len(python)


def _charge_steps(tree: nodes.Template, environment: SandboxedEnvironment, part: str) -> None:
    """Makes each loop step and each macro call pay for the template code it runs, so that the
    work of a render is bounded by MAX_WORK whatever the template and the data (loops over
    long lists, nested loops, recursion that branches)."""
    for loop in list(tree.find_all(nodes.For)):
        if loop.recursive:
            # loop() would walk nested items through a path that is not charged.
            raise RenderFailed(
                f"Het sjabloon gebruikt een recursieve {{% for %}}-lus ({_part_label(part)}); "
                "dat kan niet in een sjabloon."
            )
        cost = 1 + _weight(loop.body) + _weight(loop.else_)
        if loop.test is not None:
            cost += _weight([loop.test])
        loop.iter = _charging_call("besluitwerk_loop", [loop.iter, nodes.Const(cost)], loop)
    blocks: list[nodes.Macro | nodes.CallBlock] = [
        *tree.find_all(nodes.Macro),
        *tree.find_all(nodes.CallBlock),
    ]
    for block in blocks:
        # A call costs more than its nodes: Jinja builds the macro's arguments and frame.
        cost = _MACRO_CALL + _weight(block.body)
        charge = _charging_call("besluitwerk_work", [nodes.Const(cost)], block)
        block.body.insert(0, nodes.ExprStmt(charge).set_lineno(block.lineno))
    tree.set_environment(environment)


def _charging_call(name: str, arguments: list[Any], at: nodes.Node) -> nodes.Call:
    call = nodes.Call(nodes.EnvironmentAttribute(name), arguments, [], None, None)
    call.set_lineno(at.lineno)
    return call


def _weight(body: Iterable[nodes.Node]) -> int:
    return sum(1 + sum(1 for _ in node.find_all(nodes.Node)) for node in body)


def _compile(content: bytes, sha256: str) -> PreparedTemplate:
    entries, sources = _read(content)
    compiled: dict[str, Any] = {}
    python = 0
    for name, source in sources.items():
        compiled[name], length = _compile_part(name, source)
        python += length
    unchanged = io.BytesIO()
    with zipfile.ZipFile(unchanged, "w") as out:
        for info, data in entries:
            if info.filename not in compiled:
                out.writestr(_clone(info), data, compresslevel=6)
    used = [int(found) for found in _DRAWING_ID.findall(sources[_BODY_PART])]
    weight = (
        sum(len(data) for _, data in entries)
        + unchanged.tell()
        + sum(len(source) for source in sources.values())
        + python
    )
    return PreparedTemplate(
        sha256=sha256,
        compiled=compiled,
        sources=sources,
        entries=entries,
        unchanged=unchanged.getvalue(),
        free_drawing_id=max(used, default=0) + 1,
        weight=weight,
    )


def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    clone.compress_type = zipfile.ZIP_DEFLATED
    clone.external_attr = info.external_attr
    return clone


def _syntax_message(part: str, source: str, error: TemplateSyntaxError) -> str:
    lines = source.splitlines()
    near = ""
    if error.lineno and 0 < error.lineno <= len(lines):
        near = re.sub(r"<[^>]+>", "", lines[error.lineno - 1]).strip()[:120]
    where = f" bij de tekst '{near}'" if near else ""
    return (
        f"Het sjabloon bevat een fout in een veld of blok ({_part_label(part)}){where}: "
        f"{error.message}. Controleer of elke {{{{ een }}}} heeft en elk {{% een %}}."
    )


def _part_label(part: str) -> str:
    if part == "word/document.xml":
        return "hoofdtekst"
    if part.startswith("word/header"):
        return "koptekst"
    if part.startswith("word/footer"):
        return "voettekst"
    if part == _PROPERTIES_PART:
        return "documenteigenschappen"
    return "voetnoten"


def render(prepared: PreparedTemplate, context: Mapping[str, Any]) -> bytes:
    """Fills a prepared template; the result is a complete .docx as bytes."""
    work = _WORK_LEFT.set([MAX_WORK])
    try:
        return _render(prepared, context)
    finally:
        _WORK_LEFT.reset(work)


def _render(prepared: PreparedTemplate, context: Mapping[str, Any]) -> bytes:
    rendered: dict[str, bytes] = {}
    placed = _Placed(first_id=prepared.free_drawing_id)
    output_left = [MAX_OUTPUT_CHARACTERS]
    for name, template in prepared.compiled.items():
        collecting = _PLACED.set(placed if name == _BODY_PART else None)
        try:
            text = _bounded(template.generate(context), name, output_left)
        except _Exhausted as exhausted:
            raise RenderFailed(
                f"Het sjabloon is te zwaar om te vullen ({_part_label(name)}): "
                f"{exhausted.reason}; het is afgebroken."
            ) from exhausted
        except UndefinedError as error:
            raise RenderFailed(
                f"Het sjabloon gebruikt een veld zonder waarde ({_part_label(name)}): "
                f"{_undefined_name(error)}. Een juridisch document wordt nooit met lege "
                "velden gemaakt; vul het veld in of pas het sjabloon aan."
            ) from error
        except SecurityError as error:
            raise RenderFailed(
                f"Het sjabloon probeert iets wat niet is toegestaan ({_part_label(name)}): "
                f"{_security_reason(error)}."
            ) from error
        except TemplateError as error:
            raise RenderFailed(
                f"Het sjabloon kon niet worden gevuld ({_part_label(name)}): "
                f"{str(error).rstrip('.')}."
            ) from error
        except (RecursionError, MemoryError) as error:
            raise RenderFailed(
                f"Het sjabloon is te zwaar om te vullen ({_part_label(name)})."
            ) from error
        except (TypeError, ValueError, AttributeError) as error:
            raise RenderFailed(
                f"Het sjabloon kon niet worden gevuld ({_part_label(name)}): {error}."
            ) from error
        finally:
            _PLACED.reset(collecting)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", text)
        try:
            etree.fromstring(xml.encode("utf-8"), _SECURE_XML)
        except etree.XMLSyntaxError as error:
            raise RenderFailed(
                f"Het gevulde sjabloon is geen geldige Word-opmaak meer ({_part_label(name)}); "
                "waarschijnlijk staat een blok ({%p %}, {%tr %}) op een verkeerde plaats."
            ) from error
        rendered[name] = xml.encode("utf-8")
    if placed.pictures:
        return _with_pictures(prepared, rendered, placed.pictures)
    # The unchanged parts were compressed once, by prepare; only the filled parts are added.
    output = io.BytesIO(prepared.unchanged)
    with zipfile.ZipFile(output, "a") as out:
        for info, _ in prepared.entries:
            if info.filename in rendered:
                out.writestr(_clone(info), rendered[info.filename], compresslevel=6)
    return output.getvalue()


def _with_pictures(
    prepared: PreparedTemplate, rendered: dict[str, bytes], pictures: list[Picture]
) -> bytes:
    """The package with the pictures as media parts, each with a relationship of the body and
    the PNG content type. Rarer than plain documents, so the whole package is written anew."""
    entries = dict((info.filename, data) for info, data in prepared.entries)
    if _BODY_RELATIONSHIPS not in entries or _CONTENT_TYPES not in entries:
        raise RenderFailed(
            "Het sjabloon mist de onderdelen die een afbeelding nodig heeft "
            f"({_BODY_RELATIONSHIPS}, {_CONTENT_TYPES}); sla het opnieuw op in Word."
        )
    relationships = etree.fromstring(entries[_BODY_RELATIONSHIPS], _SECURE_XML)
    taken = {r.get("Id") for r in relationships} | set(entries)
    ours = range(1, len(pictures) + 1)
    if any(
        _picture_relationship(n) in taken or f"word/media/{_picture_name(n)}" in taken for n in ours
    ):
        raise RenderFailed(
            "Het sjabloon gebruikt al de namen die Besluitwerk aan zijn afbeeldingen geeft "
            f"({_picture_relationship(1)}, {_picture_name(1)}); hernoem die in het sjabloon."
        )
    for number in ours:
        etree.SubElement(
            relationships,
            f"{{{_PACKAGE_RELATIONSHIPS_NS}}}Relationship",
            Id=_picture_relationship(number),
            Type=_IMAGE_RELATIONSHIP,
            Target=f"media/{_picture_name(number)}",
        )
    types = etree.fromstring(entries[_CONTENT_TYPES], _SECURE_XML)
    if not any(
        (d.get("Extension") or "").lower() == "png"
        for d in types.iter(f"{{{_CONTENT_TYPES_NS}}}Default")
    ):
        etree.SubElement(
            types, f"{{{_CONTENT_TYPES_NS}}}Default", Extension="png", ContentType="image/png"
        )
    changed = {
        **rendered,
        _BODY_RELATIONSHIPS: etree.tostring(relationships, xml_declaration=True, encoding="UTF-8"),
        _CONTENT_TYPES: etree.tostring(types, xml_declaration=True, encoding="UTF-8"),
    }
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as out:
        for info, data in prepared.entries:
            out.writestr(_clone(info), changed.get(info.filename, data), compresslevel=6)
        for number, picture in enumerate(pictures, start=1):
            media = zipfile.ZipInfo(f"word/media/{_picture_name(number)}", (1980, 1, 1, 0, 0, 0))
            media.compress_type = zipfile.ZIP_STORED  # a PNG is compressed already
            out.writestr(media, picture.png)
    return output.getvalue()


def _bounded(chunks: Iterator[str], part: str, output_left: list[int]) -> str:
    collected: list[str] = []
    # The template runs while its chunks are drawn, so the range budget is set around this loop.
    steps = _RANGE_STEPS_LEFT.set([MAX_RANGE_STEPS])
    try:
        for chunk in chunks:
            output_left[0] -= len(chunk)
            if output_left[0] < 0:
                raise RenderFailed(
                    f"Het gevulde sjabloon wordt te groot ({_part_label(part)}); "
                    "het sjabloon is afgebroken."
                )
            collected.append(chunk)
    finally:
        _RANGE_STEPS_LEFT.reset(steps)
    return "".join(collected)


def _security_reason(error: SecurityError) -> str:
    match = re.search(r"access to attribute '([^']+)'", str(error))
    if match is not None:
        return f"het interne onderdeel '{match.group(1)}' is in een sjabloon geblokkeerd"
    return str(error).rstrip(".")


def _undefined_name(error: UndefinedError) -> str:
    match = re.search(r"'([^']+)' (?:is undefined|has no attribute '([^']+)')", str(error))
    if match is None:
        return str(error)
    if match.group(2):
        return f"'{match.group(1)}.{match.group(2)}'"
    return f"'{match.group(1)}'"
