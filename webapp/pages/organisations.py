"""Organisations: list, detail, CSV export, and editing by the administrator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from storage.accounts import User
from storage.organisations import Organisation
from storage.paging import Window
from webapp import clock
from webapp.access import current_actor, requires
from webapp.database import db
from webapp.exports import csv_response
from webapp.paging import page_number
from webapp.registers import save_edit
from webapp.unit_of_work import unit_of_work
from workflows import audit
from workflows.errors import Conflict, InvalidInput
from workflows.registers import organisations
from workflows.registers.organisations import KIND_LABELS, WEEKDAY_LABELS
from workflows.rules.roles import Permission

blueprint = Blueprint("organisations", __name__, url_prefix="/organisaties")


@blueprint.get("/")
@requires(Permission.VIEW_ORGANISATIONS)
def index() -> ResponseReturnValue:
    kind = request.args.get("soort") or None
    try:
        shown = organisations.page_visible(
            db(), current_actor(), Window.page(page_number()), kind=kind
        )
    except InvalidInput as error:
        flash(error.errors.get("kind", error.message), "error")
        return redirect(url_for("organisations.index"))
    return render_template(
        "organisations/list.html",
        organisations=shown.rows,
        page=shown,
        kind=kind,
        kinds=KIND_LABELS,
    )


@blueprint.get("/export.csv")
@requires(Permission.VIEW_ORGANISATIONS)
def export() -> ResponseReturnValue:
    actor = current_actor()
    with unit_of_work() as session:
        rows = organisations.list_visible(session, actor, kind=request.args.get("soort") or None)
        audit.record(
            session,
            actor,
            action="export",
            object_type="organisation",
            object_id=None,
            new_values={"rows": len(rows)},
        )
    return csv_response(
        ["Naam", "Soort", "Afkorting", "Inwoners", "Peildatum inwoners"],
        (
            [o.name, KIND_LABELS[o.kind], o.short_name, o.inhabitants, o.inhabitants_on]
            for o in rows
        ),
        name="organisaties",
        today=clock.today(),
    )


@blueprint.get("/<int:organisation_id>")
@requires(Permission.VIEW_ORGANISATIONS)
def detail(organisation_id: int) -> ResponseReturnValue:
    actor = current_actor()
    organisation = organisations.get_visible(db(), actor, organisation_id)
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        kinds=KIND_LABELS,
        weekdays=WEEKDAY_LABELS,
    )


@blueprint.route("/<int:organisation_id>/bewerken", methods=["GET", "POST"])
@requires(Permission.EDIT_ORGANISATIONS)
def edit(organisation_id: int) -> ResponseReturnValue:
    actor = current_actor()
    session = db()
    organisation = organisations.get_visible(session, actor, organisation_id)
    contacts = organisations.escalation_candidates(session, organisation)
    if request.method == "GET":
        return _form(organisation, dict(_as_form(organisation)), contacts)
    submitted = {name: request.form.get(name) for name in organisations.EDITABLE}
    submitted["no_meetings_christmas_to_new_year"] = request.form.get(
        "no_meetings_christmas_to_new_year", ""
    )

    def render(
        values: Any, errors: Any, version: int | None, status: int = 200, conflict: Any = None
    ) -> ResponseReturnValue:
        if conflict is None:
            return _form(organisation, submitted, contacts, errors=errors, status=status)
        # The other change is shown on the record as it is now.
        fresh = organisations.get_visible(session, actor, organisation_id)
        return _form(fresh, submitted, contacts, conflict=conflict, status=status, version=version)

    return save_edit(
        raw=submitted,
        save=lambda: organisations.update(
            session,
            actor,
            organisation_id,
            submitted,
            expected_version=request.form.get("version"),
        ),
        render=render,
        current_version=lambda: organisations.get_visible(session, actor, organisation_id).version,
        done="De organisatie is opgeslagen.",
        to=url_for("organisations.detail", organisation_id=organisation_id),
    )


def _as_form(organisation: Organisation) -> dict[str, str]:
    values = organisations.snapshot(organisation)
    form: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            form[name] = ""
        elif isinstance(value, bool):
            form[name] = "1" if value else ""
        elif isinstance(value, list):
            form[name] = ", ".join(str(v) for v in value)
        else:
            form[name] = str(value)
    return form


def _form(
    organisation: Organisation,
    values: dict[str, str | None],
    contacts: Sequence[User],
    *,
    errors: dict[str, str] | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
    version: int | None = None,
) -> ResponseReturnValue:
    if organisation is None:
        abort(404)
    return (
        render_template(
            "organisations/edit.html",
            organisation=organisation,
            values=values,
            errors=errors or {},
            conflict=conflict,
            version=version
            if version is not None
            else request.form.get("version", organisation.version),
            weekdays=WEEKDAY_LABELS,
            contacts=contacts,
            labels={name: reader.label for name, reader in organisations.EDITABLE.items()},
        ),
        status,
    )
