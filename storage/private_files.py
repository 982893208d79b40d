"""Owner-only permissions for everything Besluitwerk keeps on disk (docs/security.md S31): the
data directory, the SQLite database with its -wal and -shm files, stored files, key files and
backups. Other accounts on the host get no access at all (0o700 directories, 0o600 files),
whatever the process's umask."""

from __future__ import annotations

import os
import stat
from contextlib import suppress
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """Create ``path`` (and missing parents) owner-only; tighten it when it already exists."""
    missing = []
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    path.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
    for created in missing:
        os.chmod(created, DIRECTORY_MODE)
    _tighten(path, DIRECTORY_MODE)
    return path


def private_file(path: Path) -> None:
    """Make an existing file owner-only (e.g. one made before this rule, or by a library)."""
    _tighten(path, FILE_MODE)


def create_private_file(path: Path) -> None:
    """Create an empty owner-only file unless it exists, so that a library writing into it
    (SQLite, pg_dump) keeps its mode."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    private_file(path)


def _tighten(path: Path, mode: int) -> None:
    # A path owned by another account (a shared mount) is left alone: chmod would fail.
    with suppress(FileNotFoundError, PermissionError):
        if stat.S_IMODE(path.stat().st_mode) & ~mode:
            os.chmod(path, mode)
