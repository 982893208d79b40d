"""One page of a list, read in SQL: the rows asked for and how many there are in all.

Every list of the app (the HTML pages and the API alike) pages through this, so a list of
20,000 rows costs one page of rows and one count, never the whole list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

PER_PAGE = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Window:
    """Which part of a list is asked for: ``limit`` rows after the first ``offset``."""

    limit: int = PER_PAGE
    offset: int = 0

    @classmethod
    def page(cls, number: int, per_page: int = PER_PAGE) -> Window:
        """Page ``number`` (from 1) of ``per_page`` rows, as the HTML lists count."""
        return cls(limit=per_page, offset=(max(1, number) - 1) * per_page)


EVERYTHING = Window(limit=10**9, offset=0)


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: Sequence[T]
    total: int
    window: Window

    @property
    def number(self) -> int:
        return self.window.offset // max(1, self.window.limit) + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // max(1, self.window.limit)))


def fetch(session: Session, query: Select[Any], window: Window) -> Page[Any]:
    """The rows of ``query`` in ``window`` (ordered as the query orders them), and the count of
    all its rows; two statements whatever the size of the list, one for ``EVERYTHING``. The
    query selects one entity (or one column); eager loads of collections belong in
    ``selectinload``, so that the limit counts rows of the entity, not of a join."""
    if window == EVERYTHING:
        rows = session.scalars(query).unique().all()
        return Page(rows=rows, total=len(rows), window=window)
    total = _count(session, query)
    if total == 0 or window.offset >= total:
        return Page(rows=[], total=total, window=window)
    rows = session.scalars(query.limit(window.limit).offset(window.offset)).unique().all()
    return Page(rows=rows, total=total, window=window)


# A row of several columns of any type.
AnyRow = Row[*tuple[Any, ...]]


def fetch_rows(session: Session, query: Select[*tuple[Any, ...]], window: Window) -> Page[AnyRow]:
    """``fetch`` for a query of several columns: its rows as tuples with named columns."""
    if window == EVERYTHING:
        rows = session.execute(query).all()
        return Page(rows=rows, total=len(rows), window=window)
    total = _count(session, query)
    if total == 0 or window.offset >= total:
        return Page(rows=[], total=total, window=window)
    rows = session.execute(query.limit(window.limit).offset(window.offset)).all()
    return Page(rows=rows, total=total, window=window)


def _count(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(session.scalar(counted) or 0)


def of_list(items: Sequence[T], window: Window) -> Page[T]:
    """A page of a list derived in Python (the signals), for the same envelope."""
    return Page(
        rows=list(items[window.offset : window.offset + window.limit]),
        total=len(items),
        window=window,
    )
