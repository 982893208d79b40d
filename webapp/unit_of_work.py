"""The one place where a request's writes end (docs/architecture.md §3, "Transactions at the
edge").

A view wraps the use cases it calls in ``with unit_of_work() as session:``. Leaving the block
normally commits once; an exception rolls back everything the use cases flushed and goes on
up, so the view turns ``InvalidInput`` into the form with its messages and the app's handlers
answer a ``Conflict`` or a crash, with nothing half saved. What must only happen once the
change is saved — a mail, waking the document worker — is registered with ``after_commit``
inside the block: it runs after the commit, and never when the work is rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import g
from sqlalchemy.orm import Session

from webapp.database import db

logger = logging.getLogger("besluitwerk.unit_of_work")

Hook = Callable[[], object]


@contextmanager
def unit_of_work(*, keep_on: tuple[type[Exception], ...] = ()) -> Iterator[Session]:
    """The request's session, committed once when the block ends without an exception and
    rolled back when it raises. An exception in ``keep_on`` is a refusal the use case has
    recorded in the audit log (a wrong code, a refused upload): what was written is committed
    and the exception goes on up."""
    if g.get("unit_of_work_hooks") is not None:
        # A commit in the middle of an outer unit would save half of that unit's work.
        raise RuntimeError("unit_of_work inside unit_of_work")
    session = db()
    hooks: list[Hook] = []
    g.unit_of_work_hooks = hooks
    refusal: Exception | None = None
    try:
        try:
            yield session
        except keep_on as kept:
            refusal = kept
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        g.unit_of_work_hooks = None
    for hook in hooks:
        try:
            hook()
        except Exception:
            # What the user did is saved; a mail or a wake-up that fails must not turn that
            # into an error page that says otherwise. The worker and the outbox catch up.
            logger.exception("after-commit hook failed")
    if refusal is not None:
        raise refusal


def after_commit(hook: Hook) -> None:
    """Runs ``hook`` once the surrounding unit of work is committed; dropped when it is rolled
    back, so no mail goes out about a change that was not saved."""
    hooks: list[Hook] | None = g.get("unit_of_work_hooks")
    if hooks is None:
        raise RuntimeError("after_commit outside unit_of_work")
    hooks.append(hook)
