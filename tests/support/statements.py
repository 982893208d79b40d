"""The SQL statements the app sends while a test asks it something: a list that loads a relation
per row shows up as a count that grows with the rows (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event


@contextmanager
def statements_sent(app: Flask) -> Iterator[list[str]]:
    """Collects every statement the app's engine sends inside the ``with`` block."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    engine = app.extensions["besluitwerk.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
