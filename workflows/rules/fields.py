"""Reading one submitted field into a typed value, or a Dutch message naming the field.

Pages and the API send the same raw values (strings from forms, JSON scalars from the API);
both go through these readers so that a value is judged the same way wherever it comes from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from workflows.rules.dates import parse_date
from workflows.rules.text import clean_text, text_problem

_DUTCH_THOUSANDS = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{3})+$")


class FieldError(ValueError):
    """A Dutch message for one field."""


@dataclass(frozen=True)
class Text:
    label: str
    max_length: int
    required: bool = False
    multiline: bool = False
    empty_is_none: bool = False

    def read(self, raw: Any) -> str | None:
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            raise FieldError(f"{self.label}: verwacht tekst.")
        value = clean_text(raw, multiline=self.multiline)
        problem = text_problem(
            value, label=self.label, max_length=self.max_length, multiline=self.multiline
        )
        if problem:
            raise FieldError(problem)
        if self.required and not value.strip():
            raise FieldError(f"{self.label}: vul dit veld in.")
        if self.empty_is_none and not value:
            return None
        return value


# The database's integer columns: PostgreSQL's ``integer`` holds at most 2^31-1 and SQLite's
# integers at most 2^63-1. A typed number beyond what its column holds would crash the query.
MAX_ID = 2**31 - 1
MAX_WHOLE = 2**63 - 1
# Only ASCII digits make a number: str.isdigit() also takes '²' (which int() then refuses) and
# int() takes Arabic-Indic digits, '1_000' and '+5', none of which an officer means as an id.
_ASCII_WHOLE = re.compile(r"-?[0-9]+")
# "Ends within N days" filters: a century ahead is more than any register holds, and keeps
# ``today + N days`` inside the calendar.
MAX_DAYS_AHEAD = 100 * 366
# More digits than any bound here has: refused before int() is asked to convert a huge string.
_MAX_DIGITS = len(str(MAX_WHOLE))


def parse_whole(
    raw: Any, *, label: str, minimum: int | None = None, maximum: int | None = None
) -> int:
    """The one reader of whole numbers from forms, query strings and JSON: ASCII digits (with
    Dutch thousands separators), a JSON integer, or a float without a fraction, within
    ``minimum``..``maximum`` (by default what a database column holds). FieldError otherwise."""
    upper = MAX_WHOLE if maximum is None else maximum
    lower = -MAX_WHOLE if minimum is None else minimum
    if isinstance(raw, bool):
        raise FieldError(f"{label}: verwacht een geheel getal.")
    if isinstance(raw, float):
        if math.isnan(raw) or math.isinf(raw) or not raw.is_integer():
            raise FieldError(f"{label}: verwacht een geheel getal.")
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if _DUTCH_THOUSANDS.fullmatch(text):
            text = text.replace(".", "")
        if not _ASCII_WHOLE.fullmatch(text):
            raise FieldError(f"{label}: '{shown(raw)}' is geen geheel getal.")
        if len(text.lstrip("-")) > _MAX_DIGITS:
            raise FieldError(
                f"{label}: mag ten hoogste {upper} zijn."
                if not text.startswith("-")
                else f"{label}: moet minstens {lower} zijn."
            )
        raw = int(text)
    if not isinstance(raw, int):
        raise FieldError(f"{label}: verwacht een geheel getal.")
    if raw < lower:
        if lower == 0:
            raise FieldError(f"{label}: mag niet negatief zijn.")
        raise FieldError(f"{label}: moet minstens {lower} zijn.")
    if raw > upper:
        raise FieldError(f"{label}: mag ten hoogste {upper} zijn.")
    return raw


def parse_id(raw: Any, *, label: str) -> int:
    """The identifier of a record: a whole number from 1 to 2^31-1 (what an id column holds)."""
    try:
        return parse_whole(raw, label=label, minimum=1, maximum=MAX_ID)
    except FieldError:
        raise FieldError(f"{label}: '{shown(raw)}' is geen nummer.") from None


def id_or_none(raw: Any) -> int | None:
    """The identifier in ``raw``, or None when it is none: a page's filter ignores a value it
    cannot use, as it ignores an unknown one."""
    return whole_or_none(raw, minimum=1, maximum=MAX_ID)


def whole_or_none(
    raw: Any, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """The whole number in ``raw`` within the bounds, or None when there is none (a filter)."""
    try:
        return parse_whole(raw, label="", minimum=minimum, maximum=maximum)
    except FieldError:
        return None


def shown(raw: Any) -> str:
    """A typed value quoted back in a message: short, and without line breaks or other
    control characters (a message may end up in a log line)."""
    text = str(raw)[:40]
    return "".join(c if c.isprintable() else "?" for c in text)


@dataclass(frozen=True)
class Whole:
    """A whole number within bounds; empty means None unless required."""

    label: str
    minimum: int
    maximum: int
    required: bool = False

    def read(self, raw: Any) -> int | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise FieldError(f"{self.label}: vul een getal in.")
            return None
        return parse_whole(raw, label=self.label, minimum=self.minimum, maximum=self.maximum)


@dataclass(frozen=True)
class Day:
    """A calendar date; empty means None unless required."""

    label: str
    required: bool = False

    def read(self, raw: Any) -> date | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise FieldError(f"{self.label}: vul een datum in.")
            return None
        if isinstance(raw, date):
            return raw
        if not isinstance(raw, str):
            raise FieldError(f"{self.label}: verwacht een datum als tekst (JJJJ-MM-DD).")
        try:
            return parse_date(raw, label=self.label)
        except ValueError as error:
            raise FieldError(str(error)) from None


@dataclass(frozen=True)
class Flag:
    label: str

    def read(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        if raw is None:
            return False
        if isinstance(raw, str) and raw.strip().lower() in {"", "0", "false", "nee", "off"}:
            return False
        if isinstance(raw, str) and raw.strip().lower() in {"1", "true", "ja", "on", "y"}:
            return True
        raise FieldError(f"{self.label}: kies ja of nee.")


@dataclass(frozen=True)
class Choice:
    label: str
    options: Mapping[str, str]
    required: bool = True
    coerce: Callable[[str], Any] = str

    def read(self, raw: Any) -> Any:
        if raw in (None, "") and not self.required:
            return None
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str) or raw not in self.options:
            allowed = ", ".join(self.options.values())
            raise FieldError(f"{self.label}: kies een van: {allowed}.")
        return self.coerce(raw)


@dataclass(frozen=True)
class WeekList:
    """ISO week numbers, typed as ``30, 31, 32`` or ``30-32``."""

    label: str

    def read(self, raw: Any) -> list[int]:
        if raw is None or raw == "":
            return []
        if isinstance(raw, list):
            parts: list[Any] = raw
        elif isinstance(raw, str):
            parts = []
            for chunk in raw.replace(";", ",").split(","):
                chunk = chunk.strip()
                if not chunk:
                    continue
                if "-" in chunk:
                    low, _, high = chunk.partition("-")
                    try:
                        first = parse_whole(low, label=self.label, minimum=1, maximum=53)
                        last = parse_whole(high, label=self.label, minimum=1, maximum=53)
                    except FieldError:
                        raise FieldError(
                            f"{self.label}: '{shown(chunk[:20])}' is geen weekreeks van 1 tot en "
                            "met 53."
                        ) from None
                    parts.extend(range(first, last + 1))
                else:
                    parts.append(chunk)
        else:
            raise FieldError(f"{self.label}: verwacht weeknummers, zoals 30, 31, 32.")
        weeks: set[int] = set()
        for part in parts:
            try:
                week = parse_whole(part, label=self.label)
            except FieldError:
                message = f"{self.label}: '{shown(part)[:20]}' is geen weeknummer."
                raise FieldError(message) from None
            if not 1 <= week <= 53:
                raise FieldError(f"{self.label}: weeknummers lopen van 1 tot en met 53.")
            weeks.add(week)
        return sorted(weeks)


_MONEY_DUTCH = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{3})*(,[0-9]{1,2})?$|^-?[0-9]+(,[0-9]{1,2})?$")
_MONEY_PLAIN = re.compile(r"^-?[0-9]+(\.[0-9]{1,2})?$")


@dataclass(frozen=True)
class Money:
    """An amount in euros with at most two decimals: ``28.400,00``, ``28400``, ``"28400.00"``."""

    label: str
    maximum: Decimal = Decimal("1000000000")
    required: bool = False

    def read(self, raw: Any) -> Decimal | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise FieldError(f"{self.label}: vul een bedrag in.")
            return None
        if isinstance(raw, bool):
            raise FieldError(f"{self.label}: verwacht een bedrag.")
        if isinstance(raw, Decimal):
            if not raw.is_finite():
                raise FieldError(f"{self.label}: verwacht een bedrag.")
            amount = raw
        elif isinstance(raw, int):
            amount = Decimal(raw)
        elif isinstance(raw, float):
            if math.isnan(raw) or math.isinf(raw):
                raise FieldError(f"{self.label}: verwacht een bedrag.")
            amount = Decimal(str(raw))
        elif isinstance(raw, str):
            text = raw.strip().removeprefix("€").strip().replace(" ", "")
            if text.endswith(",-"):
                text = text[:-2]
            if _MONEY_PLAIN.match(text):
                amount = Decimal(text)
            elif _MONEY_DUTCH.match(text):
                amount = Decimal(text.replace(".", "").replace(",", "."))
            else:
                raise FieldError(
                    f"{self.label}: '{raw.strip()[:30]}' is geen bedrag; schrijf bijvoorbeeld "
                    "28.400,00."
                )
        else:
            raise FieldError(f"{self.label}: verwacht een bedrag.")
        if amount != amount.quantize(Decimal("0.01")):
            raise FieldError(f"{self.label}: ten hoogste twee cijfers achter de komma.")
        if amount < 0:
            raise FieldError(f"{self.label}: mag niet negatief zijn.")
        if amount > self.maximum:
            raise FieldError(f"{self.label}: is onwaarschijnlijk hoog.")
        return amount.quantize(Decimal("0.01"))


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@dataclass(frozen=True)
class Lines:
    """A list of short texts: a JSON list, or one per line from a text area."""

    label: str
    max_length: int = 500
    max_items: int = 200

    def read(self, raw: Any) -> list[str]:
        if raw is None or raw == "":
            return []
        # str.splitlines() would also split on \x0b and \x0c (pasted from Word) and so hide
        # them; only real line breaks separate items, the rest is refused by Text.
        items = raw if isinstance(raw, list) else split_lines(str(raw))
        reader = Text(self.label, max_length=self.max_length)
        values = [v for v in (reader.read(item) for item in items) if v]
        if len(values) > self.max_items:
            raise FieldError(f"{self.label}: ten hoogste {self.max_items} regels.")
        return values


@dataclass(frozen=True)
class Ids:
    """Identifiers of other records: a JSON list of numbers, or the values of checkboxes."""

    label: str

    def read(self, raw: Any) -> list[int]:
        if raw is None or raw == "":
            return []
        items = raw if isinstance(raw, list | tuple) else str(raw).replace(";", ",").split(",")
        ids: list[int] = []
        for item in items:
            if isinstance(item, bool):
                raise FieldError(f"{self.label}: verwacht nummers.")
            value = parse_id(item, label=self.label)
            if value not in ids:
                ids.append(value)
        return ids


@dataclass(frozen=True)
class Choices:
    """Several values from a fixed vocabulary."""

    label: str
    options: Mapping[str, str]

    def read(self, raw: Any) -> list[str]:
        if raw is None or raw == "":
            return []
        items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        chosen: list[str] = []
        for item in items:
            value = str(item).strip()
            if value not in self.options:
                allowed = ", ".join(self.options.values())
                raise FieldError(f"{self.label}: '{value[:30]}' is onbekend; kies uit {allowed}.")
            if value not in chosen:
                chosen.append(value)
        return chosen


Reader = Text | Whole | Day | Flag | Choice | WeekList | Money | Lines | Ids | Choices


def read_fields(
    readers: Mapping[str, Reader], raw: Mapping[str, Any], *, partial: bool = False
) -> tuple[dict[str, Any], dict[str, str]]:
    """Read exactly the named fields from ``raw`` (anything else in it is ignored:
    docs/security.md S14). With ``partial``, fields absent from ``raw`` are left out."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, reader in readers.items():
        if partial and name not in raw:
            continue
        try:
            values[name] = reader.read(raw.get(name))
        except FieldError as error:
            errors[name] = str(error)
    return values, errors
