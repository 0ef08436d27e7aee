"""`/tatnhacnho` and `/batnhacnho`: no campaign messages (calendar reminders, announcements)
for this person, or again. Replies to their own tips and everything they ask for still come.

Typed commands (and the link under every campaign message), not menu lines."""

from __future__ import annotations

from bot.runtime.dialog.flows import FlowRegistry
from bot.runtime.dialog.turn import Turn
from storage.repos.people import drop_reminder_opt_out, keep_reminder_opt_out

OFF, ON = "rem_off", "rem_on"


async def reminders_off(turn: Turn, _argument: str) -> None:
    if turn.person is None:
        turn.say(turn._("You receive no campaign reminders: you have not joined a group."))
        return
    await keep_reminder_opt_out(turn.session, turn.person.id, at=turn.now)
    turn.say(
        turn._(
            "Done: you will receive no more campaign reminders and announcements. Answers "
            "about your tips and meeting notices still come. Send /batnhacnho to receive them "
            "again."
        )
    )


async def reminders_on(turn: Turn, _argument: str) -> None:
    if turn.person is not None:
        await drop_reminder_opt_out(turn.session, turn.person.id)
    turn.say(turn._("Done: you will receive campaign reminders and announcements again."))


def register(registry: FlowRegistry) -> None:
    registry.add_action(OFF, reminders_off, typed={"tatnhacnho": "", "remindersoff": ""})
    registry.add_action(ON, reminders_on, typed={"batnhacnho": "", "reminderson": ""})
