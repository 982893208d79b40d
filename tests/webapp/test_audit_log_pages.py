"""The audit log page is paginated (50 per page, counted by the database) and keeps its filters
from page to page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from storage.audit import AuditEvent
from tests.conftest import AUDITOR, login
from webapp.database import sessions
from workflows import audit
from workflows.actors import Actor
from workflows.auditing import audit_log

TESTER = "Paginatest <paginatest@example.org>"


def _add_events(app, count):
    """Logins of one made-up person: enough rows to fill several pages under a filter."""
    with sessions(app)() as session:
        for _ in range(count):
            audit.record(
                session,
                Actor(None, TESTER, None, None, "test"),
                action="login",
                object_type="user",
                object_id=None,
                result="failed",
            )
        session.commit()


ROW = re.compile(r'<tr class="utrecht-table__row">\s*<td class="utrecht-table__cell">(\d+)</td>')


def _count(app, **where):
    with sessions(app)() as session:
        query = select(func.count()).select_from(AuditEvent)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return session.scalar(query)


def test_audit_log_paginates_fifty_per_page_counted_in_the_database(app, client, monkeypatch):
    def everything(*args, **kwargs):
        raise AssertionError("the page must not load the whole log")

    monkeypatch.setattr(audit_log, "search", everything)
    _add_events(app, 60)
    login(client, AUDITOR)
    first = client.get("/beheer/auditlog/").get_data(as_text=True)
    total = _count(app)
    assert total > 100 and f"{total} gebeurtenissen" in first
    pages = -(-total // 50)
    ids = [int(i) for i in ROW.findall(first)]
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    assert "Volgende pagina" in first and "Vorige pagina" not in first
    assert re.search(rf"pagina 1 van {pages}\b", first)
    second = client.get("/beheer/auditlog/?pagina=2").get_data(as_text=True)
    second_ids = [int(i) for i in ROW.findall(second)]
    assert len(second_ids) == 50 and max(second_ids) < min(ids)
    assert "Vorige pagina" in second


def test_audit_log_paginates_with_the_filters_kept(app, client):
    _add_events(app, 120)
    login(client, AUDITOR)
    first = client.get("/beheer/auditlog/?object=user&wie=paginatest").get_data(as_text=True)
    assert "120 gebeurtenissen" in first and "pagina 1 van 3" in first
    link = re.search(r'href="([^"]*pagina=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "object=user" in link and "wie=paginatest" in link
    third = client.get(link.replace("pagina=2", "pagina=3")).get_data(as_text=True)
    assert len(ROW.findall(third)) == 20
    assert 'value="paginatest"' in third  # the filter form keeps what was chosen


def test_audit_log_paginates_an_out_of_range_page_to_the_last(client):
    login(client, AUDITOR)
    for wrong in ("99999", "0", "abc", "-3"):
        response = client.get(f"/beheer/auditlog/?pagina={wrong}")
        assert response.status_code == 200, wrong
