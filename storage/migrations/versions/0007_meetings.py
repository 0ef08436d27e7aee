"""meetings: rules, meetings and answers, minutes with corrections and photos, tasks, the
groups' own chats and the one-time codes that register them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "meeting_rules",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_meeting_rules_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["persons.id"], name=op.f("fk_meeting_rules_updated_by_persons")
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_meeting_rules")),
    )
    op.create_table(
        "meeting_hosting_skips",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["persons.id"],
            name=op.f("fk_meeting_hosting_skips_created_by_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_meeting_hosting_skips_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_meeting_hosting_skips")),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", UTC, nullable=False),
        sa.Column("host_household_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("host_confirmed_at", UTC, nullable=True),
        sa.Column("announced_at", UTC, nullable=False),
        sa.Column("cancel_reason", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["persons.id"], name=op.f("fk_meetings_created_by_persons")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_meetings_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["host_household_id"],
            ["households.id"],
            name=op.f("fk_meetings_host_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index(op.f("ix_meetings_group_id"), "meetings", ["group_id"])
    op.create_index(op.f("ix_meetings_scheduled_at"), "meetings", ["scheduled_at"])
    op.create_table(
        "meeting_rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("answered_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_rsvps_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_meeting_rsvps_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_rsvps")),
        sa.UniqueConstraint(
            "meeting_id", "person_id", name=op.f("uq_meeting_rsvps_meeting_id_person_id")
        ),
    )
    op.create_index(op.f("ix_meeting_rsvps_meeting_id"), "meeting_rsvps", ["meeting_id"])
    op.create_table(
        "meeting_minutes",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("held_at", UTC, nullable=False),
        sa.Column("host_household_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("households_present", sa.Integer(), nullable=False),
        sa.Column("households_total", sa.Integer(), nullable=False),
        sa.Column("present_household_ids", sa.JSON(), nullable=False),
        sa.Column("guests", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("mediation", sa.Text(), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.Column("next_meeting_at", UTC, nullable=True),
        sa.Column("chair_name", sa.String(length=120), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["host_household_id"],
            ["households.id"],
            name=op.f("fk_meeting_minutes_host_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_minutes_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["persons.id"], name=op.f("fk_meeting_minutes_recorded_by_persons")
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_minutes")),
    )
    op.create_table(
        "meeting_minutes_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("by_person_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["persons.id"],
            name=op.f("fk_meeting_minutes_corrections_by_person_id_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_minutes_corrections_meeting_id_meetings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_minutes_corrections")),
    )
    op.create_index(
        op.f("ix_meeting_minutes_corrections_meeting_id"),
        "meeting_minutes_corrections",
        ["meeting_id"],
    )
    op.create_table(
        "meeting_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("file_ref", sa.String(length=300), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["persons.id"], name=op.f("fk_meeting_photos_added_by_persons")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_photos_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_photos")),
    )
    op.create_index(op.f("ix_meeting_photos_meeting_id"), "meeting_photos", ["meeting_id"])
    op.create_table(
        "meeting_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_person_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(length=120), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("done_at", UTC, nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["done_by"], ["persons.id"], name=op.f("fk_meeting_tasks_done_by_persons")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_meeting_tasks_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_tasks_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["owner_person_id"],
            ["persons.id"],
            name=op.f("fk_meeting_tasks_owner_person_id_persons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_tasks")),
    )
    op.create_index(op.f("ix_meeting_tasks_group_id"), "meeting_tasks", ["group_id"])
    op.create_index(op.f("ix_meeting_tasks_meeting_id"), "meeting_tasks", ["meeting_id"])
    op.create_index(op.f("ix_meeting_tasks_owner_person_id"), "meeting_tasks", ["owner_person_id"])
    op.create_table(
        "group_chats",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.Column("registered_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_chats_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["persons.id"], name=op.f("fk_group_chats_registered_by_persons")
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_group_chats")),
    )
    op.create_table(
        "group_chat_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["persons.id"], name=op.f("fk_group_chat_codes_created_by_persons")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_chat_codes_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_chat_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_group_chat_codes_code")),
    )
    op.create_index(op.f("ix_group_chat_codes_group_id"), "group_chat_codes", ["group_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_group_chat_codes_group_id"), table_name="group_chat_codes")
    op.drop_table("group_chat_codes")
    op.drop_table("group_chats")
    for index in (
        "ix_meeting_tasks_owner_person_id",
        "ix_meeting_tasks_meeting_id",
        "ix_meeting_tasks_group_id",
    ):
        op.drop_index(op.f(index), table_name="meeting_tasks")
    op.drop_table("meeting_tasks")
    op.drop_index(op.f("ix_meeting_photos_meeting_id"), table_name="meeting_photos")
    op.drop_table("meeting_photos")
    op.drop_index(
        op.f("ix_meeting_minutes_corrections_meeting_id"),
        table_name="meeting_minutes_corrections",
    )
    op.drop_table("meeting_minutes_corrections")
    op.drop_table("meeting_minutes")
    op.drop_index(op.f("ix_meeting_rsvps_meeting_id"), table_name="meeting_rsvps")
    op.drop_table("meeting_rsvps")
    op.drop_index(op.f("ix_meetings_scheduled_at"), table_name="meetings")
    op.drop_index(op.f("ix_meetings_group_id"), table_name="meetings")
    op.drop_table("meetings")
    op.drop_table("meeting_hosting_skips")
    op.drop_table("meeting_rules")
