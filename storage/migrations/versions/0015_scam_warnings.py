"""scams: the commune police's fraud warnings and the keyed items of residents' fraud tips

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-06 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0015"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scam_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("shown", sa.String(length=200), nullable=False),
        sa.Column("bank", sa.String(length=40), nullable=True),
        sa.Column("warning_text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("tip_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["communes.code"], name=op.f("fk_scam_warnings_commune_code_communes")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["persons.id"], name=op.f("fk_scam_warnings_created_by_persons")
        ),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_scam_warnings_tip_id_tips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scam_warnings")),
        sa.UniqueConstraint(
            "commune_code", "kind", "value", name=op.f("uq_scam_warnings_commune_code_kind_value")
        ),
    )
    with op.batch_alter_table("scam_warnings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scam_warnings_commune_code"), ["commune_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scam_warnings_value"), ["value"], unique=False)
    op.create_table(
        "scam_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=8), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["communes.code"], name=op.f("fk_scam_reports_commune_code_communes")
        ),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_scam_reports_tip_id_tips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scam_reports")),
        sa.UniqueConstraint("tip_id", "item_key", name=op.f("uq_scam_reports_tip_id_item_key")),
    )
    with op.batch_alter_table("scam_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scam_reports_commune_code"), ["commune_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scam_reports_item_key"), ["item_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_scam_reports_tip_id"), ["tip_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scam_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scam_reports_tip_id"))
        batch_op.drop_index(batch_op.f("ix_scam_reports_item_key"))
        batch_op.drop_index(batch_op.f("ix_scam_reports_commune_code"))
    op.drop_table("scam_reports")
    with op.batch_alter_table("scam_warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scam_warnings_value"))
        batch_op.drop_index(batch_op.f("ix_scam_warnings_commune_code"))
    op.drop_table("scam_warnings")
