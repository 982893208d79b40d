"""signals cached per arrangement and day in the database; how far the deadlines follow

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_cache",
        sa.Column("arrangement_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("arrangement_id", "as_of", name=op.f("pk_signal_cache")),
    )
    op.create_table(
        "derivation_marks",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_derivation_marks")),
    )


def downgrade() -> None:
    op.drop_table("derivation_marks")
    op.drop_table("signal_cache")
