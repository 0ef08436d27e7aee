"""the official list of 34 provinces and 3,321 communes (2025)

Revision ID: 0002
Revises: 0001
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from bot.text_match import fold

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA = Path(__file__).resolve().parents[2] / "data" / "vn_admin_units_2025.csv"


def upgrade() -> None:
    provinces = sa.table(
        "provinces", sa.column("code"), sa.column("name"), sa.column("name_folded")
    )
    communes = sa.table(
        "communes",
        *(sa.column(c) for c in ("code", "province_code", "name", "kind", "name_folded")),
        sa.column("lat", sa.Float),
        sa.column("lon", sa.Float),
    )
    with DATA.open(encoding="utf-8") as data:
        rows = list(csv.DictReader(data))
    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row["province_code"], row["province_name"])
    op.bulk_insert(
        provinces,
        [{"code": code, "name": name, "name_folded": fold(name)} for code, name in seen.items()],
    )
    op.bulk_insert(
        communes,
        [
            {
                "code": row["ward_code"],
                "province_code": row["province_code"],
                "name": row["ward_name"],
                "kind": row["ward_type"],
                "name_folded": fold(row["ward_name"]),
                "lat": float(row["lat"]) if row["lat"] else None,
                "lon": float(row["lon"]) if row["lon"] else None,
            }
            for row in rows
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM communes")
    op.execute("DELETE FROM provinces")
