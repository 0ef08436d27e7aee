"""tips: when a card first reached police, and how far its delivery was rerouted (tips and
their cards carry the level)

Revision ID: 0016
Revises: 0018
Create Date: 2026-12-06 08:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0016"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivered_at", UTC, nullable=True))
        batch_op.add_column(
            sa.Column("delivery_level", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("delivery_level_at", UTC, nullable=True))
    with op.batch_alter_table("tip_cards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivery_level", sa.Integer(), server_default="0", nullable=False)
        )
    # Tips filed before cards were watched were sent the old way: taken as delivered, so
    # nobody is told about an old tip again.
    op.execute(sa.text("UPDATE tips SET delivered_at = created_at"))


def downgrade() -> None:
    with op.batch_alter_table("tip_cards", schema=None) as batch_op:
        batch_op.drop_column("delivery_level")
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_column("delivery_level_at")
        batch_op.drop_column("delivery_level")
        batch_op.drop_column("delivered_at")
