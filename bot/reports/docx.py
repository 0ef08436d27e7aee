"""The report as a .docx in the layout of Decree 30/2020/NĐ-CP (bot.reports.layout): the
header block, the title with place and period, numbered sections (tips, the movement,
comparison, the self-assessment draft against Article 4 of Circular 124/2021/TT-BCA, the
commune's own rules apart), each opened by a narrative built from the numbers, three charts,
and the closing block with recipients and signer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.reports.charts import draw_charts
from bot.reports.layout import (
    MARGINS,
    PAGE,
    TEXT_WIDTH_MM,
    add_line,
    body_text,
    closing_block,
    date_line,
    grid,
    header_block,
    landscape_section,
    left_lines,
    number_line,
    setup_document,
    title_block,
)
from bot.reports.numbers import NO_VILLAGE, CampaignNumbers, Report, TipNumbers
from bot.reports.texts import (
    STATUS_VI,
    assessment,
    cell,
    comparisons,
    local_rules,
    meetings_narrative,
    minutes_text,
    number,
    percent_text,
    pledges_narrative,
    running_place,
    tips_narrative,
)
from bot.vocabulary import quarter_name, vietnamese

SECTIONS = (
    "I. TÌNH HÌNH TIẾP NHẬN, XỬ LÝ TIN BÁO",
    "II. PHONG TRÀO TOÀN DÂN BẢO VỆ AN NINH TỔ QUỐC",
    "III. SO SÁNH VỚI KỲ TRƯỚC",
    "IV. DỰ THẢO TỰ ĐÁNH GIÁ KHU DÂN CƯ THEO THÔNG TƯ 124/2021/TT-BCA",
    "V. QUY ĐỊNH RIÊNG CỦA XÃ (KHÔNG THUỘC TIÊU CHÍ CỦA THÔNG TƯ 124/2021/TT-BCA)",
)
WIDE_AT = 9  # more categories than this: the village × category table goes landscape
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
    from docx.shared import Cm

    document = Document()
    setup_document(document)
    letterhead = report.letterhead
    local = report.generated_at.astimezone(report.timezone)
    header_block(
        document,
        left=left_lines(letterhead),
        number=number_line("BC", letterhead.number_suffix),
        dated=date_line(letterhead.place, local.date()),
    )
    title_block(
        document,
        "BÁO CÁO",
        "Kết quả tiếp nhận, xử lý tin báo và phong trào toàn dân bảo vệ an ninh Tổ quốc "
        f"{running_place(report.place)}, {report.period.label_vi()}",
    )
    add_line(
        document,
        f"Kỳ báo cáo: {report.period.label_vi()}. Số liệu tổng hợp tự động từ hệ thống Bình "
        "Yên; chỉ gồm số liệu tổng hợp, không có thông tin cá nhân người báo tin.",
        italic=True,
        align="justify",
        space_after=6,
    )
    charts = draw_charts(report, path.parent, path.stem)

    def heading(text: str, level: int = 1) -> None:
        document.add_heading(text, level=level)

    heading(SECTIONS[0])
    tips = report.tips
    if tips is None:
        body_text(document, "Số liệu tin báo không hiển thị ở cấp này.")
    else:
        body_text(document, tips_narrative(report, tips))
        heading("1. Tin báo theo loại", 2)
        grid(
            document,
            ["Loại tin báo", "Số tin"],
            [
                [report.categories.get(key, key), number(count)]
                for key, count in sorted(tips.by_category.items(), key=lambda i: -i[1])
            ]
            + [["Tổng cộng", number(tips.received)]],
            (120, 45),
        )
        heading(f"2. Tin báo theo {report.unit_lower} và loại", 2)
        village_category_table(document, report, tips)
        heading("3. Tin báo theo trạng thái xử lý", 2)
        grid(
            document,
            ["Trạng thái", "Số tin"],
            [[STATUS_VI.get(s, s), number(c)] for s, c in sorted(tips.by_status.items())],
            (120, 45),
        )
        heading("4. Thời gian và kết quả xử lý", 2)
        grid(
            document,
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
            (95, 70),
        )
        chart(document, charts[0], Cm(16))

    heading(SECTIONS[1])
    heading("1. Hộ gia đình ký cam kết an toàn về an ninh, trật tự", 2)
    body_text(document, pledges_narrative(report))
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
                f"Cả {report.unit_lower}",
                f"{counts.pledged}/{counts.resident}",
                percent_text(counts.pledged, counts.resident),
                march,
            ]
        )
    grid(
        document,
        [report.unit_title, "Tổ", "Đã ký/Tổng số hộ", "Tỷ lệ", "Đến 31/3"],
        rows,
        (40, 30, 35, 25, 35),
    )
    chart(document, charts[1], Cm(16))
    heading("2. Sinh hoạt tổ định kỳ", 2)
    meetings = report.meetings
    body_text(document, meetings_narrative(meetings))
    quarters = meetings.quarters
    each = (TEXT_WIDTH_MM - 40 - 25 - 25) / max(len(quarters), 1)
    grid(
        document,
        [
            report.unit_title,
            "Tổ",
            *(quarter_name(vietnamese(), y, q) for y, q in quarters),
            "Hộ dự họp",
        ],
        [
            [g.village, g.group]
            + [str(g.held_by_quarter.get(q, 0)) for q in quarters]
            + [f"{g.present}/{g.total}"]
            for g in meetings.groups
        ],
        (40, 25, *([each] * len(quarters)), 25),
    )
    chart(document, charts[2], Cm(16))
    heading("3. Ngày hội, đợt cao điểm và thông báo", 2)
    body_text(document, campaign_text(report.campaigns) if report.campaigns else NO_DATA)

    heading(SECTIONS[2])
    body_text(document, f"So với {report.period.previous().label_vi()}:")
    grid(
        document,
        ["Chỉ tiêu", "Kỳ này", "Kỳ trước", "Tăng/giảm"],
        [[c.label, c.shown(c.current), c.shown(c.previous), c.change] for c in comparisons(report)],
        (65, 25, 25, 50),
    )

    heading(SECTIONS[3])
    body_text(
        document,
        "Dự thảo điền sẵn theo số liệu của hệ thống, đối chiếu 05 tiêu chí tại Điều 4 Thông tư "
        "số 124/2021/TT-BCA; các nội dung ghi “Đề nghị Hội nghị đánh giá xác nhận” do Hội nghị "
        "đánh giá của khu dân cư quyết định.",
    )
    for village_id, village in report.villages:
        heading(village, 2)
        grid(
            document,
            ["Tiêu chí (Điều 4)", "Số liệu", "Đánh giá"],
            [
                [f"{n}. {f.criterion}", f.data, f.verdict]
                for n, f in enumerate(assessment(report, village_id, village), 1)
            ],
            (80, 45, 40),
            size=11,
        )
    heading(SECTIONS[4])
    body_text(
        document,
        "Phần này đối chiếu quy định riêng của xã, không phải tiêu chí của Thông tư số "
        "124/2021/TT-BCA.",
    )
    grid(
        document,
        [report.unit_title, "Quy định của xã", "Số liệu", "Đánh giá"],
        [
            [village, f.criterion, f.data, f.verdict]
            for village_id, village in report.villages
            for f in local_rules(report, village_id)
        ],
        (35, 50, 45, 35),
        size=11,
    )
    closing_block(document, letterhead)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    for drawn, _ in charts:
        if drawn is not None:
            drawn.unlink(missing_ok=True)
    return path


def chart(document: Any, drawn: tuple[Path | None, list[str]], width: Any) -> None:
    """The chart, or the sentence saying why there is none."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    path, labels = drawn
    if path is None:
        add_line(document, labels[0], italic=True, align="justify", space_after=6)
        return
    document.add_picture(str(path), width=width)
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def village_category_table(document: Any, report: Report, tips: TipNumbers) -> None:
    """Categories as numbered columns with a legend below, so that no column is narrower
    than its words; turned sideways when there are many of them."""
    keys = sorted(tips.by_category, key=lambda key: -tips.by_category[key])
    sideways = len(keys) > WIDE_AT
    if sideways:
        landscape_section(document, True)
    width = (PAGE[1] if sideways else PAGE[0]) - MARGINS["left"] - MARGINS["right"]
    each = (width - 45 - 18) / max(len(keys), 1)
    grid(
        document,
        [report.unit_title, "Tổng", *(f"({n})" for n in range(1, len(keys) + 1))],
        [
            [village, number(total)]
            + [cell(tips.by_village_category.get((village, k), 0)) for k in keys]
            for village, total in sorted(
                tips.by_village.items(), key=lambda item: (item[0] == NO_VILLAGE, item[0])
            )
        ],
        (45, 18, *([each] * len(keys))),
    )
    legend = "; ".join(f"({n}) {report.categories.get(k, k)}" for n, k in enumerate(keys, 1))
    add_line(document, f"Ghi chú: {legend}.", italic=True, size=11, align="justify")
    add_line(
        document,
        "Ô có dưới 3 tin báo được ghi “< 3” để bảo vệ người báo tin.",
        italic=True,
        size=11,
        align="justify",
        space_after=6,
    )
    if sideways:
        landscape_section(document, False)
