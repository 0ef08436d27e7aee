"""Periodic reports: a seeded commune with a known quarter of tips, pledges and meetings, every
number checked against values computed by hand, period edges in Vietnam time, the .docx and
.xlsx opened again, small counts suppressed, and who may get which report.

Seeded (Asia/Ho_Chi_Minh, UTC+7), Q3 2026 = 1/7 00:00 to 30/9 23:59:59 local:
tips  T1 theft  Mỹ Thạnh 05/07 08:00, ack 10 min, forwarded then resolved, satisfied
      T2 theft  Mỹ Thạnh 10/08 09:00, ack 40 min (late), forwarded
      T3 theft  Mỹ Thạnh 30/09 23:59, ack 20 min, acknowledged          ← last minute of Q3
      T4 fire   Mỹ Phú   01/09 10:00, urgent, ack 3 min, resolved, not satisfied
      T5 drugs  (none)   20/07 10:00, never acknowledged, new
      T8 drugs  Mỹ Phú   01/07 00:00, ack 30 min (just in time), no grounds   ← first minute
      T6 theft  Mỹ Thạnh 01/10 00:00 (Q4), T7 theft Mỹ Thạnh 30/06 23:59 (Q2, the previous)
pledges 2026: 12 (10/02), 15 (31/03 23:30), 21 (01/04 00:10), 45 (15/01, withdrawn 01/05)
meetings: Tổ 1 held 15/07 (2/3) and 30/09 23:00 (3/3), Tổ 3 held 20/08 (1/1), Tổ 2 only
      scheduled; Tổ 1 held 10/05 (1/3) in Q2
tasks: A created 15/07 done 01/08; B created 10/05 done 10/07; C created 30/09 open
"""

from __future__ import annotations

import re
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import update

from bot.authz import Forbidden, load_actor
from bot.pledges.coverage import Unit, UnitKind
from bot.pledges.texts import applicable_text
from bot.reports import load_report, make_report
from bot.reports.charts import draw_charts
from bot.reports.data import NO_VILLAGE, AckRule
from bot.reports.periods import PeriodError, parse_period, safe_year
from bot.reports.texts import cell, change_text
from storage.models import (
    Commune,
    Meeting,
    MeetingMinutes,
    MeetingTask,
    Pledge,
    Tip,
    TipEvent,
    TipStatus,
)
from tests.conversation import Chat
from tests.docx_layout import document_text, header_cells
from tests.org_fixtures import THANH_MY, small_commune

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
ACK = AckRule(30, 5)
MY_THANH, MY_PHU = "Ấp Mỹ Thạnh", "Ấp Mỹ Phú"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)  # type: ignore[misc]


async def seed(db):  # type: ignore[no-untyped-def]
    org = await small_commune(db)
    thanh, phu = org.villages[MY_THANH], org.villages[MY_PHU]
    tips = [
        # code, category, village, group, created, ack minutes, status, satisfied, urgent
        ("T1", "theft", thanh, "Tổ 1", local(2026, 7, 5, 8), 10, TipStatus.RESOLVED, True, 0),
        ("T2", "theft", thanh, "Tổ 1", local(2026, 8, 10, 9), 40, TipStatus.FORWARDED, None, 0),
        ("T3", "theft", thanh, "Tổ 2", local(2026, 9, 30, 23, 59), 20, "acknowledged", None, 0),
        ("T4", "fire", phu, "Tổ 3", local(2026, 9, 1, 10), 3, TipStatus.RESOLVED, False, 1),
        ("T5", "drugs", None, None, local(2026, 7, 20, 10), None, TipStatus.NEW, None, 0),
        ("T8", "drugs", phu, "Tổ 3", local(2026, 7, 1), 30, TipStatus.NO_GROUNDS, None, 0),
        ("T6", "theft", thanh, "Tổ 1", local(2026, 10, 1), 5, TipStatus.RESOLVED, None, 0),
        ("T7", "theft", thanh, "Tổ 1", local(2026, 6, 30, 23, 59), 5, "acknowledged", None, 0),
    ]
    async with db.transaction() as session:
        for code, category, village, group, created, ack, status, satisfied, urgent in tips:
            tip = Tip(
                code=code,
                commune_code=THANH_MY,
                village_id=village,
                group_id=org.groups[group] if group else None,
                channel="test",
                category_key=category,
                urgent=bool(urgent),
                status=status,
                satisfied=satisfied,
                created_at=created,
                acknowledged_at=created + timedelta(minutes=ack) if ack is not None else None,
                closed_at=created + timedelta(days=2)
                if status in (TipStatus.RESOLVED, TipStatus.NO_GROUNDS)
                else None,
            )
            session.add(tip)
            await session.flush()
            if code in ("T1", "T2"):
                session.add(
                    TipEvent(
                        tip_id=tip.id,
                        at=created + timedelta(hours=1),
                        kind="status",
                        status=TipStatus.FORWARDED,
                    )
                )
        text = await applicable_text(session, THANH_MY, 2026)
        signer = org.people["leader1"]
        h = org.households
        for address, at, withdrawn in (
            ("12 đường Cây Dương", local(2026, 2, 10, 9), None),
            ("15 đường Cây Dương", local(2026, 3, 31, 23, 30), None),
            ("21 đường Cây Dương", local(2026, 4, 1, 0, 10), None),
            ("45 đường Mỹ Phú", local(2026, 1, 15, 9), local(2026, 5, 1, 9)),
        ):
            session.add(
                Pledge(
                    household_id=h[address],
                    year=2026,
                    text_id=text.id,
                    confirmed_by=signer,
                    channel="test",
                    at=at,
                    withdrawn_at=withdrawn,
                )
            )
        g = org.groups
        meetings = {}
        for key, group, held, status, present, total in (
            ("m1", "Tổ 1", local(2026, 7, 15, 19), "held", 2, 3),
            ("m2", "Tổ 1", local(2026, 9, 30, 23), "held", 3, 3),
            ("m3", "Tổ 3", local(2026, 8, 20, 19), "held", 1, 1),
            ("m4", "Tổ 2", local(2026, 8, 20, 19), "scheduled", 0, 0),
            ("m0", "Tổ 1", local(2026, 5, 10, 19), "held", 1, 3),
        ):
            meeting = Meeting(
                group_id=g[group],
                year=held.year,
                quarter=(held.month - 1) // 3 + 1,
                scheduled_at=held,
                status=status,
            )
            session.add(meeting)
            await session.flush()
            meetings[key] = meeting.id
            if status == "held":
                session.add(
                    MeetingMinutes(
                        meeting_id=meeting.id,
                        held_at=held,
                        households_present=present,
                        households_total=total,
                    )
                )
        for text_, meeting, created, done in (
            ("A", "m1", local(2026, 7, 15, 20), local(2026, 8, 1, 9)),
            ("B", "m0", local(2026, 5, 10, 20), local(2026, 7, 10, 9)),
            ("C", "m2", local(2026, 9, 30, 23, 30), None),
        ):
            session.add(
                MeetingTask(
                    meeting_id=meetings[meeting],
                    group_id=g["Tổ 1"],
                    text=text_,
                    created_at=created,
                    status="done" if done else "open",
                    done_at=done,
                )
            )
    return org


async def report_for(db, unit, period="2026-Q3", actor=None):  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await load_report(
            session, unit, parse_period(period), actor=actor, tz=VN, now=NOW, ack=ACK
        )


def test_periods_and_edges() -> None:
    q3 = parse_period("2026-Q3")
    start, end = q3.bounds(VN)
    assert start == datetime(2026, 6, 30, 17, tzinfo=UTC)
    assert end == datetime(2026, 9, 30, 17, tzinfo=UTC)
    assert local(2026, 9, 30, 23, 59) < end <= local(2026, 10, 1)
    assert q3.previous().code == "2026-Q2"
    assert parse_period("2026-Q1").previous().code == "2025-Q4"
    assert parse_period("2026-H1").last.isoformat() == "2026-06-30"
    assert parse_period("2026-H1").previous().code == "2025-H2"
    safe = parse_period("2026-KDC")
    assert (safe.first.isoformat(), safe.last.isoformat()) == ("2025-11-01", "2026-10-31")
    assert safe_year(2026, (12, 15)).first.isoformat() == "2025-12-15"
    days = parse_period("2026-07-01..2026-07-10")
    assert days.days == 10 and days.previous().code == "2026-06-21..2026-06-30"
    assert parse_period("2026").quarters() == [(2026, 1), (2026, 2), (2026, 3), (2026, 4)]
    assert safe.quarters()[0] == (2025, 4) and len(safe.quarters()) == 5
    for wrong in ("2026-Q5", "26", "2026-07-10..2026-07-01", "last year"):
        with pytest.raises(PeriodError):
            parse_period(wrong)


def test_small_counts_and_changes() -> None:
    assert [cell(n) for n in (0, 1, 2, 3, 10)] == ["0", "< 3", "< 3", "3", "10"]
    assert change_text(6, 1) == "tăng 5 (+500,0%)"
    assert change_text(1, 2) == "giảm 1 (−50,0%)"
    assert change_text(3, 3) == "không đổi"
    assert change_text(2, 0) == "tăng 2 (kỳ trước: 0)"


async def test_commune_numbers_by_hand(db) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    report = await report_for(db, Unit(UnitKind.COMMUNE, org.commune))
    tips = report.tips
    assert tips is not None
    assert tips.received == 6  # T1 T2 T3 T4 T5 T8: both edges inside, T6 and T7 outside
    assert tips.by_category == {"theft": 3, "fire": 1, "drugs": 2}
    assert tips.by_village == {MY_THANH: 3, MY_PHU: 2, NO_VILLAGE: 1}
    assert tips.by_village_category == {
        (MY_THANH, "theft"): 3,
        (MY_PHU, "fire"): 1,
        (MY_PHU, "drugs"): 1,
        (NO_VILLAGE, "drugs"): 1,
    }
    assert tips.by_status == {
        "resolved": 2,
        "forwarded": 1,
        "acknowledged": 1,
        "new": 1,
        "no_grounds": 1,
    }
    assert tips.acknowledged == 5
    assert tips.acknowledged_in_time == 4  # T1 10', T3 20', T4 3' (urgent 5'), T8 30'
    assert tips.median_ack_minutes == statistics.median([10, 40, 20, 3, 30]) == 20
    assert tips.forwarded == 2  # T2 now, T1 earlier (its history)
    assert tips.resolved == 2 and tips.closed == 3
    assert (tips.satisfied, tips.feedback) == (1, 2)
    assert tips.open == 3  # T2, T3, T5
    assert tips.open_unacknowledged_overdue == 1  # T5
    assert tips.open_older_than_days == 2  # T2 and T5 at the end of Q3; T3 is one minute old
    assert tips.per_month == {
        (2026, 7): {"theft": 1, "drugs": 2},
        (2026, 8): {"theft": 1},
        (2026, 9): {"theft": 1, "fire": 1},
    }
    assert report.previous_tips is not None and report.previous_tips.received == 1  # T7
    assert [r.code for r in report.tip_rows or []] == ["T8", "T1", "T5", "T2", "T4", "T3"]

    pledges = report.pledges
    assert (pledges.coverage.counts.pledged, pledges.coverage.counts.resident) == (3, 4)
    by_deadline = {v: (c.pledged, c.resident) for v, c in pledges.by_deadline.items()}
    assert by_deadline == {org.villages[MY_THANH]: (2, 3), org.villages[MY_PHU]: (1, 1)}

    meetings = report.meetings
    assert meetings.quarters == [(2026, 3)]
    held = {g.group: g.held for g in meetings.groups}
    assert held == {"Tổ 1": 2, "Tổ 2": 0, "Tổ 3": 1}
    assert (meetings.held, meetings.due, meetings.met) == (3, 3, 2)
    assert (meetings.present, meetings.total) == (6, 7)
    assert (meetings.tasks_opened, meetings.tasks_done) == (2, 2)  # A, C opened; A, B done
    before = report.previous_meetings
    assert (before.held, before.present, before.total) == (1, 1, 3)
    assert (before.tasks_opened, before.tasks_done) == (1, 0)


async def test_year_and_safe_year(db) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    unit = Unit(UnitKind.COMMUNE, org.commune)
    year = await report_for(db, unit, "2026")
    assert year.tips is not None and year.tips.received == 8
    assert year.meetings.held == 4 and year.meetings.due == 12
    safe = await report_for(db, unit, "2026-KDC")
    assert safe.tips is not None and safe.tips.received == 8  # 1/11/2025 to 31/10/2026
    assert safe.pledges.year == 2026


async def test_village_and_group_reports(db) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    village = await report_for(db, Unit(UnitKind.VILLAGE, org.commune, org.villages[MY_PHU]))
    assert village.tips is not None and village.tips.received == 2
    assert [name for _, name in village.villages] == [MY_PHU]
    assert village.meetings.held == 1
    group = await report_for(
        db, Unit(UnitKind.GROUP, org.commune, org.villages[MY_THANH], org.groups["Tổ 1"])
    )
    assert group.tips is not None and group.tips.received == 2  # T1, T2 (T3 is Tổ 2's)
    assert group.meetings.held == 2 and group.meetings.tasks_opened == 2


async def test_documents(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    async with db.transaction() as session:
        report, paths = await make_report(
            session,
            Unit(UnitKind.COMMUNE, org.commune),
            parse_period("2026-Q3"),
            tmp_path,
            actor=None,
            tz=VN,
            now=NOW,
            ack=ACK,
        )
    docx_path, xlsx_path = paths
    document = Document(str(docx_path))
    text = document_text(document)
    for heading in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Kỳ báo cáo: Quý III/2026",
        "I. TÌNH HÌNH TIẾP NHẬN, XỬ LÝ TIN BÁO",
        "II. PHONG TRÀO TOÀN DÂN BẢO VỆ AN NINH TỔ QUỐC",
        "III. SO SÁNH VỚI KỲ TRƯỚC",
        "IV. DỰ THẢO TỰ ĐÁNH GIÁ KHU DÂN CƯ THEO THÔNG TƯ 124/2021/TT-BCA",
        "tiếp nhận 6 tin báo",
        "4 tin được tiếp nhận đúng hạn (66,7%)",
        "trung vị 20 phút",
        "3/4 hộ gia đình",
        "chưa đạt 100% trong Quý I",
        "2/3 lượt tổ-quý",
        "85,7%",
    ):
        assert heading in text, heading
    assert len(document.inline_shapes) == 3
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    assert "< 3" in cells and "tăng 5 (+500,0%)" in cells
    assert "Đề nghị Hội nghị đánh giá xác nhận." in " ".join(cells)
    for secret in ("reporter-T1", "Nguyễn Văn Hùng", "Lê Văn Tư"):  # reporter keys, names
        assert secret not in text + " ".join(cells)

    workbook = load_workbook(xlsx_path)
    by_category = [row for row in workbook["Tin báo theo loại"].iter_rows(values_only=True)][1:]
    assert sum(count for _, count in by_category) == 6
    annex = list(workbook["PL Tin báo"].iter_rows(values_only=True))[2:]  # note, headers
    assert len(annex) == 6 and annex[-1][0] == "T3"
    assert annex[-1][1] == datetime(2026, 9, 30, 23, 59)  # local time in the sheet
    village_cells = list(workbook["Tin báo thôn-loại"].iter_rows(values_only=True))
    assert "< 3" in [v for row in village_cells for v in row]
    assert sum(row[1] for row in village_cells[1:]) == 6
    pledges = list(workbook["Cam kết"].iter_rows(values_only=True))[1:]
    assert sum(r[2] for r in pledges) == 3 and sum(r[3] for r in pledges) == 4
    meetings = list(workbook["Sinh hoạt tổ"].iter_rows(values_only=True))[1:]
    assert sum(r[2] for r in meetings) == 3
    assessment = list(workbook["Tự đánh giá"].iter_rows(values_only=True))[1:]
    assert len(assessment) == 10  # two villages × five criteria
    phu = [r for r in assessment if r[0] == MY_PHU]
    assert phu[0][3].startswith("Cam kết 100%: đạt")
    own_rules = list(workbook["Quy định riêng của xã"].iter_rows(values_only=True))[1:]
    assert [r[3] for r in own_rules if r[0] == MY_PHU] == ["Đạt (theo số liệu)."]
    assert report.tips is not None


async def test_chart_labels_have_diacritics(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    report = await report_for(db, Unit(UnitKind.COMMUNE, org.commune))
    charts = draw_charts(report, tmp_path, "t")
    labels = [label for _, chart_labels in charts for label in chart_labels]
    assert "Tin báo theo tháng và theo loại" in labels
    assert "Trộm cắp" in labels and MY_THANH in labels and "Quý III/2026" in labels
    for path, _ in charts:
        assert path.read_bytes()[:4] == b"\x89PNG"


async def test_who_gets_which_report(db) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    async with db.transaction() as session:
        leader = await load_actor(session, org.people["leader1"])
        other_police = await load_actor(session, org.people["police_y"])
    own = Unit(UnitKind.GROUP, org.commune, org.villages[MY_THANH], org.groups["Tổ 1"])
    other = Unit(UnitKind.GROUP, org.commune, org.villages[MY_PHU], org.groups["Tổ 3"])
    report = await report_for(db, own, actor=leader)
    assert report.tips is None and report.tip_rows is None  # the commune has not allowed it
    with pytest.raises(Forbidden):
        await report_for(db, other, actor=leader)
    with pytest.raises(Forbidden):
        await report_for(db, Unit(UnitKind.COMMUNE, org.commune), actor=leader)
    with pytest.raises(Forbidden):
        await report_for(db, Unit(UnitKind.COMMUNE, org.commune), actor=other_police)
    async with db.transaction() as session:
        await session.execute(
            update(Commune).where(Commune.code == THANH_MY).values(leaders_see_tip_counts=True)
        )
    report = await report_for(db, own, actor=leader)
    assert report.tips is not None and report.tips.received == 2
    assert report.tip_rows is None  # counts only, never the rows


async def test_files_in_chat(db, engine) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    police = Chat(engine, user_id="police")
    await police.says("/baocaoky")
    police.sees("Báo cáo cho kỳ nào?")
    police.sees("Năm đánh giá khu dân cư an toàn")
    last_quarter = police.choices()[0]
    assert re.fullmatch(r"Quý [IV]+/\d{4}", last_quarter)  # the glossary's form (#13)
    replies = await police.picks(last_quarter)  # the last finished quarter
    documents = [r.document for r in replies if r.document]
    assert len(documents) == 2
    assert all(r.text.endswith(f", {last_quarter}") for r in replies if r.document)
    assert documents[0].endswith(".docx") and documents[1].endswith(".xlsx")
    assert "/reports/bao-cao-" in documents[0] and "commune-30073" in documents[0]
    assert header_cells(Document(documents[0]))[1][0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    leader = Chat(engine, user_id="leader1")
    await leader.says("/baocaoky")
    replies = await leader.picks(leader.choices()[0])
    documents = [r.document for r in replies if r.document]
    assert len(documents) == 2 and f"group-{org.groups['Tổ 1']}" in documents[0]
    assert "PL Tin báo" not in load_workbook(documents[1]).sheetnames
    resident = Chat(engine, user_id="stranger")
    await resident.says("/baocaoky")
    resident.does_not_see("Báo cáo cho kỳ nào?")


async def test_campaign_days_and_announcements_are_counted(db) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from bot.reports.docx import campaign_text
    from storage.models.calendar import Broadcast, CalendarRun, RunStatus

    org = await small_commune(db)
    async with db.transaction() as session:
        for event, day, lead, status, recipients in (
            ("anti_drugs", date(2026, 6, 26), "7d", RunStatus.QUEUED, 40),  # Q2: not counted
            ("security_day", date(2026, 8, 19), "7d", RunStatus.QUEUED, 50),
            ("security_day", date(2026, 8, 19), "1d", RunStatus.QUEUED, 50),
            ("mid_autumn", date(2026, 9, 25), "1d", RunStatus.MISSED, 0),
            ("q3_report", date(2026, 9, 30), "0d", RunStatus.QUEUED, 3),
        ):
            session.add(
                CalendarRun(
                    commune_code=org.commune,
                    event_id=event,
                    occurrence=day,
                    lead=lead,
                    status=status,
                    recipients=recipients,
                )
            )
        # One announcement in Q3, one after it (NOW is in November).
        for created, total in ((datetime(2026, 7, 2, 3, tzinfo=UTC), 120), (NOW, 7)):
            session.add(
                Broadcast(
                    commune_code=org.commune,
                    author_person_id=org.people["police"],
                    author_channel="test",
                    author_chat_id="police",
                    audience="all",
                    text="Cảnh giác lừa đảo qua điện thoại",
                    total=total,
                    created_at=created,
                )
            )
    report = await report_for(db, Unit(UnitKind.COMMUNE, org.commune))
    campaigns = report.campaigns
    assert campaigns is not None
    assert (campaigns.events, campaigns.reminders, campaigns.reminder_messages) == (2, 3, 103)
    assert campaigns.missed == 1
    assert (campaigns.broadcasts, campaigns.broadcast_reach) == (1, 120)
    assert "nhắc 2 ngày hội" in campaign_text(campaigns)
