"""The one transaction edge of a request (docs/architecture.md §3, "Transactions at the edge"):
what a view's use cases flushed is committed once, or not at all, and a mail or a wake-up
registered during the work goes out only after the commit."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from storage.accounts import User
from storage.audit import AuditEvent
from storage.password_resets import PasswordResetLink
from tests.conftest import ADMIN, POLICY, csrf_token, login
from tests.support.smtp import app_with_mail_server
from webapp import clock
from webapp.database import sessions
from webapp.unit_of_work import after_commit, unit_of_work
from workflows import audit
from workflows.accounts import user_admin
from workflows.actors import system_actor
from workflows.errors import InvalidInput

NOW = datetime(2025, 6, 2, 9, 0, 7, tzinfo=UTC)


def _count(app, model, *where):
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _policy_id(app):
    with sessions(app)() as session:
        return session.scalars(select(User.id).where(User.email == POLICY)).one()


def test_a_failure_after_the_use_case_flushed_saves_nothing_and_sends_nothing(app):
    policy_id = _policy_id(app)
    sent: list[str] = []
    with (
        app.test_request_context("/", method="POST"),
        pytest.raises(RuntimeError),
        unit_of_work() as session,
    ):
        user_admin.create_reset_link(session, system_actor("test"), policy_id, now=NOW)
        after_commit(lambda: sent.append("mail"))
        session.flush()
        raise RuntimeError("a later step of the same request fails")
    assert sent == []
    assert _count(app, PasswordResetLink) == 0
    assert _count(app, AuditEvent, AuditEvent.action == "password_reset_link") == 0


def test_after_commit_runs_once_the_work_is_saved(app):
    policy_id = _policy_id(app)
    seen: list[int] = []
    with app.test_request_context("/", method="POST"), unit_of_work() as session:
        user_admin.create_reset_link(session, system_actor("test"), policy_id, now=NOW)
        # Read from another connection: the hook sees what every other worker sees.
        after_commit(lambda: seen.append(_count(app, PasswordResetLink)))
        assert seen == []
    assert seen == [1]


def test_a_refusal_kept_in_the_audit_log_is_committed_and_still_raised(app):
    with (
        app.test_request_context("/", method="POST"),
        pytest.raises(InvalidInput),
        unit_of_work(keep_on=(InvalidInput,)) as session,
    ):
        audit.record(
            session,
            system_actor("test"),
            action="upload",
            object_type="template",
            object_id=None,
            result="refused",
        )
        raise InvalidInput({"file": "Bestand: geen Word-bestand."})
    assert _count(app, AuditEvent, AuditEvent.result == "refused") == 1


def test_a_failed_commit_of_a_reset_link_leaves_no_link_and_mails_nothing(
    database_url, tmp_path, monkeypatch
):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    with app_with_mail_server(database_url, tmp_path / "data") as (app, box):
        client = app.test_client()
        login(client, ADMIN)
        policy_id = _policy_id(app)
        token = csrf_token(client, f"/gebruikers/{policy_id}/wijzigen")
        armed = {"fail": True}

        # The use case has flushed the link and its audit event; then the database refuses
        # the commit, as a lost connection or a full disk would.
        @event.listens_for(sessions(app), "before_commit")
        def _refuse(session):
            if not armed["fail"]:
                return
            # The demo has no links: one in this transaction is the one the view made.
            if session.scalar(select(func.count(PasswordResetLink.id))):
                armed["fail"] = False
                raise OperationalError("COMMIT", {}, Exception("database went away"))

        response = client.post(
            f"/gebruikers/{policy_id}/wachtwoordlink", data={"csrf_token": token}
        )
        event.remove(sessions(app), "before_commit", _refuse)
        assert not armed["fail"]  # the commit of the link itself was refused
        assert response.status_code >= 500
        assert _count(app, PasswordResetLink) == 0
        assert _count(app, AuditEvent, AuditEvent.action == "password_reset_link") == 0
    assert box.messages == []


# Resolving a bearer token, and the login session's once-a-minute touch (`_load` in
# webapp/auth.py), run before the view, each with a short write of its own.
OUTSIDE_THE_EDGE = {("webapp/api/tokens.py", "bearer_access"), ("webapp/auth.py", "_load")}


def _by_hand(root: Path, path: Path) -> list[str]:
    """Every commit() or rollback() in a file, named by the function it is written in."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef):
            function = node.name
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"commit", "rollback"}
        ):
            found.append((str(path.relative_to(root)), function, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return [
        f"{name}:{line} ({function})"
        for name, function, line in found
        if (name, function) not in OUTSIDE_THE_EDGE
    ]


def test_views_write_only_through_the_edge():
    root = Path(__file__).resolve().parents[2]
    files = [root / "webapp" / "auth.py"] + [
        path for folder in ("webapp/pages", "webapp/api") for path in (root / folder).glob("*.py")
    ]
    by_hand = [place for path in sorted(files) for place in _by_hand(root, path)]
    assert by_hand == []
