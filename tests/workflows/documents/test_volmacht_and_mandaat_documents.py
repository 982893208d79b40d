"""A volmacht and a mandaat are different legal instruments, and their documents say so
(docs/volmacht-en-mandaat.md): the volmacht of the Twente demo cites the Burgerlijk Wetboek
(3:60, substitution 3:64, the grantor bound 3:66) and acts "in naam van" the municipality; a
mandaat over the same arrangement cites the Awb (10:1, decisions "namens" the college 10:10,
consent 10:4, instructions 10:6, own power 10:7, sub-mandate 10:9). Neither cites the other's
articles. The B&W decision that grants each uses the same words."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from typing import Any

import docx
import pytest

from tests.support.record_changes import update_fields
from tests.support.word_documents import texts
from tests.webapp.test_dutch_everywhere import IDENTIFIER, ISO_DATE, PYTHON_VALUE
from workflows.decisions import decisions
from workflows.documents import document_templates, documents
from workflows.documents.engine.template_checks import check_template
from workflows.registers import mandates
from workflows.rules.acts import Act

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)  # Monday 2 June 2025
TODAY = NOW.date()

# What only one of the two may say. The volmacht's words are matched as whole words, so that
# "gevolmachtigde" in a field description would not count, but no such description is printed.
CIVIL_CODE = ("3:60", "3:64", "3:66", "Burgerlijk Wetboek", "volmacht")
ADMINISTRATIVE_LAW = ("10:1", "10:4", "10:9", "10:10", "Awb", "mandaat", "namens")


@pytest.fixture
def mandaat(session, actor, ids):
    """A mandaat to the lead for subsidy decisions, as the signal "nieuw mandaat nodig" drafts
    it for Enschede: the demo registers have only the volmacht."""
    return mandates.draft_for_gap(
        session,
        actor,
        ids["arrangement"],
        act=Act.GRANT_SUBSIDY,
        municipality_ids=[ids["Enschede"]],
        valid_from=date(2025, 7, 1),
    )


# The fields people type into the register: what they wrote is theirs (the demo's ratified
# agreements were "gesloten door Rijssen-Holten namens de Twentse gemeenten"); the document's
# own words are what remains.
TYPED = ("titel", "omschrijving", "grondslag", "gevolmachtigde_functie", "regeling")


def _own_words(text: str, context: dict[str, Any]) -> str:
    typed = [context[name] for name in TYPED] + list(context["bekrachtigde_handelingen"])
    for value in sorted((v for v in typed if v), key=len, reverse=True):
        text = text.replace(value, "…")
    return text


def _says(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w:]){re.escape(word)}(?![\w:])", text, re.IGNORECASE) is not None


def _text(files, document) -> str:
    """Body, tables, headers, footers and the document title, as a reader sees them."""
    return "\n".join(texts(files.read(document.file_key)))


def _generate(session, files, actor, mandate_id, party_id):
    return documents.generate(
        session, files, actor, "volmacht", "mandate", mandate_id, party_id=party_id, now=NOW
    )


def _own_text(session, files, actor, mandate_id, party_id) -> str:
    """The document's text without what people typed into the register."""
    document = _generate(session, files, actor, mandate_id, party_id)
    filled = documents.fill(session, actor, "volmacht", "mandate", mandate_id, party_id, now=NOW)
    return _own_words(_text(files, document), filled.context)


def test_volmacht_document_cites_bw_3_60_and_acts_in_the_name_of_the_municipality(
    session, files, actor, ids
):
    text = _text(files, _generate(session, files, actor, ids["mandate"], ids["Enschede"]))

    assert text.startswith("Volmacht\n")
    assert "volmacht als bedoeld in artikel 3:60 van het Burgerlijk Wetboek" in text
    assert "verleent de gevolmachtigde volmacht om in naam van de gemeente Enschede" in text
    assert "artikel 3:64 van het Burgerlijk Wetboek). Substitutie is bij deze volmacht" in text
    assert "bindt de gemeente alsof zij het zelf had gedaan (artikel 3:66" in text
    assert "artikel 160, eerste lid, onder e, van de Gemeentewet" in text
    # The demo's volmacht ratifies what Rijssen-Holten did since 1 January 2025.
    assert "bekrachtigt, als bedoeld in artikel 3:69 van het Burgerlijk Wetboek" in text
    assert "overeenkomst sluiten" in text


def test_volmacht_document_cites_no_awb_article_and_never_says_namens(session, files, actor, ids):
    text = _own_text(session, files, actor, ids["mandate"], ids["Enschede"])

    assert [word for word in ADMINISTRATIVE_LAW if _says(text, word)] == []
    assert "ondermandaat" not in text.lower() and "instemming" not in text.lower()


def test_mandate_document_cites_awb_10_1_and_says_namens(session, files, actor, ids, mandaat):
    document = _generate(session, files, actor, mandaat.id, ids["Enschede"])
    text = _text(files, document)

    assert document.title.startswith("Mandaatbesluit Enschede: Mandaat subsidie verlenen")
    assert text.startswith("Mandaatbesluit\n")
    assert "mandaat als bedoeld in artikel 10:1 van de Algemene wet bestuursrecht (Awb)" in text
    assert (
        "verleent de gemandateerde mandaat om namens het college van burgemeester en "
        "wethouders van Enschede het volgende te doen:\nsubsidie verlenen" in text
    )
    assert "namens het college van burgemeester en wethouders van Enschede is genomen" in text
    assert "(artikel 10:10 Awb)" in text and "namens dezen" in text
    assert "(ondermandaat, artikel 10:9 Awb). Ondermandaat is bij het mandaat niet" in text
    assert "(artikel 10:6 Awb)" in text and "(artikel 10:7 Awb)" in text
    assert "schriftelijk verleend (artikel 10:5, tweede lid, Awb)" in text


def test_mandate_to_another_organisation_asks_its_consent_under_awb_10_4(
    session, files, actor, ids, mandaat
):
    text = _text(files, _generate(session, files, actor, mandaat.id, ids["Enschede"]))

    assert "Rijssen-Holten werkt niet onder verantwoordelijkheid van de mandaatgever" in text
    assert "Voor instemming (artikel 10:4 Awb), namens Rijssen-Holten:" in text


def test_mandate_document_cites_no_civil_code_article_and_never_says_volmacht(
    session, files, actor, ids, mandaat
):
    text = _own_text(session, files, actor, mandaat.id, ids["Enschede"])

    assert [word for word in CIVIL_CODE if _says(text, word)] == []
    assert "substitutie" not in text.lower() and "in naam van de gemeente" not in text


def test_mandate_granted_to_its_own_municipality_needs_no_consent_under_awb_10_4(
    session, files, actor, ids
):
    """A college that mandates its own organisation (here Rijssen-Holten, the grantee, which
    grants too) asks nobody's consent: Awb 10:4 is for a mandatary outside it."""
    own = mandates.draft_for_gap(
        session,
        actor,
        ids["arrangement"],
        act=Act.DECIDE_APPLICATION,
        municipality_ids=[ids["Rijssen-Holten"]],
        valid_from=date(2025, 7, 1),
    )
    filled = documents.fill(
        session, actor, "volmacht", "mandate", own.id, ids["Rijssen-Holten"], now=NOW
    )
    assert filled.context["instemming_nodig"] == "Nee"
    text = _own_text(session, files, actor, own.id, ids["Rijssen-Holten"])
    assert "instemming" not in text.lower() and "10:4" not in text


def test_the_volmacht_template_fills_both_kinds_with_the_longest_values_and_each_sample(
    session, actor, ids, mandaat
):
    """The upload check renders the mandaat text with the longest values (an unknown kind falls
    to it) and the shipped template renders with a volmacht and with a mandaat as sample."""
    content = document_templates.builtin_content("volmacht")
    for mandate_id in (ids["mandate"], mandaat.id):
        sample = documents.fill(
            session, actor, "volmacht", "mandate", mandate_id, ids["Enschede"], now=NOW
        ).context
        report = check_template(content, "volmacht", sample=sample)
        assert report.preview is not None
        heading = docx.Document(io.BytesIO(report.preview)).paragraphs[0].text
        assert heading == sample["documentsoort"]


def test_decision_granting_a_volmacht_says_verleent_volmacht_in_naam_van_and_bw_3_60(
    session, actor, ids
):
    dossier = decisions.dossier_for_gap(
        session,
        actor,
        ids["arrangement"],
        act=Act.PREPARE_TENDER,
        act_on=date(2026, 3, 1),
        municipality_ids=[ids["Enschede"]],
        today=TODAY,
        now=NOW,
    )
    text = dossier.draft_decision
    assert text.startswith(
        "1. Volmacht te verlenen aan de gemeente Rijssen-Holten om in naam van de gemeente de "
        "volgende privaatrechtelijke rechtshandelingen te verrichten: aanbesteding voorbereiden"
    )
    assert "(artikel 3:60 Burgerlijk Wetboek)" in text and "(artikel 3:64 Burgerlijk" in text
    assert [word for word in ADMINISTRATIVE_LAW if _says(text, word)] == []
    assert decisions.effect_words(session, dossier.effects[0]) == "verleent volmacht"


def test_decision_granting_a_mandate_says_verleent_mandaat_namens_and_awb_10_1(session, actor, ids):
    dossier = decisions.dossier_for_gap(
        session,
        actor,
        ids["arrangement"],
        act=Act.GRANT_SUBSIDY,
        act_on=date(2026, 3, 1),
        municipality_ids=[ids["Enschede"]],
        today=TODAY,
        now=NOW,
    )
    text = dossier.draft_decision
    assert text.startswith(
        "1. Mandaat te verlenen aan het college van burgemeester en wethouders van "
        "Rijssen-Holten om namens het college de volgende besluiten te nemen: subsidie verlenen"
    )
    assert "(artikel 10:1 Awb)" in text and "(artikel 10:9 Awb)" in text
    assert "10:4 Awb" in text
    assert [word for word in CIVIL_CODE if _says(text, word)] == []
    assert decisions.effect_words(session, dossier.effects[0]) == "verleent mandaat"


def test_mandate_document_is_dutch_everywhere_without_codes_or_iso_dates(
    session, files, actor, ids, mandaat
):
    """Issue 13, point 8, for the mandaat text the demo does not make by itself."""
    text = _text(files, _generate(session, files, actor, mandaat.id, ids["Enschede"]))
    assert ISO_DATE.findall(text) == []
    assert IDENTIFIER.findall(text) == []
    assert PYTHON_VALUE.findall(text) == []
    assert "1 juli 2025" in text  # valid from, in words


def test_mandate_with_earlier_decisions_has_the_college_take_them_itself_not_bw_3_69(
    session, files, actor, ids, mandaat
):
    """BW 3:69 ratifies private-law acts; a decision taken without mandate the college takes
    itself (workflows/rules/ratification.py), and the mandaat text says so."""
    update_fields(
        mandates.update,
        session,
        actor,
        mandaat,
        {"ratifies_since": "2025-05-01", "ratified_acts": "Subsidie aan Stichting Logeerhuis"},
    )
    text = _own_text(session, files, actor, mandaat.id, ids["Enschede"])
    assert "sinds 1 mei 2025 namens het college heeft genomen zonder daartoe" in text
    assert "neemt het college met dit besluit alsnog zelf" in text
    assert "3:69" not in text and "Burgerlijk Wetboek" not in text


def test_each_document_file_is_named_after_what_it_is(session, files, actor, ids, mandaat):
    volmacht = _generate(session, files, actor, ids["mandate"], ids["Enschede"])
    besluit = _generate(session, files, actor, mandaat.id, ids["Enschede"])
    assert documents.filename_stem(volmacht) == "volmacht-Enschede-v1"
    assert documents.filename_stem(besluit) == "mandaatbesluit-Enschede-v1"
