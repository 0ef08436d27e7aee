"""personal grants: invites for one named person, link requests the owner confirms, the
commune's data controller named in the data notice, a join request's suggested listed person

Revision ID: 0010
Revises: 0014
Create Date: 2026-12-06 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0010"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_controller", sa.String(length=200), nullable=True))
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invites_person_id_persons"), "persons", ["person_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_invites_person_id"), ["person_id"], unique=False)
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suggested_person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_memberships_suggested_person_id_persons"),
            "persons",
            ["suggested_person_id"],
            ["id"],
        )
    with op.batch_alter_table("account_link_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", UTC, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_account_link_codes_claimed_by_channel_accounts"),
            "channel_accounts",
            ["claimed_by"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("account_link_codes", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_account_link_codes_claimed_by_channel_accounts"), type_="foreignkey"
        )
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_memberships_suggested_person_id_persons"), type_="foreignkey"
        )
        batch_op.drop_column("suggested_person_id")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invites_person_id"))
        batch_op.drop_constraint(batch_op.f("fk_invites_person_id_persons"), type_="foreignkey")
        batch_op.drop_column("person_id")
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.drop_column("data_controller")
