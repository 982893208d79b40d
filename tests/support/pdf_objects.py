"""PDF objects for the tests of what a PDF may do (docs/security.md S9): actions to build a
hostile PDF from, and every object of a PDF, to look for what makes it act."""

from __future__ import annotations

import io
from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject


def action(kind: str, **entries: PdfObject) -> DictionaryObject:
    """An action dictionary: ``action("/Launch", F=...)``."""
    found = DictionaryObject({NameObject("/S"): NameObject(kind)})
    found.update({NameObject(f"/{key}"): value for key, value in entries.items()})
    return found


def reachable(pdf: bytes) -> Iterator[PdfObject]:
    """Every object reachable from the trailer, references resolved and each indirect object
    visited once (a page tree points back to its parent)."""
    reader = PdfReader(io.BytesIO(pdf))
    seen: set[tuple[int, int]] = set()
    pending: list[PdfObject] = [reader.trailer]
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            resolved = node.get_object()
            if resolved is None:
                continue
            node = resolved
        yield node
        if isinstance(node, DictionaryObject):
            # values() hands out references unresolved, so each object is visited once.
            pending.extend(node.values())
        elif isinstance(node, ArrayObject):
            pending.extend(node)
