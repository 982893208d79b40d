"""The charts of the evaluatierapportage: bars as long as their values, a budget marker, every
value in the alternative text, the same bytes for the same figures; and an uploaded report
template is test-rendered with its charts in the child process."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import docx
from PIL import Image
from pypdf import PdfReader

from storage.arrangements import find_arrangement_by_name
from tests.support.word_documents import builtin_with_paragraph
from workflows.actors import system_actor
from workflows.demo import demo
from workflows.documents import documents, template_uploads
from workflows.documents.engine import conversion
from workflows.documents.engine.docx_render import Picture
from workflows.documents.engine.report_charts import WIDTH_CM, Bar, bar_chart

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
DARK = (77, 77, 77)


# Where the track of the bars runs (the labels left of it, the values right of it).
TRACK_FROM = 480 + 16
TRACK_TO = 1600 - 190 - 16
SPAN = TRACK_TO - TRACK_FROM


def _dark_run(image: Image.Image, y: int) -> int:
    """How many pixels of the track, at height ``y``, are the bar's dark grey."""
    return sum(1 for x in range(TRACK_FROM, TRACK_TO + 1) if image.getpixel((x, y)) == DARK)


def test_bars_are_as_long_as_their_values_and_every_value_is_in_the_alternative_text():
    bars = [
        Bar("Carintreggeland", 0.455, "45,5%"),
        Bar("Zorggroep Sint Maarten", 0.943, "94,3%"),
        Bar("Leeg", 0.0, "0,0%"),
    ]
    picture = bar_chart("Plaatsingspercentage per aanbieder", bars, scale=1.0)
    image = Image.open(io.BytesIO(picture.png))
    assert image.format == "PNG" and image.width == round(WIDTH_CM * 100)
    assert picture.width_cm == WIDTH_CM
    assert picture.height_cm == image.height / 100
    middles = [16 + 62 * row + 31 for row in range(3)]
    lengths = [_dark_run(image, y) for y in middles]
    assert lengths[2] == 0
    assert abs(lengths[0] - 0.455 * SPAN) <= 2 and abs(lengths[1] - 0.943 * SPAN) <= 2
    assert picture.description == (
        "Plaatsingspercentage per aanbieder: Carintreggeland 45,5%; "
        "Zorggroep Sint Maarten 94,3%; Leeg 0,0%."
    )
    assert bar_chart("Plaatsingspercentage per aanbieder", bars, scale=1.0) == picture


def test_a_budget_is_a_black_marker_and_named_in_the_alternative_text():
    bars = [Bar("Enschede", 4270.13, "€ 4.270,13", marker=28400.0, marker_text="€ 28.400,00")]
    picture = bar_chart("Kosten per gemeente", bars, scale=28400.0, marker_name="budget")
    image = Image.open(io.BytesIO(picture.png)).convert("RGB")
    above_the_bar = 16 + 31 - 17 - 4  # the marker reaches above the bar, the bar does not
    black = [x for x in range(image.width) if image.getpixel((x, above_the_bar)) == (0, 0, 0)]
    assert black and all(abs(x - TRACK_TO) <= 2 for x in black)  # the budget is the scale
    assert abs(_dark_run(image, 16 + 31) - 4270.13 / 28400 * SPAN) <= 6  # the marker is black
    assert picture.description == ("Kosten per gemeente: Enschede € 4.270,13 (budget € 28.400,00).")


def test_a_chart_without_figures_says_so_in_its_alternative_text():
    assert bar_chart("Bezettingsgraad per bed", [], scale=1.0).description == (
        "Bezettingsgraad per bed: geen gegevens."
    )


def test_an_uploaded_report_template_is_test_rendered_with_its_charts(session, files):
    result = template_uploads.upload(
        session,
        files,
        system_actor("test"),
        "evaluatierapportage",
        builtin_with_paragraph("evaluatierapportage", "Opgesteld door de projectgroep."),
        original_name="evaluatie.docx",
        note="Met afsluitende regel",
        now=NOW,
    )
    assert result.template.status == "candidate" and result.missing_fields == []
    preview = docx.Document(io.BytesIO(result.preview))
    assert len(preview.inline_shapes) == 3
    assert "Opgesteld door de projectgroep." in [p.text for p in preview.paragraphs]


def _alternative_texts(node: Any, found: list[str], depth: int = 0) -> list[str]:
    node = node.get_object() if hasattr(node, "get_object") else node
    if depth > 80:
        return found
    if isinstance(node, dict):
        if "/Alt" in node:
            found.append(str(node["/Alt"]))
        if "/K" in node:
            _alternative_texts(node["/K"], found, depth + 1)
    elif isinstance(node, list):
        for child in node:
            _alternative_texts(child, found, depth + 1)
    return found


def test_the_report_pdf_is_tagged_and_each_chart_carries_its_alternative_text(session, files):
    actor = system_actor("test")
    arrangement = find_arrangement_by_name(session, demo.ARRANGEMENT_NAME)
    filled = documents.fill(
        session,
        actor,
        "evaluatierapportage",
        "arrangement",
        arrangement.id,
        None,
        now=NOW,
        year=2025,
    )
    made = documents.generate(
        session,
        files,
        actor,
        "evaluatierapportage",
        "arrangement",
        arrangement.id,
        now=NOW,
        year=2025,
    )
    (pdf,) = conversion.to_pdf([files.read(made.file_key)])
    reader = PdfReader(io.BytesIO(pdf))
    descriptions = [v.description for v in filled.context.values() if isinstance(v, Picture)]
    assert len(descriptions) == 3 and "Carintreggeland 45,5%" in descriptions[0]
    assert _alternative_texts(reader.trailer["/Root"]["/StructTreeRoot"], []) == descriptions
