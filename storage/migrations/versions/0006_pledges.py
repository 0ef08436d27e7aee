"""household safety pledges: texts (national default seeded), pledges, delegates

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The national default of DOMAIN.md (no national template exists; communes word their own and
# store them with `python -m bot pledge text`). Frozen here as history: a later change of the
# default is a new migration adding version 2, never an edit of this one.
NATIONAL_DEFAULT = {
    "vi": [
        "Chấp hành nghiêm pháp luật của Nhà nước và hương ước, quy ước của thôn, tổ dân phố.",
        "Không để thành viên trong gia đình vi phạm pháp luật, sa vào tệ nạn xã hội (ma túy, "
        "cờ bạc, mại dâm, tín dụng đen); không có bạo lực gia đình.",
        "Tố giác tội phạm, báo tin về người lạ khả nghi; bảo vệ hiện trường và báo ngay cho "
        "công an khi có vụ việc.",
        "Đăng ký thường trú, tạm trú, khai báo tạm vắng đầy đủ, kể cả người thuê trọ, ở nhờ.",
        "Bảo đảm an toàn phòng cháy, chữa cháy (dùng điện, gas an toàn, không tàng trữ, đốt pháo "
        "nổ trái phép) và chấp hành luật giao thông.",
        "Giải quyết mâu thuẫn, tranh chấp qua tổ hòa giải; giúp đỡ người chấp hành xong án phạt "
        "tù tái hòa nhập cộng đồng.",
        "Tham gia đầy đủ các buổi sinh hoạt của tổ và các hoạt động của phong trào Toàn dân "
        "bảo vệ an ninh Tổ quốc.",
    ],
    "en": [
        "Obey the law and the rules of the village (hương ước, quy ước).",
        "Keep family members from breaking the law or falling into social evils (drugs, "
        "gambling, prostitution, illegal lending); no domestic violence.",
        "Report crimes and suspicious people; protect the scene of an incident and call the "
        "police at once.",
        "Register permanent and temporary residence and declare absences, lodgers included.",
        "Keep the home safe from fire (safe electricity and gas, no illegal fireworks) and obey "
        "the traffic rules.",
        "Settle disputes through the mediation group; help people who have served a prison "
        "sentence return to community life.",
        "Take part in the group's meetings and in the activities of the national movement "
        "“All people protect the security of the Fatherland”.",
    ],
}


def upgrade() -> None:
    op.create_table(
        "pledge_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=8), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["communes.code"], name=op.f("fk_pledge_texts_commune_code_communes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_texts")),
        sa.UniqueConstraint(
            "commune_code",
            "year",
            "version",
            name=op.f("uq_pledge_texts_commune_code_year_version"),
        ),
    )
    with op.batch_alter_table("pledge_texts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pledge_texts_commune_code"), ["commune_code"], unique=False
        )

    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("text_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=False),
        sa.Column("assisted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("assisted_how", sa.String(length=10), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("withdraw_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["persons.id"], name=op.f("fk_pledges_confirmed_by_persons")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_pledges_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["text_id"], ["pledge_texts.id"], name=op.f("fk_pledges_text_id_pledge_texts")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["persons.id"], name=op.f("fk_pledges_withdrawn_by_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
    )
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledges_household_id"), ["household_id"], unique=False)
        # One pledge not withdrawn per household and year; withdrawn ones stay as history.
        batch_op.create_index(
            "ix_pledges_active_household_year",
            ["household_id", "year"],
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )

    op.create_table(
        "pledge_delegates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["persons.id"], name=op.f("fk_pledge_delegates_created_by_persons")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_pledge_delegates_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_pledge_delegates_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_delegates")),
        sa.UniqueConstraint(
            "household_id", "person_id", name=op.f("uq_pledge_delegates_household_id_person_id")
        ),
    )
    with op.batch_alter_table("pledge_delegates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pledge_delegates_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pledge_delegates_person_id"), ["person_id"], unique=False
        )

    texts = sa.table(
        "pledge_texts",
        sa.column("commune_code"),
        sa.column("year"),
        sa.column("version"),
        sa.column("items", sa.JSON()),
        sa.column("created_at", storage.base.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(
        texts,
        [
            {
                "commune_code": None,
                "year": None,
                "version": 1,
                "items": NATIONAL_DEFAULT,
                "created_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("pledge_delegates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_delegates_person_id"))
        batch_op.drop_index(batch_op.f("ix_pledge_delegates_household_id"))

    op.drop_table("pledge_delegates")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index("ix_pledges_active_household_year")
        batch_op.drop_index(batch_op.f("ix_pledges_household_id"))

    op.drop_table("pledges")
    with op.batch_alter_table("pledge_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_texts_commune_code"))

    op.drop_table("pledge_texts")
