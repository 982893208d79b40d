"""How dates, amounts and yes/no read in a Dutch legal document: ``27 mei 2025``,
``€ 28.400,00``, ``Ja``. One place, so every document kind writes them the same way."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from workflows.rules.reminders import AMSTERDAM

# Parsed once: Babel would parse the name "nl_NL" again on every value formatted, which a
# page with a few dozen dates and amounts notices.
LOCALE = Locale("nl", "NL")
# What a document shows where a date is to be filled in by hand after a meeting.
BLANK_LINE = "……………………"


# The month names of Babel's Dutch locale, read once. ``format_date(value, "d MMMM y")``
# writes the same words but costs about twenty times as much per date, and the signals and
# deadlines of a large region write thousands of dates per page (bench/scale.py).
_MONTHS = LOCALE.months["format"]["wide"]


def long_date(value: date) -> str:
    """``27 mei 2025``: how a date stands in a Dutch sentence, document, page, mail or log."""
    return f"{value.day} {_MONTHS[value.month]} {value.year}"


def long_date_or_blank(value: date | None) -> str:
    return long_date(value) if value is not None else BLANK_LINE


def money(amount: Decimal | int | float) -> str:
    return format_currency(amount, "EUR", locale=LOCALE)


def amsterdam_date_time(value: datetime) -> str:
    """A moment as people in the Netherlands read it: ``27 mei 2025 14:05``."""
    return format_datetime(value.astimezone(AMSTERDAM), "d MMMM y HH:mm", locale=LOCALE)


def decimal_number(value: int | Decimal) -> str:
    return format_decimal(value, locale=LOCALE)


def percentage(fraction: float) -> str:
    """A fraction as a Dutch percentage with one decimal: 0.777 → ``77,7%``."""
    return format_percent(fraction, "#,##0.0%", locale=LOCALE)


def yes_no(value: bool) -> str:
    return "Ja" if value else "Nee"


def numbered_items(text: str) -> list[dict[str, str]]:
    """Splits numbered text (``1. …``, ``1.1 …``) into items; a line without a number
    continues the item before it, so an argument's explanation stays with its heading."""
    items: list[dict[str, str]] = []
    for line in (raw.strip() for raw in text.split("\n")):
        if not line:
            continue
        number, rest = _leading_number(line)
        if number is None and items:
            items[-1]["tekst"] = f"{items[-1]['tekst']}\n{line}"
            continue
        items.append({"nummer": number or str(len(items) + 1), "tekst": rest})
    return items


def _leading_number(line: str) -> tuple[str | None, str]:
    head, _, rest = line.partition(" ")
    candidate = head.rstrip(".)")
    parts = candidate.split(".")
    if rest and parts and all(part.isdigit() and len(part) <= 3 for part in parts):
        return candidate, rest.strip()
    return None, line


# The plural of every noun a page counts. Dutch plurals are irregular (besluit → besluiten,
# signaal → signalen, gebeurtenis → gebeurtenissen), so they are listed, not guessed; a noun
# missing here is a KeyError in the tests rather than a wrong word on a page.
PLURALS = {
    "account": "accounts",
    "actieve sessie": "actieve sessies",
    "bed": "bedden",
    "bericht": "berichten",
    "besluit": "besluiten",
    "bijlage": "bijlagen",
    "dag": "dagen",
    "document": "documenten",
    "dossier": "dossiers",
    "gebeurtenis": "gebeurtenissen",
    "gelijkgestelde dag": "gelijkgestelde dagen",
    "gemeente": "gemeenten",
    "gemeentelijk dossier": "gemeentelijke dossiers",
    "melding": "meldingen",
    "ongelezen melding": "ongelezen meldingen",
    "organisatie": "organisaties",
    "overeenkomst": "overeenkomsten",
    "regel": "regels",
    "regeling": "regelingen",
    "signaal": "signalen",
    "termijn": "termijnen",
    "versie": "versies",
    "volmacht": "volmachten",
    "wijziging": "wijzigingen",
}


def count_phrase(count: int, noun: str, *, none: str | None = None) -> str:
    """A count with its noun as Dutch reads it: ``1 dossier``, ``2 dossiers``, ``1.250
    besluiten``, and ``geen signalen`` for none (or ``none`` when a page says it otherwise)."""
    plural = PLURALS[noun]
    if count == 0:
        return none if none is not None else f"geen {plural}"
    return f"{decimal_number(count)} {noun if count == 1 else plural}"
