"""Forms generated from the field readers of a use case: one source of truth for what a
register accepts, so the page, the API and the validation cannot drift apart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask, request
from jinja2 import pass_context
from jinja2.runtime import Context

from workflows.rules import fields

Options = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str  # text, textarea, date, checkbox, select, checkboxes, number
    required: bool = False
    options: Options = field(default_factory=tuple)
    description: str = ""


def form_fields(
    readers: Mapping[str, fields.Reader],
    *,
    options: Mapping[str, Options] | None = None,
    descriptions: Mapping[str, str] | None = None,
    only: Sequence[str] | None = None,
) -> list[FormField]:
    options = options or {}
    descriptions = descriptions or {}
    result = []
    for name in only or list(readers):
        reader = readers[name]
        required = bool(getattr(reader, "required", False))
        widget = "text"
        choices: Options = options.get(name, ())
        if isinstance(reader, fields.Text):
            widget = "textarea" if reader.multiline else "text"
        elif isinstance(reader, fields.Lines):
            widget = "textarea"
        elif isinstance(reader, fields.Day):
            widget = "date"
        elif isinstance(reader, fields.Flag):
            widget = "checkbox"
        elif isinstance(reader, fields.Choice):
            widget = "select"
            choices = choices or list(reader.options.items())
        elif isinstance(reader, fields.Choices):
            widget = "checkboxes"
            choices = choices or list(reader.options.items())
        elif isinstance(reader, fields.Ids):
            widget = "checkboxes"
        elif isinstance(reader, fields.Whole) and name in options:
            widget = "select"
        elif isinstance(reader, fields.Whole | fields.Money):
            widget = "number"
        elif getattr(reader, "multiline", False):
            widget = "textarea"  # a reader of its own that takes one item per line
        result.append(
            FormField(name, reader.label, widget, required, choices, descriptions.get(name, ""))
        )
    return result


def as_form_values(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values as the strings (and lists of strings) a form shows."""
    values: dict[str, Any] = {}
    for name, value in snapshot.items():
        if value is None:
            values[name] = ""
        elif isinstance(value, bool):
            values[name] = "1" if value else ""
        elif isinstance(value, Decimal):
            values[name] = f"{value:.2f}".replace(".", ",")
        elif isinstance(value, date):
            values[name] = value.isoformat()
        elif isinstance(value, list) and (name.endswith("_ids") or name == "acts"):
            values[name] = [str(v) for v in value]
        elif isinstance(value, list):
            values[name] = "\n".join(str(v) for v in value)
        else:
            values[name] = str(value)
    return values


def submitted(readers: Mapping[str, fields.Reader], *, extra: Sequence[str] = ()) -> dict[str, Any]:
    """Exactly the fields the form has (docs/security.md S14); lists from repeated inputs."""
    raw: dict[str, Any] = {}
    for name, reader in readers.items():
        if isinstance(reader, fields.Ids | fields.Choices):
            raw[name] = request.form.getlist(name)
        else:
            raw[name] = request.form.get(name, "")
    for name in extra:
        raw[name] = request.form.get(name, "")
    return raw


def has_messages(errors: object) -> bool:
    """Whether a page's ``errors`` hold any message: a flat ``{field: message}`` or, on pages
    with several forms, ``{form: {field: message}}``."""
    if isinstance(errors, Mapping):
        return any(has_messages(value) for value in errors.values())
    return bool(errors)


@pass_context
def form_failed(context: Context) -> bool:
    """Whether the page shows a form that came back with errors (``errors``, or the single
    ``error`` of the login steps): its title then starts with "Fout:" (WCAG 3.3.1), so a
    screen reader says so first."""
    return has_messages(context.get("errors")) or has_messages(context.get("error"))


def init_forms(app: Flask) -> None:
    app.jinja_env.globals["form_failed"] = form_failed
