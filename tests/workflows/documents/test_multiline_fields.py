"""Issue 16, point 6: list-like fields of the agenda form are typed one item per line in a
text area and come out of the generated document as separate lines or rows: the annexes as
rows of the bijlagen table, the co-advisers and the risks as lines of their own."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import docx
import pytest
from sqlalchemy import select

from storage.decisions import CoAdvice, Decision
from storage.organisations import find_organisation_by_name
from webapp.forms import form_fields
from workflows.actors import system_actor
from workflows.decisions import decisions
from workflows.documents import documents

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
RISKS_HEADING = "Risico’s"
ANNEXES = "Volmacht; ja; nee; nee; nee\nEvaluatie pilot logeerzorg; ja; ja; nee; nee"
RISKS = (
    "1.1 De pilot loopt al sinds 1 januari 2025\nEerdere handelingen worden bekrachtigd.\n"
    "1.2 Volmacht en mandaat\nDe volmacht is begrensd."
)


def test_annexes_and_other_list_like_fields_are_text_areas() -> None:
    widgets = {f.name: f.widget for f in form_fields(decisions.EDITABLE)}
    assert widgets["annexes"] == "textarea"
    for name in ("risks", "arguments", "draft_decision", "desired_effect", "communication"):
        assert widgets[name] == "textarea", name


def _lines(paragraph_text: str) -> list[str]:
    return paragraph_text.split("\n")


@pytest.fixture
def dossier(session) -> Decision:
    borne = find_organisation_by_name(session, "Borne")
    assert borne is not None
    found = session.scalars(
        select(Decision).where(
            Decision.parent_id.is_not(None), Decision.municipality_id == borne.id
        )
    ).one()
    decisions.update(
        session,
        system_actor("test"),
        found.id,
        {"annexes": ANNEXES, "risks": RISKS},
        expected_version=found.version,
    )
    found.advices[:] = [
        CoAdvice(adviser="N. Boll", unit="SBS"),
        CoAdvice(adviser="E. van ’t Hoog en I. Lungu – van Twisk", unit="JZ"),
    ]
    session.flush()
    return found


def test_annexes_co_advisers_and_risks_come_out_as_rows_and_lines(
    session, files, dossier: Decision
) -> None:
    document = documents.generate(
        session, files, system_actor("test"), "agendaformulier", "decision", dossier.id, now=NOW
    )
    word = docx.Document(io.BytesIO(files.read(document.file_key)))

    # The bijlagen table: one row per line typed, after the header row.
    annex_table = next(t for t in word.tables if t.rows[0].cells[1].text == "Omschrijving")
    rows = [[cell.text for cell in row.cells] for row in annex_table.rows[1:]]
    assert rows == [
        ["Bijlage 1", "Volmacht", "Ja", "Nee", "Nee", "Nee"],
        ["Bijlage 2", "Evaluatie pilot logeerzorg", "Ja", "Ja", "Nee", "Nee"],
    ]

    # Mee geadviseerd door: one co-adviser per line, not one line with commas between.
    label_table = word.tables[0]
    advisers = next(
        row.cells[1].text for row in label_table.rows if row.cells[0].text == "Mee geadviseerd door"
    )
    assert _lines(advisers) == ["N. Boll, SBS", "E. van ’t Hoog en I. Lungu – van Twisk, JZ"]

    # Risico's: each line typed is a line of its own in the document.
    body = [p.text for p in word.paragraphs]
    risks_at = body.index(RISKS_HEADING)
    assert _lines(body[risks_at + 1]) == RISKS.split("\n")
