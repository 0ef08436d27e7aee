"""The minutes' review: the summary with "Lưu" or "Sửa", changing one part, saving (members,
the group's chat and commune police get a short summary, each task's owner their task), and
a dated correction to minutes locked after 7 days."""

from __future__ import annotations

from typing import Any

from bot.authz import Action
from bot.i18n import Translator
from bot.meetings.minutes import full_text, is_locked, minutes_title, short_summary
from bot.meetings.minutes_draft import draft_view, save_minutes
from bot.meetings.service import group_title, tell_group_chat, tell_persons
from bot.meetings.tasks import task_notice
from bot.messages import Choice, OutboundMessage
from bot.runtime.dialog.pages import MORE, page_of
from bot.runtime.dialog.turn import Turn
from bot.tips.delivery import police_chats
from handlers.meeting_parts import may, not_available
from handlers.minutes_steps import EDIT, EDITABLE, MAX_TEXT, SAVE, MinutesSteps, Step, draft_of
from storage.models import Meeting, MeetingTask
from storage.repos.meeting_people import commune_of_group, invitees
from storage.repos.meetings import meeting_by_id
from storage.repos.minutes import add_correction, minutes_of


class MinutesReview(MinutesSteps):
    """The summary, changing a part, saving (and telling everyone), and corrections to locked
    minutes."""

    async def on_correction(self, turn: Turn) -> None:
        """Adds the typed correction, dated today, below the locked minutes; ends."""
        text = " ".join(turn.event.text.split())
        if not 2 <= len(text) <= MAX_TEXT:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("Please type the correction in words, at most 2000 characters."),
            )
            return
        meeting = await meeting_by_id(turn.session, turn.data["meeting_id"])
        if meeting is None or not await may(turn, Action.RECORD_MINUTES, meeting.group_id):
            not_available(turn)
            return
        add_correction(
            turn.session,
            meeting.id,
            text,
            by=turn.person.id if turn.person else None,
            now=turn.now,
        )
        turn.say(turn._("The correction was added to the minutes."))
        turn.leave()

    async def _summary(self, turn: Turn) -> None:
        turn.update_data(editing=False)
        draft = draft_of(turn)
        view = await draft_view(turn.session, draft, turn.t)
        title = minutes_title(
            turn.t, await group_title(turn.session, turn.data["group_id"]), view.held_at
        )
        turn.ask(
            Step.SUMMARY,
            full_text(turn.t, view, title=title),
            [Choice(SAVE, turn._("Save the minutes")), Choice(EDIT, turn._("Change something"))],
        )

    async def on_summary(self, turn: Turn) -> None:
        """“Lưu” saves the minutes and tells everyone; “Sửa” asks what to change."""
        if turn.choice == EDIT:
            self._ask_edit(turn)
            return
        await self._save(turn)

    def _ask_edit(self, turn: Turn, *, second: bool = False) -> None:
        choices = [Choice(step.value, turn._(label)) for step, label in EDITABLE.items()]
        page = page_of(choices, second=second, more_label=turn._("More…"))
        turn.ask(Step.EDIT, turn._("What do you want to change?"), page)

    async def on_edit(self, turn: Turn) -> None:
        """Asks the question of the part picked again; its answer returns to the summary."""
        if turn.choice == MORE:
            self._ask_edit(turn, second=True)
            return
        turn.update_data(editing=True)
        await self._ask(turn, Step(turn.choice or Step.HELD_AT))

    async def _save(self, turn: Turn) -> None:
        group_id = turn.data["group_id"]
        if not await may(turn, Action.RECORD_MINUTES, group_id):
            not_available(turn)
            return
        draft = draft_of(turn)
        existing = (
            await minutes_of(turn.session, draft["meeting_id"]) if draft.get("meeting_id") else None
        )
        if existing is not None and is_locked(existing, turn.now):
            turn.say(turn._("These minutes were locked meanwhile; nothing was changed."))
            turn.leave()
            return
        meeting, _minutes, new_tasks, created = await save_minutes(
            turn.session,
            draft,
            group_id=group_id,
            person_id=turn.person.id if turn.person else None,
            chair=turn.person.full_name if turn.person else "",
            channel=turn.event.channel,
            now=turn.now,
            tz=turn.t.timezone,
        )
        if created:
            reached = await self._tell_everyone(turn, meeting, draft)
            turn.say(turn._("The minutes are saved. {n} people got a short summary.", n=reached))
        else:
            turn.say(turn._("The minutes are updated."))
        await self._tell_owners(turn, new_tasks)
        turn.leave()

    async def _tell_everyone(self, turn: Turn, meeting: Meeting, draft: dict[str, Any]) -> int:
        session = turn.session
        group = await group_title(session, meeting.group_id)
        views: dict[str, str] = {}
        for locale in ("vi", "en"):
            t = Translator(locale, turn.settings.timezone)
            views[locale] = short_summary(t, await draft_view(session, draft, t), group=group)

        def summary(t: Translator) -> OutboundMessage:
            return OutboundMessage(text=views[t.locale])

        people = await invitees(session, meeting.group_id)
        reached = await tell_persons(
            turn.work, list(people), summary, skip=turn.person.id if turn.person else None
        )
        await tell_group_chat(turn.work, meeting.group_id, summary)
        commune = await commune_of_group(session, meeting.group_id)
        if commune:  # the police desk, or each officer when the commune has no desk
            for chat in await police_chats(session, commune):
                await turn.notify(
                    channel=chat.channel,
                    chat_id=chat.chat_id,
                    message=summary(Translator(chat.language, turn.settings.timezone)),
                    is_group_chat=chat.is_group,
                )
        return reached

    async def _tell_owners(self, turn: Turn, tasks: list[MeetingTask]) -> None:
        for task in tasks:
            if task.owner_person_id is None:
                continue

            def notice(t: Translator, task: MeetingTask = task) -> OutboundMessage:
                return task_notice(
                    t, task, intro=t.gettext("📌 A task from the group meeting is yours:")
                )

            await tell_persons(
                turn.work,
                [task.owner_person_id],
                notice,
                skip=turn.person.id if turn.person else None,
            )
