"""calendar: communes' events and settings, the reminder ledger, opt-outs, broadcasts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.base.UTCDateTime(timezone=True)


def _commune_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["commune_code"], ["communes.code"], name=op.f(f"fk_{table}_commune_code_communes")
    )


def upgrade() -> None:
    op.create_table(
        "calendar_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=False),
        sa.Column("leads", sa.String(length=80), nullable=False),
        sa.Column("text_vi", sa.Text(), nullable=True),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        _commune_fk("calendar_events"),
        sa.ForeignKeyConstraint(
            ["created_by"], ["persons.id"], name=op.f("fk_calendar_events_created_by_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_events")),
        sa.UniqueConstraint(
            "commune_code", "key", name=op.f("uq_calendar_events_commune_code_key")
        ),
    )
    with op.batch_alter_table("calendar_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_events_commune_code"), ["commune_code"], unique=False
        )
    op.create_table(
        "calendar_settings",
        sa.Column("commune_code", sa.String(length=8), nullable=False),
        sa.Column("quiet_from", sa.String(length=5), nullable=False),
        sa.Column("quiet_until", sa.String(length=5), nullable=False),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        _commune_fk("calendar_settings"),
        sa.PrimaryKeyConstraint("commune_code", name=op.f("pk_calendar_settings")),
    )
    op.create_table(
        "calendar_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=8), nullable=False),
        sa.Column("event_id", sa.String(length=60), nullable=False),
        sa.Column("occurrence", sa.Date(), nullable=False),
        sa.Column("lead", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        _commune_fk("calendar_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_runs")),
        sa.UniqueConstraint(
            "commune_code",
            "event_id",
            "occurrence",
            "lead",
            name=op.f("uq_calendar_runs_commune_code_event_id_occurrence_lead"),
        ),
    )
    op.create_table(
        "reminder_optouts",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_reminder_optouts_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_reminder_optouts")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=8), nullable=False),
        sa.Column("author_person_id", sa.Integer(), nullable=False),
        sa.Column("author_channel", sa.String(length=16), nullable=False),
        sa.Column("author_chat_id", sa.String(length=64), nullable=False),
        sa.Column("author_language", sa.String(length=8), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["author_person_id"],
            ["persons.id"],
            name=op.f("fk_broadcasts_author_person_id_persons"),
        ),
        _commune_fk("broadcasts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcasts_commune_code"), ["commune_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcasts_commune_code"))
    op.drop_table("broadcasts")
    op.drop_table("reminder_optouts")
    op.drop_table("calendar_runs")
    op.drop_table("calendar_settings")
    with op.batch_alter_table("calendar_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_events_commune_code"))
    op.drop_table("calendar_events")
