"""What the pages of the registers (and other records edited the same way) share: saving a new
record, saving an edit, a change from a button (a status, a grant decision), and the history;
and, for the registers whose new and edit pages are alike (arrangements, mandates, agreements),
those pages themselves, from a short description per register (``Register``).

Each saves once, at the edge (``webapp.unit_of_work``): bad input comes back in the form with
a message per field (422) or as a message above the record; a concurrent change shows what
changed (409, docs/security.md S28); otherwise the change is committed, the page says so, and
the browser is redirected (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from storage.arrangements import Arrangement
from webapp.access import current_actor, requires
from webapp.database import db
from webapp.forms import FormField, Options, as_form_values, form_fields, submitted
from webapp.unit_of_work import unit_of_work
from workflows.actors import Actor
from workflows.auditing.history import Entry
from workflows.errors import Conflict, InvalidInput
from workflows.registers import arrangements
from workflows.rules import fields
from workflows.rules.roles import Permission

T = TypeVar("T")


class Record(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


R = TypeVar("R", bound=Record)


class InArrangement(Protocol):
    @property
    def arrangement(self) -> Arrangement: ...


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


def form_page(
    *,
    heading: str,
    intro: str | None,
    make_fields: Callable[[], Sequence[FormField]],
    labels: Mapping[str, str],
    cancel_url: str,
    hidden: Mapping[str, Any] | None = None,
) -> Render:
    """The form a record is made or edited in (registers/form.html), for ``save_new`` and
    ``save_edit``; its fields are worked out only when the form is shown."""

    def render(
        values: Mapping[str, Any],
        errors: Mapping[str, str],
        version: int | None,
        status: int = 200,
        conflict: Conflict | None = None,
    ) -> ResponseReturnValue:
        return (
            render_template(
                "registers/form.html",
                heading=heading,
                intro=intro,
                form_fields=make_fields(),
                values=values,
                errors=errors,
                labels=labels,
                version=version,
                hidden=hidden or {},
                cancel_url=cancel_url,
                conflict=conflict,
            ),
            status,
        )

    return render


def history_page(*, subject: str, entries: Sequence[Entry], back_url: str) -> ResponseReturnValue:
    """A record's changes as the audit log recorded them, oldest first."""
    return render_template(
        "registers/history.html", subject=subject, entries=entries, back_url=back_url
    )


class UseCases(Protocol):
    """A register's module in workflows.registers (agreements, mandates, arrangements): its
    form fields and how a record is shown, made and changed."""

    @property
    def EDITABLE(self) -> Mapping[str, fields.Reader]: ...

    @property
    def LABELS(self) -> Mapping[str, str]: ...

    def snapshot(self, record: Any, /) -> dict[str, Any]: ...

    def create(self, session: Session, actor: Actor, raw: dict[str, Any], /) -> Any: ...

    def update(
        self,
        session: Session,
        actor: Actor,
        record_id: int,
        raw: dict[str, Any],
        /,
        *,
        expected_version: object,
        partial: bool = False,
    ) -> Any: ...


def participant_options(arrangement: Arrangement, kind: str) -> Options:
    """The organisations of one kind (``OrganisationKind``) taking part in an arrangement, by
    name, as the choices of a form field."""
    return [
        (str(p.organisation_id), p.organisation.name)
        for p in sorted(arrangement.participants, key=lambda p: p.organisation.name)
        if p.organisation.kind == kind
    ]


def _no_options(arrangement: Arrangement | None, record: Any) -> Mapping[str, Options]:
    return {}


def _no_values(arrangement: Arrangement | None) -> dict[str, Any]:
    return {}


def _never_frozen(record: Any) -> str | None:
    return None


@dataclass(frozen=True)
class Register(Generic[R]):
    """What the new and edit pages of one register need to know besides its use cases;
    ``form_pages`` adds those pages for every register so described."""

    use_cases: UseCases
    key: str  # the id in the detail route, e.g. "agreement_id"
    read: Callable[[Session, Actor, int], R]  # one record, as far as the actor may see it
    new_heading: str
    edit_heading: Callable[[R], str]
    created: Callable[[R], str]
    saved: str
    # A register kept per arrangement: a new record asks which arrangement first (?regeling=)
    # and carries it in the form, and the form names it.
    per_arrangement: bool = False
    options: Callable[[Arrangement | None, R | None], Mapping[str, Options]] = _no_options
    descriptions: Mapping[str, str] = field(default_factory=dict)
    new_values: Callable[[Arrangement | None], dict[str, Any]] = _no_values
    new_readers: Mapping[str, fields.Reader] = field(default_factory=dict)  # a new one's alone
    labels: Mapping[str, str] = field(default_factory=dict)  # beyond the use cases' own
    # Why a record's form is not shown (a decided mandate), or None; its save is refused anyway.
    frozen: Callable[[R], str | None] = _never_frozen


def form_pages(blueprint: Blueprint, register: Register[Any], permission: Permission) -> None:
    """Add a register's new page (``/nieuw``, endpoint ``create``) and edit page
    (``/<id>/bewerken``, endpoint ``edit``) to its blueprint; both require ``permission``
    (docs/security.md S13). The pages link to the blueprint's ``index`` and ``detail``."""

    def create() -> ResponseReturnValue:
        return _new_page(blueprint.name, register)

    def edit(**route: int) -> ResponseReturnValue:
        return _edit_page(blueprint.name, register, route[register.key])

    for rule, view in (("/nieuw", create), (f"/<int:{register.key}>/bewerken", edit)):
        blueprint.add_url_rule(rule, view_func=requires(permission)(view), methods=["GET", "POST"])


def _form(
    register: Register[R],
    *,
    heading: str,
    arrangement: Arrangement | None,
    record: R | None,
    readers: Mapping[str, fields.Reader],
    cancel_url: str,
) -> Render:
    labels = {**register.use_cases.LABELS, **register.labels}
    if register.per_arrangement:
        labels["arrangement_id"] = "Regeling"
    return form_page(
        heading=heading,
        intro=f"Regeling: {arrangement.name}" if arrangement else None,
        make_fields=lambda: form_fields(
            readers,
            options=register.options(arrangement, record),
            descriptions=register.descriptions,
        ),
        labels=labels,
        # A new record's arrangement travels with the form; a record keeps its own.
        hidden={"arrangement_id": arrangement.id} if arrangement and not record else {},
        cancel_url=cancel_url,
    )


def _detail_url(name: str, register: Register[Any], record_id: int) -> str:
    route: dict[str, Any] = {register.key: record_id}
    return url_for(f"{name}.detail", **route)


def _new_page(name: str, register: Register[R]) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    arrangement = None
    cancel = url_for(f"{name}.index")
    if register.per_arrangement:
        arrangement_id = fields.id_or_none(
            request.values.get("regeling") or request.form.get("arrangement_id", "")
        )
        if arrangement_id is None:
            return render_template(
                "registers/choose_arrangement.html",
                heading=register.new_heading,
                arrangements=arrangements.list_visible(session, actor),
                target=f"{name}.create",
            )
        arrangement = arrangements.visible(session, actor, arrangement_id)
        cancel = url_for(f"{name}.index", regeling=arrangement.id)
    readers = {**register.use_cases.EDITABLE, **register.new_readers}
    form = _form(
        register,
        heading=register.new_heading,
        arrangement=arrangement,
        record=None,
        readers=readers,
        cancel_url=cancel,
    )
    if request.method == "GET":
        return form(register.new_values(arrangement), {}, None)
    raw = submitted(readers)
    if arrangement is not None:
        raw["arrangement_id"] = str(arrangement.id)
    return save_new(
        raw=raw,
        save=lambda: register.use_cases.create(session, actor, raw),
        # A new record has no version yet, whatever the form sent.
        render=lambda values, errors, version, status=200, conflict=None: form(
            values, errors, None, status
        ),
        done=register.created,
        to=lambda made: _detail_url(name, register, made.id),
    )


def _edit_page(name: str, register: Register[R], record_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    record = register.read(session, actor, record_id)
    cancel = _detail_url(name, register, record_id)
    form = _form(
        register,
        heading=register.edit_heading(record),
        arrangement=cast(InArrangement, record).arrangement if register.per_arrangement else None,
        record=record,
        readers=register.use_cases.EDITABLE,
        cancel_url=cancel,
    )
    if request.method == "GET":
        refusal = register.frozen(record)
        if refusal:
            flash(refusal, "error")
            return redirect(cancel)
        return form(as_form_values(register.use_cases.snapshot(record)), {}, record.version)
    raw = submitted(register.use_cases.EDITABLE)
    return save_edit(
        raw=raw,
        save=lambda: register.use_cases.update(
            session, actor, record_id, raw, expected_version=request.form.get("version")
        ),
        render=form,
        current_version=lambda: register.read(session, actor, record_id).version,
        done=register.saved,
        to=cancel,
    )
