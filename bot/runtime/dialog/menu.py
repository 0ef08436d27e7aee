"""The main menu: its pages, what a typed word or a number on it picks, and what happens to
words typed when no conversation runs (a notice's button typed, a flow's hook, an invitation
code)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.i18n import N_
from bot.messages import Choice, EventKind
from bot.runtime.dialog.commands import Universal
from bot.runtime.dialog.flows import FlowRegistry, MenuEntry
from bot.runtime.dialog.texts import unsupported_text
from bot.runtime.dialog.turn import Prompt, Turn
from bot.runtime.dialog.typed_buttons import notice_button_for
from bot.text_match import fold, match_choice

if TYPE_CHECKING:
    from collections.abc import Awaitable

MENU_KEY_PREFIX = "m:"
# The last line of the main menu, opening the entries marked `secondary`.
MORE_ENTRY = MenuEntry(key="more", label=N_("More…"), flow="")
MENU_PAGE = 8  # entries on a menu page, then "More…": no numbered list longer than 9 lines


class Menus:
    """The engine's menu part (bot.runtime.dialog.engine.DialogEngine)."""

    flows: FlowRegistry

    if TYPE_CHECKING:  # the engine's other parts (bot.runtime.dialog.navigation)

        def start_flow(self, turn: Turn, name: str) -> Awaitable[None]: ...
        def _run_action(self, turn: Turn) -> Awaitable[None]: ...
        def _run_universal(self, turn: Turn, command: Universal) -> Awaitable[None]: ...

    async def _handle_idle(self, turn: Turn) -> None:
        event = turn.event
        entry = None
        if event.kind is EventKind.COMMAND and event.command:
            entry = self.flows.entry_for_command(event.command.lower(), turn.roles)
        elif event.kind is EventKind.CHOICE and event.choice_key:
            key = event.choice_key.removeprefix(MENU_KEY_PREFIX)
            entry = self._more_or_entry(key)
        elif event.kind is EventKind.TEXT:
            entry = self._entry_for_text(turn, event.text)
            if entry is None and await self._typed_elsewhere(turn):
                return
        if isinstance(entry, int):
            self.show_menu(turn, page=entry)
            return
        if entry is None or not entry.visible_to(turn.roles):
            turn.conversation.prompt = None
            if event.kind is EventKind.UNSUPPORTED:
                turn.say(unsupported_text(turn))
            elif event.kind is not EventKind.CHOICE:
                turn.say(turn._("Sorry, I did not understand that."))
            else:
                turn.say(turn._("That option is not available to you."))
            return
        await self.start_flow(turn, entry.flow)

    async def _typed_elsewhere(self, turn: Turn) -> bool:
        """Words that are no menu entry: a notice button's typed form ("da xong"), what a flow
        takes from there (an answer to a police question), an invitation code, or a notice's
        typed command without its slash."""
        if not turn.event.is_group and (key := await notice_button_for(turn)) is not None:
            turn.event = replace(turn.event, kind=EventKind.CHOICE, choice_key=key)
            await self._run_action(turn)
            return True
        for hook in self.flows.text_hooks:
            if await hook(turn):
                return True
        return await self._typed_invite_code(turn) or await self._command_without_slash(turn)

    async def _command_without_slash(self, turn: Turn) -> bool:
        """ "tiepnhan TB-7K3Q", or "tiep nhan TB-7K3Q": what a card says to type, slash left out
        (a Zalo user's habit), done as with it. Tried last, where the words were otherwise not
        understood; authorised by the action as a button is."""
        words = turn.event.text.split()
        for count in range(1, min(2, len(words)) + 1):
            typed = self.flows.typed_action(fold("".join(words[:count])))
            if typed is not None:
                args = " ".join(words[count:])
                turn.event = replace(
                    turn.event, kind=EventKind.COMMAND, command=typed.command, args=args
                )
                await self._run_action(turn)
                return True
        return False

    async def _typed_invite_code(self, turn: Turn) -> bool:
        """A bare invitation code typed in a private chat (on Zalo, by someone who has not
        joined): joining starts as with "/join CODE", as where there are no deep links."""
        event = turn.event
        if event.is_group or self.flows.invite_code is None:
            return False
        if not await self.flows.invite_code(turn.session, event.text):
            return False
        code = event.text.strip()
        turn.event = replace(event, kind=EventKind.COMMAND, command="join", args=code)
        await self._run_universal(turn, Universal.START)
        return True

    def _entry_for_text(self, turn: Turn, text: str) -> MenuEntry | int | None:
        """A menu entry by its number on the menu page shown, by its label (on either page),
        or by one of its command words typed without the slash and spaces ("khan cap" for
        /khancap). The number of the page a "More…" line opens, when one was picked."""
        shown = self._menu_page_shown(turn)
        picked = match_choice(text, shown)
        if picked is not None:
            key = picked.key.removeprefix(MENU_KEY_PREFIX)
            return self._more_or_entry(key)
        visible = self.flows.menu_for(turn.roles)
        if not text.strip().isdigit():  # a number means a line of the page shown, nothing else
            labels = [Choice(e.key, turn._(e.label)) for e in visible]
            if (by_label := match_choice(text, labels)) is not None:
                return self.flows.entry(by_label.key)
        word = fold(text).replace(" ", "")
        if (entry := next((e for e in visible if word in e.commands), None)) is not None:
            return entry
        folded = fold(text)
        return next(
            (e for e in visible for w in e.leading_words if folded.startswith(w + " ")), None
        )

    def _menu_page_shown(self, turn: Turn) -> tuple[Choice, ...]:
        prompt = turn.prompt
        if prompt is not None and prompt.step is None and prompt.choices:
            return prompt.choices
        return self._menu_choices(turn, page=0)

    def show_menu(self, turn: Turn, *, page: int = 0) -> None:
        """The main menu: what a person uses often, then "More…" for the rest (about, privacy,
        language, one's data, things done a few times a year); no page longer than 9 lines,
        to keep it short on Zalo."""
        prompt = Prompt(
            step=None,
            text=turn._("More options:") if page else turn._("What would you like to do?"),
            choices=self._menu_choices(turn, page=page),
        )
        turn.conversation.history = []
        turn.show(prompt)

    def _menu_pages(self, turn: Turn) -> list[list[MenuEntry]]:
        entries = self.flows.menu_for(turn.roles)
        primary = [e for e in entries if not e.secondary]
        first = primary[:MENU_PAGE]
        rest = [*primary[MENU_PAGE:], *(e for e in entries if e.secondary)]
        pages = [first]
        while rest:
            size = len(rest) if len(rest) <= MENU_PAGE + 1 else MENU_PAGE
            pages.append(rest[:size])
            rest = rest[size:]
        return pages

    def _menu_choices(self, turn: Turn, *, page: int) -> tuple[Choice, ...]:
        pages = self._menu_pages(turn)
        page = min(page, len(pages) - 1)
        choices = [Choice(MENU_KEY_PREFIX + e.key, turn._(e.label)) for e in pages[page]]
        if page + 1 < len(pages):
            more = MORE_ENTRY.key + (str(page + 1) if page else "")
            choices.append(Choice(MENU_KEY_PREFIX + more, turn._(MORE_ENTRY.label)))
        return tuple(choices)

    def _more_or_entry(self, key: str) -> MenuEntry | int | None:
        """A menu key: the number of the page "More…" opens ("more" → 1, "more2" → 2), or the
        entry."""
        if key.startswith(MORE_ENTRY.key):
            number = key.removeprefix(MORE_ENTRY.key)
            return int(number) if number.isdigit() else 1
        return self.flows.entry(key)
