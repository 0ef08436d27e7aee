"""zalo: the monthly message count, and one-time codes linking two messenger accounts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "zalo_usage",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("warned_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_zalo_usage")),
    )
    op.create_table(
        "account_link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_account_link_codes_account_id_channel_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_link_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_account_link_codes_code")),
    )
    with op.batch_alter_table("account_link_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_link_codes_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("account_link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_link_codes_account_id"))
    op.drop_table("account_link_codes")
    op.drop_table("zalo_usage")
