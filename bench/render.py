"""Benchmark: 200 agenda forms through our render path against naive docxtpl.

The agenda form (``agendaformulier``) of the demo's Enschede decision of 27 May 2025, on a
migrated, seeded SQLite database with a file store in a temporary directory:

- ours: ``documents.generate`` per document, the whole path: the permission and visibility
  checks, filling the context from the registers, the sandboxed render of the compiled (cached)
  template with its XML validation, storing the .docx in the file store, the document row and
  its audit row, and the commit;
- naive: what a plain script does: per document a fresh ``DocxTemplate`` of the same active
  template file, ``render`` with the same context (docxtpl's own unsandboxed environment), and
  ``save`` to a ``BytesIO``.

``generate`` returns the existing document when nothing changed, so before each of our
documents the decision's ``author`` gets the document number appended (and is flushed, outside
the timing). That changes one field of the context, so the input hash differs and the document
is really rendered, stored and recorded as the next version: the same work as for any changed
dossier, and the template work is the same as naive's up to those few characters.

The two run in alternating blocks, so that load on the machine hits both alike; each round makes
200 documents with each, and the figures are the medians over the rounds. Prints the time per
document of both and `RATIO render_vs_naive <v>` (aim: at most 0.5). Run from the repository
root without arguments:

    .venv/bin/python bench/render.py
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.database import make_engine, make_session_factory
from storage.decisions import Decision
from storage.files import LocalFileStore
from storage.keys import Keys
from storage.migrate import upgrade
from storage.organisations import Organisation
from workflows.actors import Actor, system_actor
from workflows.demo import demo
from workflows.documents import document_templates, documents

# Audit events need the key kept outside the database (S25); any key will do here.
KEYS = Keys.derive("bench-" + "k" * 40)

KIND = "agendaformulier"
DOCUMENTS = 200
BLOCK = 20
ROUNDS = 5
TODAY = date(2025, 6, 1)
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


class Ours:
    """documents.generate, one committed document per call."""

    def __init__(self, session: Session, files: LocalFileStore, actor: Actor, decision: Decision):
        self.session, self.files, self.actor, self.decision = session, files, actor, decision
        self.author = decision.author
        self.number = 0
        self.versions: list[int] = []

    def one(self) -> float:
        self.number += 1
        self.decision.author = f"{self.author} ({self.number})"
        self.session.flush()
        started = time.perf_counter()
        document = documents.generate(
            self.session, self.files, self.actor, KIND, "decision", self.decision.id, now=NOW
        )
        self.session.commit()
        elapsed = time.perf_counter() - started
        self.versions.append(document.version)
        return elapsed


class Naive:
    """A fresh DocxTemplate per document, docxtpl's default environment."""

    def __init__(self, path: Path, context: dict[str, Any]) -> None:
        self.path, self.context = str(path), context
        self.last = b""

    def one(self) -> float:
        started = time.perf_counter()
        template = DocxTemplate(self.path)
        template.render(self.context)
        output = io.BytesIO()
        template.save(output)
        elapsed = time.perf_counter() - started
        self.last = output.getvalue()
        return elapsed


def block(make: Callable[[], float], count: int) -> float:
    return sum(make() for _ in range(count))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'render.sqlite3'}")
        upgrade(engine)
        actor = system_actor("bench")
        files = LocalFileStore(Path(folder) / "files")
        sessions = make_session_factory(engine, keys=KEYS)
        with sessions() as session:
            demo.seed_demo(session, actor, today=TODAY)
            session.commit()
        with sessions() as session:
            decision = session.scalars(
                select(Decision)
                .join(Organisation, Decision.municipality_id == Organisation.id)
                .where(Organisation.name == "Enschede", Decision.meeting_on == date(2025, 5, 27))
            ).one()
            context = documents.fill(
                session, actor, KIND, "decision", decision.id, None, now=NOW
            ).context
            template, _ = document_templates.active(session, files, KIND)
            session.commit()
            path = files.root / template.file_key  # the active version's own file
            ours, naive = Ours(session, files, actor, decision), Naive(path, context)
            # Warm-up: imports, our compiled-template cache, SQLAlchemy's statement cache.
            block(ours.one, 5)
            block(naive.one, 5)
            ours_times: list[float] = []
            naive_times: list[float] = []
            for round_number in range(ROUNDS):
                ours_total = naive_total = 0.0
                for number in range(DOCUMENTS // BLOCK):
                    if (round_number + number) % 2 == 0:
                        ours_total += block(ours.one, BLOCK)
                        naive_total += block(naive.one, BLOCK)
                    else:
                        naive_total += block(naive.one, BLOCK)
                        ours_total += block(ours.one, BLOCK)
                ours_times.append(ours_total / DOCUMENTS)
                naive_times.append(naive_total / DOCUMENTS)
            # Every call of ours made a new version; naive made a readable .docx.
            assert ours.versions == list(range(1, len(ours.versions) + 1)), ours.versions[:10]
            assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(naive.last)).namelist()
        engine.dispose()
    ours_median, naive_median = statistics.median(ours_times), statistics.median(naive_times)
    print(f"DOCUMENTS {DOCUMENTS} per round, {ROUNDS} rounds")
    print(f"TIME_MS_PER_DOCUMENT ours {ours_median * 1000:.2f}")
    print(f"TIME_MS_PER_DOCUMENT naive_docxtpl {naive_median * 1000:.2f}")
    print(f"RATIO render_vs_naive {ours_median / naive_median:.3f}")


if __name__ == "__main__":
    main()
