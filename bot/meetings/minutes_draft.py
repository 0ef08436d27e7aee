"""The minutes a leader fills in, kept as a draft in the conversation: a new one, one
opened from stored minutes, their view, and writing the draft to the database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.meetings.minutes import GUESTS, TOPICS, MinutesView, TaskView, label_of
from bot.meetings.schedule import quarter_of
from bot.meetings.service import host_label
from storage.models import Meeting, MeetingMinutes, MeetingStatus, MeetingTask, TaskStatus
from storage.repos.meetings import add_meeting, household_by_id, meeting_by_id
from storage.repos.minutes import (
    add_minutes,
    add_photo,
    add_task,
    corrections_of,
    delete_tasks_except,
    minutes_of,
    photo_count,
    task_by_id,
    tasks_of_meeting,
)


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
    tasks = await tasks_of_meeting(session, minutes.meeting_id)
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
    host = await household_by_id(session, draft.get("host"))
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
    minutes = await minutes_of(session, meeting.id)
    if minutes is None:
        return None
    draft = await draft_from_minutes(session, minutes)
    photos = await photo_count(session, meeting.id)
    view = await draft_view(session, draft, t, photos=photos)
    view.chair = minutes.chair_name
    view.corrections = [(c.at, c.text) for c in await corrections_of(session, meeting.id)]
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
    meeting = await meeting_by_id(session, draft["meeting_id"]) if draft.get("meeting_id") else None
    if meeting is None:
        meeting = add_meeting(
            session,
            Meeting(
                group_id=group_id,
                scheduled_at=held_at,
                host_household_id=draft.get("host"),
                place=draft.get("place") or "",
                created_by=person_id,
                created_at=now,
                announced_at=now,
            ),
        )
    meeting.year, meeting.quarter = quarter_of(held_at.astimezone(tz).date())
    meeting.status = MeetingStatus.HELD
    await session.flush()
    minutes = await minutes_of(session, meeting.id)
    created = minutes is None
    if minutes is None:
        minutes = add_minutes(
            session,
            MeetingMinutes(
                meeting_id=meeting.id, recorded_by=person_id, recorded_at=now, chair_name=chair
            ),
        )
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
        add_photo(session, meeting.id, channel=channel, file_ref=ref, by=person_id, now=now)
    await session.flush()
    return meeting, minutes, new_tasks, created


async def _save_tasks(
    session: AsyncSession, meeting: Meeting, drafted: list[dict[str, Any]], now: datetime
) -> list[MeetingTask]:
    kept = {task["id"] for task in drafted if task.get("id")}
    await delete_tasks_except(session, meeting.id, kept)
    new: list[MeetingTask] = []
    for item in drafted:
        task = await task_by_id(session, item["id"]) if item.get("id") else None
        if task is None:
            task = add_task(
                session,
                MeetingTask(meeting_id=meeting.id, group_id=meeting.group_id, created_at=now),
            )
            new.append(task)
        task.text = item["text"]
        task.owner_person_id = item.get("owner_id")
        task.owner_name = item.get("owner_name") or ""
        task.due_date = date.fromisoformat(item["due"]) if item.get("due") else None
    await session.flush()
    return new
