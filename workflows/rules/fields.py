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

_DUTCH_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


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
        if isinstance(raw, bool):
            raise FieldError(f"{self.label}: verwacht een geheel getal.")
        if isinstance(raw, float):
            if math.isnan(raw) or math.isinf(raw) or not raw.is_integer():
                raise FieldError(f"{self.label}: verwacht een geheel getal.")
            raw = int(raw)
        if isinstance(raw, str):
            text = raw.strip()
            if _DUTCH_THOUSANDS.match(text):
                text = text.replace(".", "")
            try:
                raw = int(text)
            except ValueError:
                raise FieldError(
                    f"{self.label}: '{raw.strip()[:40]}' is geen geheel getal."
                ) from None
        if not isinstance(raw, int):
            raise FieldError(f"{self.label}: verwacht een geheel getal.")
        if raw < self.minimum:
            if self.minimum == 0:
                raise FieldError(f"{self.label}: mag niet negatief zijn.")
            raise FieldError(f"{self.label}: moet minstens {self.minimum} zijn.")
        if raw > self.maximum:
            raise FieldError(f"{self.label}: mag ten hoogste {self.maximum} zijn.")
        return raw


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
                        parts.extend(range(int(low), int(high) + 1))
                    except ValueError:
                        raise FieldError(
                            f"{self.label}: '{chunk[:20]}' is geen weekreeks."
                        ) from None
                else:
                    parts.append(chunk)
        else:
            raise FieldError(f"{self.label}: verwacht weeknummers, zoals 30, 31, 32.")
        weeks: set[int] = set()
        for part in parts:
            try:
                week = int(part)
            except (TypeError, ValueError):
                raise FieldError(f"{self.label}: '{str(part)[:20]}' is geen weeknummer.") from None
            if not 1 <= week <= 53:
                raise FieldError(f"{self.label}: weeknummers lopen van 1 tot en met 53.")
            weeks.add(week)
        return sorted(weeks)


_MONEY_DUTCH = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d{1,2})?$|^-?\d+(,\d{1,2})?$")
_MONEY_PLAIN = re.compile(r"^-?\d+(\.\d{1,2})?$")


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
            try:
                value = int(str(item).strip())
            except ValueError:
                raise FieldError(f"{self.label}: '{str(item)[:20]}' is geen nummer.") from None
            if value < 1:
                raise FieldError(f"{self.label}: '{value}' is geen nummer.")
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
    SECURITY.md S14). With ``partial``, fields absent from ``raw`` are left out."""
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
