"""the deadline lists read their page and count from one index

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deadlines_list",
        "deadlines",
        ["status", "due_on", "arrangement_id", "organisation_id", "owner_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_deadlines_list", table_name="deadlines")
