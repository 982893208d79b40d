"""cost rule per arrangement

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing arrangements keep the rule they were computed with until now (Twente).
    op.add_column(
        "arrangements",
        sa.Column(
            "cost_rule",
            sa.String(length=30),
            server_default="occupancy_and_vacancy",
            nullable=False,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("arrangements") as batch:
        batch.drop_column("cost_rule")
