"""The start page per role, and the health check."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from storage import arrangements as arrangement_store
from storage.arrangements import DueMoment, NamedArrangement
from webapp import clock
from webapp.access import current_actor, public, signed_in
from webapp.database import db, end_transaction
from workflows.deadlines import notifications, signals
from workflows.decisions import co_advice
from workflows.documents import provider_overview
from workflows.registers import arrangements
from workflows.rules.own_municipality import own_municipality
from workflows.rules.roles import ROLE_LABELS, Permission, Role

blueprint = Blueprint("pages", __name__)


@blueprint.get("/health")
@public
def health() -> ResponseReturnValue:
    return {"status": "ok"}


@dataclass(frozen=True)
class _FromRegisters:
    """What the start page shows of the registers, as plain values."""

    arrangements: tuple[NamedArrangement, ...]
    upcoming: tuple[DueMoment, ...]
    signals: signals.Summary
    # Dossiers waiting for this person's co-advice: asking and answering are audited, so the
    # registers version moves with them and the count may be kept with the rest.
    to_advise: int


_Key = tuple[signals.RegistersVersion, date, int | None, Role | None, int | None]


class _Kept:
    """The start page's register part per (registers version, day, actor), in this process.

    Why kept, and why keyed by the registers version rather than read from the deadlines
    table: deriving the signals live loads every visible arrangement with its phases, mandates
    and agreements, which made the start page some 30 times as costly as the health check. The
    deadlines table the scheduler keeps is no substitute: it follows the registers only on the
    scheduler's tick (a minute late, or never when no scheduler runs), keeps deadlines open 30
    days past their date, holds what people set done or not applicable, and is filtered per
    organisation, so the start page would differ from the signals page and lag behind an edit.

    The registers version (the newest audit event that may have changed the registers, see
    signals.registers_version) moves with every change of the registers, in the transaction
    of the change (docs/security.md S24), and is read first in the request's transaction, so what
    is kept under a version is never older than it: an edit shows on the very next start
    page, in every worker; a login or a download does not empty what is kept. (On PostgreSQL
    the chain's lock makes audit ids follow commit order, so no later commit can slip in
    under an id already read.) A change written past the audit log, by hand in the database,
    would show only after the next audited change. The day is part of the key because
    "overdue" and "upcoming" depend on it; the actor (user, role, organisation) because what
    one sees depends on who one is. Unread notifications are read on every request: the
    scheduler writes them without an audit event.
    """

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._entries: OrderedDict[_Key, _FromRegisters] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: _Key) -> _FromRegisters | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: _Key, value: _FromRegisters) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def _kept() -> _Kept:
    """One per app, so per database: two apps in one process (the tests) never share."""
    kept: _Kept = current_app.extensions.setdefault("besluitwerk.start_page", _Kept())
    return kept


ARRANGEMENTS_SHOWN = 10


@blueprint.get("/")
@signed_in
def home() -> ResponseReturnValue:
    actor = current_actor()
    assert actor.role is not None
    today = clock.today()
    session = db()
    sees_signals = actor.can(Permission.VIEW_SIGNALS)
    # A municipality's officer sees her municipality's signals first (the key holds role and
    # organisation, so what is kept is per municipality too); the region is one click away.
    own_id = own_municipality(actor.role, actor.organisation_id)
    # The version first: everything read after it is at least as new.
    key = (
        signals.registers_version(session),
        today,
        actor.user_id,
        actor.role,
        actor.organisation_id,
    )
    shown = _kept().get(key)
    if shown is None:
        ids = arrangements.visible_ids(session, actor)
        shown = _FromRegisters(
            # Names and dates only: no phases, beds or budgets.
            arrangements=tuple(arrangement_store.names(session, ids)),
            upcoming=tuple(
                arrangement_store.upcoming_moments(session, ids, from_day=today, limit=5)
            ),
            signals=(
                signals.summary(
                    session, actor, as_of=today, visible_ids=ids, municipality_id=own_id
                )
                if sees_signals
                else signals.NO_SIGNALS
            ),
            to_advise=(
                co_advice.count_open_requests(session, actor)
                if actor.can(Permission.VIEW_DECISIONS)
                else 0
            ),
        )
        _kept().put(key, shown)
    unread = notifications.unread_count(session, actor) if sees_signals else 0
    # A provider's few agreements, read live: their next step moves with every upload.
    provider_rows = (
        provider_overview.overview(session, actor, today=today)
        if actor.role == Role.PROVIDER
        else []
    )
    # Everything the page shows is read: end the transaction before rendering. A read-only
    # request on SQLite holds no write lock (its transaction begins deferred), but an open
    # transaction still keeps the WAL from being checkpointed past its snapshot. Nothing was
    # changed, and nothing expires on commit, so the page renders from what was read.
    end_transaction()
    return render_template(
        "home.html",
        role=actor.role,
        role_label=ROLE_LABELS[actor.role],
        Role=Role,
        Permission=Permission,
        # The first few by name; a region's hundreds are on the arrangements list, paged.
        arrangements=shown.arrangements[:ARRANGEMENTS_SHOWN],
        arrangement_count=len(shown.arrangements),
        upcoming=shown.upcoming,
        today=today,
        signals=shown.signals.first,
        overdue=shown.signals.overdue,
        unread=unread,
        to_advise=shown.to_advise,
        rows=provider_rows,
        own_first=own_id is not None,
    )
