"""What the report documents say, in Vietnamese administrative wording: numbers as text, small
counts suppressed, the narrative built only from the numbers, the comparison with the previous
period, and the self-assessment draft against the criteria of Circular 124/2021/TT-BCA.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.reports.numbers import MeetingNumbers, Report, TipNumbers, percent
from bot.vocabulary import quarter_name, vietnamese

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

NO_EARLIER = "chưa có số liệu kỳ trước"

# Circular 124/2021/TT-BCA, Article 4: a residential area meets the standard when it meets
# all five (clauses 1–5). Clauses 1 and 2 as the text words them; 3–5 summarised (see
# docs/REPORTS.md for the sources).
CRITERIA = (
    "Quý I hằng năm, chi bộ có nghị quyết, khu dân cư có đăng ký phấn đấu đạt tiêu chuẩn "
    "“An toàn về an ninh, trật tự”; 100% hộ gia đình đang cư trú trên địa bàn đăng ký tham "
    "gia xây dựng khu dân cư “An toàn về an ninh, trật tự”",
    "Triển khai, thực hiện đầy đủ các chủ trương, đường lối của Đảng, chính sách, pháp luật "
    "của Nhà nước, các quy định của địa phương về công tác bảo đảm an ninh, trật tự",
    "Không để xảy ra một trong các trường hợp về an ninh chính trị nêu tại khoản 3 Điều 4 "
    "(hoạt động chống Đảng, chống chính quyền, phá hoại khối đại đoàn kết; phá hoại mục tiêu, "
    "công trình; tuyên truyền, phát triển đạo trái pháp luật; lợi dụng tín ngưỡng, tôn giáo, "
    "dân tộc, tranh chấp, khiếu kiện gây phức tạp; mâu thuẫn, tranh chấp phức tạp, kéo dài "
    "trong Nhân dân…)",
    "Chủ động phòng ngừa, phát hiện, tố giác tội phạm, tệ nạn xã hội và vi phạm pháp luật; "
    "không để xảy ra cháy, nổ nghiêm trọng, tai nạn lao động chết người hoặc vụ việc nghiêm "
    "trọng khác",
    "Lực lượng tham gia bảo vệ an ninh, trật tự ở cơ sở được đánh giá, xếp loại “Hoàn thành "
    "nhiệm vụ” trở lên; không có thành viên bị xử lý kỷ luật",
)
# The commune's own rules, judged apart from the Circular's criteria.
LOCAL_RULES = ("Các tổ tự quản sinh hoạt định kỳ mỗi quý ít nhất một lần (quy định của xã)",)
FIRE_CATEGORIES = ("fire",)


PLACE_KINDS = (
    "Xã",
    "Phường",
    "Đặc khu",
    "Thị trấn",
    "Tỉnh",
    "Thành phố",
    "Ấp",
    "Thôn",
    "Bản",
    "Làng",
    "Xóm",
    "Khu phố",
    "Tổ dân phố",
)


def running_place(place: str) -> str:
    """ "Ấp Mỹ Thạnh, Xã Thanh Mỹ" → "ấp Mỹ Thạnh, xã Thanh Mỹ": in running text the kind of
    an administrative unit is written in lowercase."""
    parts = []
    for part in place.split(", "):
        for kind in PLACE_KINDS:
            if part.startswith(kind + " "):
                part = kind.lower() + part[len(kind) :]
                break
        parts.append(part)
    return ", ".join(parts)


def number(value: float | int) -> str:
    """Vietnamese digits: 1.234 and 12,5."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def rate_value(part: int, whole: int) -> float | None:
    """A share in percent with one decimal, as both documents show it; never 100,0 while
    one is missing (2.499 of 2.500 is 99,9)."""
    value = percent(part, whole)
    if value is None:
        return None
    shown = round(value, 1)
    return 99.9 if shown >= 100 and part < whole else shown


def percent_text(part: int, whole: int) -> str:
    value = rate_value(part, whole)
    return "—" if value is None else f"{number(value)}%"


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


def change_text(
    current: int | float | None,
    previous: int | float | None,
    *,
    points: bool = False,
    known: bool = True,
) -> str:
    """ "tăng 3 (+25,0%)", "giảm 2 (−10,0%)", "không đổi"; rates (`points`) change in
    percentage points ("tăng 5,2 điểm %"); with nothing recorded before, no comparison."""
    if not known or previous is None:
        return NO_EARLIER
    if current is None:
        return "không so sánh được"
    diff = current - previous
    if abs(diff) < 1e-9:
        return "không đổi"
    word = "tăng" if diff > 0 else "giảm"
    amount = number(abs(diff)) if isinstance(diff, int) else number(round(abs(diff), 1))
    if points:
        return f"{word} {amount} điểm %"
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
    known: bool = True  # False: nothing was recorded before the period

    def shown(self, value: int | float | None) -> str:
        if value is None:
            return "—"
        return f"{number(value if isinstance(value, int) else round(value, 1))}{self.unit}"

    @property
    def change(self) -> str:
        return change_text(self.current, self.previous, points=self.unit == "%", known=self.known)


def _rate(part: int, whole: int) -> float | None:
    return rate_value(part, whole)


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
    if not report.has_previous:
        rows = [replace(row, previous=None, known=False) for row in rows]
    return rows


# --- narrative -------------------------------------------------------------------------------


def tips_narrative(report: Report, tips: TipNumbers) -> str:
    if not tips.received:
        return (
            f"Trong {report.period.label_vi()}, {running_place(report.place)} không tiếp nhận "
            "tin báo nào."
        )
    top = max(tips.by_category.items(), key=lambda item: (item[1], item[0]))
    text = (
        f"Trong {report.period.label_vi()}, {running_place(report.place)} tiếp nhận "
        f"{number(tips.received)} "
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
    rule = (
        f"{number(meetings.met)}/{number(meetings.due)} lượt tổ-quý sinh hoạt đúng quy định "
        f"của xã (mỗi quý ít nhất 1 lần, tính các quý trọn trong kỳ)"
        if meetings.due
        else "kỳ báo cáo không trọn quý nào nên chưa đối chiếu quy định sinh hoạt hằng quý"
    )
    return (
        f"Các tổ tổ chức {number(meetings.held)} buổi sinh hoạt; {rule}. Tỷ lệ hộ dự họp "
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
    """The five criteria of Article 4: what the data shows; the review meeting decides."""
    counts = report.pledges.by_deadline.get(village_id)
    pledged = f"{counts.pledged}/{counts.resident}" if counts else "0/0"
    full = bool(counts and counts.resident and counts.pledged == counts.resident)
    no_data = "Không có dữ liệu trong hệ thống."
    findings = [
        Finding(
            CRITERIA[0],
            f"Hộ ký cam kết đến {report.pledges.deadline:%d/%m/%Y}: {pledged} hộ. Nghị quyết "
            "của chi bộ và đăng ký của khu dân cư không có trong hệ thống.",
            ("Cam kết 100%: đạt (theo số liệu). " if full else "Chưa đạt 100% (theo số liệu). ")
            + TO_CONFIRM,
        ),
        Finding(CRITERIA[1], no_data, TO_CONFIRM),
    ]
    tips = report.tips
    if tips is None:
        hidden = "Số liệu tin báo không hiển thị ở cấp này."
        findings += [Finding(CRITERIA[2], no_data, TO_CONFIRM)]
        findings += [Finding(CRITERIA[3], hidden, TO_CONFIRM)]
    else:
        received = tips.by_village.get(village, 0)
        cells = tips.by_village_category
        fires = "; ".join(
            f"{report.categories.get(key, key)}: {cell(cells.get((village, key), 0))}"
            for key in FIRE_CATEGORIES
        )
        findings.append(Finding(CRITERIA[2], no_data, TO_CONFIRM))
        findings.append(
            Finding(
                CRITERIA[3],
                f"{number(received)} tin báo qua Bình Yên trong kỳ (chưa phải số vụ việc); "
                f"tin báo {fires}.",
                TO_CONFIRM,
            )
        )
    findings.append(Finding(CRITERIA[4], no_data, TO_CONFIRM))
    return findings


def local_rules(report: Report, village_id: int) -> list[Finding]:
    """The commune's own rules (not criteria of the Circular): quarterly group meetings,
    counted over the quarters the period covers whole."""
    meetings = report.meetings
    groups = [g for g in meetings.groups if g.village_id == village_id]
    quarters = meetings.whole_quarters
    due = len(groups) * len(quarters)
    met = sum(1 for g in groups for q in quarters if g.held_by_quarter.get(q))
    if not due:
        return [
            Finding(
                LOCAL_RULES[0],
                "Kỳ báo cáo không trọn quý nào.",
                "Không đánh giá theo kỳ này.",
            )
        ]
    named = ", ".join(quarter_name(vietnamese(), y, q) for y, q in quarters)
    return [
        Finding(
            LOCAL_RULES[0],
            f"{met}/{due} lượt tổ-quý có sinh hoạt ({named}; "
            f"{sum(g.held for g in groups)} buổi trong kỳ).",
            "Đạt (theo số liệu)." if met == due else "Chưa đạt (theo số liệu).",
        )
    ]
