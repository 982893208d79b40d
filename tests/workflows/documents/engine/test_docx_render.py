"""The sandboxed .docx renderer (docs/security.md S1, S2, S5, S6, S7): templates are built here with
python-docx (a footnotes part by hand), and every result is read back with python-docx."""

from __future__ import annotations

import io
import os
import random
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

import docx
import pytest
from PIL import Image

from tests.support.word_documents import word_file
from workflows.documents.engine import docx_render
from workflows.documents.engine.docx_render import RenderFailed

INJECTIONS = [
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ ''.__class__.__mro__ }}",
]
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_RELATIONSHIP = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
)


def _with_footnote(content: bytes, text: str) -> bytes:
    """Adds word/footnotes.xml with one footnote, its content type and its relationship."""
    footnotes = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        "</w:footnote>"
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:footnote>"
        f'<w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
        "</w:p></w:footnote></w:footnotes>"
    ).encode()
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    f'<Override PartName="/word/footnotes.xml" ContentType="{FOOTNOTES_TYPE}"/>'
                    "</Types>".encode(),
                )
            elif info.filename == "word/_rels/document.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rId90" Type="{FOOTNOTES_RELATIONSHIP}" '
                    'Target="footnotes.xml"/></Relationships>'.encode(),
                )
            target.writestr(info.filename, data)
        target.writestr("word/footnotes.xml", footnotes)
    return output.getvalue()


def _in_header(text: str) -> Callable[[Any], None]:
    return lambda document: setattr(document.sections[0].header.paragraphs[0], "text", text)


def _in_footer(text: str) -> Callable[[Any], None]:
    return lambda document: setattr(document.sections[0].footer.paragraphs[0], "text", text)


def _in_title(text: str) -> Callable[[Any], None]:
    return lambda document: setattr(document.core_properties, "title", text)


def _template(place: str, text: str) -> bytes:
    if place == "hoofdtekst":
        return word_file(text)
    if place == "koptekst":
        return word_file("x", build=_in_header(text))
    if place == "voettekst":
        return word_file("x", build=_in_footer(text))
    if place == "voetnoten":
        return _with_footnote(word_file("x"), text)
    return word_file("x", build=_in_title(text))


def _render(content: bytes, context: dict[str, Any]) -> bytes:
    return docx_render.render(docx_render.prepare(content), context)


def _paragraphs(content: bytes) -> list[str]:
    return [paragraph.text for paragraph in docx.Document(io.BytesIO(content)).paragraphs]


# S1: template injection fails, in every part that can hold placeholders


@pytest.mark.parametrize(
    "place", ["hoofdtekst", "koptekst", "voettekst", "voetnoten", "documenteigenschappen"]
)
@pytest.mark.parametrize("payload", INJECTIONS)
def test_s1_injection_payload_fails_with_a_dutch_message_and_produces_nothing(
    place, payload, monkeypatch
):
    calls: list[tuple[object, ...]] = []

    def recorder(*arguments: object, **keywords: object) -> None:
        calls.append(arguments)

    monkeypatch.setattr(os, "popen", recorder)
    monkeypatch.setattr(os, "system", recorder)
    prepared = docx_render.prepare(_template(place, payload))
    output: bytes | None = None
    with pytest.raises(RenderFailed) as failed:
        output = docx_render.render(prepared, {})
    assert output is None
    assert failed.value.message.startswith("Het sjabloon probeert iets wat niet is toegestaan")
    assert f"({place})" in failed.value.message
    assert "geblokkeerd" in failed.value.message
    assert calls == []


def test_s1_footnotes_part_is_really_rendered():
    content = _with_footnote(word_file("x"), "Zie {{ bron }}")
    output = _render(content, {"bron": "Awb 10:1"})
    with zipfile.ZipFile(io.BytesIO(output)) as archive:
        assert b"Zie Awb 10:1" in archive.read("word/footnotes.xml")


# S2: bounded in time and memory


@pytest.mark.parametrize(
    "template",
    [
        "{% for i in range(100000) %}x{% endfor %}",
        "{% for i in range(1000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}",
        "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "{{ 'a'*10**8 }}",
        "{{ 'a'*100000000 }}",
        "{{ 'a' * 1000000 * 1000 }}",
        "{% for i in range(1000) %}{{ 'a' * 1000000 }}{% endfor %}",
        "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}",
    ],
)
def test_s2_resource_exhausting_template_stops_at_its_budget_with_a_message(template):
    # The work budget, not a clock, stops it: how long that takes is bench/render.py's business.
    prepared = docx_render.prepare(word_file(template))
    with pytest.raises(RenderFailed) as failed:
        docx_render.render(prepared, {})
    assert failed.value.message.startswith("Het ")
    # The worker carries on: the next render works.
    assert _paragraphs(_render(word_file("{{ a }}"), {"a": "daarna"}))[-1] == "daarna"


@pytest.mark.parametrize(
    "template",
    [
        "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
        "{% if 1 %}" * 3000 + "{% endif %}" * 3000,
        "{{ " + "a." * 300 + "b }}",
    ],
)
def test_s2_deeply_nested_template_fails_to_prepare_with_a_message(template):
    with pytest.raises(RenderFailed, match="te diep genest"):
        docx_render.prepare(word_file(template))


@pytest.mark.parametrize(
    "template",
    ["{{ " + "a." * 180 + "b }}", "{{ a" + "|upper" * 180 + " }}", "{{ a" + "[0]" * 180 + " }}"],
)
def test_s2_long_chains_in_one_placeholder_compile_without_exhausting_the_parser(template):
    assert docx_render.prepare(word_file(template)) is not None


def test_s2_nested_loops_without_output_hit_the_shared_range_budget():
    prepared = docx_render.prepare(
        word_file(
            "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
            "{% endfor %}{% endfor %}{% endfor %}"
        )
    )
    with pytest.raises(RenderFailed, match="samen tellen tot ten hoogste 100000"):
        docx_render.render(prepared, {})


def test_s2_loops_within_the_budget_render_and_each_render_gets_a_fresh_budget():
    # 90 090 steps per render, 180 180 over both: the budget is per part of one render.
    prepared = docx_render.prepare(
        word_file("{% for i in range(90) %}{% for j in range(1000) %}{% endfor %}.{% endfor %}")
    )
    for _ in range(2):
        output = docx_render.render(prepared, {})
    assert _paragraphs(output)[-1] == "." * 90


def _peak_bytes(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    except RenderFailed:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_s2_no_operator_is_folded_while_compiling():
    # Jinja evaluates constant expressions while it compiles, before any limit of the render:
    # '%040000000d' % 1 would be a 40 MB text by the time prepare returned.
    content = word_file("{{ '%040000000d' % 1 }}")
    assert _peak_bytes(lambda: docx_render.prepare(content)) < 10 * 1024 * 1024
    with pytest.raises(RenderFailed, match="tekst opmaken met % is in een sjabloon niet"):
        docx_render.render(docx_render.prepare(content), {})


def test_s2_no_filter_is_folded_while_compiling():
    content = word_file("{{ '" + "a" * 5000 + "'|join('" + "b" * 5000 + "') }}")
    assert _peak_bytes(lambda: docx_render.prepare(content)) < 10 * 1024 * 1024


@pytest.mark.parametrize(
    "template",
    ["{{ 'a'.ljust(50000000) }}", "{{ t.replace('x', t) }}", "{{ 'x'.center(50000000) }}"],
)
def test_s2_methods_of_values_cannot_be_called(template):
    prepared = docx_render.prepare(word_file(template))
    peak = _peak_bytes(lambda: docx_render.render(prepared, {"t": "x" * 10_000}))
    assert peak < 10 * 1024 * 1024
    with pytest.raises(RenderFailed, match="mag geen functies of methodes aanroepen"):
        docx_render.render(prepared, {"t": "x" * 10_000})


@pytest.mark.parametrize(
    ("template", "context"),
    [
        # 40 to the power 4: 2.6 million steps over a list from the data, printing nothing.
        (
            "{% for a in l %}{% for b in l %}{% for c in l %}{% for d in l %}{% endfor %}"
            "{% endfor %}{% endfor %}{% endfor %}",
            {"l": list(range(40))},
        ),
        # Two nested loops over the characters of a 2 000-character text: 4 million steps.
        ("{% for a in t %}{% for b in t %}{% endfor %}{% endfor %}", {"t": "x" * 2000}),
        # A loop with a large body costs its size at every step.
        ("{% for a in l %}" + "{% if a %}{% endif %}" * 500 + "{% endfor %}", {"l": [1] * 5000}),
        # A filter on a long text in a long loop.
        (
            "{% for a in l %}{% if t|upper %}{% endif %}{% endfor %}",
            {"l": [1] * 20_000, "t": "x" * 20_000},
        ),
        # A macro that calls itself twice: a million calls.
        (
            "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}"
            "{{ m(20) }}",
            {},
        ),
    ],
)
def test_s2_every_render_shares_one_work_budget_whatever_the_data(template, context):
    prepared = docx_render.prepare(word_file(template))
    with pytest.raises(RenderFailed) as failed:
        docx_render.render(prepared, context)
    assert failed.value.message == (
        "Het sjabloon is te zwaar om te vullen (hoofdtekst): het vraagt meer dan 1.000.000 "
        "rekenstappen (lussen, herhalingen of filters); het is afgebroken."
    )
    # The worker carries on, with a fresh budget for the next document.
    assert _paragraphs(_render(word_file("{{ a }}"), {"a": "daarna"}))[-1] == "daarna"


def test_s2_the_output_of_all_parts_of_a_document_shares_one_limit():
    # Each part stays under the limit; together they do not (a template can have many headers).
    loop = "{% for i in l %}{{ t }}{% endfor %}"
    content = word_file(loop, build=lambda d: (_in_header(loop)(d), _in_footer(loop)(d)))
    context = {"l": [1] * 7, "t": ("x" * 999 + "\n") * 1000}
    with pytest.raises(RenderFailed, match="Het gevulde sjabloon wordt te groot"):
        _render(content, context)


def _with_media(number: int, size: int) -> bytes:
    """A template carrying ``size`` bytes of picture data that does not compress."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(word_file(f"versie {number}"))) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.writestr("word/media/image1.png", random.Random(number).randbytes(size))
    return output.getvalue()


def test_s2_the_compiled_template_cache_is_capped_in_bytes(monkeypatch):
    monkeypatch.setattr(docx_render, "_CACHE", type(docx_render._CACHE)())
    monkeypatch.setattr(docx_render, "MAX_CACHE_BYTES", 2 * 1024 * 1024)
    templates = [_with_media(number, 600 * 1024) for number in range(6)]
    prepared = [docx_render.prepare(content) for content in templates]
    # Each holds more than its picture; three of them are already over the cap.
    assert all(p.weight > 600 * 1024 for p in prepared)
    assert docx_render.cached_bytes() <= docx_render.MAX_CACHE_BYTES
    assert docx_render.prepare(templates[-1]) is prepared[-1]  # the latest is kept
    assert docx_render.prepare(templates[0]) is not prepared[0]  # the oldest was dropped
    heavy = _with_media(99, 3 * 1024 * 1024)
    assert docx_render.prepare(heavy) is not docx_render.prepare(heavy)  # never kept
    assert docx_render.cached_bytes() <= docx_render.MAX_CACHE_BYTES


# S5: the renderer never expands entities either


def test_s5_renderer_does_not_resolve_an_external_entity():
    body = _part_of(word_file("&e;"), "word/document.xml")
    body = body.replace(
        b"<w:document",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><w:document',
        1,
    ).replace(b"&amp;e;", b"&e;")
    output = _render(_replaced(word_file("x"), "word/document.xml", body), {})
    rendered = _part_of(output, "word/document.xml")
    # The upload check refuses such a file; were one stored anyway, the reference stays a
    # reference.
    assert b"<w:t>&e;</w:t>" in rendered
    assert b"root:" not in rendered


def _part_of(content: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(name)


def _replaced(content: bytes, name: str, data: bytes) -> bytes:
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, data if info.filename == name else source.read(info))
    return output.getvalue()


# S6: values come out exactly as typed

VALUES = {
    "ampersand": "Zorg & Co <B.V.>",
    "tag": "</w:t>",
    "quotes": "“gekrulde” ‘aanhalingstekens’ en \"rechte\" 'ook'",
    "jinja": "{{ 7*7 }}",
    "block": "{% for x in range(3) %}x{% endfor %}",
    "emoji": "Logeerzorg 🧡👩‍⚕️",
    "ligature": "Bĳzondere ĳsbaan, IJssel",
    "lines": "regel 1\nregel 2",
    "tab": "kolom\tkolom",
    "long": "x" * 100_000,
}


def test_s6_values_round_trip_exactly_into_the_body():
    names = list(VALUES)
    content = word_file(*(f"{{{{ {name} }}}}" for name in names))
    output = _render(content, VALUES)
    assert _paragraphs(output)[-len(names) :] == [VALUES[name] for name in names]
    assert b"49" not in _part_of(output, "word/document.xml")


def test_s6_a_newline_becomes_a_word_line_break():
    output = _render(word_file("{{ lines }}"), VALUES)
    body = _part_of(output, "word/document.xml")
    assert b'regel 1</w:t><w:br/><w:t xml:space="preserve">regel 2' in body


@pytest.mark.parametrize("name", ["ampersand", "tag", "jinja", "emoji", "ligature"])
def test_s6_values_round_trip_into_header_footer_footnote_and_title(name):
    placeholder = f"{{{{ {name} }}}}"
    content = _with_footnote(
        word_file(
            "x",
            build=lambda document: (
                _in_header(placeholder)(document),
                _in_footer(placeholder)(document),
                _in_title(placeholder)(document),
            ),
        ),
        placeholder,
    )
    output = _render(content, VALUES)
    document = docx.Document(io.BytesIO(output))
    section = document.sections[0]
    assert section.header.paragraphs[0].text == VALUES[name]
    assert section.footer.paragraphs[0].text == VALUES[name]
    assert document.core_properties.title == VALUES[name]
    assert f">{escape(VALUES[name])}<".encode() in _part_of(output, "word/footnotes.xml")


@pytest.mark.parametrize(
    ("value", "code"), [("a\x0bb", "U+000B"), ("a\x00b", "U+0000"), ("a\ud800b", "U+D800")]
)
@pytest.mark.parametrize("place", ["hoofdtekst", "documenteigenschappen"])
def test_s6_a_character_xml_cannot_hold_fails_with_a_message_naming_it(value, code, place):
    with pytest.raises(RenderFailed) as failed:
        _render(_template(place, "{{ waarde }}"), {"waarde": value})
    assert code in failed.value.message and f"({place})" in failed.value.message


# S7: a field without a value is an error, never a blank


def test_s7_field_missing_from_the_context_fails_naming_the_field():
    with pytest.raises(RenderFailed) as failed:
        _render(word_file("Gemeente {{ gemeente }}"), {"plaats": "Rijssen"})
    assert "'gemeente'" in failed.value.message
    assert "nooit met lege velden" in failed.value.message


@pytest.mark.parametrize("place", ["hoofdtekst", "koptekst", "voetnoten", "documenteigenschappen"])
def test_s7_none_value_fails_and_is_never_a_blank(place):
    with pytest.raises(RenderFailed) as failed:
        _render(_template(place, "Gemeente {{ gemeente }}"), {"gemeente": None})
    assert "veld zonder waarde" in failed.value.message
    assert f"({place})" in failed.value.message


def test_s7_missing_attribute_of_a_loop_item_fails_naming_it():
    content = word_file("{% for punt in conceptbesluit %}{{ punt.tekst }}{% endfor %}")
    with pytest.raises(RenderFailed) as failed:
        _render(content, {"conceptbesluit": [{"nummer": "1"}]})
    assert "tekst" in failed.value.message


# Pictures (the charts of a report) ----------------------------------------------------------


def _png(colour: tuple[int, int, int]) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(output, format="PNG")
    return output.getvalue()


def _picture(colour: tuple[int, int, int], description: str) -> docx_render.Picture:
    return docx_render.Picture(_png(colour), 8.0, 4.0, description)


def test_a_picture_field_becomes_an_inline_image_with_its_alternative_text():
    first = _picture((0, 0, 0), 'Plaatsing: Zorg & Co <B.V.> "45,5%"; Liberein\u00a066,7%')
    second = _picture((200, 200, 200), "Bezetting per bed")
    template = word_file("Voor {{ een }} na", "{{ twee }}", "{{ tekst }}")
    content = _render(template, {"een": first, "twee": second, "tekst": "gewone tekst"})
    document = docx.Document(io.BytesIO(content))
    assert [p.text for p in document.paragraphs] == ["Voor  na", "", "gewone tekst"]
    shapes = document.inline_shapes
    assert len(shapes) == 2
    for shape, picture in zip(shapes, (first, second), strict=True):
        assert shape._inline.docPr.get("descr") == picture.description
        assert shape.width.cm == pytest.approx(8.0) and shape.height.cm == pytest.approx(4.0)
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        assert document.part.related_parts[blip.embed].blob == picture.png
    types = _part_of(content, "[Content_Types].xml").decode()
    assert 'Extension="png"' in types and types.count('Extension="png"') == 1
    # The template's own parts are untouched and the same input gives the same bytes.
    assert _part_of(content, "word/styles.xml") == _part_of(template, "word/styles.xml")
    assert _render(template, {"een": first, "twee": second, "tekst": "gewone tekst"}) == content


@pytest.mark.parametrize("place", ["koptekst", "voettekst", "voetnoten", "documenteigenschappen"])
def test_a_picture_outside_the_body_fails_with_a_dutch_message(place):
    with pytest.raises(RenderFailed, match="afbeelding kan"):
        _render(_template(place, "{{ grafiek }}"), {"grafiek": _picture((0, 0, 0), "x")})


def test_the_context_with_pictures_survives_json_for_the_test_render():
    context = {"grafiek": _picture((10, 20, 30), "Kosten € 1,00"), "lijst": [{"a": "b"}]}
    text = docx_render.context_json(context, with_images=True)
    assert docx_render.context_from_json(text) == context
    with pytest.raises(TypeError, match="hoort niet in de gegevens"):
        docx_render.context_json({"x": object()}, with_images=False)


def test_the_input_hash_json_names_a_picture_by_what_it_shows_not_by_its_bytes():
    plain = {"a": "b", "c": [1]}
    assert docx_render.context_json(plain, with_images=False) == '{"a":"b","c":[1]}'
    # The same chart drawn by another Pillow or font: other bytes, the same input.
    one, other = _picture((0, 0, 0), "Bezetting 71,2%"), _picture((9, 9, 9), "Bezetting 71,2%")
    assert one.png != other.png
    same = [docx_render.context_json({"g": p}, with_images=False) for p in (one, other)]
    assert same[0] == same[1] and "71,2%" in same[0]
    changed = _picture((0, 0, 0), "Bezetting 72,0%")
    assert docx_render.context_json({"g": changed}, with_images=False) != same[0]


def test_a_picture_placed_twice_is_stored_once_with_a_drawing_id_per_place():
    chart = _picture((0, 0, 0), "Eén grafiek")
    template = word_file("{% for i in range(3) %}{{ grafiek }}{% endfor %}")
    content = _render(template, {"grafiek": chart})
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
        body = archive.read("word/document.xml").decode()
    assert len(media) == 1
    ids = re.findall(r'<wp:docPr id="(\d+)"', body)
    assert len(ids) == 3 == len(set(ids))


def test_a_template_repeating_pictures_without_end_is_refused_in_dutch():
    many = {f"g{n}": _picture((n, n, n), f"grafiek {n}") for n in range(21)}
    fields = "".join(f"{{{{ g{n} }}}}" for n in range(21))
    with pytest.raises(RenderFailed, match="ten hoogste 20 afbeeldingen"):
        _render(word_file(fields), many)
    with pytest.raises(RenderFailed, match="ten hoogste 100 keer een afbeelding"):
        _render(word_file("{% for i in range(101) %}{{ g1 }}{% endfor %}"), many)


def test_pictures_get_drawing_ids_the_template_body_does_not_use():
    def with_own_drawing(document):
        own = _picture((50, 50, 50), "logo")
        document.add_picture(io.BytesIO(own.png))

    template = word_file("{{ grafiek }}", build=with_own_drawing)
    content = _render(template, {"grafiek": _picture((0, 0, 0), "grafiek")})
    body = _part_of(content, "word/document.xml").decode()
    ids = re.findall(r'<wp:docPr id="(\d+)"', body)
    assert len(ids) == 2 == len(set(ids))
    assert len(docx.Document(io.BytesIO(content)).inline_shapes) == 2
