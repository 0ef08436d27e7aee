"""The periodic report as a commune files it: the layout of Decree 30/2020/NĐ-CP with the
commune's header and signer (set once by `report settings`), the five criteria of Article 4
of Circular 124/2021/TT-BCA with the commune's own rules apart, the safe-area year judged on
whole quarters, comparisons without earlier data, and spreadsheets that print without
undoing the small-count rule.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.cli import main as cli_main
from bot.pledges.coverage import Unit, UnitKind
from bot.reports import make_report
from bot.reports.layout import date_line
from bot.reports.periods import parse_period
from bot.reports.texts import change_text
from bot.reports.xlsx import HIDDEN_VILLAGE
from storage.models import Meeting, MeetingMinutes
from tests.docx_layout import check_layout, closing_cells, document_text, header_cells
from tests.org_fixtures import small_commune
from tests.test_reports import ACK, MY_PHU, MY_THANH, VN, local, seed

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 23/11/2026 10:00 in Vietnam


async def write(db, org, period: str, out: Path, now: datetime = NOW):  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await make_report(
            session,
            Unit(UnitKind.COMMUNE, org.commune),
            parse_period(period),
            out,
            actor=None,
            tz=VN,
            now=now,
            ack=ACK,
        )


def settings_cli(settings, monkeypatch, *args: str) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BOT_SECRET_KEY", settings.bot_secret_key)
    return cli_main(["report", "settings", "--commune", "30073", *args])


def test_the_date_line_writes_small_days_and_early_months_with_a_zero() -> None:
    assert date_line("Thanh Mỹ", date(2026, 12, 6)) == "Thanh Mỹ, ngày 06 tháng 12 năm 2026"
    assert date_line("Thanh Mỹ", date(2027, 2, 15)) == "Thanh Mỹ, ngày 15 tháng 02 năm 2027"
    assert date_line("Thanh Mỹ", date(2026, 11, 23)) == "Thanh Mỹ, ngày 23 tháng 11 năm 2026"
    assert date_line("Thanh Mỹ", date(2026, 3, 1)) == "Thanh Mỹ, ngày 01 tháng 3 năm 2026"


async def test_the_report_in_the_decree_30_layout_with_the_communes_settings(
    db, settings, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    code = await asyncio.to_thread(
        settings_cli,
        settings,
        monkeypatch,
        "--body",
        "Công an xã Thanh Mỹ",
        "--superior",
        "Công an tỉnh Đồng Tháp",
        "--number-suffix",
        "CAX",
        "--signer-title",
        "Trưởng Công an xã",
        "--signer-name",
        "Nguyễn Văn An",
        "--recipient",
        "Công an tỉnh Đồng Tháp",
        "--recipient",
        "Đảng ủy, UBND xã",
    )
    assert code == 0
    _report, (docx_path, _xlsx) = await write(db, org, "2026-Q3", tmp_path)
    document = check_layout(docx_path)

    left, right = header_cells(document)
    assert left == ["CÔNG AN TỈNH ĐỒNG THÁP", "CÔNG AN XÃ THANH MỸ", "Số: ……………/BC-CAX"]
    assert right == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Thanh Mỹ, ngày 23 tháng 11 năm 2026",
    ]
    text = document_text(document)
    assert "BÁO CÁO\nKết quả tiếp nhận, xử lý tin báo" in text
    assert "xã Thanh Mỹ, Quý III/2026" in text  # the glossary's form (#13)
    recipients, signer = closing_cells(document)
    assert recipients == [
        "Nơi nhận:",
        "- Công an tỉnh Đồng Tháp;",
        "- Đảng ủy, UBND xã;",
        "- Lưu: VT.",
    ]
    assert signer == ["TRƯỞNG CÔNG AN XÃ", "Nguyễn Văn An"]

    # The five criteria of Article 4, in its order, for each village; quarterly meetings
    # only in the commune's own section.
    for village in (MY_THANH, MY_PHU):
        table = next(
            t
            for t in document.tables
            if t.rows[0].cells[0].text == "Tiêu chí (Điều 4)"
            and document_text_before(document, t).endswith(village)
        )
        criteria = [row.cells[0].text for row in table.rows[1:]]
        assert [c[:2] for c in criteria] == ["1.", "2.", "3.", "4.", "5."]
        assert criteria[0].startswith("1. Quý I hằng năm, chi bộ có nghị quyết")
        assert "100% hộ gia đình" in criteria[0]
        assert criteria[1].startswith("2. Triển khai, thực hiện đầy đủ các chủ trương")
        assert "chống Đảng, chống chính quyền" in criteria[2]
        assert "cháy, nổ nghiêm trọng, tai nạn lao động chết người" in criteria[3]
        assert "“Hoàn thành nhiệm vụ” trở lên" in criteria[4] and "kỷ luật" in criteria[4]
        assert not any("sinh hoạt" in c or "giao thông" in c for c in criteria)
    assert "V. QUY ĐỊNH RIÊNG CỦA XÃ (KHÔNG THUỘC TIÊU CHÍ CỦA THÔNG TƯ 124/2021/TT-BCA)" in text
    local_rules = next(t for t in document.tables if t.rows[0].cells[1].text == "Quy định của xã")
    assert "sinh hoạt định kỳ mỗi quý" in local_rules.rows[1].cells[1].text

    # The village × category table: numbered columns and a legend, never a word per letter.
    villages = next(t for t in document.tables if t.rows[0].cells[0].text == "Thôn/ấp")
    assert [c.text for c in villages.rows[0].cells] == ["Thôn/ấp", "Tổng", "(1)", "(2)", "(3)"]
    assert "Ghi chú: (1) Trộm cắp; (2) Ma túy; (3) Cháy nổ, nguy cơ cháy." in text


def document_text_before(document, table) -> str:  # type: ignore[no-untyped-def]
    """The text of the paragraph just before a table (its heading)."""
    body = document.element.body
    element = table._tbl.getprevious()
    while element is not None and not (element.tag.endswith("}p") and element.xpath("string()")):
        element = element.getprevious()
    assert element is not None and element.getparent() is body
    return element.xpath("string()")


async def test_blanks_where_the_commune_set_nothing(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    org = await small_commune(db)
    now = datetime(2026, 2, 5, 3, 0, tzinfo=UTC)
    _report, (docx_path, _xlsx) = await write(db, org, "2025-Q4", tmp_path, now)
    document = check_layout(docx_path)
    left, right = header_cells(document)
    assert left == ["……………", "Số: ……………/BC-……………"]
    assert right[-1] == "Thanh Mỹ, ngày 05 tháng 02 năm 2026"
    recipients, signer = closing_cells(document)
    assert recipients == ["Nơi nhận:", "- Lưu: VT."]
    assert signer == ["……………", "……………"]
    # Nothing to draw: a sentence instead of an empty chart.
    text = document_text(document)
    assert "Trong kỳ không có tin báo nên không có biểu đồ" in text
    assert "chưa có buổi sinh hoạt tổ nào được ghi biên bản nên không có biểu đồ" in text
    assert len(document.inline_shapes) == 1  # the households' coverage only


async def test_the_safe_area_year_counts_whole_quarters(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """2026-KDC runs 1/11/2025–31/10/2026: a group that meets in the first month of every
    quarter meets the quarterly rule, although Nov–Dec 2025 had no meeting."""
    org = await small_commune(db)
    async with db.transaction() as session:
        for held in (local(2026, 1, 11, 19), local(2026, 4, 12, 19), local(2026, 7, 12, 19),
                     local(2026, 10, 11, 19)):  # fmt: skip
            meeting = Meeting(
                group_id=org.groups["Tổ 3"],
                year=held.year,
                quarter=(held.month - 1) // 3 + 1,
                scheduled_at=held,
                status="held",
            )
            session.add(meeting)
            await session.flush()
            session.add(
                MeetingMinutes(
                    meeting_id=meeting.id, held_at=held, households_present=1, households_total=1
                )
            )
    report, (_docx, xlsx_path) = await write(db, org, "2026-KDC", tmp_path)
    meetings = report.meetings
    assert meetings.whole_quarters == [(2026, 1), (2026, 2), (2026, 3)]
    phu = next(g for g in meetings.groups if g.group == "Tổ 3")
    assert phu.held == 4
    rows = list(load_workbook(xlsx_path)["Quy định riêng của xã"].iter_rows(values_only=True))
    verdicts = {row[0]: row[3] for row in rows[1:]}
    assert verdicts[MY_PHU] == "Đạt (theo số liệu)."
    assert verdicts[MY_THANH] == "Chưa đạt (theo số liệu)."  # Tổ 1 and Tổ 2 never met


def test_comparisons_in_counts_and_points() -> None:
    assert change_text(34, 0, known=False) == "chưa có số liệu kỳ trước"
    assert change_text(34, None) == "chưa có số liệu kỳ trước"
    assert change_text(84.6, 79.4, points=True) == "tăng 5,2 điểm %"
    assert change_text(70.0, 75.5, points=True) == "giảm 5,5 điểm %"
    assert change_text(6, 1) == "tăng 5 (+500,0%)"


async def test_a_first_report_has_no_earlier_data(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    report, (docx_path, _xlsx) = await write(db, org, "2026-Q2", tmp_path)
    # T7 (30/06) is the oldest record but one: the pledges of Q1 are earlier, so Q2 compares.
    assert report.has_previous
    report, (docx_path, _xlsx) = await write(db, org, "2025-Q4", tmp_path)
    assert not report.has_previous
    document = check_layout(docx_path)
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Chỉ tiêu"
                 and t.rows[0].cells[-1].text == "Tăng/giảm")  # fmt: skip
    changes = {row.cells[0].text: row.cells[3].text for row in table.rows[1:]}
    assert set(changes.values()) == {"chưa có số liệu kỳ trước"}
    report, (docx_path, _xlsx) = await write(db, org, "2026-Q3", tmp_path)
    table = next(
        t
        for t in check_layout(docx_path).tables
        if t.rows[0].cells[0].text == "Chỉ tiêu" and t.rows[0].cells[-1].text == "Tăng/giảm"
    )
    changes = {row.cells[0].text: row.cells[3].text for row in table.rows[1:]}
    assert changes["Tỷ lệ tiếp nhận đúng hạn"] == "giảm 33,3 điểm %"  # 66,7% after 100%
    assert changes["Tin báo tiếp nhận"] == "tăng 5 (+500,0%)"


TWO_DIGIT_YEAR = re.compile(r"(?<!y)yy(?!y)")


async def test_the_spreadsheet_prints_and_keeps_small_counts_hidden(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    _report, (_docx, xlsx_path) = await write(db, org, "2026-Q3", tmp_path)
    workbook = load_workbook(xlsx_path)
    for sheet in workbook.worksheets:
        assert sheet.page_setup.paperSize == 9, sheet.title  # A4
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.freeze_panes in ("A2", "A3"), sheet.title
        widths = [d.width for d in sheet.column_dimensions.values() if d.width]
        assert len(widths) == sheet.max_column, sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                assert not TWO_DIGIT_YEAR.search(cell.number_format), (sheet.title, cell)
    assert workbook["PL Tin báo"].page_setup.orientation == "landscape"
    assert workbook["Tổng hợp"].page_setup.orientation == "portrait"
    assessment = workbook["Tự đánh giá"]
    assert assessment.column_dimensions["B"].width == 45  # long criteria wrap
    assert assessment["B2"].alignment.wrap_text

    annex = list(workbook["PL Tin báo"].iter_rows(values_only=True))
    assert annex[0][0].startswith("Chỉ dành cho Công an xã.")
    rows = {row[0]: row for row in annex[2:]}
    # Mỹ Thạnh has 3 thefts (shown); Mỹ Phú 1 fire and 1 drugs (hidden, as "< 3" in the docx).
    assert rows["T1"][2] == MY_THANH
    assert rows["T4"][2] == HIDDEN_VILLAGE and rows["T8"][2] == HIDDEN_VILLAGE
    assert rows["T3"][1] == datetime(2026, 9, 30, 23, 59)
    assert workbook["PL Tin báo"]["B3"].number_format == "d/m/yyyy hh:mm"
    pledges = workbook["Cam kết"]
    assert [row[4] for row in pledges.iter_rows(min_row=2, values_only=True)] == [0, 100, None]
    assert pledges["E2"].number_format == "0.0"  # one decimal, as "85,7%" in the .docx


async def test_counts_have_whole_ticks_and_wide_tables_turn_sideways(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Ten categories in one village: the village × category table gets a landscape page;
    a month with one or two tips still has whole-number ticks."""
    from bot.reports.charts import draw_charts
    from storage.models import Tip, TipCategory

    org = await small_commune(db)
    async with db.transaction() as session:
        keys = list(
            await session.scalars(
                select(TipCategory.key).where(TipCategory.commune_code.is_(None)).limit(10)
            )
        )
        for n, key in enumerate(keys):
            session.add(
                Tip(
                    code=f"W{n}",
                    commune_code=org.commune,
                    village_id=org.villages[MY_THANH],
                    channel="test",
                    category_key=key,
                    urgent=False,
                    status="new",
                    created_at=local(2026, 7 + n % 3, 3 + n, 9),
                )
            )
    report, (docx_path, _xlsx) = await write(db, org, "2026-Q3", tmp_path)
    document = check_layout(docx_path)
    orientation = [round(s.page_width / s.page_height, 1) for s in document.sections]
    assert orientation == [0.7, 1.4, 0.7]  # upright, the wide table sideways, upright again
    ticks = [
        label.removeprefix("tick:")
        for _, labels in draw_charts(report, tmp_path, "t")
        for label in labels
        if label.startswith("tick:")
    ]
    assert ticks and all(re.fullmatch(r"\d+", tick) for tick in ticks), ticks


def test_the_campaign_texts_say_who_and_what(settings) -> None:  # type: ignore[no-untyped-def]
    from bot.calendar.events import NATIONAL_KEYS
    from bot.i18n import Translator

    t = Translator("vi", settings.timezone)
    assert "Công an xã mở đợt cao điểm" in NATIONAL_KEYS["tet_campaign"].render_text(t)
    assert "Không đốt pháo nổ" in NATIONAL_KEYS["tet"].render_text(t)


async def test_the_commune_admin_sets_the_header_and_signer_in_the_chat(db, engine) -> None:  # type: ignore[no-untyped-def]
    from bot.people.consent import CONSENT_VERSION
    from storage.models import (
        ChannelAccount,
        Person,
        ReportSettings,
        Role,
        RoleAssignment,
        ScopeKind,
    )
    from tests.conversation import Chat

    org = await small_commune(db)
    async with db.transaction() as session:
        admin = Person(
            full_name="Phan Thị Hoa", commune_code=org.commune, consent_version=CONSENT_VERSION
        )
        session.add(admin)
        await session.flush()
        session.add(
            RoleAssignment(
                person_id=admin.id,
                role=Role.COMMUNE_ADMIN,
                scope_kind=ScopeKind.COMMUNE,
                scope_id=org.commune,
            )
        )
        session.add(
            ChannelAccount(
                channel="test", external_user_id="admin", chat_id="admin", person_id=admin.id
            )
        )
    chat = Chat(engine, user_id="admin")
    await chat.says("/mauvanban")
    chat.sees("Phần đầu và phần ký của báo cáo Xã Thanh Mỹ:")
    chat.sees("• Cơ quan ban hành: ……………")
    await chat.picks("Cơ quan ban hành")
    await chat.says("Công an   xã Thanh Mỹ")
    chat.sees("• Cơ quan ban hành: Công an xã Thanh Mỹ")
    await chat.picks("Nơi nhận")
    chat.sees("Gõ nơi nhận, cách nhau bằng dấu “;”.")
    await chat.says("Công an tỉnh Đồng Tháp; Đảng ủy, UBND xã")
    chat.sees("• Nơi nhận: Công an tỉnh Đồng Tháp; Đảng ủy, UBND xã")
    await chat.picks("Xong")
    chat.sees("Đã lưu. Các báo cáo từ nay in theo các dòng này.")
    async with db.transaction() as session:
        row = await session.get(ReportSettings, org.commune)
        assert row is not None and row.body == "Công an xã Thanh Mỹ"
        assert row.recipients == ["Công an tỉnh Đồng Tháp", "Đảng ủy, UBND xã"]

    police = Chat(engine, user_id="police")  # reads reports, does not set them
    await police.says("/mauvanban")
    police.does_not_see("Phần đầu và phần ký")
