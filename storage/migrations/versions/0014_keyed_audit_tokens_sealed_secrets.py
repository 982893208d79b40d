"""keyed audit chain, API token scope and expiry, sealed second-factor secrets (S25, S17, S31)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24

The audit chain: events from now on carry an HMAC-SHA256 with a key kept outside the database.
The events already written keep their plain SHA-256 links (the MAC cannot be added to them: the
log is append-only, and this migration has no business knowing the key). ``audit_chain_starts``
records the first event that must carry a MAC; everything from there on is verified with the
key, everything before with SHA-256 as it was written, and the first keyed event links to the
last old one, so the old part stays covered.

API tokens: those that exist keep the writing rights they had (scope ``write``) and expire 90
days after this migration, rather than at once (integrations get time) or never.

Second-factor secrets: sealed here, with the key that ``besluitwerk db upgrade`` hands to the
migration (``config.attributes["keys"]``); a run without the key refuses while clear secrets
exist rather than leave them or throw them away.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import storage.base
from storage.accounts import open_totp_secret, seal_totp_secret
from storage.keys import Keys

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

EXISTING_TOKEN_DAYS = 90
APPEND_ONLY_MESSAGE = "audit_chain_starts is append-only"


def _keys() -> Keys | None:
    config = op.get_context().config
    keys = config.attributes.get("keys") if config is not None else None
    return keys if isinstance(keys, Keys) else None


def upgrade() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    utc = storage.base.UTCDateTime(timezone=True)

    chain_starts = op.create_table(
        "audit_chain_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("keyed_from_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_starts")),
    )
    last_event = bind.scalar(sa.text("SELECT MAX(id) FROM audit_events")) or 0
    op.bulk_insert(chain_starts, [{"keyed_from_id": int(last_event) + 1, "recorded_at": now}])
    _append_only("audit_chain_starts")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("expires_at", utc, nullable=True))
    tokens = sa.table("api_tokens", sa.column("scope", sa.String), sa.column("expires_at", utc))
    bind.execute(
        tokens.update().values(scope="write", expires_at=now + timedelta(days=EXISTING_TOKEN_DAYS))
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("scope", existing_type=sa.String(length=10), nullable=False)
        batch_op.alter_column("expires_at", existing_type=utc, nullable=False)
        batch_op.create_check_constraint(op.f("ck_api_tokens_scope"), "scope IN ('read', 'write')")

    op.add_column("users", sa.Column("totp_secret_sealed", sa.String(length=200), nullable=True))
    clear = bind.execute(
        sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
    ).all()
    keys = _keys()
    if clear and keys is None:
        raise RuntimeError(
            "Er staan sleutels van de tweede factor onversleuteld in de database. Voer de "
            "migratie uit met 'besluitwerk db upgrade', dat de sleutel (AUDIT_KEY) kent en ze "
            "versleutelt."
        )
    for user_id, secret in clear:
        assert keys is not None
        bind.execute(
            sa.text("UPDATE users SET totp_secret_sealed = :sealed WHERE id = :id"),
            {"sealed": seal_totp_secret(keys.secrets, user_id, secret), "id": user_id},
        )
    # Not a batch copy of the users table: every table refers to it. SQLite drops a column
    # in place since 3.35.
    op.drop_column("users", "totp_secret")


def downgrade() -> None:
    bind = op.get_bind()
    op.add_column("users", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    sealed = bind.execute(
        sa.text("SELECT id, totp_secret_sealed FROM users WHERE totp_secret_sealed IS NOT NULL")
    ).all()
    keys = _keys()
    if sealed and keys is None:
        raise RuntimeError(
            "De sleutels van de tweede factor zijn versleuteld; terugzetten kan alleen met de "
            "sleutel (AUDIT_KEY) erbij."
        )
    for user_id, value in sealed:
        assert keys is not None
        bind.execute(
            sa.text("UPDATE users SET totp_secret = :secret WHERE id = :id"),
            {"secret": open_totp_secret(keys.secrets, user_id, value), "id": user_id},
        )
    op.drop_column("users", "totp_secret_sealed")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_tokens_scope"), type_="check")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")

    _drop_append_only("audit_chain_starts")
    op.drop_table("audit_chain_starts")


def _append_only(table: str) -> None:
    """Like the audit log itself (S24): the record of where the MAC starts is never changed."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()"
    )


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_refuse_change()")
