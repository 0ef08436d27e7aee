"""Minutes of a meeting as shown: the standard guests and topics, the view of a draft or of
stored minutes, its texts (full, and the short summary members get), and the 7 days they
stay editable. The draft itself and saving it: bot.meetings.minutes_draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.i18n import N_, Translator
from bot.meetings.schedule import quarter_label, quarter_of
from bot.meetings.service import date_text, when_text
from storage.models import MeetingMinutes

EDITABLE_FOR = timedelta(days=7)
OTHER = "other:"
GUESTS = {
    "police": N_("Commune police"),
    "village_head": N_("Village head"),
    "front": N_("Fatherland Front"),
}
# The standard topics of a group meeting (docs/DOMAIN.md, "Group meeting book").
TOPICS = {
    "situation": N_("Security situation since the last meeting"),
    "laws": N_("New laws and campaigns"),
    "pledge": N_("Household safety pledges"),
    "mediation": N_("Mediation cases"),
    "proposals": N_("Residents' proposals"),
    "tasks": N_("Tasks and assignments"),
}


def label_of(t: Translator, key: str, table: dict[str, str]) -> str:
    if key.startswith(OTHER):
        return key.removeprefix(OTHER)
    return t.gettext(table[key]) if key in table else key


@dataclass
class TaskView:
    text: str
    owner: str
    due: date | None
    done: bool = False


@dataclass
class MinutesView:
    """Minutes as shown: from a leader's draft, or from the database."""

    held_at: datetime
    host: str
    place: str
    present: int
    total: int
    guests: list[str]
    topics: list[str]
    situation: str
    mediation: str
    proposals: str
    decisions: str
    tasks: list[TaskView]
    next_at: datetime | None
    chair: str = ""
    photos: int = 0
    corrections: list[tuple[datetime, str]] = field(default_factory=list)
    secretary: str = ""
    ended_at: datetime | None = None
    present_ids: list[int] = field(default_factory=list)
    host_name: str = ""  # the host household's head, for "at the home of …"

    @property
    def rate(self) -> float | None:
        return self.present / self.total if self.total else None


def rate_text(view: MinutesView) -> str:
    return f"{view.present}/{view.total}" + (f" ({view.rate:.0%})" if view.rate is not None else "")


def full_text(t: Translator, view: MinutesView, *, title: str) -> str:
    nothing = t.gettext("none")
    lines = [
        title,
        t.gettext("Held: {when}", when=when_text(t, view.held_at)),
        t.gettext("Ended at: {time}", time=end_text(t, view)),
        t.gettext("Secretary: {name}", name=view.secretary or t.gettext("not named yet")),
        t.gettext("Host: {host}", host=view.host),
        t.gettext("Place: {place}", place=view.place or "—"),
        t.gettext("Households present: {rate}", rate=rate_text(view)),
        t.gettext("Guests: {guests}", guests=", ".join(view.guests) or nothing),
        t.gettext("Topics: {topics}", topics="; ".join(view.topics) or nothing),
        t.gettext("Situation reported: {text}", text=view.situation or nothing),
        t.gettext("Mediation cases: {text}", text=view.mediation or nothing),
        t.gettext("Residents' proposals: {text}", text=view.proposals or nothing),
        t.gettext("Decisions: {text}", text=view.decisions or nothing),
        t.gettext("Tasks: {n}", n=len(view.tasks)),
    ]
    lines += [f"  • {task_text(t, task)}" for task in view.tasks]
    lines.append(
        t.gettext(
            "Next meeting: {when}",
            when=when_text(t, view.next_at) if view.next_at else t.gettext("not decided yet"),
        )
    )
    if view.photos:
        lines.append(t.gettext("Photos of the paper minutes: {n}", n=view.photos))
    for at, text in view.corrections:
        lines.append(t.gettext("Correction of {date}: {text}", date=date_text(t, at), text=text))
    return "\n".join(lines)


def end_text(t: Translator, view: MinutesView) -> str:
    """ "21:15", with the date when the meeting ended on another day."""
    if view.ended_at is None:
        return t.gettext("not given")
    end, start = (moment.astimezone(t.timezone) for moment in (view.ended_at, view.held_at))
    return f"{end:%H:%M}" if end.date() == start.date() else f"{end:%H:%M %d/%m/%Y}"


def task_text(t: Translator, task: TaskView) -> str:
    due = f"{task.due:%d/%m/%Y}" if task.due else t.gettext("no due date")
    text = t.gettext(
        "{task} — {owner}, due {due}",
        task=task.text,
        owner=task.owner or t.gettext("no one named"),
        due=due,
    )
    return text + (" ✓" if task.done else "")


def short_summary(t: Translator, view: MinutesView, *, group: str) -> str:
    """What members (and commune police) get after the meeting."""
    lines = [
        t.gettext(
            "📝 The meeting of {group} was held at {when}, {place}.",
            group=group,
            when=when_text(t, view.held_at),
            place=view.place or view.host,
        ),
        t.gettext("Households present: {rate}", rate=rate_text(view)),
    ]
    if view.topics:
        lines.append(t.gettext("Topics: {topics}", topics="; ".join(view.topics)))
    if view.decisions:
        lines.append(t.gettext("Decisions: {text}", text=view.decisions))
    if view.tasks:
        lines.append(t.gettext("Tasks: {n}", n=len(view.tasks)))
        lines += [f"  • {task_text(t, task)}" for task in view.tasks]
    if view.next_at:
        lines.append(t.gettext("Next meeting: {when}", when=when_text(t, view.next_at)))
    return "\n".join(lines)


def minutes_title(t: Translator, group: str, held_at: datetime) -> str:
    year, quarter = quarter_of(held_at.astimezone(t.timezone).date())
    return t.gettext(
        "Minutes of the meeting of {group}, quarter {quarter}",
        group=group,
        quarter=quarter_label(year, quarter),
    )


def is_locked(minutes: MeetingMinutes, now: datetime) -> bool:
    return now >= minutes.recorded_at + EDITABLE_FOR
