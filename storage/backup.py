"""Online backups of the database and the file store, and a check that a backup restores
(docs/security.md S31). A manifest records the row counts, the file hashes and the head of the audit
chain at backup time; the restore check restores into a temporary place and compares. A backup
holds everything, so it is owner-only on disk like the data directory; the manifest's audit head
is a record of the chain outside the database (S25): ``verify-audit --manifest`` compares the live
chain with it and so sees when its newest events were deleted."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.engine import make_url

from storage.audit import Head, head, verify_chain
from storage.database import make_engine, make_session_factory
from storage.keys import Keys
from storage.migrate import current_revision
from storage.private_files import FILE_MODE, create_private_file, private_directory, private_file
from storage.schema import metadata

MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore check that could not be done; the message is Dutch."""


def _counts(connection: Connection) -> dict[str, int]:
    return {
        table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
        for table in metadata.sorted_tables
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    if root.exists():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def _libpq(engine: Engine) -> tuple[str, str | None]:
    """The connection URI for pg_dump/pg_restore, and the schema when the URL sets one."""
    url = engine.url.set(drivername="postgresql")
    options = str(url.query.get("options", ""))
    schema = options.split("search_path=", 1)[1].split()[0] if "search_path=" in options else None
    return url.render_as_string(hide_password=False), schema


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} ontbreekt: installeer de PostgreSQL-client (postgresql-client).")
    return found


def _head_json(found: Head | None) -> dict[str, Any] | None:
    return None if found is None else {"id": found.id, "hash": found.hash}


def backup(engine: Engine, files_root: Path, target: Path, *, now: datetime) -> dict[str, Any]:
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"De map {target} is niet leeg; kies een nieuwe map voor de back-up.")
    private_directory(target)
    manifest: dict[str, Any] = {
        "created_at": now.astimezone(UTC).isoformat(),
        "database": engine.dialect.name,
        "revision": current_revision(engine),
    }
    if engine.dialect.name == "sqlite":
        source = engine.url.database
        if not source:
            raise BackupError("De SQLite-database heeft geen bestand.")
        # The sqlite3 online backup API: a consistent copy while the app keeps running.
        copy_path = target / "database.sqlite3"
        create_private_file(copy_path)
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(copy_path)) as copy:
            live.backup(copy)
        copy_engine = make_engine(f"sqlite:///{copy_path}")
        with copy_engine.connect() as connection:
            manifest["row_counts"] = _counts(connection)
            manifest["audit_head"] = _head_json(head(connection))
        copy_engine.dispose()
    else:
        uri, schema = _libpq(engine)
        # Counts and dump from one snapshot: what the manifest says is what the dump holds.
        with engine.connect() as connection:
            connection.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            manifest["row_counts"] = _counts(connection)
            manifest["audit_head"] = _head_json(head(connection))
            command = [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-owner"]
            if schema:
                command.append(f"--schema={schema}")
                manifest["schema"] = schema
            # No shell; the arguments come from the operator's own DATABASE_URL.
            result = subprocess.run(  # noqa: S603
                [*command, "--file", str(target / "database.dump"), "--dbname", uri],
                capture_output=True,
                text=True,
                check=False,
                umask=0o077,  # the dump is owner-only, like the database it holds
            )
            connection.exec_driver_sql("COMMIT")
        if result.returncode != 0:
            raise BackupError(f"pg_dump is mislukt: {result.stderr.strip()[:500]}")
    stored = target / "files"
    hashes: dict[str, str] = {}
    for path in _files(files_root):
        relative = path.relative_to(files_root).as_posix()
        destination = stored / relative
        private_directory(destination.parent)
        shutil.copy2(path, destination)
        private_file(destination)  # copy2 copies the mode of files stored before this rule
        hashes[relative] = _sha256(destination)
    manifest["files"] = hashes
    descriptor = os.open(target / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def _manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST if source.is_dir() else source
    if not path.is_file():
        raise BackupError(f"{source} bevat geen {MANIFEST}: dit is geen back-up van Besluitwerk.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path} is geen leesbaar manifest van een back-up.") from None
    if not isinstance(manifest, dict):
        raise BackupError(f"{path} is geen leesbaar manifest van een back-up.")
    return manifest


def recorded_head(source: Path) -> Head | None:
    """The audit head a backup's manifest recorded (a backup folder or its manifest.json); None
    for a backup of an empty log."""
    manifest = _manifest(source)
    if "audit_head" not in manifest:
        raise BackupError(
            f"Het manifest in {source} noemt geen kop van de auditketen (een back-up van vóór "
            "de verankerde keten); maak een nieuwe back-up."
        )
    found = manifest["audit_head"]
    if found is None:
        return None
    try:
        return Head(int(found["id"]), str(found["hash"]))
    except (KeyError, TypeError, ValueError):
        raise BackupError(
            f"Het manifest in {source} noemt geen geldige kop van de auditketen."
        ) from None


@dataclass
class RestoreCheck:
    problems: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    files: int = 0
    audit_events: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@contextmanager
def _restored(source: Path, manifest: dict[str, Any], admin: Engine | None) -> Iterator[Engine]:
    if manifest["database"] == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "restore.sqlite3"
            shutil.copy2(source / "database.sqlite3", copy)
            engine = make_engine(f"sqlite:///{copy}")
            try:
                yield engine
            finally:
                engine.dispose()
        return
    if admin is None:
        raise BackupError("Voor een PostgreSQL-back-up is een database-URL nodig om te herstellen.")
    name = f"bw_restore_{uuid.uuid4().hex[:10]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(admin.url.render_as_string(hide_password=False)).set(database=name)
    schema = manifest.get("schema")
    if schema:
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    else:
        url = url.difference_update_query(["options"])
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        uri = url.set(drivername="postgresql").difference_update_query(["options"])
        result = subprocess.run(  # noqa: S603 - no shell; a temporary database of our own
            [
                _tool("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                uri.render_as_string(hide_password=False),
                str(source / "database.dump"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore is mislukt: {result.stderr.strip()[:500]}")
        yield engine
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore_check(source: Path, *, keys: Keys, admin: Engine | None = None) -> RestoreCheck:
    """Restore the backup into a temporary place and compare it with its manifest: database
    integrity, schema revision, row counts, the audit chain (with the key, up to the head the
    manifest recorded), and every file's hash."""
    manifest = _manifest(source)
    known = recorded_head(source) if "audit_head" in manifest else None
    check = RestoreCheck()
    with _restored(source, manifest, admin) as engine:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
                if integrity != "ok":
                    check.problems.append(f"Database niet in orde: {integrity}")
            counts = _counts(connection)
        if current_revision(engine) != manifest.get("revision"):
            check.problems.append("Het schema van de herstelde database wijkt af van de back-up.")
        for table, expected in manifest["row_counts"].items():
            if counts.get(table) != expected:
                check.problems.append(
                    f"Tabel {table}: {counts.get(table)} rijen, de back-up noemt er {expected}."
                )
        check.tables, check.rows = len(counts), sum(counts.values())
        with make_session_factory(engine, keys=keys)() as session:
            chain = verify_chain(session, known_heads=[known] if known is not None else [])
        check.audit_events = chain.checked
        if chain.problem is not None:
            check.problems.append(f"Auditlog: {chain.problem}")
        elif "audit_head" in manifest and chain.head != known:
            check.problems.append(
                "Auditlog: de kop van de herstelde keten is "
                f"{chain.head or 'leeg'}, het manifest noemt {known or 'leeg'}."
            )
    for relative, expected in manifest.get("files", {}).items():
        path = source / "files" / relative
        if not path.exists():
            check.problems.append(f"Bestand ontbreekt: {relative}")
        elif _sha256(path) != expected:
            check.problems.append(f"Bestand gewijzigd: {relative}")
        else:
            check.files += 1
    return check
