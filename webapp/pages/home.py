"""The start page per role, and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from storage import arrangements as arrangement_store
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
    assert actor.role is not None
    today = clock.today()
    session = db()
    # Names and dates only: the page lists arrangements and moments, it does not need their
    # phases, beds or budgets.
    ids = arrangements.visible_ids(session, actor)
    sees_signals = actor.can(Permission.VIEW_SIGNALS)
    found = (
        signals.summary(session, actor, as_of=today, visible_ids=ids, cache=_summaries())
        if sees_signals
        else signals.Summary(first=(), overdue=0)
    )
    listed = arrangement_store.names(session, ids)
    upcoming = arrangement_store.upcoming_moments(session, ids, from_day=today, limit=5)
    unread = notifications.unread_count(session, actor) if sees_signals else 0
    # Everything the page shows is read: end the transaction before rendering. On SQLite every
    # transaction takes the write lock (BEGIN IMMEDIATE), so holding it while the template
    # renders would make the workers wait on each other's start pages. Nothing was changed,
    # and nothing expires on commit, so the page renders from what was read.
    session.commit()
    return render_template(
        "home.html",
        role=actor.role,
        role_label=ROLE_LABELS[actor.role],
        Role=Role,
        Permission=Permission,
        arrangements=listed,
        upcoming=upcoming,
        today=today,
        signals=found.first,
        overdue=found.overdue,
        unread=unread,
    )


def _summaries() -> signals.SummaryCache:
    """This process's start-page summaries, one cache per app (and so per database)."""
    cache: signals.SummaryCache = current_app.extensions.setdefault(
        "besluitwerk.signal_summaries", signals.SummaryCache()
    )
    return cache
