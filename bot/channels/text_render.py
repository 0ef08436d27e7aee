"""Messages as plain text, for channels without buttons (the console, Zalo)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.dialog.commands import NAV_PREFIX
from bot.dialog.flows import ACTION_PREFIX, FlowRegistry
from bot.dialog.messages import Choice, OutboundMessage
from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

NUMBER_HINT = N_("Reply with a number.")
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

    A question that wants typed text and offers only "Back"/"Cancel" shows them as words to
    type, since a number there would be read as the answer.

    With `typed` (a channel that cannot show buttons at all, like Zalo), the buttons under a
    notice ("a:<action>:<argument>" keys) become the commands that do the same, e.g.
    "Tiếp nhận: gõ /tiepnhan TB-7K3Q"; one with no typed form is shown as a bullet without a
    number (no number could stand for it; its words may still match a menu command). With `t`,
    short hints in the reader's language are added.
    """
    lines = [message.text]
    if typed is not None:
        actions = [c for c in message.choices if c.key.startswith(ACTION_PREFIX)]
        if actions:
            lines.append("")
            lines += [
                _typed_line(c, typed[c.key], t) if c.key in typed else f"• {c.label}"
                for c in actions
            ]
        numbered = [
            (number, c)
            for number, c in enumerate(message.choices, 1)
            if not c.key.startswith(ACTION_PREFIX)
        ]
    else:
        numbered = list(enumerate(message.choices, 1))
    lines += _choice_lines(numbered, t)
    if message.force_reply and t is not None:
        lines += ["", t.gettext(GROUP_ANSWER_HINT)]
    if attachments:
        for attachment in (message.photo, message.document):
            if attachment:
                lines.append(f"[{attachment}]")
    if message.file_content is not None:
        lines.append(f"[{message.file_name}]\n{message.file_content}")
    return "\n".join(lines)


def _choice_lines(numbered: Sequence[tuple[int, Choice]], t: Translator | None) -> list[str]:
    if any(not c.key.startswith(NAV_PREFIX) for _, c in numbered):
        lines = ["", *(f"{number}. {choice.label}" for number, choice in numbered)]
        if t is not None:
            lines.append(f"({t.gettext(NUMBER_HINT)})")
        return lines
    if numbered:
        return ["", "(" + " · ".join(c.label for _, c in numbered) + ")"]
    return []


def _typed_line(choice: Choice, command: str, t: Translator | None) -> str:
    if t is None:
        return f"• {choice.label}: {command}"
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
