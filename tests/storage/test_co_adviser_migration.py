"""Migration 0015: co-advisers named as text before they were accounts become advice records
without an account, in the order the agenda form named them; a given advice keeps its answer."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, MetaData, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from storage.database import make_engine
from storage.decisions import Decision
from storage.migrate import differences, upgrade
from tests.conftest import TEST_DATABASE_URL

BEFORE = "0014"


@pytest.fixture
def bare_engine(backend: str, tmp_path) -> Iterator[Engine]:
    """An empty database of its own (a schema of its own on PostgreSQL), not yet migrated."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'before.sqlite3'}")
        yield engine
        engine.dispose()
        return
    schema = f"bw_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    base = make_url(TEST_DATABASE_URL)
    admin = make_engine(base.render_as_string(hide_password=False))
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def _filled(table, values: dict[str, object]) -> dict[str, object]:
    """The given values, and a plain value for every other required column of the old table."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        kind = type(column.type).__name__.upper()
        if "JSON" in kind:
            row[column.name] = []
        elif "BOOL" in kind:
            row[column.name] = False
        elif "INT" in kind or "NUMERIC" in kind:
            row[column.name] = 1
        elif "DATE" in kind or "TIME" in kind:
            row[column.name] = datetime(2025, 5, 1, 9, 0)
        else:
            row[column.name] = ""
    return row


def test_text_co_advisers_become_advice_records_without_an_account(bare_engine):
    upgrade(bare_engine, BEFORE)
    old = MetaData()
    old.reflect(bare_engine, only=["organisations", "decisions", "decision_advices"])
    organisations, decisions, advices = (
        old.tables["organisations"],
        old.tables["decisions"],
        old.tables["decision_advices"],
    )
    with bare_engine.begin() as connection:
        connection.execute(
            insert(organisations),
            _filled(organisations, {"id": 1, "kind": "municipality", "name": "Enschede"}),
        )
        names = ["N. Boll, SBS", "E. van 't Hoog en I. Lungu – van Twisk, JZ", "Twentse Koers"]
        connection.execute(
            insert(decisions),
            [
                _filled(
                    decisions,
                    {
                        "id": 1,
                        "municipality_id": 1,
                        "status": "co_advice",
                        "subject": "Verlenen volmacht",
                        "co_advisers": names,
                    },
                ),
                _filled(
                    decisions,
                    {
                        "id": 2,
                        "municipality_id": 1,
                        "status": "draft",
                        "subject": "Zonder mee-adviseurs",
                    },
                ),
            ],
        )
        # The jurists advised already; the advice of someone no longer named stays too.
        connection.execute(
            insert(advices),
            [
                _filled(
                    advices,
                    {
                        "decision_id": 1,
                        "adviser": names[1],
                        "advice": "agree_with_remarks",
                        "text": "Let op de looptijd.",
                        "recorded_at": datetime(2025, 5, 20, 10, 0),
                    },
                ),
                _filled(
                    advices,
                    {
                        "decision_id": 1,
                        "adviser": "Financiën",
                        "advice": "agree",
                        "recorded_at": datetime(2025, 5, 21, 10, 0),
                    },
                ),
            ],
        )

    upgrade(bare_engine)
    assert differences(bare_engine) == []
    with Session(bare_engine) as session:
        decision = session.get(Decision, 1)
        assert decision is not None
        assert decision.co_advisers == [*names, "Financiën"]
        rows = [(a.adviser, a.unit, a.adviser_id, a.advice, a.text) for a in decision.advices]
        assert rows == [
            ("N. Boll, SBS", "", None, None, ""),
            (names[1], "", None, "agree_with_remarks", "Let op de looptijd."),
            ("Twentse Koers", "", None, None, ""),
            ("Financiën", "", None, "agree", ""),
        ]
        assert decision.advices[1].recorded_at == datetime(2025, 5, 20, 10, 0, tzinfo=UTC)
        assert session.get(Decision, 2).advices == []
        columns = session.execute(select(text("*")).select_from(text("decisions"))).keys()
        assert "co_advisers" not in list(columns)
