"""The report as a .docx in the Vietnamese administrative layout: the national heading, the
title with place and period, numbered sections (tips, the movement, comparison, the
self-assessment draft), each opened by a narrative built from the numbers, and three charts.
"""

from __future__ import annotations

from pathlib import Path

from bot.reports.charts import draw_charts
from bot.reports.data import CampaignNumbers, Report
from bot.reports.texts import (
    STATUS_VI,
    assessment,
    cell,
    comparisons,
    meetings_narrative,
    minutes_text,
    number,
    percent_text,
    pledges_narrative,
    tips_narrative,
)

SECTIONS = (
    "I. TÌNH HÌNH TIẾP NHẬN, XỬ LÝ TIN BÁO",
    "II. PHONG TRÀO TOÀN DÂN BẢO VỆ AN NINH TỔ QUỐC",
    "III. SO SÁNH VỚI KỲ TRƯỚC",
    "IV. DỰ THẢO TỰ ĐÁNH GIÁ KHU DÂN CƯ THEO THÔNG TƯ 124/2021/TT-BCA",
)
NO_DATA = "Chưa có dữ liệu."


def campaign_text(c: CampaignNumbers) -> str:
    if not (c.reminders or c.missed or c.broadcasts):
        return NO_DATA
    text = (
        f"Hệ thống đã nhắc {c.events} ngày hội, đợt cao điểm và hạn báo cáo "
        f"({c.reminders} lượt nhắc, {c.reminder_messages} tin nhắn) và gửi {c.broadcasts} "
        f"thông báo tới {c.broadcast_reach} người nhận."
    )
    if c.missed:
        text += f" {c.missed} lượt nhắc không gửi được do hệ thống ngừng hoạt động quá lâu."
    return text


def write_docx(report: Report, path: Path) -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"  # type: ignore[union-attr]
    style.font.size = Pt(13)  # type: ignore[union-attr]

    def centred(text: str, *, bold: bool = False, size: int | None = None) -> None:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)

    def heading(text: str, level: int = 1) -> None:
        document.add_heading(text, level=level)

    def table(headers: list[str], rows: list[list[str]]) -> None:
        grid = document.add_table(rows=1, cols=len(headers))
        grid.style = "Table Grid"
        for target, text in zip(grid.rows[0].cells, headers, strict=True):
            target.text = text
        for row in rows:
            for target, text in zip(grid.add_row().cells, row, strict=True):
                target.text = text

    centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    centred("Độc lập - Tự do - Hạnh phúc", bold=True)
    centred("———————")
    local = report.generated_at.astimezone(report.timezone)
    right = document.add_paragraph()
    right.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    right.add_run(
        f"{report.commune}, ngày {local.day:02d} tháng {local.month:02d} năm {local.year}"
    ).italic = True
    centred("BÁO CÁO", bold=True, size=16)
    centred("Kết quả tiếp nhận tin báo và phong trào toàn dân bảo vệ an ninh Tổ quốc", bold=True)
    centred(f"{report.place}{', ' + report.province if report.province else ''}")
    centred(f"Kỳ báo cáo: {report.period.label_vi()}")
    document.add_paragraph().add_run(
        "Số liệu tổng hợp tự động từ hệ thống Bình Yên; chỉ gồm số liệu tổng hợp, không có "
        "thông tin cá nhân người báo tin."
    ).italic = True
    charts = draw_charts(report, path.parent, path.stem)

    heading(SECTIONS[0])
    tips = report.tips
    if tips is None:
        document.add_paragraph("Số liệu tin báo không hiển thị ở cấp này.")
    else:
        document.add_paragraph(tips_narrative(report, tips))
        heading("1. Tin báo theo loại", 2)
        table(
            ["Loại tin báo", "Số tin"],
            [
                [report.categories.get(key, key), number(count)]
                for key, count in sorted(tips.by_category.items(), key=lambda i: -i[1])
            ]
            + [["Tổng cộng", number(tips.received)]],
        )
        heading("2. Tin báo theo thôn/ấp và loại", 2)
        keys = sorted(tips.by_category, key=lambda key: -tips.by_category[key])
        table(
            ["Thôn/ấp", "Tổng", *(report.categories.get(k, k) for k in keys)],
            [
                [village, number(total)]
                + [cell(tips.by_village_category.get((village, k), 0)) for k in keys]
                for village, total in sorted(tips.by_village.items())
            ],
        )
        document.add_paragraph("Ô có dưới 3 tin báo được ghi “< 3” để bảo vệ người báo tin.")
        heading("3. Tin báo theo trạng thái xử lý", 2)
        table(
            ["Trạng thái", "Số tin"],
            [[STATUS_VI.get(s, s), number(c)] for s, c in sorted(tips.by_status.items())],
        )
        heading("4. Thời gian và kết quả xử lý", 2)
        table(
            ["Chỉ tiêu", "Kết quả"],
            [
                [
                    "Tiếp nhận đúng hạn",
                    f"{number(tips.acknowledged_in_time)}/{number(tips.received)} "
                    f"({percent_text(tips.acknowledged_in_time, tips.received)})",
                ],
                ["Thời gian tiếp nhận (trung vị)", minutes_text(tips.median_ack_minutes)],
                ["Đã chuyển cơ quan điều tra", number(tips.forwarded)],
                ["Đã giải quyết", number(tips.resolved)],
                [
                    "Người báo tin hài lòng",
                    f"{number(tips.satisfied)}/{number(tips.feedback)} ý kiến "
                    f"({percent_text(tips.satisfied, tips.feedback)})",
                ],
                ["Chưa kết thúc xử lý", number(tips.open)],
                ["Chưa tiếp nhận, quá hạn", number(tips.open_unacknowledged_overdue)],
                ["Chưa kết thúc, quá 7 ngày", number(tips.open_older_than_days)],
            ],
        )
        document.add_picture(str(charts[0][0]), width=Cm(16))

    heading(SECTIONS[1])
    heading("1. Hộ gia đình ký cam kết an toàn về an ninh, trật tự", 2)
    document.add_paragraph(pledges_narrative(report))
    rows = []
    for village in report.pledges.coverage.villages:
        by_deadline = report.pledges.by_deadline.get(village.village_id)
        march = (
            f"{by_deadline.pledged}/{by_deadline.resident}"
            if by_deadline and by_deadline.resident
            else "—"
        )
        for group in village.groups:
            counts = group.counts
            rows.append(
                [
                    village.name,
                    group.name,
                    f"{counts.pledged}/{counts.resident}",
                    percent_text(counts.pledged, counts.resident),
                    "",
                ]
            )
        counts = village.counts
        rows.append(
            [
                village.name,
                "Cả thôn/ấp",
                f"{counts.pledged}/{counts.resident}",
                percent_text(counts.pledged, counts.resident),
                march,
            ]
        )
    table(["Thôn/ấp", "Tổ", "Đã ký/Tổng số hộ", "Tỷ lệ", "Đến 31/3"], rows)
    document.add_picture(str(charts[1][0]), width=Cm(16))
    heading("2. Sinh hoạt tổ định kỳ", 2)
    meetings = report.meetings
    document.add_paragraph(meetings_narrative(meetings))
    quarters = meetings.quarters
    table(
        ["Thôn/ấp", "Tổ", *(f"Quý {q}/{y}" for y, q in quarters), "Hộ dự họp"],
        [
            [g.village, g.group]
            + [str(g.held_by_quarter.get(q, 0)) for q in quarters]
            + [f"{g.present}/{g.total}"]
            for g in meetings.groups
        ],
    )
    document.add_picture(str(charts[2][0]), width=Cm(16))
    heading("3. Ngày hội, đợt cao điểm và thông báo", 2)
    document.add_paragraph(campaign_text(report.campaigns) if report.campaigns else NO_DATA)

    heading(SECTIONS[2])
    document.add_paragraph(f"So với {report.period.previous().label_vi()}:")
    table(
        ["Chỉ tiêu", "Kỳ này", "Kỳ trước", "Tăng/giảm"],
        [[c.label, c.shown(c.current), c.shown(c.previous), c.change] for c in comparisons(report)],
    )

    heading(SECTIONS[3])
    document.add_paragraph(
        "Dự thảo điền sẵn theo số liệu của hệ thống; các nội dung ghi “Đề nghị Hội nghị đánh "
        "giá xác nhận” do Hội nghị đánh giá của khu dân cư quyết định."
    )
    for village_id, village in report.villages:
        heading(village, 2)
        table(
            ["Tiêu chí", "Số liệu", "Đánh giá"],
            [
                [f"{n}. {f.criterion}", f.data, f.verdict]
                for n, f in enumerate(assessment(report, village_id, village), 1)
            ],
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    for chart, _ in charts:
        chart.unlink(missing_ok=True)
    return path
