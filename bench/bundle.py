"""Benchmark: the 13 volmachten of the demo mandate, from data to one bundled PDF.

Three ways to the same 13 documents, on a migrated, seeded SQLite database:

- ours: ``document_bundles.make_named(..., "volmachten", mandate_id)`` and the commit, on a fresh
  copy of the seeded database and an empty file store each time, so that all 13 volmachten are
  generated from the registers, converted in one soffice call (``conversion.to_pdf``, tagged
  PDF, the converter's kept profile) and merged with an index page and bookmarks, made inert
  and stored;
- per document: the same 13 .docx files (generated once, outside the timing), one
  ``soffice --headless --convert-to pdf`` process per file, then merged with pypdf
  (``PdfWriter.append`` in a loop) — what a plain script does;
- batch call: one ``soffice --headless --convert-to pdf --outdir X file1.docx … file13.docx``
  over the same 13 files, no merge: the converter's own limit.

A plain script would use soffice's default profile in the home directory; here each of the two
plain variants gets a profile directory of its own that is kept between its runs, as our
converter keeps its profile, and every variant first makes one warm-up conversion, so that none
of them pays for creating its profile in the timing (soffice's first start with a new profile is
slower). The variants run in turns, in a rotating order, ROUNDS times; the figures are medians.
Prints the seconds of each and `RATIO bundle_vs_per_document <v>` (aim: at most 0.25) and
`RATIO bundle_vs_batch_call <v>` (aim: at most 1.3). About two minutes. Run from the repository
root without arguments:

    .venv/bin/python bench/bundle.py
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from storage.database import make_engine, make_session_factory
from storage.files import LocalFileStore
from storage.keys import Keys
from storage.mandates import Mandate
from storage.migrate import upgrade
from workflows.actors import system_actor
from workflows.demo import demo
from workflows.documents import document_bundles, documents
from workflows.documents.engine import conversion

# Audit events need the key kept outside the database (S25); any key will do here.
KEYS = Keys.derive("bench-" + "k" * 40)

ROUNDS = 5
TODAY = date(2025, 6, 1)
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
ACTOR = system_actor("bench")
SOFFICE_TIMEOUT = 120


def seed(path: Path) -> int:
    """The seeded database, folded into one file so that copying it copies everything."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with make_session_factory(engine, keys=KEYS)() as session:
        demo.seed_demo(session, ACTOR, today=TODAY)
        session.commit()
        mandate_id = session.scalars(
            select(Mandate.id).where(Mandate.title == demo.VOLMACHT_TITLE)
        ).one()
    engine.dispose()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    return mandate_id


class Ours:
    def __init__(self, folder: Path, seeded: Path, mandate_id: int) -> None:
        self.folder, self.seeded, self.mandate_id = folder, seeded, mandate_id
        self.runs = 0
        self.pages: list[int] = []

    def run(self) -> float:
        self.runs += 1
        work = self.folder / f"ours-{self.runs}"
        work.mkdir()
        shutil.copyfile(self.seeded, work / "bundle.sqlite3")
        engine = make_engine(f"sqlite:///{work / 'bundle.sqlite3'}")
        files = LocalFileStore(work / "files")
        with make_session_factory(engine, keys=KEYS)() as session:
            started = time.perf_counter()
            bundle = document_bundles.make_named(
                session, files, ACTOR, "volmachten", self.mandate_id, now=NOW
            )
            session.commit()
            elapsed = time.perf_counter() - started
            self.pages.append(bundle.pages)
            assert len(bundle.document_ids) == 13, bundle.document_ids
        engine.dispose()
        shutil.rmtree(work)
        return elapsed


def make_docx(folder: Path, seeded: Path, mandate_id: int) -> list[Path]:
    """The 13 volmachten as .docx files, exactly as ours generates them."""
    shutil.copyfile(seeded, folder / "docx.sqlite3")
    engine = make_engine(f"sqlite:///{folder / 'docx.sqlite3'}")
    files = LocalFileStore(folder / "docx-files")
    target = folder / "docx"
    target.mkdir()
    paths = []
    with make_session_factory(engine, keys=KEYS)() as session:
        planned = document_bundles.plan(session, ACTOR, "volmachten", mandate_id)
        for number, (kind, subject_type, item_id, party_id, _) in enumerate(planned.items, 1):
            document = documents.generate(
                session, files, ACTOR, kind, subject_type, item_id, party_id=party_id, now=NOW
            )
            path = target / f"volmacht-{number:02d}.docx"
            path.write_bytes(files.read(document.file_key))
            paths.append(path)
        session.commit()
    engine.dispose()
    assert len(paths) == 13, len(paths)
    return paths


def soffice(profile: Path, outdir: Path, sources: list[Path]) -> None:
    program = conversion.soffice()
    assert program is not None, "LibreOffice (soffice) is niet geïnstalleerd"
    command = [program, "--headless", f"-env:UserInstallation={profile.as_uri()}"]
    command += ["--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)]
    subprocess.run(command, check=True, capture_output=True, timeout=SOFFICE_TIMEOUT)


def pdfs_of(outdir: Path, sources: list[Path]) -> list[Path]:
    pdfs = [outdir / f"{source.stem}.pdf" for source in sources]
    missing = [pdf.name for pdf in pdfs if not pdf.exists() or pdf.stat().st_size == 0]
    assert not missing, f"soffice maakte geen PDF van {missing}"
    return pdfs


class PerDocument:
    def __init__(self, folder: Path, sources: list[Path]) -> None:
        self.folder, self.sources = folder, sources
        self.profile = folder / "profile-per-document"
        self.pages: list[int] = []

    def run(self) -> float:
        outdir = Path(tempfile.mkdtemp(dir=self.folder))
        started = time.perf_counter()
        for source in self.sources:
            soffice(self.profile, outdir, [source])
        writer = PdfWriter()
        for pdf in pdfs_of(outdir, self.sources):
            writer.append(str(pdf))
        merged = io.BytesIO()
        writer.write(merged)
        elapsed = time.perf_counter() - started
        self.pages.append(len(PdfReader(merged).pages))
        shutil.rmtree(outdir)
        return elapsed

    def warm_up(self) -> None:
        outdir = Path(tempfile.mkdtemp(dir=self.folder))
        soffice(self.profile, outdir, self.sources[:1])
        shutil.rmtree(outdir)


class BatchCall:
    def __init__(self, folder: Path, sources: list[Path]) -> None:
        self.folder, self.sources = folder, sources
        self.profile = folder / "profile-batch"

    def run(self) -> float:
        outdir = Path(tempfile.mkdtemp(dir=self.folder))
        started = time.perf_counter()
        soffice(self.profile, outdir, self.sources)
        elapsed = time.perf_counter() - started
        pdfs_of(outdir, self.sources)
        shutil.rmtree(outdir)
        return elapsed

    def warm_up(self) -> None:
        outdir = Path(tempfile.mkdtemp(dir=self.folder))
        soffice(self.profile, outdir, self.sources[:1])
        shutil.rmtree(outdir)


def main() -> None:
    if not conversion.available():
        raise SystemExit("LibreOffice (soffice) is niet geïnstalleerd")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        seeded = folder / "seeded.sqlite3"
        mandate_id = seed(seeded)
        sources = make_docx(folder, seeded, mandate_id)
        ours, per_document, batch = (
            Ours(folder, seeded, mandate_id),
            PerDocument(folder, sources),
            BatchCall(folder, sources),
        )
        # Warm starts for all: our converter's profile slot of this process, and each plain
        # variant's own profile directory.
        conversion.to_pdf([sources[0].read_bytes()])
        per_document.warm_up()
        batch.warm_up()
        variants: list[tuple[str, Callable[[], float]]] = [
            ("ours", ours.run),
            ("per_document", per_document.run),
            ("batch_call", batch.run),
        ]
        times: dict[str, list[float]] = {label: [] for label, _ in variants}
        try:
            for round_number in range(ROUNDS):
                shift = round_number % len(variants)
                for label, run in variants[shift:] + variants[:shift]:
                    times[label].append(run())
        finally:
            for slot in range(conversion._SLOTS):  # this process's own profiles, no other's
                shutil.rmtree(conversion._profile(slot), ignore_errors=True)
        # The same documents in every bundle: ours has one index page more.
        assert len(set(ours.pages)) == 1 and len(set(per_document.pages)) == 1
        assert ours.pages[0] == per_document.pages[0] + 1, (ours.pages, per_document.pages)
    medians = {label: statistics.median(values) for label, values in times.items()}
    for label, values in times.items():
        runs = " ".join(f"{value:.2f}" for value in values)
        print(f"SECONDS {label} {medians[label]:.2f} (runs: {runs})")
    print(f"PAGES ours {ours.pages[0]} (index page included), per_document {per_document.pages[0]}")
    print(f"RATIO bundle_vs_per_document {medians['ours'] / medians['per_document']:.3f}")
    print(f"RATIO bundle_vs_batch_call {medians['ours'] / medians['batch_call']:.3f}")
    pairs = zip(times["ours"], times["batch_call"], strict=True)
    paired = " ".join(f"{o / b:.2f}" for o, b in pairs)
    print(f"# ours/batch_call per round: {paired}")
    print(f"# total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
