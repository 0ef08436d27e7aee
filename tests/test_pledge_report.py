"""The coverage spreadsheet: from the police menu as a document and from `python -m bot pledge
report`; it opens with openpyxl, has a summary and one sheet per village, and its numbers are the
ones the chat shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.config import Settings
from bot.pledges.coverage import Unit, UnitKind, coverage
from bot.reports.texts import rate_value
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from tests.org_fixtures import THANH_MY, Org
from tests.test_pledges import FEBRUARY, Clock, chat, head_pledges, pledge_commune

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def org(db: Database) -> Org:
    return await pledge_commune(db)


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return DialogEngine(db=db, flows=build_flows(), settings=settings, clock=Clock(FEBRUARY))


async def some_pledges(engine: DialogEngine) -> None:
    """15 đường Cây Dương pledges; 21 đường Cây Dương pledges through its leader, by phone;
    12 đường Cây Dương pledges and withdraws."""
    await head_pledges(engine)
    leader = chat(engine, "leader1")
    await leader.says("/kythay")
    await leader.picks("21 đường Cây Dương (Lê Văn Tư)")
    await leader.picks("Qua điện thoại")
    await leader.picks("Rồi, ghi nhận cam kết")
    await leader.says("/kythay")
    await leader.picks("12 đường Cây Dương (Nguyễn Văn Hùng)")
    await leader.picks("Gặp trực tiếp")
    await leader.picks("Rồi, ghi nhận cam kết")
    await leader.says("/kythay")
    await leader.picks("✓ 12 đường Cây Dương (Nguyễn Văn Hùng)")
    await leader.picks("Rút lại cam kết")
    await leader.says("Chủ hộ chưa đồng ý")


def sheet_rows(path: Path) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    """Each sheet's rows, padded with None to the widest row (empty cells are not stored)."""
    workbook = load_workbook(path, read_only=True)
    try:
        sheets = {
            sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets
        }
        for title, rows in sheets.items():
            width = max((len(row) for row in rows), default=0)
            sheets[title] = [row + (None,) * (width - len(row)) for row in rows]
        return sheets
    finally:
        workbook.close()


async def test_police_get_the_spreadsheet_and_its_numbers_match(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    await some_pledges(engine)
    police = chat(engine, "police")
    await police.says("/baocao camket")
    police.sees("Cam kết hộ an toàn, Xã Thanh Mỹ, năm 2026: 2/5 hộ đang cư trú đã ký (40%).")
    police.sees("Danh sách các hộ chưa ký có trong bảng tính.")
    replies = await police.picks("Gửi bảng tính (.xlsx)")
    [document] = [r for r in replies if r.document]
    assert document.text == "Cam kết hộ an toàn, Xã Thanh Mỹ, năm 2026"
    path = Path(document.document or "")
    assert path.is_absolute() and path.suffix == ".xlsx"
    printed = load_workbook(path)  # every sheet prints: A4, one page wide, headers frozen
    for sheet in printed.worksheets:
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert printed["Tổng hợp"].freeze_panes == "A5" and printed["Ấp Mỹ Phú"].freeze_panes == "A2"
    assert re.fullmatch(r"Lập lúc \d{1,2}/\d{1,2}/\d{4} \d\d:\d\d", printed["Tổng hợp"]["A2"].value)

    sheets = sheet_rows(path)
    assert list(sheets) == ["Tổng hợp", "Ấp Mỹ Phú", "Ấp Mỹ Thạnh"]
    summary = sheets["Tổng hợp"]
    assert summary[0][0] == "Cam kết hộ an toàn, Xã Thanh Mỹ, năm 2026"
    header = summary.index(("Thôn/Ấp", "Tổ", "Số hộ đã ký", "Số hộ đang cư trú", "Tỷ lệ (%)"))
    rows = {(r[0], r[1]): r[2:] for r in summary[header + 1 :]}
    async with db.transaction() as session:
        report = await coverage(session, Unit(UnitKind.COMMUNE, THANH_MY), 2026)
    for village in report.villages:
        counts = village.counts
        # The share with one decimal, as the report's .docx ("66,7%").
        assert rows[(village.name, "Cả thôn/ấp")] == (
            counts.pledged,
            counts.resident,
            rate_value(counts.pledged, counts.resident) or 0,
        )
        for group in village.groups:
            assert rows[(village.name, group.name)] == (
                group.counts.pledged,
                group.counts.resident,
                rate_value(group.counts.pledged, group.counts.resident) or 0,
            )
    assert rows[("Ấp Mỹ Thạnh", "Tổ 1")][2] == 66.7
    assert rows[("Tổng cộng", None)] == (2, 5, 40)

    households = sheets["Ấp Mỹ Thạnh"]
    assert households[0] == (
        "Tổ",
        "Địa chỉ",
        "Chủ hộ",
        "Tình trạng",
        "Ngày",
        "Người xác nhận",
        "Tổ trưởng ký thay",
        "Bản văn bản",
        "Lý do rút",
    )
    by_address = {row[1]: row for row in households[1:]}
    assert set(by_address) == {  # the unconfirmed household is not on the list
        "12 đường Cây Dương",
        "15 đường Cây Dương",
        "21 đường Cây Dương",
        "30 đường Cây Dương",
        "3 đường Mỹ Thạnh",
    }
    lan = by_address["15 đường Cây Dương"]
    assert lan[3] == "Đã ký cam kết" and lan[5] == "Trần Thị Lan" and lan[6] is None
    assert lan[4].date() == FEBRUARY.date() and lan[7] == 1  # the text's version
    assisted = by_address["21 đường Cây Dương"]
    assert assisted[3] == "Đã ký cam kết"
    assert assisted[5] == "Nguyễn Văn Hùng" and assisted[6] == "qua điện thoại"
    withdrawn = by_address["12 đường Cây Dương"]
    assert withdrawn[3] == "Đã rút cam kết" and withdrawn[8] == "Chủ hộ chưa đồng ý"
    assert by_address["30 đường Cây Dương"][3] == "Đã chuyển đi (không tính)"
    assert by_address["3 đường Mỹ Thạnh"][3] == "Chưa ký"
    pledged = sum(1 for row in households[1:] if row[3] == "Đã ký cam kết")
    assert pledged == report.villages[1].counts.pledged == 2


async def test_a_leader_s_spreadsheet_holds_only_the_group(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    await head_pledges(engine)
    leader = chat(engine, "leader3")
    await leader.says("/baocao camket")
    replies = await leader.picks("Gửi bảng tính (.xlsx)")
    [document] = [r for r in replies if r.document]
    sheets = sheet_rows(Path(document.document or ""))
    assert list(sheets) == ["Tổng hợp", "Ấp Mỹ Phú"]
    assert [row[1] for row in sheets["Ấp Mỹ Phú"][1:]] == ["45 đường Mỹ Phú"]


def run_cli(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_the_command_line_report_matches(
    db: Database, org: Org, engine: DialogEngine, settings: Settings, tmp_path: Path
) -> None:
    await some_pledges(engine)
    out = tmp_path / "camket.xlsx"
    result = run_cli(
        ["pledge", "report", "--commune", THANH_MY, "--year", "2026", "--out", str(out)],
        settings.database_url,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "Household safety pledges, Xã Thanh Mỹ, 2026: 2 of 5 resident households (40%)."
        in result.stdout
    )
    assert "  Ấp Mỹ Thạnh: 2/4 (50%)" in result.stdout
    assert "  Ấp Mỹ Phú: 0/1 (0%)" in result.stdout
    sheets = sheet_rows(out)
    total = next(row for row in sheets["Tổng hợp"] if row and row[0] == "Tổng cộng")
    assert total[2:] == (2, 5, 40)

    report = ["pledge", "report", "--commune", THANH_MY, "--year", "2026"]
    english = run_cli(
        [*report, "--out", "en.xlsx", "--lang", "en"],
        settings.database_url,
        tmp_path,
    )
    assert english.returncode == 0, english.stderr
    assert list(sheet_rows(tmp_path / "en.xlsx")) == ["Summary", "Ấp Mỹ Phú", "Ấp Mỹ Thạnh"]

    unknown = run_cli(
        ["pledge", "report", "--commune", "99999", "--year", "2026"],
        settings.database_url,
        tmp_path,
    )
    assert unknown.returncode == 2 and "No commune with code 99999" in unknown.stderr


async def test_the_command_line_stores_a_commune_text(
    db: Database, org: Org, settings: Settings, tmp_path: Path
) -> None:
    text = tmp_path / "camket_thanh_my.yaml"
    text.write_text(
        "mode: extend\nvi:\n  - Giữ gìn vệ sinh môi trường, đường làng ngõ xóm.\n",
        encoding="utf-8",
    )
    args = ["pledge", "text", "--commune", THANH_MY, "--year", "2026"]
    stored = run_cli([*args, "--file", str(text)], settings.database_url, tmp_path)
    assert stored.returncode == 0, stored.stderr
    assert "Stored: text of Xã Thanh Mỹ for 2026, version 1." in stored.stdout
    assert "8. Giữ gìn vệ sinh môi trường, đường làng ngõ xóm." in stored.stdout
    again = run_cli([*args, "--file", str(text)], settings.database_url, tmp_path)
    assert "Unchanged" in again.stdout
    shown = run_cli(args, settings.database_url, tmp_path)
    assert "In effect for Xã Thanh Mỹ in 2026: text of Xã Thanh Mỹ for 2026, version 1." in (
        shown.stdout
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("vi: []\n", encoding="utf-8")
    refused = run_cli([*args, "--file", str(bad)], settings.database_url, tmp_path)
    assert refused.returncode == 1 and "no commitments" in refused.stderr


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Ấp [Mới]: 1/2", "Ấp  Mới   1 2"), ("x" * 40, "x" * 31)],
)
def test_sheet_names_are_valid(name: str, expected: str) -> None:
    from bot.pledges.report import _sheet_name

    taken: set[str] = set()
    assert _sheet_name(name, taken) == expected
    assert _sheet_name(name, taken) == expected[:27] + " (2)"
