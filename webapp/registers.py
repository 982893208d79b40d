"""What the pages of the registers (and other records edited the same way) share: saving a new
record, saving an edit, a change from a button (a status, a grant decision), and the history.

Each saves once, at the edge (``webapp.unit_of_work``): bad input comes back in the form with
a message per field (422) or as a message above the record; a concurrent change shows what
changed (409, docs/security.md S28); otherwise the change is committed, the page says so, and
the browser is redirected (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue

from webapp.unit_of_work import unit_of_work
from workflows.auditing.history import Entry
from workflows.errors import Conflict, InvalidInput
from workflows.rules import fields

T = TypeVar("T")


class Render(Protocol):
    def __call__(
        self,
        values: Mapping[str, Any],
        errors: Mapping[str, str],
        version: int | None,
        status: int = 200,
        conflict: Conflict | None = None,
    ) -> ResponseReturnValue: ...


def save_new(
    *,
    raw: Mapping[str, Any],
    save: Callable[[], T],
    render: Render,
    done: Callable[[T], str],
    to: Callable[[T], str],
) -> ResponseReturnValue:
    """Save a form that creates a record; ``done`` and ``to`` are told what was made."""
    try:
        with unit_of_work():
            made = save()
    except InvalidInput as error:
        return render(raw, error.errors, None, 422)
    flash(done(made), "success")
    return redirect(to(made))


def save_edit(
    *,
    raw: Mapping[str, Any],
    save: Callable[[], object],
    render: Render,
    current_version: Callable[[], int],
    done: str,
    to: str,
) -> ResponseReturnValue:
    """Save a form that edits a record at the version the form was read at."""
    try:
        with unit_of_work():
            save()
    except InvalidInput as error:
        version = fields.whole_or_none(request.form.get("version"), minimum=0) or 0
        return render(raw, error.errors, version, 422)
    except Conflict as error:
        return render(raw, {}, current_version(), 409, error)
    flash(done, "success")
    return redirect(to)


def save_change(*, change: Callable[[], object], done: str, to: str) -> ResponseReturnValue:
    """Save what a button on a record's page asks (a status, a decision on a grant, a new
    version); refused, the record's page comes back with the reasons above it."""
    try:
        with unit_of_work():
            change()
    except (InvalidInput, Conflict) as error:
        messages = error.errors.values() if isinstance(error, InvalidInput) else [error.message]
        for message in messages:
            flash(message, "error")
        return redirect(to)
    flash(done, "success")
    return redirect(to)


def history_page(*, subject: str, entries: Sequence[Entry], back_url: str) -> ResponseReturnValue:
    """A record's changes as the audit log recorded them, oldest first."""
    return render_template(
        "registers/history.html", subject=subject, entries=entries, back_url=back_url
    )
