"""Minutes of a meeting: the standard guests and topics, the draft a leader fills in, saving it,
the 7 days it stays editable, and its texts (full, and the short summary members get)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.meetings.schedule import quarter_label, quarter_of
from bot.meetings.service import date_text, host_label, when_text
from storage.models import (
    Household,
    HouseholdStatus,
    Meeting,
    MeetingMinutes,
    MeetingPhoto,
    MeetingStatus,
    MeetingTask,
    MinutesCorrection,
    TaskStatus,
)

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


async def households_total(session: AsyncSession, group_id: int) -> int:
    return (
        await session.scalar(
            select(func.count(Household.id)).where(
                Household.group_id == group_id,
                Household.status == HouseholdStatus.ACTIVE,
                Household.confirmed.is_(True),
            )
        )
    ) or 0


# --- the draft ------------------------------------------------------------------------------
def empty_draft(meeting: Meeting | None, total: int, now: datetime) -> dict[str, Any]:
    return {
        "meeting_id": meeting.id if meeting else None,
        "held_at": (meeting.scheduled_at if meeting else now).isoformat(),
        "host": meeting.host_household_id if meeting else None,
        "place": meeting.place if meeting else "",
        "present_ids": [],
        "present": None,
        "total": total,
        "guests": [],
        "topics": [],
        "situation": "",
        "mediation": "",
        "proposals": "",
        "decisions": "",
        "tasks": [],
        "next_at": None,
        "photos": [],
        "secretary": "",
        "ended_at": None,
    }


async def draft_from_minutes(session: AsyncSession, minutes: MeetingMinutes) -> dict[str, Any]:
    tasks = await session.scalars(
        select(MeetingTask)
        .where(MeetingTask.meeting_id == minutes.meeting_id)
        .order_by(MeetingTask.id)
    )
    return {
        "meeting_id": minutes.meeting_id,
        "held_at": minutes.held_at.isoformat(),
        "host": minutes.host_household_id,
        "place": minutes.place,
        "present_ids": list(minutes.present_household_ids or []),
        "present": minutes.households_present,
        "total": minutes.households_total,
        "guests": list(minutes.guests or []),
        "topics": list(minutes.topics or []),
        "situation": minutes.situation,
        "mediation": minutes.mediation,
        "proposals": minutes.proposals,
        "decisions": minutes.decisions,
        "tasks": [
            {
                "id": task.id,
                "text": task.text,
                "owner_id": task.owner_person_id,
                "owner_name": task.owner_name,
                "due": task.due_date.isoformat() if task.due_date else None,
                "done": task.status == TaskStatus.DONE,
            }
            for task in tasks
        ],
        "next_at": minutes.next_meeting_at.isoformat() if minutes.next_meeting_at else None,
        "photos": [],
        "editing_saved": True,
        "secretary": minutes.secretary_name,
        "ended_at": minutes.ended_at.isoformat() if minutes.ended_at else None,
    }


def present_count(draft: dict[str, Any]) -> int:
    if draft.get("present") is not None:
        return int(draft["present"])
    return len(draft.get("present_ids") or [])


async def draft_view(
    session: AsyncSession, draft: dict[str, Any], t: Translator, *, photos: int = 0
) -> MinutesView:
    host = await session.get(Household, draft["host"]) if draft.get("host") else None
    return MinutesView(
        held_at=datetime.fromisoformat(draft["held_at"]),
        host=host_label(host, t),
        place=draft.get("place") or (host.address if host else ""),
        present=present_count(draft),
        total=int(draft.get("total") or 0),
        guests=[label_of(t, key, GUESTS) for key in draft.get("guests", [])],
        topics=[label_of(t, key, TOPICS) for key in draft.get("topics", [])],
        situation=draft.get("situation", ""),
        mediation=draft.get("mediation", ""),
        proposals=draft.get("proposals", ""),
        decisions=draft.get("decisions", ""),
        tasks=[
            TaskView(
                task["text"],
                task.get("owner_name") or "",
                date.fromisoformat(task["due"]) if task.get("due") else None,
                bool(task.get("done")),
            )
            for task in draft.get("tasks", [])
        ],
        next_at=datetime.fromisoformat(draft["next_at"]) if draft.get("next_at") else None,
        photos=photos or len(draft.get("photos", [])),
        secretary=draft.get("secretary") or "",
        ended_at=datetime.fromisoformat(draft["ended_at"]) if draft.get("ended_at") else None,
        present_ids=list(draft.get("present_ids") or []),
        host_name=host.head_name if host else "",
    )


async def stored_view(session: AsyncSession, meeting: Meeting, t: Translator) -> MinutesView | None:
    minutes = await session.get(MeetingMinutes, meeting.id)
    if minutes is None:
        return None
    draft = await draft_from_minutes(session, minutes)
    photos = (
        await session.scalar(
            select(func.count(MeetingPhoto.id)).where(MeetingPhoto.meeting_id == meeting.id)
        )
    ) or 0
    view = await draft_view(session, draft, t, photos=photos)
    view.chair = minutes.chair_name
    view.corrections = [
        (c.at, c.text)
        for c in await session.scalars(
            select(MinutesCorrection)
            .where(MinutesCorrection.meeting_id == meeting.id)
            .order_by(MinutesCorrection.at, MinutesCorrection.id)
        )
    ]
    return view


async def save_minutes(
    session: AsyncSession,
    draft: dict[str, Any],
    *,
    group_id: int,
    person_id: int | None,
    chair: str,
    channel: str,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[Meeting, MeetingMinutes, list[MeetingTask], bool]:
    """Write the draft: the meeting (created when it was not scheduled), its minutes, tasks
    and photos. Returns them, the tasks that are new, and whether the minutes are new."""
    held_at = datetime.fromisoformat(draft["held_at"])
    meeting = await session.get(Meeting, draft["meeting_id"]) if draft.get("meeting_id") else None
    if meeting is None:
        meeting = Meeting(
            group_id=group_id,
            scheduled_at=held_at,
            host_household_id=draft.get("host"),
            place=draft.get("place") or "",
            created_by=person_id,
            created_at=now,
            announced_at=now,
        )
        session.add(meeting)
    meeting.year, meeting.quarter = quarter_of(held_at.astimezone(tz).date())
    meeting.status = MeetingStatus.HELD
    await session.flush()
    minutes = await session.get(MeetingMinutes, meeting.id)
    created = minutes is None
    if minutes is None:
        minutes = MeetingMinutes(
            meeting_id=meeting.id, recorded_by=person_id, recorded_at=now, chair_name=chair
        )
        session.add(minutes)
    minutes.held_at = held_at
    minutes.host_household_id = draft.get("host")
    minutes.place = draft.get("place") or ""
    minutes.households_present = present_count(draft)
    minutes.households_total = int(draft.get("total") or 0)
    minutes.present_household_ids = list(draft.get("present_ids") or [])
    minutes.guests = list(draft.get("guests") or [])
    minutes.topics = list(draft.get("topics") or [])
    for name in ("situation", "mediation", "proposals", "decisions"):
        setattr(minutes, name, draft.get(name) or "")
    minutes.next_meeting_at = (
        datetime.fromisoformat(draft["next_at"]) if draft.get("next_at") else None
    )
    minutes.secretary_name = draft.get("secretary") or ""
    minutes.ended_at = datetime.fromisoformat(draft["ended_at"]) if draft.get("ended_at") else None
    minutes.updated_at = now
    new_tasks = await _save_tasks(session, meeting, draft.get("tasks") or [], now)
    for ref in draft.get("photos") or []:
        session.add(
            MeetingPhoto(
                meeting_id=meeting.id,
                channel=channel,
                file_ref=ref,
                added_by=person_id,
                added_at=now,
            )
        )
    await session.flush()
    return meeting, minutes, new_tasks, created


async def _save_tasks(
    session: AsyncSession, meeting: Meeting, drafted: list[dict[str, Any]], now: datetime
) -> list[MeetingTask]:
    kept = {task["id"] for task in drafted if task.get("id")}
    await session.execute(
        delete(MeetingTask).where(MeetingTask.meeting_id == meeting.id, MeetingTask.id.not_in(kept))
    )
    new: list[MeetingTask] = []
    for item in drafted:
        task = await session.get(MeetingTask, item["id"]) if item.get("id") else None
        if task is None:
            task = MeetingTask(meeting_id=meeting.id, group_id=meeting.group_id, created_at=now)
            session.add(task)
            new.append(task)
        task.text = item["text"]
        task.owner_person_id = item.get("owner_id")
        task.owner_name = item.get("owner_name") or ""
        task.due_date = date.fromisoformat(item["due"]) if item.get("due") else None
    await session.flush()
    return new
