"""The file store: where uploaded and generated files are kept (docs/security.md S10).

Files are stored under names the server makes (a random key), in the data directory — never
under the static folder and never under a name a user chose. The store is an interface so that
a directory on shared storage or an object store can take its place when the app scales out
(docs/architecture.md §4). Writes go to a temporary file first and are renamed into place, so a
crash
leaves either the whole file or nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from storage.private_files import FILE_MODE, private_directory

_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")


class UnknownFile(LookupError):
    """No file is stored under this key."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


class FileStore(Protocol):
    def put(self, content: bytes) -> StoredFile: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise UnknownFile(key)
        return self.root / key

    def put(self, content: bytes) -> StoredFile:
        token = secrets.token_hex(16)
        key = f"{token[:2]}/{token}"
        path = self._path(key)
        if not path.parent.is_dir():
            private_directory(path.parent)  # owner-only, like every file in it (S31)
        temporary = path.with_suffix(".tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            os.fchmod(descriptor, FILE_MODE)  # also when a leftover .tmp had another mode
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)  # a full disk keeps no partial file
            raise
        return StoredFile(key=key, sha256=hashlib.sha256(content).hexdigest(), size=len(content))

    def read(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise UnknownFile(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
