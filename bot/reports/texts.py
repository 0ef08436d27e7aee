"""What the report documents say, in Vietnamese administrative wording: numbers as text, small
counts suppressed, the narrative built only from the numbers, the comparison with the previous
period, and the self-assessment draft against the criteria of Circular 124/2021/TT-BCA.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.reports.data import MeetingNumbers, Report, TipNumbers, percent

SMALL_COUNT = 3  # a village × category cell under this is shown as "< 3"
TO_CONFIRM = "Đề nghị Hội nghị đánh giá xác nhận."

STATUS_VI = {
    "new": "Mới, chưa tiếp nhận",
    "acknowledged": "Đã tiếp nhận",
    "verifying": "Đang xác minh",
    "forwarded": "Đã chuyển cơ quan điều tra",
    "resolved": "Đã giải quyết",
    "no_grounds": "Không có cơ sở",
    "duplicate": "Trùng lặp",
}

# The five criteria, summarised (verify the wording against the Circular before quoting it).
CRITERIA = (
    "Đăng ký xây dựng khu dân cư đạt tiêu chuẩn “An toàn về an ninh, trật tự” và 100% hộ gia "
    "đình ký cam kết trong Quý I",
    "Các tổ tự quản sinh hoạt định kỳ hằng quý; phong trào toàn dân bảo vệ an ninh Tổ quốc "
    "được duy trì",
    "Kiềm chế, không để xảy ra tội phạm, tệ nạn xã hội nghiêm trọng; tin báo được tiếp nhận, "
    "xử lý kịp thời",
    "Không để xảy ra cháy, nổ, tai nạn giao thông nghiêm trọng",
    "Không để xảy ra vụ việc phức tạp về an ninh, trật tự, khiếu kiện đông người",
)
ACCIDENT_CATEGORIES = ("fire", "traffic")


def number(value: float | int) -> str:
    """Vietnamese digits: 1.234 and 12,5."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def percent_text(part: int, whole: int) -> str:
    value = percent(part, whole)
    return "—" if value is None else f"{number(round(value, 1))}%"


def cell(count: int) -> str:
    """A village × category count: "< 3" for 1 and 2, so that nobody is singled out."""
    return f"< {SMALL_COUNT}" if 0 < count < SMALL_COUNT else str(count)


def _short(value: float) -> str:
    value = round(value, 1)
    return number(int(value)) if value == int(value) else number(value)


def minutes_text(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    if minutes < 120:
        return f"{_short(minutes)} phút"
    return f"{_short(minutes / 60)} giờ"


def change_text(current: int | float | None, previous: int | float | None) -> str:
    """ "tăng 3 (+25,0%)", "giảm 2 (−10,0%)", "không đổi"."""
    if current is None or previous is None:
        return "không so sánh được"
    diff = current - previous
    if abs(diff) < 1e-9:
        return "không đổi"
    word = "tăng" if diff > 0 else "giảm"
    amount = number(abs(diff)) if isinstance(diff, int) else number(round(abs(diff), 1))
    if not previous:
        return f"{word} {amount} (kỳ trước: 0)"
    rate = diff * 100 / previous
    return f"{word} {amount} ({'+' if rate > 0 else '−'}{number(round(abs(rate), 1))}%)"


@dataclass(frozen=True)
class Comparison:
    label: str
    current: int | float | None
    previous: int | float | None
    unit: str = ""

    def shown(self, value: int | float | None) -> str:
        if value is None:
            return "—"
        return f"{number(value if isinstance(value, int) else round(value, 1))}{self.unit}"

    @property
    def change(self) -> str:
        return change_text(self.current, self.previous)


def _rate(part: int, whole: int) -> float | None:
    value = percent(part, whole)
    return None if value is None else round(value, 1)


def comparisons(report: Report) -> list[Comparison]:
    rows: list[Comparison] = []
    tips, before = report.tips, report.previous_tips
    if tips is not None and before is not None:
        rows += [
            Comparison("Tin báo tiếp nhận", tips.received, before.received),
            Comparison(
                "Tỷ lệ tiếp nhận đúng hạn",
                _rate(tips.acknowledged_in_time, tips.received),
                _rate(before.acknowledged_in_time, before.received),
                "%",
            ),
            Comparison("Tin báo đã chuyển cơ quan điều tra", tips.forwarded, before.forwarded),
            Comparison("Tin báo đã giải quyết", tips.resolved, before.resolved),
        ]
    meetings, earlier = report.meetings, report.previous_meetings
    rows += [
        Comparison("Buổi sinh hoạt tổ", meetings.held, earlier.held),
        Comparison(
            "Tỷ lệ hộ dự họp",
            _rate(meetings.present, meetings.total),
            _rate(earlier.present, earlier.total),
            "%",
        ),
        Comparison("Nhiệm vụ giao mới", meetings.tasks_opened, earlier.tasks_opened),
        Comparison("Nhiệm vụ hoàn thành", meetings.tasks_done, earlier.tasks_done),
    ]
    return rows


# --- narrative -------------------------------------------------------------------------------


def tips_narrative(report: Report, tips: TipNumbers) -> str:
    if not tips.received:
        return f"Trong {report.period.label_vi()}, {report.place} không tiếp nhận tin báo nào."
    top = max(tips.by_category.items(), key=lambda item: (item[1], item[0]))
    text = (
        f"Trong {report.period.label_vi()}, {report.place} tiếp nhận {number(tips.received)} "
        f"tin báo qua Bình Yên; nhiều nhất là “{report.categories.get(top[0], top[0])}” "
        f"({number(top[1])} tin). {number(tips.acknowledged_in_time)} tin được tiếp nhận "
        f"đúng hạn ({percent_text(tips.acknowledged_in_time, tips.received)}), thời gian tiếp "
        f"nhận trung vị {minutes_text(tips.median_ack_minutes)}; "
        f"{number(tips.forwarded)} tin đã chuyển cơ quan điều tra, "
        f"{number(tips.resolved)} tin đã giải quyết."
    )
    if tips.open:
        text += f" Còn {number(tips.open)} tin chưa kết thúc xử lý."
    return text


def pledges_narrative(report: Report) -> str:
    pledges = report.pledges
    total = pledges.coverage.counts
    by_deadline = pledges.by_deadline_total
    reached = by_deadline.resident > 0 and by_deadline.pledged == by_deadline.resident
    return (
        f"Năm {pledges.year}, {number(total.pledged)}/{number(total.resident)} hộ gia đình đã "
        f"ký cam kết an toàn về an ninh, trật tự ({percent_text(total.pledged, total.resident)})."
        f" Đến hết ngày {pledges.deadline:%d/%m/%Y}: {number(by_deadline.pledged)}/"
        f"{number(by_deadline.resident)} hộ "
        f"({percent_text(by_deadline.pledged, by_deadline.resident)}), "
        + ("đạt 100% trong Quý I." if reached else "chưa đạt 100% trong Quý I.")
    )


def meetings_narrative(meetings: MeetingNumbers) -> str:
    return (
        f"Các tổ tổ chức {number(meetings.held)} buổi sinh hoạt; "
        f"{number(meetings.met)}/{number(meetings.due)} lượt tổ-quý sinh hoạt đúng quy định "
        f"(mỗi quý ít nhất 1 lần). Tỷ lệ hộ dự họp "
        f"{percent_text(meetings.present, meetings.total)} "
        f"({number(meetings.present)}/{number(meetings.total)} lượt hộ). Giao "
        f"{number(meetings.tasks_opened)} nhiệm vụ, hoàn thành {number(meetings.tasks_done)}."
    )


# --- self-assessment -------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    criterion: str
    data: str
    verdict: str  # "Đạt (theo số liệu)", "Chưa đạt (theo số liệu)" or TO_CONFIRM


def assessment(report: Report, village_id: int, village: str) -> list[Finding]:
    """What the data shows for each criterion; the review meeting decides the rest."""
    counts = report.pledges.by_deadline.get(village_id)
    pledged = f"{counts.pledged}/{counts.resident}" if counts else "0/0"
    full = bool(counts and counts.resident and counts.pledged == counts.resident)
    findings = [
        Finding(
            CRITERIA[0],
            f"Cam kết đến {report.pledges.deadline:%d/%m/%Y}: {pledged} hộ. Việc đăng ký xây "
            "dựng của khu dân cư không có trong hệ thống.",
            ("Cam kết 100%: đạt (theo số liệu). " if full else "Chưa đạt 100% (theo số liệu). ")
            + TO_CONFIRM,
        )
    ]
    groups = [g for g in report.meetings.groups if g.village_id == village_id]
    due = len(groups) * len(report.meetings.quarters)
    met = sum(1 for g in groups for q in report.meetings.quarters if g.held_by_quarter.get(q))
    findings.append(
        Finding(
            CRITERIA[1],
            f"{met}/{due} lượt tổ-quý có sinh hoạt ({sum(g.held for g in groups)} buổi).",
            "Đạt (theo số liệu)." if due and met == due else "Chưa đạt (theo số liệu).",
        )
    )
    tips = report.tips
    if tips is None:
        findings.append(Finding(CRITERIA[2], "Không hiển thị ở cấp này.", TO_CONFIRM))
        findings.append(Finding(CRITERIA[3], "Không hiển thị ở cấp này.", TO_CONFIRM))
    else:
        received = tips.by_village.get(village, 0)
        findings.append(
            Finding(
                CRITERIA[2],
                f"{received} tin báo ghi nhận qua Bình Yên trong kỳ (chưa phải số vụ việc).",
                TO_CONFIRM,
            )
        )
        cells = tips.by_village_category
        accidents = "; ".join(
            f"{report.categories.get(key, key)}: {cell(cells.get((village, key), 0))}"
            for key in ACCIDENT_CATEGORIES
        )
        findings.append(Finding(CRITERIA[3], f"Tin báo {accidents}.", TO_CONFIRM))
    findings.append(Finding(CRITERIA[4], "Không có dữ liệu trong hệ thống.", TO_CONFIRM))
    return findings
