"""documents: a commune's report header and signer settings; minutes' secretary and end time

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-06 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "report_settings",
        sa.Column("commune_code", sa.String(length=8), nullable=False),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column("superior", sa.String(length=200), nullable=False),
        sa.Column("number_suffix", sa.String(length=40), nullable=False),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("signer_name", sa.String(length=120), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["communes.code"],
            name=op.f("fk_report_settings_commune_code_communes"),
        ),
        sa.PrimaryKeyConstraint("commune_code", name=op.f("pk_report_settings")),
    )
    with op.batch_alter_table("meeting_minutes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("secretary_name", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("ended_at", UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting_minutes", schema=None) as batch_op:
        batch_op.drop_column("ended_at")
        batch_op.drop_column("secretary_name")
    op.drop_table("report_settings")
