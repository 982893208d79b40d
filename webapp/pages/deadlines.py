"""Deadlines, notifications, the outbox, reminder ladders and the personal calendar feed."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask.typing import ResponseReturnValue

from storage.paging import Window
from webapp import clock
from webapp.access import current_actor, public, requires
from webapp.auth import local_path
from webapp.database import db
from webapp.forms import form_fields
from webapp.paging import page_number
from webapp.unit_of_work import unit_of_work
from workflows.accounts import accounts
from workflows.deadlines import calendar_feed, deadlines, notifications, reminders
from workflows.errors import InvalidInput
from workflows.registers import arrangements
from workflows.rules.reminders import stage_label
from workflows.rules.roles import Permission, Role

blueprint = Blueprint("deadlines", __name__)
CALENDAR_ADDRESS = "calendar_address"


def _list_page(
    values: dict[str, str], errors: dict[str, str], *, status: int = 200
) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    chosen = request.args.get("status", "open")
    statuses = [chosen] if chosen in deadlines.STATUS_LABELS else ["open"]
    shown = deadlines.page_visible(session, actor, Window.page(page_number()), statuses=statuses)
    rows = shown.rows
    owners = [u for u in accounts.list_colleagues(session, actor) if u.role != Role.PROVIDER]
    return (
        render_template(
            "deadlines/list.html",
            deadlines=rows,
            page=shown,
            changeable=deadlines.changeable_ids(session, actor, rows),
            unreached=reminders.unreached(session, rows) if statuses == ["open"] else {},
            may_add=actor.can(Permission.EDIT_DEADLINES),
            status=statuses[0],
            statuses=deadlines.STATUS_LABELS,
            kinds=deadlines.KIND_LABELS,
            today=clock.today(),
            when=lambda d: stage_label((d.due_on - clock.today()).days),
            form=form_fields(
                deadlines.MANUAL_FIELDS,
                options={
                    "arrangement_id": [
                        (str(id_), name) for id_, name in arrangements.choices(session, actor)
                    ],
                    "owner_id": [(str(u.id), f"{u.name} ({u.organisation.name})") for u in owners],
                },
            ),
            values=values,
            errors=errors,
        ),
        status,
    )


@blueprint.get("/signalen/termijnen")
@requires(Permission.VIEW_SIGNALS)
def index() -> ResponseReturnValue:
    return _list_page({"owner_id": str(current_actor().user_id)}, {})


@blueprint.post("/signalen/termijnen")
@requires(Permission.EDIT_DEADLINES)
def add() -> ResponseReturnValue:
    session = db()
    raw = {name: request.form.get(name, "") for name in deadlines.MANUAL_FIELDS}
    try:
        with unit_of_work():
            deadlines.add_manual(session, current_actor(), raw, now=clock.now())
    except InvalidInput as error:
        # The form comes back with what was typed and a message on each wrong field.
        return _list_page(raw, error.errors, status=422)
    flash("De termijn is toegevoegd; herinneringen volgen vanzelf.", "success")
    return redirect(url_for("deadlines.index"))


@blueprint.post("/signalen/termijnen/<int:deadline_id>/bevestigen")
@requires(Permission.EDIT_DEADLINES)
def acknowledge(deadline_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        deadlines.acknowledge(session, current_actor(), deadline_id, now=clock.now())
    flash("Bevestigd: u pakt deze termijn op. Er volgt geen escalatie.", "success")
    return redirect(local_path(request.form.get("terug"), default=url_for("deadlines.index")))


@blueprint.post("/signalen/termijnen/<int:deadline_id>/status")
@requires(Permission.EDIT_DEADLINES)
def set_status(deadline_id: int) -> ResponseReturnValue:
    session = db()
    try:
        with unit_of_work():
            deadlines.set_status(
                session,
                current_actor(),
                deadline_id,
                request.form.get("status", ""),
                request.form.get("status_reason", ""),
            )
    except InvalidInput as error:
        for message in error.errors.values():
            flash(message, "error")
        return redirect(url_for("deadlines.index"))
    flash("De status van de termijn is bijgewerkt.", "success")
    return redirect(url_for("deadlines.index"))


@blueprint.get("/meldingen")
@requires(Permission.VIEW_SIGNALS)
def my_notifications() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    return render_template(
        "deadlines/notifications.html",
        messages=notifications.mine(session, actor),
        has_feed=calendar_feed.has_feed(session, actor),
        # Shown once, right after it was made: only its hash is kept.
        calendar_address=cookie_session.pop(CALENDAR_ADDRESS, None),
    )


@blueprint.post("/meldingen/<int:message_id>/gelezen")
@requires(Permission.VIEW_SIGNALS)
def mark_read(message_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        notifications.mark_read(session, current_actor(), message_id, now=clock.now())
    return redirect(url_for("deadlines.my_notifications"))


@blueprint.post("/meldingen/agenda")
@requires(Permission.VIEW_SIGNALS)
def new_calendar_address() -> ResponseReturnValue:
    with unit_of_work() as session:
        token = calendar_feed.new_token(session, current_actor())
    # The signed session cookie carries it to the page once, as a flash message would.
    cookie_session[CALENDAR_ADDRESS] = url_for("deadlines.calendar", token=token, _external=True)
    flash("Uw nieuwe agenda-adres staat hieronder bij 'Termijnen in uw agenda'.", "success")
    return redirect(url_for("deadlines.my_notifications") + "#kop-agenda")


@blueprint.get("/calendar/<token>.ics")
# The secret token in the address is the credential: calendar programs send no cookie.
@public
def calendar(token: str) -> ResponseReturnValue:
    session = db()
    content = calendar_feed.feed(session, token, now=clock.now())
    if content is None:
        abort(404)
    response = Response(content, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = 'inline; filename="besluitwerk.ics"'
    return response


@blueprint.get("/beheer/postvak-uit")
@requires(Permission.MANAGE_USERS)
def outbox() -> ResponseReturnValue:
    shown = notifications.outbox(db(), current_actor(), Window.page(page_number()))
    return render_template("deadlines/outbox.html", messages=shown.rows, page=shown)


@blueprint.route("/beheer/herinneringen", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def ladders() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    errors: dict[str, dict[str, str]] = {}
    status = 200
    if request.method == "POST":
        kind = request.form.get("kind", "")
        raw = {
            "offsets": request.form.get("offsets", ""),
            "roles": request.form.getlist("roles"),
            "escalate_after_days": request.form.get("escalate_after_days", ""),
        }
        try:
            with unit_of_work():
                notifications.set_ladder(session, actor, kind, raw)
        except InvalidInput as error:
            errors[kind] = error.errors
            status = 422
        else:
            flash("De herinneringsladder is opgeslagen.", "success")
            return redirect(url_for("deadlines.ladders") + f"#ladder-{kind}")
    return (
        render_template(
            "deadlines/ladders.html",
            ladders=notifications.ladders(session, actor),
            kinds=deadlines.KIND_LABELS,
            roles=notifications.ROLE_CHOICES,
            errors=errors,
        ),
        status,
    )
