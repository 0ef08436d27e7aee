"""Messages as plain text, for channels without buttons (the console, Zalo)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.i18n import N_, Translator
from bot.messages import Choice, OutboundMessage
from bot.runtime.dialog.commands import NAV_BACK, NAV_PREFIX
from bot.runtime.dialog.flows import ACTION_PREFIX, FlowRegistry
from bot.runtime.dialog.typed_buttons import short_form

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

NUMBER_HINT = N_("Reply with a number.")
WORDS_HINT = N_("Type your answer, or the words of a line above.")
NAVIGATION_HINT = N_("Type “cancel” to stop, or “menu” for the menu.")
NAVIGATION_HINT_BACK = N_(
    "Type “back” to go back a step, “cancel” to stop, or “menu” for the menu."
)
TYPED_ACTION = N_("{label}: type {command}")
GROUP_ANSWER_HINT = N_(
    "In a group, reply to this message or mention the bot, so that it sees your answer."
)


def render_text(
    message: OutboundMessage,
    *,
    typed: Mapping[str, str] | None = None,
    t: Translator | None = None,
    attachments: bool = True,
) -> str:
    """Choices as a numbered list, numbered exactly as the engine matches typed numbers.

    "Back" and "Cancel" are never numbered (a number typed there would lose the answer): they
    become one hint line of the words to type. A question that wants a quantity, a date or words
    (`numbered=False`) lists its choices as bullets, to be typed by their words.

    With `typed` (a channel that cannot show buttons at all, like Zalo), the buttons under a
    notice ("a:<action>:<argument>" keys) become the commands that do the same, e.g.
    "Tiếp nhận: gõ /tiepnhan TB-7K3Q"; one with no typed command gets its words to type, e.g.
    "Nhà tôi nhận đón tổ: gõ “nhà tôi nhận”" (bot/runtime/dialog/typed_buttons.py). With `t`, short
    hints in the reader's language are added.
    """
    lines = [message.text]
    own = [c for c in message.choices if not c.key.startswith(NAV_PREFIX)]
    if typed is not None:
        actions = [c for c in own if c.key.startswith(ACTION_PREFIX)]
        if actions:
            labels = [c.label for c in actions]
            lines.append("")
            lines += [
                _typed_line(c, typed.get(c.key) or f"“{short_form(c.label, labels)}”", t)
                for c in actions
            ]
        numbered = [(n, c) for n, c in enumerate(own, 1) if not c.key.startswith(ACTION_PREFIX)]
    else:
        numbered = list(enumerate(own, 1))
    lines += _choice_lines(numbered, t, as_numbers=message.numbered)
    navigation = [c for c in message.choices if c.key.startswith(NAV_PREFIX)]
    if navigation:
        lines += _navigation_lines(navigation, t, spaced=not numbered)
    if message.reply_expected and t is not None:
        lines += ["", t.gettext(GROUP_ANSWER_HINT)]
    if attachments:
        for attachment in (message.photo, message.document):
            if attachment:
                lines.append(f"[{attachment}]")
    if message.file_content is not None:
        lines.append(f"[{message.file_name}]\n{message.file_content}")
    return "\n".join(lines)


def _choice_lines(
    numbered: Sequence[tuple[int, Choice]], t: Translator | None, *, as_numbers: bool
) -> list[str]:
    if not numbered:
        return []
    if not as_numbers:
        lines = ["", *(f"• {choice.label}" for _, choice in numbered)]
        if t is not None:
            lines.append(f"({t.gettext(WORDS_HINT)})")
        return lines
    lines = ["", *(f"{number}. {choice.label}" for number, choice in numbered)]
    if t is not None:
        lines.append(f"({t.gettext(NUMBER_HINT)})")
    return lines


def _navigation_lines(
    navigation: Sequence[Choice], t: Translator | None, *, spaced: bool
) -> list[str]:
    """One line of the words that go back or leave, never numbers."""
    if t is None:
        hint = "(" + " · ".join(c.label for c in navigation) + ")"
    elif any(c.key == NAV_BACK for c in navigation):
        hint = f"({t.gettext(NAVIGATION_HINT_BACK)})"
    else:
        hint = f"({t.gettext(NAVIGATION_HINT)})"
    return ["", hint] if spaced else [hint]


def _typed_line(choice: Choice, command: str, t: Translator | None) -> str:
    if t is None:
        return f"• {choice.label}: {command}" if command.startswith("/") else f"• {choice.label}"
    return "• " + t.gettext(TYPED_ACTION, label=choice.label, command=command)


async def typed_commands(
    registry: FlowRegistry, session: AsyncSession, choices: Sequence[Choice]
) -> dict[str, str]:
    """What to type for each notice button that has a typed command: {key: "/cmd argument"}.

    The argument is shown the way people type it (a tip's code rather than its id) by the
    action's `shown` function; a button whose subject is gone is left out."""
    forms: dict[str, str] = {}
    for choice in choices:
        found = registry.typed_form(choice.key)
        if found is None:
            continue
        command, argument = found
        name = choice.key.removeprefix(ACTION_PREFIX).partition(":")[0]
        if (shown := registry.shown_arguments.get(name)) is not None:
            shown_argument = await shown(session, argument)
            if shown_argument is None:
                continue
            argument = shown_argument
        forms[choice.key] = f"/{command} {argument}".strip()
    return forms
