"""notice actions: a sent notice's buttons, sealed, for their typed forms on Zalo and the terminal

Revision ID: 0019_notice_actions
Revises: 0019_unit_word
Create Date: 2026-12-06 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_notice_actions"
down_revision: str | None = "0019_unit_word"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notice_actions",
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("buttons_encrypted", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("chat_key", name=op.f("pk_notice_actions")),
    )
    with op.batch_alter_table("notice_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_actions_day"), ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notice_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_actions_day"))
    op.drop_table("notice_actions")
