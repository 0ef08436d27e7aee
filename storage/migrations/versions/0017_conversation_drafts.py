"""conversation drafts: what people typed in a flow they left, kept for a while

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prompt", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("saved_at", UTC, nullable=False),
        sa.Column("keep_until", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_drafts_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_drafts")),
        sa.UniqueConstraint(
            "conversation_id", "flow", name=op.f("uq_conversation_drafts_conversation_id_flow")
        ),
    )
    with op.batch_alter_table("conversation_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_drafts_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_drafts_keep_until"), ["keep_until"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_drafts_keep_until"))
        batch_op.drop_index(batch_op.f("ix_conversation_drafts_conversation_id"))
    op.drop_table("conversation_drafts")
