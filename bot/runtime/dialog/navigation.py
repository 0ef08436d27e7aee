"""Moving through a conversation: the universal commands (start, menu, help, cancel, back),
an answer handed to the running flow or the question re-asked, stale buttons, notice buttons
(actions), and starting a flow (consent first where needed, in private when asked in a group)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.messages import EventKind
from bot.runtime.dialog.commands import NAV_PREFIX, NAVIGATION, Universal
from bot.runtime.dialog.drafts import (
    ENGINE_STEPS,
    LEAVE_STEP,
    ask_before_leaving,
    discard,
    draft_name,
    keep_draft,
    offer_resume,
)
from bot.runtime.dialog.drafts import answer as answer_draft_question
from bot.runtime.dialog.flows import ACTION_PREFIX, FlowRegistry, MenuEntry, TypedAction
from bot.runtime.dialog.menu import MENU_KEY_PREFIX
from bot.runtime.dialog.texts import NOT_UNDERSTOOD, STALE_BUTTON, help_text, unsupported_text
from bot.runtime.dialog.turn import Prompt, Turn
from bot.text_match import fold, is_number, match_choice
from storage.models import Priority
from storage.repos.conversations import private_conversation


class Navigation:
    """The engine's navigation part (bot.runtime.dialog.engine.DialogEngine)."""

    flows: FlowRegistry
    idle_timeout: timedelta

    if TYPE_CHECKING:  # the menu part (bot.runtime.dialog.menu)

        def show_menu(self, turn: Turn, *, page: int = 0) -> None: ...

    def _is_action(self, turn: Turn) -> bool:
        key = turn.event.choice_key or ""
        if turn.event.kind is EventKind.COMMAND:  # "/tiepnhan TB-7K3Q": an action typed
            return self._typed_action(turn) is not None
        return turn.event.kind is EventKind.CHOICE and key.startswith(ACTION_PREFIX)

    def _typed_action(self, turn: Turn) -> TypedAction | None:
        return self.flows.typed_action(fold(turn.event.command or "").replace(" ", ""))

    async def _run_action(self, turn: Turn) -> None:
        if (typed := self._typed_action(turn)) is not None:
            name, argument = typed.action, typed.prefix + turn.event.args.strip()
        else:
            key = turn.event.choice_key or ""
            name, _, argument = key.removeprefix(ACTION_PREFIX).partition(":")
        handler = self.flows.actions.get(name)
        if handler is None:
            turn.say(turn._("That button belongs to an earlier message."))
            return
        await handler(turn, argument)

    def _needs_consent(self, turn: Turn, flow: str) -> bool:
        """Help, emergency numbers, anonymous tips and one's data work for everyone; a member
        whose consent is missing or outdated is asked only before a flow that stores more."""
        return (
            bool(self.flows.consent_flow)
            and flow in self.flows.needs_consent
            and turn.person is not None
            and not self.flows.has_consent(turn.person)
        )

    def _expired(self, turn: Turn) -> bool:
        updated = turn.conversation.updated_at
        return bool(turn.flow and updated and turn.now - updated > self.idle_timeout)

    def _is_stale(self, turn: Turn) -> bool:
        prompt = turn.prompt
        token = turn.event.choice_token
        if prompt is not None and token == prompt.token:
            return False
        # A menu button from an older menu still means what it says when no flow is running.
        key = turn.event.choice_key or ""
        return bool(turn.flow) or not key.startswith(MENU_KEY_PREFIX)

    async def _answer_stale_button(self, turn: Turn) -> None:
        prompt = turn.prompt
        if prompt is None or not turn.flow:
            turn.conversation.prompt = None  # the menu below is shown afresh
            turn.say(turn._("That button belongs to an earlier message."))
            return
        turn.show(prompt, prefix=turn._(STALE_BUTTON))

    async def _run_universal(self, turn: Turn, command: Universal) -> None:
        if command is Universal.START:
            turn.leave()
            turn.say(
                turn._(
                    "Welcome to Bình Yên, the safety assistant of your neighbourhood group. "
                    "You can report suspicious activity here, safely and anonymously if you wish."
                )
            )
            # A deep link's code, or someone new: joining starts (it explains and asks consent).
            joining = self.flows.consent_flow
            if joining and (turn.event.args or not self.flows.has_consent(turn.person)):
                await self.start_flow(turn, joining)
        elif command in (Universal.MENU, Universal.CANCEL) and (
            what := draft_name(turn, self.flows.flows.get(turn.flow or ""))
        ):
            if turn.step != LEAVE_STEP:  # typed content: ask before anything is thrown away
                ask_before_leaving(turn, what)
            elif command is Universal.CANCEL:
                await discard(turn)
            else:
                await keep_draft(turn, what, self._entry_label(turn, turn.flow or ""))
        elif command is Universal.MENU:
            turn.leave()
        elif command is Universal.HELP:
            turn.say(help_text(turn))
            if turn.flow and (prompt := turn.prompt):
                turn.show(prompt)
            else:
                turn.conversation.prompt = None
        elif command is Universal.CANCEL:
            turn.say(turn._("Cancelled.") if turn.flow else turn._("There is nothing to cancel."))
            turn.leave()
        elif command is Universal.BACK:
            self._go_back(turn)

    def _go_back(self, turn: Turn) -> None:
        history = list(turn.conversation.history)
        if not turn.flow or not history:
            turn.leave()
            return
        previous = Prompt.from_json(history.pop())
        turn.conversation.history = history
        turn.show(previous)

    async def _continue_flow(self, turn: Turn) -> None:
        flow = self.flows.flows.get(turn.flow or "")
        prompt = turn.prompt
        if flow is None or prompt is None:
            # A flow removed by an upgrade, or state from an older version: start over cleanly.
            turn.leave()
            return
        turn.choice = self._resolve_choice(turn, prompt)
        if turn.choice in NAVIGATION:  # "3" typed where "3. Back" was listed
            await self._run_universal(turn, NAVIGATION[turn.choice])
            return
        if turn.choice is None and not prompt.free_text:
            turn.show(prompt, prefix=turn._(NOT_UNDERSTOOD))
            return
        if turn.event.kind is EventKind.UNSUPPORTED and turn.choice is None:
            turn.show(prompt, prefix=unsupported_text(turn))
            return
        if prompt.step in ENGINE_STEPS:
            await answer_draft_question(turn, flow, self._entry_label(turn, flow.name))
            return
        await flow.handle(turn)

    def _resolve_choice(self, turn: Turn, prompt: Prompt) -> str | None:
        event = turn.event
        keys = {c.key for c in prompt.choices}
        if event.kind is EventKind.CHOICE:
            return event.choice_key if event.choice_key in keys else None
        if event.kind is not EventKind.TEXT or not prompt.choices:
            return None
        # "Back" and "Cancel" are words, never numbered: a number means one of the flow's own
        # choices, and only where they were shown numbered (else it is the answer itself).
        own = [c for c in prompt.choices if not c.key.startswith(NAV_PREFIX)]
        if not own or (not prompt.numbered and is_number(event.text)):
            return None
        picked = match_choice(event.text, own)
        return picked.key if picked else None

    async def start_flow(self, turn: Turn, name: str) -> None:
        if self._needs_consent(turn, name):
            name = self.flows.consent_flow or name
        if turn.event.is_group and name in self.flows.private_flows:
            await self._start_in_private(turn, name)
            return
        turn.enter(name)
        flow = self.flows.flows[name]
        if not await offer_resume(turn, flow):
            await flow.begin(turn)

    def _command_entry(self, turn: Turn) -> MenuEntry | None:
        """A menu's command typed in the middle of a flow ("/bienban" at the host question)."""
        event = turn.event
        if event.kind is not EventKind.COMMAND or not event.command:
            return None
        return self.flows.entry_for_command(event.command.lower(), turn.roles)

    async def _switch_flow(self, turn: Turn, entry: MenuEntry) -> None:
        """The command runs; what the person had typed in the flow they were in is kept."""
        if what := draft_name(turn, self.flows.flows.get(turn.flow or "")):
            await keep_draft(turn, what, self._entry_label(turn, turn.flow or ""))
        await self.start_flow(turn, entry.flow)

    def _entry_label(self, turn: Turn, flow: str) -> str:
        entry = next((e for e in self.flows.menu if e.flow == flow), None)
        return turn._(entry.label) if entry else "menu"

    async def _start_in_private(self, turn: Turn, name: str) -> None:
        """Joining, one's data, a tip: asked in the person's private chat, never in the group;
        the group is told only that a private message was sent."""
        event = replace(turn.event, chat_id=turn.account.chat_id, is_group=False, update_key=None)
        conversation = await private_conversation(
            turn.session, channel=event.channel, chat_id=event.chat_id, user_id=event.user_id
        )
        private = replace(turn, event=event, conversation=conversation, replies=[], queued=set())
        private.enter(name)
        await self.flows.flows[name].begin(private)
        if not private.flow and not conversation.prompt:
            self.show_menu(private)
        conversation.updated_at = turn.now
        turn.queued |= private.queued
        turn.shown_elsewhere = True
        for message in private.replies:
            await turn.notify(
                channel=event.channel,
                chat_id=event.chat_id,
                message=message,
                priority=Priority.REPLY,
            )
        turn.say(
            turn._(
                "I have messaged you privately. If nothing arrives, open a private chat with "
                "Bình Yên first."
            )
        )
