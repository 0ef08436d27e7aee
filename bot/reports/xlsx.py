"""The report as an .xlsx: the same numbers as the .docx as plain numbers (so sums can be
checked), then annex sheets with the rows underneath: tips (code, dates, village, category,
status; never a text or a reporter, and only for commune police and admins) and meetings per
group and quarter. Every sheet prints (bot.reports.sheets).
"""

from __future__ import annotations

from pathlib import Path

from bot.reports.numbers import CampaignNumbers, Report, TipRow
from bot.reports.sheets import DATE, DATE_TIME, RATE, finish_sheet
from bot.reports.texts import (
    SMALL_COUNT,
    STATUS_VI,
    assessment,
    cell,
    comparisons,
    local_rules,
    rate_value,
)
from bot.vocabulary import quarter_name, vietnamese

SHEETS = (
    "Tổng hợp",
    "Tin báo theo loại",
    "Tin báo thôn-loại",
    "Tin báo trạng thái",
    "Cam kết",
    "Sinh hoạt tổ",
    "So sánh",
    "Tự đánh giá",
    "PL Tin báo",
    "Quy định riêng của xã",
)
HIDDEN_VILLAGE = f"(ẩn: ô thôn × loại < {SMALL_COUNT})"
TIP_SHEET_NOTE = (
    "Chỉ dành cho Công an xã. Thôn/ấp được ẩn ở các tin thuộc ô thôn × loại có dưới "
    f"{SMALL_COUNT} tin báo, như trong báo cáo."
)


def shown_village(row: TipRow, counts: dict[tuple[str, str], int]) -> str:
    """The village of an annex row, unless its village × category cell is small."""
    small = 0 < counts.get((row.village, row.category_key), 0) < SMALL_COUNT
    return HIDDEN_VILLAGE if small else row.village


def write_xlsx(report: Report, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    summary = workbook.active
    summary.title = SHEETS[0]
    summary.append([f"Báo cáo {report.place} — {report.period.label_vi()}"])
    summary["A1"].font = Font(bold=True)
    summary.append(["Chỉ tiêu", "Giá trị"])
    tips = report.tips
    if tips is not None:
        for label, value in (
            ("Tin báo tiếp nhận", tips.received),
            ("Tiếp nhận đúng hạn", tips.acknowledged_in_time),
            ("Đã tiếp nhận", tips.acknowledged),
            (
                "Thời gian tiếp nhận trung vị (phút)",
                round(tips.median_ack_minutes, 1) if tips.median_ack_minutes is not None else None,
            ),
            ("Đã chuyển cơ quan điều tra", tips.forwarded),
            ("Đã giải quyết", tips.resolved),
            ("Ý kiến người báo tin", tips.feedback),
            ("Hài lòng", tips.satisfied),
            ("Chưa kết thúc xử lý", tips.open),
            ("Chưa tiếp nhận, quá hạn", tips.open_unacknowledged_overdue),
            ("Chưa kết thúc, quá 7 ngày", tips.open_older_than_days),
        ):
            summary.append([label, value])
    pledged = report.pledges.coverage.counts
    by_deadline = report.pledges.by_deadline_total
    meetings = report.meetings
    campaigns = report.campaigns or CampaignNumbers(0, 0, 0, 0, 0, 0)
    for label, value in (
        ("Hộ đã ký cam kết", pledged.pledged),
        ("Tổng số hộ", pledged.resident),
        (f"Hộ đã ký đến {report.pledges.deadline:%d/%m/%Y}", by_deadline.pledged),
        ("Buổi sinh hoạt tổ", meetings.held),
        ("Lượt tổ-quý phải sinh hoạt", meetings.due),
        ("Lượt tổ-quý đã sinh hoạt", meetings.met),
        ("Lượt hộ dự họp", meetings.present),
        ("Lượt hộ được mời", meetings.total),
        ("Nhiệm vụ giao mới", meetings.tasks_opened),
        ("Nhiệm vụ hoàn thành", meetings.tasks_done),
        ("Ngày hội, đợt cao điểm được nhắc", campaigns.events),
        ("Lượt nhắc đã gửi", campaigns.reminders),
        ("Tin nhắn nhắc", campaigns.reminder_messages),
        ("Lượt nhắc bị lỡ", campaigns.missed),
        ("Thông báo đã gửi", campaigns.broadcasts),
        ("Người nhận thông báo", campaigns.broadcast_reach),
    ):
        summary.append([label, value])

    if tips is not None:
        sheet = workbook.create_sheet(SHEETS[1])
        sheet.append(["Loại tin báo", "Số tin"])
        for key, count in sorted(tips.by_category.items(), key=lambda item: -item[1]):
            sheet.append([report.categories.get(key, key), count])
        keys = sorted(tips.by_category, key=lambda key: -tips.by_category[key])
        sheet = workbook.create_sheet(SHEETS[2])
        sheet.append([report.unit_title, "Tổng", *(report.categories.get(k, k) for k in keys)])
        for village, total in sorted(tips.by_village.items()):
            sheet.append(
                [village, total]
                + [cell(tips.by_village_category.get((village, k), 0)) for k in keys]
            )
        sheet = workbook.create_sheet(SHEETS[3])
        sheet.append(["Trạng thái", "Số tin"])
        for status, count in sorted(tips.by_status.items()):
            sheet.append([STATUS_VI.get(status, status), count])

    sheet = workbook.create_sheet(SHEETS[4])
    sheet.append([report.unit_title, "Tổ", "Hộ đã ký", "Tổng số hộ", "Tỷ lệ (%)"])
    for village in report.pledges.coverage.villages:
        for group in village.groups:
            counts = group.counts
            rate = rate_value(counts.pledged, counts.resident)
            sheet.append([village.name, group.name, counts.pledged, counts.resident, rate])
            sheet.cell(row=sheet.max_row, column=5).number_format = RATE

    sheet = workbook.create_sheet(SHEETS[5])
    quarters = meetings.quarters
    sheet.append(
        [
            report.unit_title,
            "Tổ",
            *(quarter_name(vietnamese(), y, q) for y, q in quarters),
            "Hộ dự họp",
            "Hộ được mời",
        ]
    )
    for group in meetings.groups:
        sheet.append(
            [group.village, group.group]
            + [group.held_by_quarter.get(q, 0) for q in quarters]
            + [group.present, group.total]
        )

    sheet = workbook.create_sheet(SHEETS[6])
    sheet.append(["Chỉ tiêu", "Kỳ này", "Kỳ trước", "Tăng/giảm"])
    for row in comparisons(report):
        sheet.append([row.label, row.current, row.previous, row.change])
        if row.unit == "%":
            for column in (2, 3):
                sheet.cell(row=sheet.max_row, column=column).number_format = RATE

    sheet = workbook.create_sheet(SHEETS[7])
    sheet.append([report.unit_title, "Tiêu chí", "Số liệu", "Đánh giá"])
    for village_id, village in report.villages:
        for number, finding in enumerate(assessment(report, village_id, village), 1):
            sheet.append([village, f"{number}. {finding.criterion}", finding.data, finding.verdict])

    if report.tip_rows is not None and tips is not None:
        sheet = workbook.create_sheet(SHEETS[8])
        sheet.append([TIP_SHEET_NOTE])
        sheet.append(
            [
                "Mã tin",
                "Thời điểm nhận",
                report.unit_title,
                "Loại",
                "Trạng thái",
                "Phút đến khi tiếp nhận",
                "Ngày kết thúc",
            ]
        )
        tz = report.timezone
        for row in report.tip_rows:
            sheet.append(
                [
                    row.code,
                    row.received_at.astimezone(tz).replace(tzinfo=None),
                    shown_village(row, tips.by_village_category),
                    row.category,
                    STATUS_VI.get(row.status, row.status),
                    round(row.ack_minutes, 1) if row.ack_minutes is not None else None,
                    row.closed_at.astimezone(tz).date() if row.closed_at else None,
                ]
            )
            sheet.cell(row=sheet.max_row, column=2).number_format = DATE_TIME
            if row.closed_at:
                sheet.cell(row=sheet.max_row, column=7).number_format = DATE
        finish_sheet(sheet, header_row=2)

    sheet = workbook.create_sheet(SHEETS[9])
    sheet.append(
        [report.unit_title, "Quy định của xã (không thuộc Thông tư 124)", "Số liệu", "Đánh giá"]
    )
    for village_id, village in report.villages:
        for finding in local_rules(report, village_id):
            sheet.append([village, finding.criterion, finding.data, finding.verdict])

    for sheet in workbook.worksheets:
        if sheet.title == SHEETS[0]:
            finish_sheet(sheet, header_row=2)
        elif sheet.title != SHEETS[8]:
            finish_sheet(sheet)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(str(path))
    return path
