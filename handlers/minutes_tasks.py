"""The minutes' tasks: each one typed, then its owner (a member pressed, or a name typed)
and its due date; the last one can be removed."""

from __future__ import annotations

from datetime import date

from bot.meetings.minutes_draft import draft_view
from bot.meetings.when import as_day, parse_future
from bot.messages import Choice
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from handlers.minutes_steps import (
    DONE,
    MAX_BUTTONS,
    MAX_NAME,
    MAX_TASK,
    NO_DUE,
    NONE,
    MinutesSteps,
    Step,
    draft_of,
    set_draft,
)
from storage.repos.meeting_people import invitees


class MinutesTasks(MinutesSteps):
    """Tasks decided at the meeting, one by one: what, who, by when."""

    async def _ask_tasks(self, turn: Turn) -> None:
        tasks = draft_of(turn).get("tasks") or []
        view = await draft_view(turn.session, draft_of(turn), turn.t)
        if tasks:
            lines = [turn._("Tasks so far:")]
            lines += [f"{n}) {t.text} — {t.owner or '—'}" for n, t in enumerate(view.tasks, 1)]
            lines.append(turn._("Type another task, or press “Done”."))
            choices = [Choice(DONE, turn._("Done"))]
            if turn.data.get("editing") or tasks:
                choices.append(Choice(NONE, turn._("Remove the last task")))
        else:
            lines = [
                turn._(
                    "Tasks decided at the meeting: type the first one (what is to be done), "
                    "or press “No tasks”."
                )
            ]
            choices = [Choice(DONE, turn._("No tasks"))]
        turn.ask(Step.TASKS, "\n".join(lines), choices, free_text=True, numbered=False)

    async def on_tasks(self, turn: Turn) -> None:
        """Takes a typed task, asks its owner; drops the last one; “Done” asks the next meeting."""
        tasks = list(draft_of(turn).get("tasks") or [])
        if turn.choice == DONE:
            await self._next(turn, Step.TASKS)
            return
        if turn.choice == NONE:
            if tasks:
                tasks.pop()
            set_draft(turn, tasks=tasks)
            await self._ask_tasks(turn)
            return
        text = " ".join(turn.event.text.split())
        if not 2 <= len(text) <= MAX_TASK:
            self._retry(turn, turn._("Please type the task in words, at most 500 characters."))
            return
        turn.update_data(task={"text": text})
        people = await invitees(turn.session, turn.data["group_id"])
        choices = [Choice(str(pid), name) for pid, name in list(people.items())[:MAX_BUTTONS]]
        turn.ask(
            Step.TASK_OWNER,
            turn._("Who is responsible for it? Press a name, or type one."),
            choices,
            free_text=True,
        )

    async def on_task_owner(self, turn: Turn) -> None:
        """Stores the task's owner (a member pressed, or a name typed); asks its due date."""
        people = await invitees(turn.session, turn.data["group_id"])
        task = dict(turn.data.get("task") or {})
        if turn.choice and turn.choice.isdigit() and int(turn.choice) in people:
            task.update(owner_id=int(turn.choice), owner_name=people[int(turn.choice)])
        else:
            typed = " ".join(turn.event.text.split())
            if not 2 <= len(typed) <= MAX_NAME:
                self._retry(turn, turn._("Please type a name, at most 120 characters."))
                return
            same = [pid for pid, name in people.items() if fold(name) == fold(typed)]
            task.update(
                owner_id=same[0] if len(same) == 1 else None,
                owner_name=people[same[0]] if len(same) == 1 else typed,
            )
        turn.update_data(task=task)
        turn.ask(
            Step.TASK_DUE,
            turn._("By when? Type a date (for example “30/4”), or press “No due date”."),
            [Choice(NO_DUE, turn._("No due date"))],
            free_text=True,
            numbered=False,
        )

    async def on_task_due(self, turn: Turn) -> None:
        """Stores the task with its due date (or none); asks for another task."""
        due: date | None = None
        if turn.choice != NO_DUE:
            local_now = turn.now.astimezone(turn.t.timezone)
            moment = parse_future(as_day(turn.event.text), local_now.replace(hour=0, minute=0))
            if moment is None:
                self._retry(turn, turn._("Please type a date still ahead, for example “30/4”."))
                return
            due = moment.date()
        task = {**turn.data.get("task", {}), "due": due.isoformat() if due else None}
        set_draft(turn, tasks=[*(draft_of(turn).get("tasks") or []), task])
        await self._ask_tasks(turn)
