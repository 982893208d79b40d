"""signals kept as rows (one per signal), so that lists sort, filter, count and page in SQL

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _entries(*, payload: bool) -> None:
    op.create_table(
        "signal_cache",
        sa.Column("arrangement_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        *([sa.Column("payload", sa.Text(), nullable=False)] if payload else []),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("arrangement_id", "as_of", name=op.f("pk_signal_cache")),
    )


def upgrade() -> None:
    # A cache: what it held is derived again on the first request or tick, so the old shape
    # is dropped rather than converted.
    op.drop_table("signal_cache")
    _entries(payload=False)
    op.create_table(
        "signal_rows",
        sa.Column("arrangement_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("arrangement_name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("act_on", sa.Date(), nullable=False),
        sa.Column("latest_meeting_on", sa.Date(), nullable=False),
        sa.Column("agenda_closes_on", sa.Date(), nullable=False),
        sa.Column("start_by_on", sa.Date(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("municipality_name", sa.String(length=200), nullable=False),
        sa.Column("act", sa.String(length=40), nullable=True),
        sa.Column("acts", sa.Text(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=True),
        sa.Column("mandate_kind", sa.String(length=30), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("signal_key", sa.Text(), nullable=False),
        sa.Column("missed", sa.Boolean(), nullable=False),
        sa.Column("next_act_on", sa.Date(), nullable=True),
        sa.Column("next_meeting_on", sa.Date(), nullable=True),
        sa.Column("next_agenda_closes_on", sa.Date(), nullable=True),
        sa.Column("next_start_by_on", sa.Date(), nullable=True),
        sa.Column("gap_now", sa.Boolean(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("ratification", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["arrangement_id", "as_of"],
            ["signal_cache.arrangement_id", "signal_cache.as_of"],
            name=op.f("fk_signal_rows_arrangement_id_signal_cache"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("arrangement_id", "as_of", "position", name=op.f("pk_signal_rows")),
    )
    op.create_index(
        "ix_signal_rows_day_order",
        "signal_rows",
        [
            "as_of",
            "start_by_on",
            "kind",
            "municipality_name",
            "arrangement_name",
            "arrangement_id",
            "position",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_signal_rows_day_order", table_name="signal_rows")
    op.drop_table("signal_rows")
    op.drop_table("signal_cache")
    _entries(payload=True)
