"""The numbers of a periodic report as plain data: tips, household pledges, group meetings and
tasks, campaigns, for a commune, a village or a group and a period.

Computed by `bot.reports.data`; the documents are written from them by `bot.reports.docx` and
`bot.reports.xlsx`. Nothing here holds a tip's text or its reporter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.pledges.coverage import Counts, Coverage, Unit
from bot.reports.layout import Letterhead
from bot.reports.periods import Period

NO_VILLAGE = "Chưa rõ thôn/ấp"
OPEN_TIP_DAYS = 7  # an open tip older than this is listed as overdue


@dataclass(frozen=True)
class AckRule:
    """Minutes within which a tip is to be acknowledged (settings.tip_ack_minutes…)."""

    minutes: int = 30
    minutes_urgent: int = 5

    def deadline(self, urgent: bool) -> timedelta:
        return timedelta(minutes=self.minutes_urgent if urgent else self.minutes)


@dataclass
class TipNumbers:
    received: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_village: dict[str, int] = field(default_factory=dict)
    by_village_category: dict[tuple[str, str], int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    acknowledged: int = 0
    acknowledged_in_time: int = 0
    median_ack_minutes: float | None = None
    forwarded: int = 0
    resolved: int = 0
    closed: int = 0
    feedback: int = 0  # reporters who answered "satisfied?"
    satisfied: int = 0
    open: int = 0
    open_unacknowledged_overdue: int = 0
    open_older_than_days: int = 0
    per_month: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class TipRow:
    """One tip in the annex: no text, no place, no reporter."""

    code: str
    received_at: datetime
    village: str
    category: str
    status: str
    ack_minutes: float | None
    closed_at: datetime | None
    category_key: str = ""


@dataclass
class GroupMeetings:
    group_id: int
    group: str
    village_id: int
    village: str
    held_by_quarter: dict[tuple[int, int], int] = field(default_factory=dict)
    present: int = 0
    total: int = 0

    @property
    def held(self) -> int:
        return sum(self.held_by_quarter.values())


@dataclass
class MeetingNumbers:
    quarters: list[tuple[int, int]]  # every quarter the period touches (tables, charts)
    # The quarters the period covers whole: only these are checked against the quarterly
    # rule, so that the safe-area year (1/11–31/10) is not judged on Nov–Dec alone.
    whole_quarters: list[tuple[int, int]] = field(default_factory=list)
    groups: list[GroupMeetings] = field(default_factory=list)
    tasks_opened: int = 0
    tasks_done: int = 0

    @property
    def held(self) -> int:
        return sum(g.held for g in self.groups)

    @property
    def due(self) -> int:
        """Group × whole-quarter pairs: one meeting each by the quarterly rule."""
        return len(self.groups) * len(self.whole_quarters)

    @property
    def met(self) -> int:
        return sum(1 for g in self.groups for q in self.whole_quarters if g.held_by_quarter.get(q))

    @property
    def present(self) -> int:
        return sum(g.present for g in self.groups)

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    def held_per_quarter(self) -> dict[tuple[int, int], int]:
        return {q: sum(g.held_by_quarter.get(q, 0) for g in self.groups) for q in self.quarters}


@dataclass
class PledgeNumbers:
    year: int
    coverage: Coverage
    deadline: date  # 31 March of the year
    by_deadline: dict[int, Counts] = field(default_factory=dict)  # village id → counts

    @property
    def by_deadline_total(self) -> Counts:
        total = Counts()
        for counts in self.by_deadline.values():
            total.add(counts)
        return total


@dataclass
class CampaignNumbers:
    """The campaign calendar and announcements in the period, commune-wide (they are sent to
    a commune's groups, not to one village)."""

    events: int  # distinct calendar events reminded of
    reminders: int  # reminder occurrences queued
    reminder_messages: int  # messages those reminders went out as
    missed: int  # occurrences the bot was down for beyond the grace window
    broadcasts: int
    broadcast_reach: int


@dataclass
class Report:
    unit: Unit
    place: str
    commune: str
    province: str
    period: Period
    generated_at: datetime
    timezone: ZoneInfo
    categories: dict[str, str]  # key → Vietnamese label, in the commune's order
    villages: list[tuple[int, str]]
    tips: TipNumbers | None  # None: this reader may not see tip counts
    previous_tips: TipNumbers | None
    tip_rows: list[TipRow] | None  # None: this reader may not see the annex of tips
    pledges: PledgeNumbers
    meetings: MeetingNumbers
    previous_meetings: MeetingNumbers
    campaigns: CampaignNumbers | None = None
    # False when nothing was recorded before the period began (the bot came later): the
    # previous period's zeros are then no data, not a real comparison.
    has_previous: bool = True
    letterhead: Letterhead = field(default_factory=Letterhead)
    unit_word: str | None = None  # the commune's word for its villages; None: not known

    @property
    def unit_title(self) -> str:
        """A column's title: "Ấp" in a commune of ấp, "Thôn/ấp" when the word is not known."""
        return self.unit_lower[:1].upper() + self.unit_lower[1:]

    @property
    def unit_lower(self) -> str:
        return self.unit_word or "thôn/ấp"


def percent(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole else None
