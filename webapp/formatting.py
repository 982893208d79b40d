"""Dutch formatting of dates, amounts and numbers with Babel: 27 mei 2025, € 28.400,00."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from flask import Flask

LOCALE = "nl_NL"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def dutch_date(value: date | None) -> str:
    return format_date(value, "d MMMM y", locale=LOCALE) if value else "—"


def dutch_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return format_datetime(value.astimezone(AMSTERDAM), "d MMMM y HH:mm", locale=LOCALE)


def euro(value: Decimal | int | float | None) -> str:
    return format_currency(value, "EUR", locale=LOCALE) if value is not None else "—"


def number(value: int | Decimal | None) -> str:
    return format_decimal(value, locale=LOCALE) if value is not None else "—"


def percent(value: float | None) -> str:
    return format_percent(value, "#,##0.0%", locale=LOCALE) if value is not None else "—"


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters.update(
        datum=dutch_date, datumtijd=dutch_datetime, bedrag=euro, getal=number, procent=percent
    )
