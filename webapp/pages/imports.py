"""Importing monitoring data: upload → preview with every wrong row and why → confirm."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from storage.monitoring import Import
from webapp import clock
from webapp.access import current_actor, requires
from webapp.database import db, end_transaction
from webapp.downloads import attachment
from webapp.unit_of_work import unit_of_work
from workflows.errors import InvalidInput
from workflows.monitoring import imports
from workflows.registers import arrangements
from workflows.rules import fields
from workflows.rules.dutch_format import count_phrase
from workflows.rules.roles import Permission

blueprint = Blueprint("imports", __name__)


def _form(arrangement_id: int, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    arrangement = arrangements.visible(db(), current_actor(), arrangement_id)
    return (
        render_template(
            "imports/new.html",
            arrangement=arrangement,
            kinds=imports.KIND_LABELS,
            columns=imports.COLUMNS,
            errors=errors,
            values={
                "kind": request.form.get("kind", "requests"),
                "year": request.form.get("year", str(clock.today().year - 1)),
            },
        ),
        status,
    )


@blueprint.route("/regelingen/<int:arrangement_id>/importeren", methods=["GET", "POST"])
@requires(Permission.EDIT_ARRANGEMENTS)
def upload(arrangement_id: int) -> ResponseReturnValue:
    if request.method == "GET":
        return _form(arrangement_id, {})
    file = request.files.get("file")
    year = fields.whole_or_none(request.form.get("year", ""), minimum=2000, maximum=2100)
    if year is None:
        return _form(arrangement_id, {"year": "Jaar: kies een jaar, bijvoorbeeld 2025."}, 422)
    if file is None or not file.filename:
        return _form(arrangement_id, {"file": "Bestand: kies een .xlsx- of .csv-bestand."}, 422)
    # Read at most one byte more than allowed: a larger file is refused without reading it.
    try:
        content = file.read(imports.MAX_BYTES + 1)
    finally:
        file.close()
    try:
        with unit_of_work():
            batch = preview_upload(
                arrangement_id,
                kind=request.form.get("kind", ""),
                year=year,
                filename=file.filename,
                content=content,
            )
    except InvalidInput as error:
        return _form(arrangement_id, error.errors, 422)
    return redirect(url_for("imports.show", import_id=batch.id))


def preview_upload(
    arrangement_id: int, *, kind: str, year: int, filename: str, content: bytes
) -> Import:
    """Parses and checks an upload outside any transaction, then stores its preview in a short
    one: on SQLite a transaction holds the write lock from its BEGIN IMMEDIATE, and the whole
    app would wait for a parse of seconds (S30). The caller commits."""
    session = db()
    actor = current_actor()
    found = imports.lookup(session, actor, arrangement_id, kind=kind)
    end_transaction()
    table = imports.read_table(filename, content)
    return imports.preview(session, actor, found, year=year, filename=filename, table=table)


@blueprint.get("/regelingen/<int:arrangement_id>/importeren/sjabloon-<kind>.csv")
@requires(Permission.EDIT_ARRANGEMENTS)
def template(arrangement_id: int, kind: str) -> ResponseReturnValue:
    arrangements.visible(db(), current_actor(), arrangement_id)
    return attachment(
        imports.template_csv(kind),
        filename=f"sjabloon-{kind}.csv",
        content_type="text/csv; charset=utf-8",
    )


@blueprint.get("/importen/<int:import_id>")
@requires(Permission.EDIT_ARRANGEMENTS)
def show(import_id: int) -> ResponseReturnValue:
    session = db()
    batch = imports.get(session, current_actor(), import_id)
    problems = {p["row"]: p["messages"] for p in batch.problems}
    ids = [r.get("municipality_id") or r.get("provider_id") for r in batch.rows]
    return render_template(
        "imports/preview.html",
        batch=batch,
        problems=problems,
        columns=imports.COLUMNS[batch.kind],
        kinds=imports.KIND_LABELS,
        names=imports.organisation_names(session, [i for i in ids if i]),
        errors={},
    )


@blueprint.post("/importen/<int:import_id>/bevestigen")
@requires(Permission.EDIT_ARRANGEMENTS)
def confirm(import_id: int) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    exclude = [n for n in map(fields.id_or_none, request.form.getlist("exclude")) if n is not None]
    try:
        with unit_of_work():
            batch = imports.confirm(session, actor, import_id, exclude=exclude, now=clock.now())
    except InvalidInput as error:
        batch = imports.get(session, actor, import_id)
        ids = [r.get("municipality_id") or r.get("provider_id") for r in batch.rows]
        return (
            render_template(
                "imports/preview.html",
                batch=batch,
                problems={p["row"]: p["messages"] for p in batch.problems},
                columns=imports.COLUMNS[batch.kind],
                kinds=imports.KIND_LABELS,
                names=imports.organisation_names(session, [i for i in ids if i]),
                errors=error.errors,
            ),
            422,
        )
    flash(
        f"{count_phrase(len(batch.rows) - len(exclude), 'regel', none='geen regels')} "
        f"opgeslagen; {len(exclude)} uitgesloten.",
        "success",
    )
    return redirect(
        url_for("arrangements.figures", arrangement_id=batch.arrangement_id, jaar=batch.year)
    )
