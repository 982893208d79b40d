"""Build the five Word templates in this folder, and the placeholder tables of its README.

Besluitwerk makes its documents (agenda form, volmacht, purchasing agreement, extension letter,
council information note) from ``.docx`` templates filled by docxtpl. The templates are the
project's own: this script writes them with python-docx so that they can be reviewed as code,
rebuilt after a change of the field catalogue (``workflows/rules/document_fields.py``) and
compared between versions. A beheerder may later upload an edited version of a template through
the app; the files written here are the starting point and the fallback.

Every placeholder lies in a run of its own, so Word never splits it. Loops and conditions use
docxtpl's paragraph (``{%p %}``) and table-row (``{%tr %}``) tags. The files contain text, tables
and fields only: no images, macros, embedded objects or external relationships (the upload check
refuses those). The output is byte-for-byte the same on every run.

Run: ``.venv/bin/python templates_docs/build.py``
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from workflows.rules.document_fields import CATALOGUES, KIND_LABELS  # noqa: E402

FONT = "Arial"
FONT_SIZE = Pt(10)
LANGUAGE = "nl-NL"
# A fixed creation date keeps the output identical between runs.
FIXED_DATE = dt.datetime(2025, 6, 1, 12, 0, 0, tzinfo=dt.UTC)
ZIP_DATE = (2025, 6, 1, 12, 0, 0)

PAGE_WIDTH = Cm(21.0)
PAGE_HEIGHT = Cm(29.7)
MARGIN_LEFT = Cm(2.5)
MARGIN_RIGHT = Cm(2.0)
CONTENT_WIDTH = Emu(PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT)  # 16.5 cm

LABEL_FILL = "E7E6E6"
SIGNATURE_LINE = "_" * 34

# Splits a text into literal pieces and docxtpl tags, so that every tag gets a run of its own.
_TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")


# --- the document frame ------------------------------------------------------------------------


class Builder:
    """One template under construction: an A4 Dutch document with a footer."""

    def __init__(self, kind: str, title: str, footer: str) -> None:
        self.kind = kind
        self.doc: DocxDocument = Document()
        _strip_package(self.doc)
        _set_styles(self.doc)
        _set_settings(self.doc)
        _set_properties(self.doc, kind, title)
        self._set_page(footer)

    # The page: A4 portrait, margins, and a footer with the kind, the date and the page number.
    def _set_page(self, footer: str) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width = PAGE_WIDTH
        section.page_height = PAGE_HEIGHT
        section.left_margin = MARGIN_LEFT
        section.right_margin = MARGIN_RIGHT
        section.top_margin = Cm(2.0)
        section.bottom_margin = Cm(2.0)
        section.header_distance = Cm(1.0)
        section.footer_distance = Cm(1.0)
        paragraph = section.footer.paragraphs[0]
        paragraph.paragraph_format.tab_stops.clear_all()
        paragraph.paragraph_format.tab_stops.add_tab_stop(CONTENT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        _add_text(paragraph, footer, size=Pt(8), color=RGBColor(0x59, 0x59, 0x59))
        paragraph.add_run().add_tab()
        _add_text(paragraph, "Pagina ", size=Pt(8))
        _add_field(paragraph, "PAGE", "1")
        _add_text(paragraph, " van ", size=Pt(8))
        _add_field(paragraph, "NUMPAGES", "1")

    # Paragraph helpers. ``text`` may mix literal text and placeholders.
    def p(
        self,
        text: str = "",
        *,
        bold: bool = False,
        style: str | None = None,
        align: Any = None,
        space_after: Pt | None = None,
        keep_with_next: bool = False,
        page_break_before: bool = False,
    ) -> Paragraph:
        paragraph = self.doc.add_paragraph(style=style)
        _add_text(paragraph, text, bold=bold)
        fmt = paragraph.paragraph_format
        if align is not None:
            paragraph.alignment = align
        if space_after is not None:
            fmt.space_after = space_after
        if keep_with_next:
            fmt.keep_with_next = True
        if page_break_before:
            fmt.page_break_before = True
        return paragraph

    def h1(self, text: str) -> Paragraph:
        return self.p(text, style="Heading 1")

    def h2(self, text: str, *, page_break_before: bool = False) -> Paragraph:
        return self.p(text, style="Heading 2", page_break_before=page_break_before)

    def tag(self, tag: str) -> Paragraph:
        """A paragraph holding only a ``{%p ... %}`` tag; docxtpl removes it when rendering."""
        return self.p(tag)

    def bullet(self, text: str) -> Paragraph:
        return self.p(text, style="List Bullet", space_after=Pt(2))

    def numbered(self, number: str, text: str) -> Paragraph:
        """A point with a hanging number: ``number`` then a tab then ``text``."""
        indent = Cm(1.0)
        paragraph = self.doc.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.left_indent = indent
        fmt.first_line_indent = -indent
        fmt.tab_stops.add_tab_stop(indent)
        _add_text(paragraph, number)
        paragraph.add_run().add_tab()
        _add_text(paragraph, text)
        return paragraph

    def rule(self) -> Paragraph:
        """An empty paragraph with a line under it, as the paper form has."""
        paragraph = self.doc.add_paragraph()
        p_pr = paragraph._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for name, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "808080")):
            bottom.set(qn(f"w:{name}"), value)
        borders.append(bottom)
        p_pr.append(borders)
        return paragraph

    # Tables.
    def label_table(self, rows: list[tuple[str, str]], widths: tuple[float, float]) -> Table:
        """Two columns, label and value, with the labels shaded."""
        table = self._table(len(rows), 2, widths, style="Table Grid")
        for row, (label, value) in zip(table.rows, rows, strict=True):
            _cell_text(row.cells[0], label, bold=True)
            _shade(row.cells[0])
            _cell_text(row.cells[1], value)
        self.doc.add_paragraph()
        return table

    def loop_table(
        self,
        headers: list[str],
        loop: str,
        cells: list[str],
        widths: tuple[float, ...],
        *,
        size: Pt | None = None,
        last: bool = False,
    ) -> Table:
        """A header row, then one row per item of ``loop`` (``"b in bijlagen"``). ``last``: the
        table ends the document, so its rows may not split either: a last row split at the
        bottom of a page leaves only its lower margin, under a repeated header row, on a page of
        its own."""
        table = self._table(4, len(headers), widths, style="Table Grid")
        header, start, data, end = table.rows
        for cell, text in zip(header.cells, headers, strict=True):
            _cell_text(cell, text, bold=True, size=size)
            _shade(cell)
        _repeat_header(header)
        _cell_text(start.cells[0], f"{{%tr for {loop} %}}")
        for cell, text in zip(data.cells, cells, strict=True):
            _cell_text(cell, text, size=size)
        _cell_text(end.cells[0], "{%tr endfor %}")
        if last:
            _cant_split(header)
            _cant_split(data)
            self.end_paragraph()
        else:
            self.doc.add_paragraph()
        return table

    def end_paragraph(self) -> Paragraph:
        """Word needs a paragraph after a table that ends the document. An ordinary empty one
        is a line high: when the table fills the page to the bottom, that line alone goes to a
        new, blank last page. This one is a point high and has no spacing, so it fits."""
        paragraph = self.doc.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(1)
        # The paragraph mark's own size: an empty paragraph is as high as its mark.
        mark = OxmlElement("w:rPr")
        for name in ("w:sz", "w:szCs"):
            size = OxmlElement(name)
            size.set(qn("w:val"), "2")
            mark.append(size)
        paragraph._p.get_or_add_pPr().append(mark)
        return paragraph

    def signature_table(self, parties: list[str], lines: list[str]) -> Table:
        """Signature blocks side by side, without borders."""
        width = CONTENT_WIDTH.cm / len(parties)
        table = self._table(1 + len(lines), len(parties), (width,) * len(parties), style=None)
        for column, party in enumerate(parties):
            _cell_text(table.rows[0].cells[column], party, bold=True, space_after=Pt(18))
            for row, line in enumerate(lines, start=1):
                _cell_text(table.rows[row].cells[column], line, space_after=Pt(14))
        # Keep the block on one page: every row but the last keeps with the next.
        for row in table.rows[:-1]:
            for cell in row.cells:
                cell.paragraphs[0].paragraph_format.keep_with_next = True
        for row in table.rows:
            _cant_split(row)
        return table

    def _table(self, rows: int, cols: int, widths: tuple[float, ...], style: str | None) -> Table:
        table = self.doc.add_table(rows=rows, cols=cols)
        if style:
            table.style = self.doc.styles[style]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
            for cell in column.cells:
                cell.width = Cm(width)
        return table

    def save(self, path: Path) -> None:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        path.write_bytes(_normalise_zip(buffer.getvalue()))


def _add_text(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    size: Pt | None = None,
    color: RGBColor | None = None,
) -> None:
    for piece in _TAG.split(text):
        if not piece:
            continue
        run = paragraph.add_run(piece)
        if bold:
            run.bold = True
        if size is not None:
            run.font.size = size
        if color is not None:
            run.font.color.rgb = color


def _add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    r_pr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")
    r_pr.append(size)
    run.append(r_pr)
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _cell_text(
    cell: _Cell,
    text: str,
    *,
    bold: bool = False,
    space_after: Pt | None = None,
    size: Pt | None = None,
) -> None:
    paragraph = cell.paragraphs[0]
    _add_text(paragraph, text, bold=bold, size=size)
    paragraph.paragraph_format.space_before = Pt(2)
    paragraph.paragraph_format.space_after = space_after if space_after is not None else Pt(2)


def _shade(cell: _Cell) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), LABEL_FILL)
    tc_pr.append(shading)


def _cant_split(row: Any) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    tr_pr.append(header)


# --- package, styles, settings, properties ----------------------------------------------------


def _strip_package(doc: DocxDocument) -> None:
    """Drop what python-docx's blank document carries but a template must not: the thumbnail
    image, the custom XML part and the Word 2010 duplicate of the styles."""
    package = doc.part.package
    for r_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[r_id]
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = _APP_XML  # a plain Part: its bytes are written as they are
    for r_id, rel in list(doc.part.rels.items()):
        if rel.reltype in (RT.CUSTOM_XML, _STYLES_WITH_EFFECTS):
            del doc.part.rels[r_id]


_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_APP_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties">'
    b"<Application>Besluitwerk</Application><DocSecurity>0</DocSecurity>"
    b"<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
    b"<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    b"</Properties>"
)


def _set_styles(doc: DocxDocument) -> None:
    styles_element = doc.styles.element
    # Default run properties: the font, its size and the Dutch language.
    r_pr = styles_element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(r_pr):
        r_pr.remove(child)
    fonts = OxmlElement("w:rFonts")
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attribute}"), FONT)
    r_pr.append(fonts)
    for tag in ("w:sz", "w:szCs"):
        size = OxmlElement(tag)
        size.set(qn("w:val"), str(int(FONT_SIZE.pt * 2)))
        r_pr.append(size)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)
    r_pr.append(lang)
    # Default paragraph spacing: 6 pt after, a little more than single line spacing.
    p_pr = styles_element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = p_pr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "120")
    spacing.set(qn("w:line"), "264")
    # Styles that name a theme font get the document font instead, so Word and LibreOffice agree.
    for fonts in styles_element.iter(qn("w:rFonts")):
        themed = [name for name in fonts.attrib if name.endswith("Theme") or name.endswith("theme")]
        if themed:
            for name in themed:
                del fonts.attrib[name]
            for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
                fonts.set(qn(f"w:{attribute}"), FONT)
    # Headings: black, bold, modest sizes.
    for name, size, before, after in (
        ("Heading 1", 14, 0, 10),
        ("Heading 2", 11, 12, 4),
        ("Heading 3", 10, 10, 2),
    ):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
    # Header and footer: small print, and no Letter-sized tab stops from the blank document (each
    # footer sets its own right tab at the edge of the A4 text area).
    for name in ("Footer", "Header"):
        style = doc.styles[name]
        style.font.size = Pt(8)
        tabs = style.element.pPr.find(qn("w:tabs"))
        if tabs is not None:
            style.element.pPr.remove(tabs)


def _set_settings(doc: DocxDocument) -> None:
    settings = doc.settings.element
    preview = settings.find(qn("w:savePreviewPicture"))
    if preview is not None:
        settings.remove(preview)
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LANGUAGE)
        theme_lang.set(qn("w:eastAsia"), LANGUAGE)
    for tag, value in (("w:decimalSymbol", ","), ("w:listSeparator", ";")):
        element = settings.find(qn(tag))
        if element is not None:
            element.set(qn("w:val"), value)


def _set_properties(doc: DocxDocument, kind: str, title: str) -> None:
    properties = doc.core_properties
    properties.title = title
    properties.language = LANGUAGE
    properties.subject = KIND_LABELS[kind]
    properties.author = "Besluitwerk"
    properties.last_modified_by = "Besluitwerk"
    properties.comments = ""
    properties.keywords = ""
    properties.category = ""
    properties.revision = 1
    properties.created = FIXED_DATE
    properties.modified = FIXED_DATE


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry dates, so a rebuild gives identical bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return buffer.getvalue()


# --- the five templates -------------------------------------------------------------------------


def agendaformulier() -> Builder:
    b = Builder(
        "agendaformulier",
        title="Agendaformulier B&W-vergadering {{ vergaderdatum }}",
        footer="Agendaformulier B&W, agendaletter {{ agendaletter }} · "
        "{{ plaats }}, {{ opgemaakt_op }}",
    )
    b.p("Gemeente {{ gemeente }}", bold=True, space_after=Pt(2))
    b.h1("Agendaformulier B&W-vergadering {{ vergaderdatum }}")
    b.label_table(
        [
            ("Portefeuillehouder", "{{ portefeuillehouder }}"),
            ("Agendaletter", "{{ agendaletter }}"),
            ("Onderwerp", "{{ onderwerp }}"),
            ("Regeling", "{{ regeling }}"),
            ("Openbaar", "{{ openbaar }}"),
            ("Organisatieonderdeel (cluster of afdeling)", "{{ organisatieonderdeel }}"),
            ("Corsanummer", "{{ corsanummer }}"),
            ("Schrijver", "{{ schrijver }}"),
            ("Casenummer", "{{ casenummer }}"),
            ("Urgentie", "{{ urgentie }}"),
            ("Raadsbesluit nodig", "{{ raadsbesluit_nodig }}"),
            ("Raad informeren", "{{ raad_informeren }}"),
            ("Mee geadviseerd door", "{{ mee_geadviseerd_door }}"),
            ("Advies gemeentesecretaris", "{{ advies_gemeentesecretaris }}"),
        ],
        widths=(6.0, 10.5),
    )
    b.h2("Conceptbesluit")
    b.p("Portefeuillehouder stelt voor te besluiten om:", keep_with_next=True)
    b.tag("{%p for punt in conceptbesluit %}")
    b.numbered("{{ punt.nummer }}.", "{{ punt.tekst }}")
    b.tag("{%p endfor %}")
    b.h2("Publieksvriendelijke samenvatting")
    b.p("{{ publieksvriendelijke_samenvatting }}")
    b.rule()
    b.p("B&W besluit d.d. {{ besluit_datum }}", bold=True)
    b.p("(In te vullen na de vergadering door loco-gemeentesecretaris)")

    b.h2("Inleiding en voorgeschiedenis", page_break_before=True)
    b.p("{{ inleiding }}")
    # The headings are those of the paper agenda form, word for word.
    b.h2("Gewenst effect van het besluit in relatie tot de strategische opgaven")
    b.p("{{ gewenst_effect }}")
    b.h2("Argumenten")
    b.tag("{%p for argument in argumenten %}")
    b.numbered("{{ argument.nummer }}", "{{ argument.tekst }}")
    b.tag("{%p endfor %}")
    b.h2("Risico’s")
    b.p("{{ risicos }}")
    b.h2("Kosten en financiële dekking van het voorstel")
    b.p("{{ kosten }}")
    b.h2("Afweging en alternatieven")
    b.p("{{ alternatieven }}")
    b.h2("Participatie")
    b.p("{{ participatie }}")
    b.h2("Communicatie met direct betrokkenen")
    b.p("{{ communicatie }}")
    b.h2("Persbericht, ja of nee")
    b.p("{{ persbericht }}")
    b.h2("Vervolg")
    b.p("{{ vervolg }}")
    b.h2("Bijlage(n)")
    b.loop_table(
        ["Bijlage", "Omschrijving", "College", "Raad", "Niet actief publiceren", "Geheim"],
        "bijlage in bijlagen",
        [
            "Bijlage {{ bijlage.nummer }}",
            "{{ bijlage.titel }}",
            "{{ bijlage.college }}",
            "{{ bijlage.raad }}",
            "{{ bijlage.niet_actief_publiceren }}",
            "{{ bijlage.geheim }}",
        ],
        widths=(2.3, 5.7, 1.9, 1.7, 2.7, 2.2),
        last=True,
    )
    return b


def volmacht() -> Builder:
    """One template for the three kinds of mandate in the register. The parts all kinds share
    (parties, acts, phases, validity, ceiling, signing) are written once; where a volmacht
    (BW 3:60, private law) and a mandaat (Awb 10:1, public law) differ in law, the template
    has one text for each, chosen by ``soort``. A machtiging (Awb 10:12) follows the mandaat
    text: the rules on mandaat apply to it."""
    b = Builder(
        "volmacht",
        title="{{ documentsoort }} {{ gemeente }}",
        footer="{{ documentsoort }} van {{ gemeente }} aan {{ gevolmachtigde }} · "
        "opgemaakt op {{ opgemaakt_op }}",
    )
    b.h1("{{ documentsoort }}")
    b.p("{{ titel }}", bold=True)

    b.h2("Partijen")
    b.tag("{%p if soort == 'volmacht' %}")
    b.numbered(
        "1.",
        "Het college van burgemeester en wethouders van {{ gemeente }}, hierna: de volmachtgever;",
    )
    b.numbered("2.", "{{ gevolmachtigde }}, hierna: de gevolmachtigde.")
    b.tag("{%p else %}")
    b.numbered(
        "1.",
        "Het college van burgemeester en wethouders van {{ gemeente }}, hierna: de mandaatgever;",
    )
    b.numbered("2.", "{{ gevolmachtigde }}, hierna: de gemandateerde.")
    b.tag("{%p endif %}")
    b.tag("{%p if gevolmachtigde_functie %}")
    b.p("Voor {{ gevolmachtigde }} treedt op: {{ gevolmachtigde_functie }}.")
    b.tag("{%p endif %}")

    b.h2("Overwegingen")
    b.p("Het college overweegt het volgende.", keep_with_next=True)
    b.numbered(
        "a.",
        "De gemeente neemt deel aan de regeling {{ regeling }}. Voor de uitvoering daarvan is "
        "het doelmatig dat één partij voor de deelnemende gemeenten optreedt.",
    )
    b.numbered("b.", "Dit stuk gaat over: {{ titel }}. Omschrijving:")
    p = b.p("{{ omschrijving }}")
    p.paragraph_format.left_indent = Cm(1.0)
    b.tag("{%p if soort == 'volmacht' %}")
    b.numbered(
        "c.",
        "Het gaat om privaatrechtelijke rechtshandelingen: overeenkomsten sluiten, wijzigen, "
        "verlengen of opzeggen, en wat daarbij hoort. Het college beslist daarover voor de "
        "gemeente (artikel 160, eerste lid, onder e, van de Gemeentewet) en kan een ander de "
        "bevoegdheid geven die rechtshandelingen in naam van de gemeente te verrichten: een "
        "volmacht als bedoeld in artikel 3:60 van het Burgerlijk Wetboek.",
    )
    b.tag("{%p else %}")
    b.numbered(
        "c.",
        "Het gaat om publiekrechtelijke besluiten van het college. Het college kan een ander de "
        "bevoegdheid geven om die besluiten in zijn naam te nemen: mandaat als bedoeld in "
        "artikel 10:1 van de Algemene wet bestuursrecht (Awb). Een besluit dat de "
        "gemandateerde binnen zijn bevoegdheid neemt, geldt als besluit van het college "
        "(artikel 10:2 Awb).",
    )
    b.tag("{%p if soort == 'machtiging' %}")
    b.p(
        "Een machtiging betreft handelingen die geen besluit en geen privaatrechtelijke "
        "rechtshandeling zijn; de regels over mandaat gelden daarvoor op dezelfde manier "
        "(artikel 10:12 Awb).",
    ).paragraph_format.left_indent = Cm(1.0)
    b.tag("{%p endif %}")
    b.tag("{%p endif %}")
    b.tag("{%p if grondslag %}")
    b.numbered("d.", "De grondslag zoals die in het register is vastgelegd:")
    p = b.p("{{ grondslag }}")
    p.paragraph_format.left_indent = Cm(1.0)
    b.tag("{%p endif %}")

    b.h2("Artikel 1 – Verlening")
    b.tag("{%p if soort == 'volmacht' %}")
    b.p(
        "De volmachtgever verleent de gevolmachtigde volmacht om in naam van de gemeente "
        "{{ gemeente }} de volgende rechtshandelingen te verrichten:",
        keep_with_next=True,
    )
    b.tag("{%p else %}")
    b.p(
        "De mandaatgever verleent de gemandateerde {{ soort }} om namens het college van "
        "burgemeester en wethouders van {{ gemeente }} het volgende te doen:",
        keep_with_next=True,
    )
    b.tag("{%p endif %}")
    b.tag("{%p for handeling in handelingen %}")
    b.bullet("{{ handeling }}")
    b.tag("{%p endfor %}")

    b.h2("Artikel 2 – Fasen en verlengingen")
    b.p(
        "{{ soort_met_lidwoord|capitalize }} geldt voor de volgende fasen van de regeling:",
        keep_with_next=True,
    )
    b.loop_table(
        [
            "Fase",
            "Van",
            "Tot en met",
        ],
        "fase in fasen",
        ["{{ fase.naam }}", "{{ fase.van }}", "{{ fase.tot }}"],
        widths=(8.5, 4.0, 4.0),
    )
    b.p("{{ soort_met_lidwoord|capitalize }} geldt ook voor verlengingen: {{ verlengingen }}.")

    b.h2("Artikel 3 – Geldigheid")
    b.p(
        "{{ soort_met_lidwoord|capitalize }} geldt van {{ geldig_van }} tot en met "
        "{{ geldig_tot }}."
    )

    b.h2("Artikel 4 – Financieel plafond")
    b.p(
        "Financieel plafond van de verplichtingen die krachtens {{ soort_met_lidwoord }} worden "
        "aangegaan: {{ plafond }}."
    )

    b.tag("{%p if soort == 'volmacht' %}")
    b.h2("Artikel 5 – Substitutie")
    b.p(
        "De gevolmachtigde mag een ander alleen in zijn plaats stellen voor zover de volmacht "
        "dat toestaat (substitutie, artikel 3:64 van het Burgerlijk Wetboek). Substitutie is bij "
        "deze volmacht {{ ondermandaat }}."
    )
    b.h2("Artikel 6 – Gevolgen voor de gemeente")
    b.p(
        "Wat de gevolmachtigde binnen de grenzen van deze volmacht in naam van de gemeente "
        "{{ gemeente }} verricht, bindt de gemeente alsof zij het zelf had gedaan (artikel 3:66 "
        "van het Burgerlijk Wetboek). Een wederpartij die daarom vraagt, krijgt een afschrift "
        "van deze volmacht (artikel 3:71 van het Burgerlijk Wetboek). De volmachtgever kan de "
        "volmacht herroepen (artikel 3:72 van het Burgerlijk Wetboek)."
    )
    b.tag("{%p if bekrachtiging_sinds %}")
    b.h2("Artikel 7 – Bekrachtiging")
    b.p(
        "De volmachtgever bekrachtigt, als bedoeld in artikel 3:69 van het Burgerlijk Wetboek, "
        "de rechtshandelingen die de gevolmachtigde sinds {{ bekrachtiging_sinds }} in naam van "
        "de volmachtgever heeft verricht zonder daartoe bevoegd te zijn. Het gaat om:",
        keep_with_next=True,
    )
    b.tag("{%p for handeling in bekrachtigde_handelingen %}")
    b.bullet("{{ handeling }}")
    b.tag("{%p endfor %}")
    b.p("Deze handelingen gelden daarmee als verricht krachtens deze volmacht.")
    b.tag("{%p endif %}")
    b.tag("{%p else %}")
    b.h2("Artikel 5 – Namens het college")
    b.p(
        "Een besluit dat krachtens {{ soort_met_lidwoord }} wordt genomen, vermeldt dat het "
        "namens het college van burgemeester en wethouders van {{ gemeente }} is genomen "
        "(artikel 10:10 Awb). De gemandateerde ondertekent met: ‘Burgemeester en wethouders "
        "van {{ gemeente }}, namens dezen,’ gevolgd door zijn naam en functie."
    )
    b.h2("Artikel 6 – Ondermandaat")
    b.p(
        "De gemandateerde mag de bevoegdheid alleen aan een ander doorgeven als de mandaatgever "
        "dat toestaat (ondermandaat, artikel 10:9 Awb). Ondermandaat is bij "
        "{{ soort_met_lidwoord }} {{ ondermandaat }}."
    )
    b.h2("Artikel 7 – Instructies en eigen bevoegdheid")
    b.p(
        "De mandaatgever kan de gemandateerde in het algemeen of per geval instructies geven "
        "over de uitoefening van de bevoegdheid; de gemandateerde geeft de mandaatgever op "
        "verzoek inlichtingen daarover (artikel 10:6 Awb). De mandaatgever blijft zelf bevoegd "
        "de bevoegdheid uit te oefenen (artikel 10:7 Awb)."
    )
    b.h2("Artikel 8 – Schriftelijk en intrekking")
    b.p(
        "{{ soort_met_lidwoord|capitalize }} wordt met dit besluit schriftelijk verleend "
        "(artikel 10:5, tweede lid, Awb). De mandaatgever kan {{ soort_met_lidwoord }} te allen "
        "tijde schriftelijk intrekken (artikel 10:8 Awb)."
    )
    b.tag("{%p if instemming_nodig == 'Ja' %}")
    b.h2("Artikel 9 – Instemming")
    b.p(
        "{{ gevolmachtigde }} werkt niet onder verantwoordelijkheid van de mandaatgever. "
        "{{ soort_met_lidwoord|capitalize }} gaat daarom pas in als de gemandateerde ermee "
        "heeft ingestemd, en ook degene onder wiens verantwoordelijkheid hij werkt (artikel "
        "10:4 Awb). Zij stemmen in door dit besluit mede te ondertekenen."
    )
    b.tag("{%p endif %}")
    b.tag("{%p if bekrachtiging_sinds %}")
    b.h2("Artikel 10 – Eerder genomen besluiten")
    b.p(
        "De besluiten die de gemandateerde sinds {{ bekrachtiging_sinds }} namens het college "
        "heeft genomen zonder daartoe gemandateerd te zijn, neemt het college met dit besluit "
        "alsnog zelf, met dezelfde inhoud. Het gaat om:",
        keep_with_next=True,
    )
    b.tag("{%p for handeling in bekrachtigde_handelingen %}")
    b.bullet("{{ handeling }}")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")
    b.tag("{%p endif %}")

    b.h2("Ondertekening")
    b.p(
        "Aldus besloten door het college van burgemeester en wethouders van {{ gemeente }} "
        "op {{ besluit_datum }}{% if besluit_kenmerk %} (kenmerk {{ besluit_kenmerk }})"
        "{% endif %}.",
        keep_with_next=True,
    )
    b.p("{{ plaats }}, {{ opgemaakt_op }}", space_after=Pt(18), keep_with_next=True)
    b.tag("{%p if soort == 'volmacht' %}")
    b.p(
        "De burgemeester vertegenwoordigt de gemeente bij deze rechtshandeling (artikel 171 "
        "van de Gemeentewet).",
        keep_with_next=True,
    )
    b.signature_table(
        ["De burgemeester van {{ gemeente }},"],
        [f"Handtekening: {SIGNATURE_LINE}", f"Naam: {SIGNATURE_LINE}"],
    )
    b.tag("{%p else %}")
    b.signature_table(
        ["De secretaris,", "De burgemeester,"],
        [f"Naam: {SIGNATURE_LINE[:24]}", f"Handtekening: {SIGNATURE_LINE[:16]}"],
    )
    b.tag("{%p if instemming_nodig == 'Ja' %}")
    b.p(
        "Voor instemming (artikel 10:4 Awb), namens {{ gevolmachtigde }}:",
        space_after=Pt(18),
        keep_with_next=True,
    )
    b.signature_table(
        ["De gemandateerde,", "Zo nodig: degene onder wiens verantwoordelijkheid hij werkt,"],
        [f"Naam: {SIGNATURE_LINE[:24]}", f"Handtekening: {SIGNATURE_LINE[:16]}"],
    )
    b.tag("{%p endif %}")
    b.tag("{%p endif %}")
    return b


def inkoopovereenkomst() -> Builder:
    b = Builder(
        "inkoopovereenkomst",
        title="{{ titel }} ({{ kenmerk }})",
        footer="{{ soort }} {{ kenmerk }} · opgemaakt op {{ opgemaakt_op }}",
    )
    b.h1("{{ titel }}")
    b.p("{{ soort }}, kenmerk {{ kenmerk }}")

    b.h2("Partijen")
    b.numbered(
        "1.",
        "De gemeente {{ opdrachtgever }}, die handelt voor zichzelf en in naam van de "
        "gemeenten hieronder, op grond van de volmachten die deze gemeenten haar hebben "
        "verleend en die als bijlage bij deze overeenkomst zijn gevoegd "
        "(artikel 3:71 van het Burgerlijk Wetboek), hierna samen: de opdrachtgever;",
    )
    b.tag("{%p for gemeente in gemeenten %}")
    p = b.bullet("{{ gemeente }}")
    p.paragraph_format.left_indent = Cm(1.6)
    b.tag("{%p endfor %}")
    b.numbered("2.", "{{ aanbieder }}, hierna: de aanbieder.")
    b.p("Partijen komen het volgende overeen.")

    b.h2("Artikel 1 – Onderwerp")
    b.p(
        "De aanbieder levert zorg in het kader van de regeling {{ regeling }}, op de locaties en "
        "met de bedden die in artikel 6 staan, tegen de tarieven van artikel 5."
    )
    b.h2("Artikel 2 – Looptijd")
    b.p("Deze overeenkomst gaat in op {{ ingangsdatum }} en loopt tot en met {{ einddatum }}.")
    b.h2("Artikel 3 – Verlenging")
    b.p(
        "De opdrachtgever kan de overeenkomst {{ verlengingen }} keer verlengen, telkens met "
        "{{ verlenging_maanden }} maanden. De opdrachtgever laat een verlenging schriftelijk "
        "weten. De overeenkomst loopt, met alle verlengingen, nooit langer dan tot en met "
        "{{ uiterste_einddatum }}."
    )
    b.h2("Artikel 4 – Opzegging")
    b.p(
        "Elk van partijen kan de overeenkomst schriftelijk opzeggen met inachtneming van een "
        "opzegtermijn van {{ opzegtermijn_maanden }} maanden."
    )
    b.h2("Artikel 5 – Tarieven")
    b.label_table(
        [
            ("Tarief per bezette dag", "{{ tarief_bezet }}"),
            ("Tarief per leegstaande dag", "{{ tarief_leeg }}"),
            ("Indexering", "{{ indexering }}"),
        ],
        widths=(6.0, 10.5),
    )
    b.h2("Artikel 6 – Bedden en locaties")
    b.p("De aanbieder stelt de volgende bedden beschikbaar:", keep_with_next=True)
    b.loop_table(
        ["Locatie", "Zorgsoort", "Financiering", "Vanaf", "Tot en met"],
        "bed in bedden",
        [
            "{{ bed.locatie }}",
            "{{ bed.zorgsoort }}",
            "{{ bed.financiering }}",
            "{{ bed.vanaf }}",
            "{{ bed.tot }}",
        ],
        widths=(3.6, 4.0, 2.9, 3.0, 3.0),
    )
    b.h2("Ondertekening")
    b.p("{{ plaats }}, {{ opgemaakt_op }}", space_after=Pt(18), keep_with_next=True)
    lines = [
        f"Naam: {SIGNATURE_LINE[:22]}",
        f"Functie: {SIGNATURE_LINE[:20]}",
        f"Datum: {SIGNATURE_LINE[:22]}",
        f"Handtekening: {SIGNATURE_LINE[:15]}",
    ]
    b.signature_table(["Voor {{ opdrachtgever }},", "Voor {{ aanbieder }},"], lines)

    b.h2("Bijlage: volmachten", page_break_before=True)
    b.p(
        "De gemeente {{ opdrachtgever }} handelt in deze overeenkomst mede in naam van de "
        "gemeenten hieronder. Hun volmachten zijn bij deze overeenkomst gevoegd.",
        keep_with_next=True,
    )
    b.loop_table(
        ["Gemeente", "Datum besluit", "Kenmerk"],
        "volmacht in volmachten",
        ["{{ volmacht.gemeente }}", "{{ volmacht.datum }}", "{{ volmacht.kenmerk }}"],
        widths=(6.5, 4.5, 5.5),
    )
    return b


def verlengingsbrief() -> Builder:
    b = Builder(
        "verlengingsbrief",
        title="Verlenging {{ titel }}",
        footer="Verlenging {{ kenmerk }} · opgemaakt op {{ opgemaakt_op }}",
    )
    b.p("Gemeente {{ opdrachtgever }}", bold=True, space_after=Pt(36))
    b.p("{{ aanbieder }}", space_after=Pt(2))
    b.p("t.a.v. de directie", space_after=Pt(36))
    b.p("{{ plaats }}, {{ opgemaakt_op }}", space_after=Pt(2))
    b.p("Onderwerp: verlenging {{ titel }} ({{ kenmerk }})", bold=True, space_after=Pt(24))
    b.p("Geachte heer, mevrouw,")
    b.p(
        "Op {{ besluit_datum }} is besloten gebruik te maken van verlengingsoptie "
        "{{ verlenging_nummer }} (van in totaal {{ verlengingen }}) in de overeenkomst "
        "{{ titel }} met kenmerk {{ kenmerk }}. Wij schrijven u mede in naam van de gemeenten "
        "die ons voor deze overeenkomst volmacht hebben verleend."
    )
    b.p(
        "De overeenkomst is ingegaan op {{ ingangsdatum }} en hoort bij de regeling "
        "{{ regeling }}. Door deze verlenging loopt zij nu tot en met {{ nieuwe_einddatum }}. "
        "De overige afspraken in de overeenkomst blijven ongewijzigd."
    )
    b.p(
        "Na deze verlenging is het aantal resterende verlengingsopties "
        "{{ resterende_verlengingen }}. De overeenkomst kan, met alle verlengingen, niet langer "
        "lopen dan tot en met {{ uiterste_einddatum }}."
    )
    b.p("Heeft u vragen over deze brief? Neem dan contact met ons op.")
    b.p("Met vriendelijke groet,", space_after=Pt(2))
    b.p("Burgemeester en wethouders van {{ opdrachtgever }},", space_after=Pt(36))
    b.p(SIGNATURE_LINE, space_after=Pt(2))
    b.p(f"Naam: {SIGNATURE_LINE[:28]}", space_after=Pt(2))
    b.p(f"Functie: {SIGNATURE_LINE[:26]}")
    return b


def raadsinformatiebrief() -> Builder:
    b = Builder(
        "raadsinformatiebrief",
        title="Raadsinformatiebrief {{ regeling }}",
        footer="Raadsinformatiebrief {{ gemeente }} · opgemaakt op {{ opgemaakt_op }}",
    )
    b.h1("Raadsinformatiebrief")
    b.label_table(
        [
            ("Aan", "De gemeenteraad van {{ gemeente }}"),
            ("Van", "Het college van burgemeester en wethouders"),
            ("Datum", "{{ opgemaakt_op }}"),
            ("Onderwerp", "Stand van zaken {{ regeling }}"),
        ],
        widths=(3.5, 13.0),
    )
    b.p("Geachte leden van de raad,")
    b.p(
        "Met deze brief informeren wij u over de regeling {{ regeling }}, waaraan onze gemeente "
        "samen met andere gemeenten deelneemt: waar de regeling over gaat, wie meedoen, hoe zij "
        "verloopt en wat er daarna komt."
    )
    b.h2("Waar gaat het om?")
    b.p("{{ omschrijving }}")
    b.h2("Deelnemende gemeenten")
    b.p(
        "Aan de regeling nemen {{ aantal_gemeenten }} gemeenten deel. De gemeente "
        "{{ penvoerder }} is penvoerder: zij sluit de overeenkomsten in naam van de andere "
        "gemeenten en coördineert de uitvoering. De deelnemende gemeenten zijn:",
        keep_with_next=True,
    )
    b.tag("{%p for deelnemer in gemeenten %}")
    b.bullet("{{ deelnemer }}")
    b.tag("{%p endfor %}")
    b.h2("Fasen")
    b.loop_table(
        ["Fase", "Van", "Tot en met", "Status"],
        "fase in fasen",
        ["{{ fase.naam }}", "{{ fase.van }}", "{{ fase.tot }}", "{{ fase.status }}"],
        widths=(6.5, 3.5, 3.5, 3.0),
    )
    b.h2("Evaluatie")
    b.p("De regeling wordt op deze momenten geëvalueerd:", keep_with_next=True)
    b.tag("{%p for moment in evaluatiemomenten %}")
    b.bullet("{{ moment.naam }}: {{ moment.datum }}")
    b.tag("{%p endfor %}")
    b.h2("Bedden en kosten")
    b.p("In de regeling zijn {{ aantal_bedden }} bedden beschikbaar.")
    b.p("Budget van onze gemeente voor dit jaar: {{ budget }}.")
    b.h2("Hoe verder")
    b.p("{{ opvolging }}")
    b.p("Wij houden u op de hoogte van belangrijke ontwikkelingen.", space_after=Pt(18))
    b.p(
        "Het college van burgemeester en wethouders van {{ gemeente }},",
        space_after=Pt(2),
        keep_with_next=True,
    )
    b.p("{{ plaats }}, {{ opgemaakt_op }}", space_after=Pt(30), keep_with_next=True)
    b.signature_table(
        ["De secretaris,", "De burgemeester,"],
        [SIGNATURE_LINE[:28]],
    )
    return b


def evaluatierapportage() -> Builder:
    b = Builder(
        "evaluatierapportage",
        title="Evaluatierapportage {{ regeling }} {{ jaar }}",
        footer="Evaluatierapportage {{ regeling }} {{ jaar }} · opgemaakt op {{ opgemaakt_op }}",
    )
    table_text = Pt(9.5)
    b.h1("Evaluatierapportage {{ regeling }}")
    b.label_table(
        [
            ("Regeling", "{{ regeling }}"),
            ("Penvoerder", "{{ penvoerder }}"),
            ("Deelnemende gemeenten", "{{ aantal_gemeenten }}"),
            ("Cijfers over", "{{ jaar }}"),
            ("Evaluatiemoment", "{{ evaluatiemoment }}"),
            ("Opgemaakt", "{{ plaats }}, {{ opgemaakt_op }}"),
        ],
        widths=(5.0, 11.5),
    )
    b.p(
        "Deze rapportage zet de cijfers van {{ jaar }} op een rij: de aanvragen en plaatsingen, "
        "de verblijfsdagen, de bezetting van de bedden, de cliënten per gemeente en de kosten "
        "per gemeente naast haar budget. Alle cijfers komen uit de gecontroleerde invoer in "
        "Besluitwerk. Elke grafiek geeft de tabel erboven weer, met de waarde naast elke staaf."
    )
    b.h2("Aanvragen en plaatsingen")
    b.p(
        "In {{ jaar }} kwamen {{ aanvragen }} aanvragen binnen. Daarvan zijn er {{ geplaatst }} "
        "geplaatst ({{ plaatsingspercentage }}), {{ niet_geplaatst }} niet geplaatst, "
        "{{ geannuleerd }} geannuleerd en van {{ onbekend }} is de afloop onbekend.",
        keep_with_next=True,
    )
    b.loop_table(
        ["Aanbieder", "Aanvragen", "Geplaatst", "Niet geplaatst", "Plaatsing"],
        "rij in aanvragen_per_aanbieder",
        [
            "{{ rij.aanbieder }}",
            "{{ rij.aanvragen }}",
            "{{ rij.geplaatst }}",
            "{{ rij.niet_geplaatst }}",
            "{{ rij.percentage }}",
        ],
        widths=(5.7, 2.7, 2.7, 2.7, 2.7),
        size=table_text,
    )
    b.p("{{ grafiek_plaatsing }}")
    b.h2("Verblijfsdagen")
    b.p(
        "Logés verbleven in {{ jaar }} in totaal {{ ligdagen_totaal }} dagen: {{ ligdagen_wmo }} "
        "dagen vanuit de Wmo en {{ ligdagen_wlz }} dagen vanuit de Wlz."
    )
    b.h2("Bezetting per bed", page_break_before=True)
    b.p(
        "De bezetting is gemeten over de dagen dat een bed in {{ jaar }} beschikbaar was; een "
        "bed dat later openging telt vanaf die dag.",
        keep_with_next=True,
    )
    b.loop_table(
        ["Locatie", "Financiering", "Dagen beschikbaar", "Dagen bezet", "Bezetting"],
        "bed in bedden",
        [
            "{{ bed.locatie }}",
            "{{ bed.financiering }}",
            "{{ bed.beschikbaar }}",
            "{{ bed.bezet }}",
            "{{ bed.bezetting }}",
        ],
        widths=(4.5, 3.0, 3.0, 3.0, 3.0),
        size=table_text,
    )
    b.p("{{ grafiek_bezetting }}")
    b.h2("Cliënten per gemeente")
    b.loop_table(
        ["Gemeente", "Wmo", "Wlz"],
        "c in clienten",
        ["{{ c.gemeente }}", "{{ c.wmo }}", "{{ c.wlz }}"],
        widths=(8.5, 4.0, 4.0),
        size=table_text,
    )
    b.h2("Kosten per gemeente", page_break_before=True)
    b.p("De kosten zijn verdeeld volgens de regel: {{ kostenregel }}.", keep_with_next=True)
    b.loop_table(
        ["Gemeente", "Dagen", "Verblijf", "Leegstand of huisvesting", "Totaal", "Budget", "Over"],
        "k in kosten",
        [
            "{{ k.gemeente }}",
            "{{ k.bezette_dagen }}",
            "{{ k.kosten_bezetting }}",
            "{{ k.aandeel_leegstand }}",
            "{{ k.totaal }}",
            "{{ k.budget }}",
            "{{ k.verschil }}",
        ],
        widths=(2.9, 1.5, 2.4, 2.5, 2.4, 2.4, 2.4),
        size=Pt(8.5),
    )
    b.p("Totale kosten in {{ jaar }}: {{ kosten_totaal }}.", bold=True)
    b.p("{{ tekorten }}")
    b.p(
        "In de grafiek staat het totaal van elke gemeente als staaf en haar budget, waar dat is "
        "vastgelegd, als zwarte streep.",
        keep_with_next=True,
    )
    b.p("{{ grafiek_kosten }}")
    return b


BUILDERS = {
    "agendaformulier": agendaformulier,
    "volmacht": volmacht,
    "inkoopovereenkomst": inkoopovereenkomst,
    "verlengingsbrief": verlengingsbrief,
    "raadsinformatiebrief": raadsinformatiebrief,
    "evaluatierapportage": evaluatierapportage,
}


# --- README -------------------------------------------------------------------------------------

README_START = "<!-- velden: begin (gemaakt door build.py) -->"
README_END = "<!-- velden: einde -->"


def placeholder_tables() -> str:
    """One table per kind with every placeholder of ``CATALOGUES`` and its description."""
    parts = []
    for kind in BUILDERS:
        parts.append(f"### {KIND_LABELS[kind]} (`{kind}.docx`)\n")
        parts.append("| Veld | Beschrijving |")
        parts.append("|---|---|")
        parts.extend(_rows(CATALOGUES[kind], ""))
        parts.append("")
    return "\n".join(parts)


def _rows(catalogue: dict[str, Any], prefix: str) -> list[str]:
    rows = []
    for name, spec in catalogue.items():
        path = f"{prefix}{name}"
        if isinstance(spec, dict):
            rows.extend(_rows(spec, f"{path}."))
        elif isinstance(spec, list) and isinstance(spec[0], dict):
            rows.append(f"| `{path}[]` | Lijst; per item de velden hieronder |")
            rows.extend(_rows(spec[0], f"{path}[]."))
        elif isinstance(spec, list):
            rows.append(f"| `{path}[]` | Lijst van teksten: {_cell(spec[0])} |")
        else:
            rows.append(f"| `{path}` | {_cell(spec)} |")
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def write_readme(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index(README_START) + len(README_START)
    end = text.index(README_END)
    path.write_text(f"{text[:start]}\n\n{placeholder_tables()}\n{text[end:]}", encoding="utf-8")


def main() -> None:
    for kind, build in BUILDERS.items():
        target = HERE / f"{kind}.docx"
        build().save(target)
        print(f"geschreven: {target.relative_to(HERE.parent)}")
    readme = HERE / "README.md"
    if readme.exists():
        write_readme(readme)
        print(f"velden bijgewerkt: {readme.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
