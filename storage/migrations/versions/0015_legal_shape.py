"""decisions keep their legal shape: co-advisers are accounts, mandates have versions

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30

- ``decision_advices`` becomes one row per co-adviser asked (the account, its unit, a
  stand-in), with the advice empty until it is recorded. The co-advisers that dossiers named
  as text (``decisions.co_advisers``) become rows without an account, so the agenda form keeps
  its "mee geadviseerd door"; the text column is dropped.
- ``mandates.predecessor_id``: a new version of a granted mandate names the one it follows.

SQLite notes: ``decisions`` and ``mandates`` are referenced by other tables with ON DELETE
CASCADE, and the migration runs with foreign keys on inside a transaction, so those two tables
are never recreated (a batch "move and copy" would drop the old table and cascade the delete):
their column changes use SQLite's own ALTER TABLE ADD/DROP COLUMN. ``decision_advices`` is
referenced by nothing, so a batch recreate is safe for it.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("decision_advices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unit", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("adviser_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stand_in_id", sa.Integer(), nullable=True))
        batch_op.alter_column("advice", existing_type=sa.String(length=30), nullable=True)
        batch_op.alter_column(
            "recorded_at", existing_type=storage.base.UTCDateTime(timezone=True), nullable=True
        )
        batch_op.drop_constraint(batch_op.f("ck_decision_advices_advice"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_decision_advices_advice"),
            "advice IS NULL OR advice IN ('agree', 'agree_with_remarks', 'disagree')",
        )
        batch_op.drop_constraint(batch_op.f("uq_decision_advices_decision_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_decision_advices_decision_id"), ["decision_id", "adviser_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_decision_advices_adviser_id_users"), "users", ["adviser_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_decision_advices_stand_in_id_users"), "users", ["stand_in_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_decision_advices_adviser_id"), ["adviser_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_advices_stand_in_id"), ["stand_in_id"], unique=False
        )

    _text_advisers_to_rows()
    if sqlite:
        op.execute("ALTER TABLE decisions DROP COLUMN co_advisers")
        # A downgrade on SQLite keeps the column (see there): upgrading again reuses it.
        existing = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("mandates")}
        if "predecessor_id" not in existing:
            op.execute(
                "ALTER TABLE mandates ADD COLUMN predecessor_id INTEGER "
                "CONSTRAINT fk_mandates_predecessor_id_mandates REFERENCES mandates (id)"
            )
    else:
        op.drop_column("decisions", "co_advisers")
        op.add_column("mandates", sa.Column("predecessor_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_mandates_predecessor_id_mandates"),
            "mandates",
            "mandates",
            ["predecessor_id"],
            ["id"],
        )
    op.create_index(op.f("ix_mandates_predecessor_id"), "mandates", ["predecessor_id"], unique=True)


def _text_advisers_to_rows() -> None:
    """Each co-adviser a dossier named as text becomes a row: the advice given, or a row
    without an account and without advice. The rows of a dossier are written again in the
    order of its text, so that the agenda form names them as before; an advice whose adviser
    was no longer named keeps its place after them."""
    bind = op.get_bind()
    decisions = sa.table("decisions", sa.column("id", sa.Integer), sa.column("co_advisers"))
    advices = sa.table(
        "decision_advices",
        sa.column("id", sa.Integer),
        sa.column("decision_id", sa.Integer),
        sa.column("adviser", sa.String),
        sa.column("unit", sa.String),
        sa.column("advice", sa.String),
        sa.column("text", sa.Text),
        sa.column("recorded_by_id", sa.Integer),
        sa.column("recorded_at", storage.base.UTCDateTime(timezone=True)),
    )
    given: dict[int, list[dict[str, object]]] = {}
    for row in bind.execute(sa.select(advices).order_by(advices.c.id)):
        values = dict(row._mapping)
        del values["id"]
        given.setdefault(row.decision_id, []).append(values)
    for decision_id, raw in bind.execute(sa.select(decisions.c.id, decisions.c.co_advisers)):
        names = json.loads(raw) if isinstance(raw, str) else (raw or [])
        existing = given.get(decision_id, [])
        rows: list[dict[str, object]] = []
        for name in (str(n).strip()[:300] for n in names):
            if not name or any(r["adviser"] == name for r in rows):
                continue
            found = next((r for r in existing if r["adviser"] == name), None)
            rows.append(
                found
                or {
                    "decision_id": decision_id,
                    "adviser": name,
                    "unit": "",
                    "advice": None,
                    "text": "",
                    "recorded_by_id": None,
                    "recorded_at": None,
                }
            )
        rows += [r for r in existing if r not in rows]
        if rows == existing:
            continue
        bind.execute(sa.delete(advices).where(advices.c.decision_id == decision_id))
        bind.execute(sa.insert(advices), rows)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index(op.f("ix_mandates_predecessor_id"), table_name="mandates")
    if sqlite:
        # SQLite drops no column that takes part in a foreign key; the link is only emptied.
        op.execute("UPDATE mandates SET predecessor_id = NULL")
        op.execute("ALTER TABLE decisions ADD COLUMN co_advisers JSON NOT NULL DEFAULT '[]'")
    else:
        op.drop_constraint(
            op.f("fk_mandates_predecessor_id_mandates"), "mandates", type_="foreignkey"
        )
        op.drop_column("mandates", "predecessor_id")
        op.add_column(
            "decisions",
            sa.Column("co_advisers", sa.JSON(), server_default="[]", nullable=False),
        )
    bind = op.get_bind()
    advices = sa.table(
        "decision_advices",
        sa.column("id", sa.Integer),
        sa.column("decision_id", sa.Integer),
        sa.column("adviser", sa.String),
        sa.column("unit", sa.String),
        sa.column("advice", sa.String),
    )
    named: dict[int, list[str]] = {}
    listed = sa.select(advices.c.decision_id, advices.c.adviser, advices.c.unit)
    for row in bind.execute(listed.order_by(advices.c.id)):
        label = f"{row.adviser}, {row.unit}" if row.unit else row.adviser
        named.setdefault(row.decision_id, []).append(label)
    decisions = sa.table(
        "decisions", sa.column("id", sa.Integer), sa.column("co_advisers", sa.JSON)
    )
    for decision_id, labels in named.items():
        bind.execute(
            sa.update(decisions).where(decisions.c.id == decision_id).values(co_advisers=labels)
        )
    # An adviser asked but not answered has no place in the old table; an answered one is
    # named there as the old agenda form named it.
    bind.execute(sa.delete(advices).where(advices.c.advice.is_(None)))
    bind.execute(
        sa.update(advices)
        .where(advices.c.unit != "")
        .values(adviser=sa.func.substr(advices.c.adviser + ", " + advices.c.unit, 1, 300))
    )
    op.execute(
        "UPDATE decision_advices SET recorded_at = CURRENT_TIMESTAMP WHERE recorded_at IS NULL"
    )
    with op.batch_alter_table("decision_advices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_advices_stand_in_id"))
        batch_op.drop_index(batch_op.f("ix_decision_advices_adviser_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_decision_advices_stand_in_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_decision_advices_adviser_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_decision_advices_decision_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_decision_advices_decision_id"), ["decision_id", "adviser"]
        )
        batch_op.drop_constraint(batch_op.f("ck_decision_advices_advice"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_decision_advices_advice"),
            "advice IN ('agree', 'agree_with_remarks', 'disagree')",
        )
        batch_op.alter_column(
            "recorded_at", existing_type=storage.base.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.alter_column("advice", existing_type=sa.String(length=30), nullable=False)
        batch_op.drop_column("stand_in_id")
        batch_op.drop_column("adviser_id")
        batch_op.drop_column("unit")
