"""The whole pledge in text only, as on Zalo: the console, driven through stdin and stdout, every
choice answered by typing its number. The sample commune of `make run`: Trần Thị Lan (head of
15 đường Cây Dương) pledges, Nguyễn Văn Hùng (leader of Tổ 1) signs for 21 đường Cây Dương after
a phone call, Lâm Quốc Bảo (commune police) reads the coverage and gets the spreadsheet."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.config import Settings
from bot.i18n import Translator
from bot.pledges.coverage import natural_key
from bot.runtime.dialog.engine import JOINED
from handlers import build_flows
from storage.base import utcnow
from storage.db import Database
from storage.models import Group, Household, HouseholdStatus, Person
from storage.repos.senders import load_person

ROOT = Path(__file__).resolve().parent.parent


def run_bot(
    args: list[str], typed: list[str], settings: Settings, cwd: Path
) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url,
        "BOT_SECRET_KEY": settings.bot_secret_key or "",
        "MEDIA_DIR": str(settings.media_dir),
        "BOT_LOCALE": "vi",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="\n".join(typed) + "\n",
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def menu_number(db: Database, name: str, label: str) -> str:
    """The number the console shows for a line of the main menu, for this person once they
    agreed."""
    async with db.transaction() as session:
        person_id = await session.scalar(select(Person.id).where(Person.full_name == name))
        _, roles = await load_person(session, person_id)
    t = Translator("vi", Settings().timezone)
    main_page = [e for e in build_flows().menu_for(roles | {JOINED}) if not e.secondary]
    labels = [t.gettext(e.label) for e in main_page]
    return str(labels.index(label) + 1)


async def household_number(db: Database, address: str) -> str:
    """Where the leader's list shows a household of Tổ 1 (in natural order of addresses)."""
    async with db.transaction() as session:
        households = list(
            await session.scalars(
                select(Household)
                .join(Group, Group.id == Household.group_id)
                .where(
                    Group.name == "Tổ 1",
                    Household.status == HouseholdStatus.ACTIVE,
                    Household.confirmed.is_(True),
                )
            )
        )
    ordered = sorted((h.address for h in households), key=natural_key)
    return str(ordered.index(address) + 1)


async def test_the_whole_pledge_in_text_with_typed_numbers(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    seeded = run_bot(["demo", "seed"], [], settings, tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    year = utcnow().astimezone(settings.timezone).year
    agree = "1"  # "1. Đồng ý": the sample's people agree to the data notice first

    pledge = await menu_number(db, "Trần Thị Lan", "Cam kết hộ an toàn")
    head = run_bot(
        ["console", "--as", "Trần Thị Lan"], [agree, pledge, "1", "/quit"], settings, tmp_path
    )
    assert head.returncode == 0, head.stderr
    out = head.stdout
    assert f"{pledge}. Cam kết hộ an toàn" in out
    assert f"BẢN CAM KẾT HỘ GIA ĐÌNH AN TOÀN VỀ AN NINH, TRẬT TỰ NĂM {year}" in out
    assert "Hộ gia đình chúng tôi cam kết:\n1. Chấp hành nghiêm pháp luật" in out
    assert (
        "Hộ của bạn có cam kết thực hiện đầy đủ các nội dung trên không?\n\n"
        "1. Có, hộ tôi cam kết thực hiện đầy đủ\n2. Để sau\n(Trả lời bằng số.)"
    ) in out
    assert f"Cảm ơn bạn. Cam kết an toàn năm {year} của hộ đã được ghi nhận" in out

    sign_for = await menu_number(db, "Nguyễn Văn Hùng", "Ký thay cam kết cho hộ")
    number = await household_number(db, "21 đường Cây Dương")
    leader = run_bot(
        ["console", "--as", "Nguyễn Văn Hùng"],
        [agree, sign_for, number, "2", "1", "/quit"],
        settings,
        tmp_path,
    )
    assert leader.returncode == 0, leader.stderr
    out = leader.stdout
    assert "Tổ 1, Ấp Mỹ Thạnh: 1/" in out  # Trần Thị Lan's household already pledged
    assert "✓ 15 đường Cây Dương (Trần Thị Lan)" in out
    assert f"{number}. 21 đường Cây Dương (Lê Văn Tư)" in out
    assert "1. Gặp trực tiếp\n2. Qua điện thoại" in out
    assert "1. Rồi, ghi nhận cam kết\n2. Chưa, để sau" in out
    assert (
        f"Đã ghi nhận cam kết an toàn năm {year} của hộ 21 đường Cây Dương, do bạn ký thay "
        "(qua điện thoại)."
    ) in out

    coverage = await menu_number(db, "Lâm Quốc Bảo", "Tiến độ cam kết của các hộ")
    police = run_bot(
        ["console", "--as", "Lâm Quốc Bảo"], [agree, coverage, "1", "/quit"], settings, tmp_path
    )
    assert police.returncode == 0, police.stderr
    out = police.stdout
    assert re.search(
        rf"Cam kết hộ an toàn, Xã Thanh Mỹ, năm {year}: 2/\d+ hộ đang cư trú đã ký", out
    ), out
    assert "• Ấp Mỹ Thạnh: 2/" in out
    assert "1. Gửi bảng tính (.xlsx)\n2. Xem năm" in out
    [path] = re.findall(r"\[(/[^\]]+\.xlsx)\]", out)
    workbook = load_workbook(path, read_only=True)
    try:
        assert workbook.sheetnames == ["Tổng hợp", "Ấp Mỹ Phú", "Ấp Mỹ Thạnh"]
    finally:
        workbook.close()
