"""the sanitised copy of a signed agreement beside the original (S9)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: the copies uploaded before get theirs on their first download.
    with op.batch_alter_table("signed_copies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clean_file_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("clean_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signed_copies", schema=None) as batch_op:
        batch_op.drop_column("clean_sha256")
        batch_op.drop_column("clean_file_key")
