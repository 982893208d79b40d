"""The start page per role, and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from webapp import clock
from webapp.access import current_actor
from webapp.database import db
from workflows import arrangements, notifications, signals
from workflows.rules.roles import ROLE_LABELS, Permission, Role

blueprint = Blueprint("pages", __name__)


@blueprint.get("/health")
def health() -> ResponseReturnValue:
    return {"status": "ok"}


@blueprint.get("/")
def home() -> ResponseReturnValue:
    actor = current_actor()
    today = clock.today()
    visible = arrangements.list_visible(db(), actor)
    upcoming = sorted(
        (
            (moment.due_on, moment, arrangement)
            for arrangement in visible
            for moment in arrangement.evaluation_moments
            if moment.due_on >= today
        ),
        key=lambda item: item[0],
    )
    assert actor.role is not None
    found = (
        signals.derive(db(), actor, as_of=today, visible=visible)
        if actor.can(Permission.VIEW_SIGNALS)
        else []
    )
    return render_template(
        "home.html",
        role=actor.role,
        role_label=ROLE_LABELS[actor.role],
        Role=Role,
        Permission=Permission,
        arrangements=visible,
        upcoming=[(moment, arrangement) for _, moment, arrangement in upcoming[:5]],
        today=today,
        signals=found[:6],
        overdue=sum(1 for s in found if s.overdue),
        unread=notifications.unread_count(db(), actor) if actor.can(Permission.VIEW_SIGNALS) else 0,
    )
