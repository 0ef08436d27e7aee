"""The meeting book: .docx and .xlsx exports (by CLI and in the chat) and the quarter summary."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.cli import main as cli_main
from bot.meetings.minutes_draft import empty_draft, save_minutes
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import (
    ChannelAccount,
    MeetingRsvp,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
)
from tests.conversation import Chat
from tests.docx_layout import cell_lines, check_layout, header_cells
from tests.org_fixtures import Org, small_commune

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=TZ)


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        head = Person(
            full_name="Võ Thị Mai", commune_code=org.commune, consent_version=CONSENT_VERSION
        )
        session.add(head)
        await session.flush()
        org.people["village_head"] = head.id
        session.add(
            RoleAssignment(
                person_id=head.id,
                role=Role.VILLAGE_HEAD,
                scope_kind=ScopeKind.VILLAGE,
                scope_id=str(org.villages["Ấp Mỹ Thạnh"]),
            )
        )
        session.add(
            ChannelAccount(
                channel="test",
                external_user_id="village_head",
                chat_id="village_head",
                person_id=head.id,
            )
        )
    return org


async def minutes_of(
    db: Database,
    org: Org,
    settings,
    held: datetime,
    *,
    present: int,
    tasks: int = 1,  # type: ignore[no-untyped-def]
    **more,  # type: ignore[no-untyped-def]
) -> int:
    async with db.transaction() as session:
        draft = empty_draft(None, 3, held)
        draft.update(
            held_at=held.isoformat(),
            host=org.households["15 đường Cây Dương"],
            place="15 đường Cây Dương",
            present=present,
            guests=["police", "other:Bí thư chi bộ"],
            topics=["situation", "pledge", "other:Phòng cháy dịp Tết"],
            situation="Mất trộm gà ở hộ số 21",
            decisions="Tăng cường tuần tra ban đêm",
            tasks=[
                {"text": f"Việc số {n}", "owner_id": None, "owner_name": "Lê Văn Tư", "due": None}
                for n in range(1, tasks + 1)
            ],
            **more,
        )
        meeting, *_ = await save_minutes(
            session,
            draft,
            group_id=org.groups["Tổ 1"],
            person_id=org.people["leader1"],
            chair="Nguyễn Văn Hùng",
            channel="test",
            now=held,
            tz=TZ,
        )
        return meeting.id


@pytest.fixture
async def two_meetings(db: Database, org: Org, settings) -> None:  # type: ignore[no-untyped-def]
    """The first with its secretary, end time, households ticked and an absence excused in
    the chat; the second recorded before those were asked."""
    h = org.households
    first = await minutes_of(
        db,
        org,
        settings,
        datetime(2026, 1, 11, 19, 45, tzinfo=TZ),
        present=None,
        present_ids=[h["12 đường Cây Dương"], h["15 đường Cây Dương"]],
        secretary="Trần Thị Lan",
        ended_at=datetime(2026, 1, 11, 21, 0, tzinfo=TZ).isoformat(),
    )
    async with db.transaction() as session:
        tu = Person(
            full_name="Lê Văn Tư",
            commune_code=org.commune,
            consent_version=CONSENT_VERSION,
            household_id=h["21 đường Cây Dương"],
        )
        session.add(tu)
        await session.flush()
        session.add(
            MeetingRsvp(meeting_id=first, person_id=tu.id, answer="absent", reason="đi làm ca đêm")
        )
    await minutes_of(
        db, org, settings, datetime(2026, 4, 12, 19, 30, tzinfo=TZ), present=3, tasks=2
    )


def docx_text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


async def test_the_docx_and_xlsx_exports_by_cli(
    two_meetings: None,
    settings,
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BOT_SECRET_KEY", settings.bot_secret_key)
    import asyncio

    for fmt in ("docx", "xlsx"):
        code = await asyncio.to_thread(
            cli_main,
            [
                "meetings",
                "book",
                "--commune",
                "30073",
                "--group",
                "to 1",
                "--year",
                "2026",
                "--format",
                fmt,
                "--out",
                str(tmp_path),
            ],
        )
        assert code == 0
    check_exports(tmp_path)


def check_exports(folder: Path) -> None:
    docx = next(folder.glob("*.docx"))
    document = check_layout(docx)
    text = docx_text(docx)
    assert "SỔ SINH HOẠT TỔ 1" in text
    assert "Ấp Mỹ Thạnh, Xã Thanh Mỹ" in text
    assert "1 | I/2026 | 19:45, Chủ nhật 11/01/2026 | 15 đường Cây Dương" in text  # the cover

    # Each meeting's biên bản: its own header block, dated the day of the meeting.
    assert header_cells(document, 1) == (
        ["ẤP MỸ THẠNH", "TỔ 1"],
        [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Thanh Mỹ, ngày 11 tháng 01 năm 2026",
        ],
    )
    first, second = text.split("BIÊN BẢN HỌP TỔ 1")[1:]
    assert first.startswith("\nSinh hoạt định kỳ Quý I/2026")
    assert (
        "Hôm nay, vào lúc 19 giờ 45 phút, ngày 11 tháng 01 năm 2026, tại nhà chủ hộ Trần Thị "
        "Lan, 15 đường Cây Dương, Tổ 1 (ấp Mỹ Thạnh, xã Thanh Mỹ) tiến hành họp sinh hoạt "
        "định kỳ." in first
    )
    for line in (
        "I. THÀNH PHẦN THAM DỰ",
        "Chủ trì: Nguyễn Văn Hùng",
        "Thư ký: Trần Thị Lan",
        "Khách mời: Công an xã, Bí thư chi bộ",
        "Số hộ có mặt: 2/3 hộ",
        "Các hộ có mặt: 12 đường Cây Dương; 15 đường Cây Dương",
        "Vắng (1 hộ): 21 đường Cây Dương (Lê Văn Tư: đi làm ca đêm)",
        "II. NỘI DUNG CUỘC HỌP",
        "Tình hình báo cáo: Mất trộm gà ở hộ số 21",
        "III. Ý KIẾN CỦA CÁC HỘ",
        "IV. KẾT LUẬN",
        "Cuộc họp kết thúc vào lúc 21 giờ 00 phút cùng ngày; biên bản đã được đọc lại cho mọi "
        "người cùng nghe và nhất trí.",
    ):
        assert line in first, line
    assert "Việc số 1 | Lê Văn Tư |  | chưa xong" in text  # the tasks' table
    assert first.count("Tăng cường tuần tra ban đêm") == 1  # the conclusions, once
    assert "—" not in first + second
    # Minutes from before the secretary and the end were asked: blanks to fill in by hand.
    assert "Cuộc họp kết thúc vào lúc …… giờ …… phút cùng ngày" in second
    signatures = [
        (cell_lines(t.cell(0, 0)), cell_lines(t.cell(0, 1)))
        for t in document.tables
        if cell_lines(t.cell(0, 0))[:1] == ["THƯ KÝ"]
    ]
    assert signatures == [
        (["THƯ KÝ", "Trần Thị Lan"], ["CHỦ TRÌ", "Nguyễn Văn Hùng"]),
        (["THƯ KÝ", "……………"], ["CHỦ TRÌ", "Nguyễn Văn Hùng"]),
    ]

    workbook = load_workbook(next(folder.glob("*.xlsx")))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("STT", "Quý", "Thời gian")
    assert rows[2][1] == "I/2026" and rows[2][2] == datetime(2026, 1, 11, 19, 45)
    assert rows[2][5:8] == (2, 3, 0.667)
    assert rows[2][13:15] == (datetime(2026, 1, 11, 21, 0), "Trần Thị Lan")
    assert rows[3][10:12] == (2, 2)
    assert len(list(workbook.worksheets[1].iter_rows())) == 1 + 3
    for printed in workbook.worksheets:  # prints: A4, one page wide, headers frozen
        assert printed.page_setup.paperSize == 9 and printed.page_setup.fitToWidth == 1
        assert printed.sheet_properties.pageSetUpPr.fitToPage
        assert printed.freeze_panes in ("A2", "A3")
        assert printed.column_dimensions["B"].width
    assert sheet.page_setup.orientation == "landscape"
    assert sheet["C3"].number_format == "d/m/yyyy hh:mm"


async def test_an_empty_year_still_makes_a_book(
    org: Org,
    db: Database,
    settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from bot.i18n import Translator
    from bot.meetings.book import load_book, write_book

    t = Translator("vi", settings.timezone)
    async with db.transaction() as session:
        book = await load_book(session, org.groups["Tổ 3"], 2026, t)
    path = await write_book(book, t, tmp_path / "empty.docx", "docx")
    assert "Năm nay chưa có biên bản họp nào." in docx_text(path)


async def test_the_leader_and_police_get_the_book_in_the_chat(
    db: Database,
    settings,
    two_meetings: None,  # type: ignore[no-untyped-def]
) -> None:
    engine = DialogEngine(db=db, flows=build_flows(), settings=settings, clock=lambda: NOW)
    leader = Chat(engine, user_id="leader1")
    await leader.says("/sohop")
    await leader.picks("2026")
    await leader.picks("Word (.docx)")
    leader.sees("Sổ họp của Tổ 1, Ấp Mỹ Thạnh, năm 2026: 2 buổi họp.")
    sent = next(m for m in leader.received if m.document)
    assert Path(sent.document).parent == settings.media_dir / "books"
    assert "Sinh hoạt định kỳ Quý II/2026" in docx_text(Path(sent.document))

    police = Chat(engine, user_id="police")
    await police.says("/sohop")
    await police.picks("Tổ 1, Ấp Mỹ Thạnh")
    await police.picks("2026")
    await police.picks("Excel (.xlsx)")
    sheet = load_workbook(next(m for m in police.received if m.document).document).worksheets[0]
    assert sheet.max_row == 4

    other_police = Chat(engine, user_id="police_y")
    await other_police.says("/sohop")
    other_police.sees("Mục này không dành cho bạn.")


async def test_the_quarter_summary_for_the_village_head_and_police(
    db: Database,
    settings,
    org: Org,
    two_meetings: None,  # type: ignore[no-untyped-def]
) -> None:
    engine = DialogEngine(db=db, flows=build_flows(), settings=settings, clock=lambda: NOW)
    head = Chat(engine, user_id="village_head")
    await head.says("/tonghophop")
    await head.picks("Quý này (II/2026)")
    head.sees("Họp tổ Quý II/2026: 1/2 tổ đã họp.")
    head.sees("Tham dự: 3/3 hộ (100%).")
    head.sees("Việc chưa xong: 3")
    head.sees("• Tổ 1, Ấp Mỹ Thạnh: đã họp ngày 12/04/2026, 3/3 (100%) hộ, việc chưa xong: 3")
    head.sees("• Tổ 2, Ấp Mỹ Thạnh: chưa có biên bản họp")
    head.does_not_see("Tổ 3")  # another village

    police = Chat(engine, user_id="police")
    await police.says("/tonghophop")
    await police.picks("Quý trước (I/2026)")
    police.sees("Họp tổ Quý I/2026: 1/3 tổ đã họp.")
    police.sees("• Tổ 3, Ấp Mỹ Phú: chưa có biên bản họp")

    leader = Chat(engine, user_id="leader1")
    await leader.says("/tonghophop")
    leader.sees("Xin lỗi, tôi chưa hiểu.")
