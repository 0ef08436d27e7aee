"""Tasks decided at meetings: open until their owner or the group's leader marks them done."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import Action, allowed, group_scope, load_actor
from bot.i18n import Translator
from bot.meetings.service import TASK_DONE
from bot.messages import Choice, OutboundMessage, action_key
from storage.models import MeetingTask, TaskStatus
from storage.repos.minutes import task_by_id


class Closing(StrEnum):
    DONE = "done"
    ALREADY = "already"
    FORBIDDEN = "forbidden"
    GONE = "gone"


def due_text(t: Translator, due: date | None) -> str:
    return f"{due:%d/%m/%Y}" if due else t.gettext("no due date")


def task_line(t: Translator, task: MeetingTask) -> str:
    owner = task.owner_name or t.gettext("no one named")
    return t.gettext(
        "{task} — {owner}, due {due}", task=task.text, owner=owner, due=due_text(t, task.due_date)
    )


def task_notice(t: Translator, task: MeetingTask, *, intro: str | None = None) -> OutboundMessage:
    """A task with its "Done" button (the button works however old the message is)."""
    text = task_line(t, task)
    if intro:
        text = f"{intro}\n{text}"
    return OutboundMessage(
        text=text, choices=(Choice(action_key(TASK_DONE, task.id), t.gettext("Mark as done")),)
    )


async def close_task(
    session: AsyncSession, task_id: int, person_id: int | None, now: datetime
) -> tuple[Closing, MeetingTask | None]:
    """Mark a task done, if the presser owns it or leads its group."""
    task = await task_by_id(session, task_id, for_update=True)
    if task is None:
        return Closing.GONE, None
    scope = await group_scope(session, task.group_id)
    actor = await load_actor(session, person_id)
    owner = person_id is not None and task.owner_person_id == person_id
    if not owner and (scope is None or not allowed(actor, Action.CLOSE_MEETING_TASK, scope)):
        return Closing.FORBIDDEN, task
    if task.status == TaskStatus.DONE:
        return Closing.ALREADY, task
    task.status, task.done_at, task.done_by = TaskStatus.DONE, now, person_id
    return Closing.DONE, task
