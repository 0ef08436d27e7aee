"""After a flow ends with something done, one line says how to get the menu, not the menu.

A tip sent, a pledge signed, minutes saved: the person has just read what was done, and the
whole menu again (one more message, which costs quota on Zalo) is what they did not ask for.
The menu still comes when asked for ("menu", "hủy"), after a draft question, when nothing was
said, and when the person's roles changed (joined, erased: the menu itself is new to them).
"""

from __future__ import annotations

from dataclasses import replace

from bot.i18n import N_
from bot.runtime.dialog.commands import Universal
from bot.runtime.dialog.drafts import ENGINE_STEPS
from bot.runtime.dialog.turn import Turn

MENU_LINE = N_("Type menu to see what else you can do.")


def menu_line_instead(
    turn: Turn, *, flow_before: str | None, step_before: str | None, command: Universal | None
) -> bool:
    """Whether the flow running when this message came ended with something done; if so, the
    line is added to the last reply (the caller then shows no menu)."""
    ended_by_itself = flow_before is not None and command is None and turn.flow is None
    if not ended_by_itself or step_before in ENGINE_STEPS or turn.identity_changed:
        return False
    if not turn.replies:
        return False
    line = turn._(MENU_LINE)
    last = turn.replies[-1]
    # A file, a question or personal data (an export to keep) stays as it is.
    if last.choices or last.photo or last.document or last.file_name or last.private:
        turn.say(line)
    else:
        turn.replies[-1] = replace(last, text=f"{last.text}\n\n{line}")
    return True
