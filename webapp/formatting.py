"""Dutch formatting of dates, amounts and numbers on pages: 27 mei 2025, € 28.400,00. The
texts are those of the documents (workflows.rules.dutch_format); a page shows "—" for none."""

from __future__ import annotations

from collections.abc import Sized
from datetime import date, datetime
from decimal import Decimal

from flask import Flask

from workflows.rules.dutch_format import (
    amsterdam_date_time,
    count_phrase,
    decimal_number,
    long_date,
    money,
    percentage,
)

NONE = "—"


def dutch_date(value: date | None) -> str:
    return long_date(value) if value else NONE


def dutch_datetime(value: datetime | None) -> str:
    return amsterdam_date_time(value) if value is not None else NONE


def euro(value: Decimal | int | float | None) -> str:
    return money(value) if value is not None else NONE


def number(value: int | Decimal | None) -> str:
    return decimal_number(value) if value is not None else NONE


def percent(value: float | None) -> str:
    return percentage(value) if value is not None else NONE


def count(value: int | Sized, noun: str, none: str | None = None) -> str:
    """``{{ rows | aantal('dossier') }}``: 1 dossier, 2 dossiers, geen dossiers; a list is
    counted by its length."""
    return count_phrase(value if isinstance(value, int) else len(value), noun, none=none)


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters.update(
        datum=dutch_date,
        datumtijd=dutch_datetime,
        bedrag=euro,
        getal=number,
        procent=percent,
        aantal=count,
    )
