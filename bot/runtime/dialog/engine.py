"""The dialog engine: one inbound event in, one transaction, replies queued in the outbox.

For each event: drop it if this update was processed before; load the account and the
conversation; run the universal commands (start, menu, help, cancel, back) or hand the answer to
the running flow, or to the main menu when none runs; save the state and queue the replies in the
same transaction. Anything that raises is rolled back and answered with an apology instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bot.config import Settings
from bot.i18n import N_, Translator, pick_locale
from bot.messages import Choice, EventKind, InboundEvent, OutboundMessage
from bot.messengers import DECLARED, Messengers
from bot.people.consent import has_current_consent
from bot.runtime.clean_input import clean_text
from bot.runtime.dialog.commands import NAV_PREFIX, NAVIGATION, Universal, universal_command
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
from bot.runtime.dialog.turn import Prompt, Turn
from bot.runtime.dialog.typed_buttons import notice_button_for
from bot.sealed_messages import outbox_payload
from bot.text_match import fold, is_number, match_choice
from storage.base import utcnow
from storage.db import Database
from storage.models import Priority
from storage.repos.conversations import private_conversation
from storage.repos.ledger import record_processed, was_processed
from storage.repos.outbox import queue_message
from storage.repos.senders import load_person, load_sender

log = logging.getLogger(__name__)

MENU_KEY_PREFIX = "m:"
# The last line of the main menu, opening the entries marked `secondary`.
MORE_ENTRY = MenuEntry(key="more", label=N_("More…"), flow="")
MENU_PAGE = 8  # entries on a menu page, then "More…": no numbered list longer than 9 lines
# Not a role anyone is given: everyone the bot keeps something about has it (a member, or a
# person of the commune's list who has not agreed to the notice yet), to see "My data".
JOINED = "joined"
# A flow may hand these to the engine by name; the texts live here so every flow says them alike.
NOT_UNDERSTOOD = N_("Sorry, I did not understand that. Please choose one of the options:")
STALE_BUTTON = N_("That button belongs to an earlier question. Here is the current one:")


# Replies are queued already claimed by the process that answers; if it dies before sending,
# the worker sends them once this lease has run out.
REPLY_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class QueuedReply:
    outbox_id: int
    chat_id: str
    is_group: bool
    message: OutboundMessage
    language: str = ""  # the reader's, for what a text-only channel adds (hints)


class DuplicateUpdate(Exception):
    """This update was processed before (a redelivery)."""


class DialogEngine:
    def __init__(
        self,
        *,
        db: Database,
        flows: FlowRegistry,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        on_queued: Callable[[str], None] | None = None,
        messengers: Messengers = DECLARED,
    ) -> None:
        self.db = db
        self.messengers = messengers
        self.flows = flows
        self.settings = settings
        self.clock = clock
        self.on_queued = on_queued or (lambda _channel: None)
        self.idle_timeout = timedelta(minutes=settings.conversation_idle_minutes)

    async def handle(self, event: InboundEvent) -> list[QueuedReply]:
        """Process one event exactly once; returns the replies to send to its chat now."""
        event = clean_event(event)
        for attempt in range(3):
            try:
                return await self._handle_once(event)
            except DuplicateUpdate:
                log.info("dropped a redelivered %s update", event.channel)
                return []
            except (StaleDataError, IntegrityError):
                # Another process changed this conversation, or claimed this update, first.
                if event.update_key and await self._already_processed(event):
                    return []
                if attempt == 2:
                    log.exception("conflict persisted on a %s event", event.channel)
                    return await self._apologise(event)
            except Exception:
                # The one error boundary per event: log without personal data, apologise.
                log.exception("failed to handle a %s %s event", event.channel, event.kind)
                return await self._apologise(event)
        return []

    async def _already_processed(self, event: InboundEvent) -> bool:
        async with self.db.transaction() as session:
            return await was_processed(
                session, channel=event.channel, update_key=event.update_key or ""
            )

    async def _handle_once(self, event: InboundEvent) -> list[QueuedReply]:
        async with self.db.transaction() as session:
            if event.update_key and not await record_processed(
                session, channel=event.channel, update_key=event.update_key, at=self.clock()
            ):
                raise DuplicateUpdate
            turn = await self._load_turn(session, event)
            await self._dispatch(turn)
            turn.conversation.updated_at = turn.now
            replies = await self._queue_replies(turn)
        for channel in turn.queued:
            self.on_queued(channel)
        return replies

    async def _load_turn(self, session, event: InboundEvent) -> Turn:  # type: ignore[no-untyped-def]
        now = self.clock()
        account, conversation = await load_sender(
            session,
            channel=event.channel,
            user_id=event.user_id,
            chat_id=event.chat_id,
            private_chat_id=event.user_id if event.is_group else event.chat_id,
            language=pick_locale(event.language, self.settings.bot_locale),
            now=now,
        )
        person, roles = await load_person(session, account.person_id)
        if person is not None:
            roles = roles | {JOINED}
        return Turn(
            event=event,
            session=session,
            conversation=conversation,
            account=account,
            person=person,
            roles=roles,
            t=Translator(account.language, self.settings.timezone),
            now=now,
            settings=self.settings,
            capabilities=self.messengers.of(event.channel),
        )

    async def _dispatch(self, turn: Turn) -> None:
        if self._expired(turn):
            what = draft_name(turn, self.flows.flows.get(turn.flow or ""))
            turn.say(
                turn._(
                    "Your previous conversation ended after {minutes} minutes without an answer. "
                    "Nothing from it was sent.",
                    minutes=self.settings.conversation_idle_minutes,
                )
            )
            if what:
                await keep_draft(turn, what, self._entry_label(turn, turn.flow or ""))
            turn.leave()
        command = universal_command(turn.event)
        if self._is_action(turn):
            await self._run_action(turn)
            return  # a notice's button: the open question, if any, stays as it was
        if turn.event.kind is EventKind.CHOICE and self._is_stale(turn):
            await self._answer_stale_button(turn)
        elif command is not None:
            await self._run_universal(turn, command)
        elif turn.flow and (entry := self._command_entry(turn)) is not None:
            await self._switch_flow(turn, entry)
        elif turn.flow:
            await self._continue_flow(turn)
        else:
            await self._handle_idle(turn)
        if turn.shown_elsewhere:
            return
        if not turn.flow and not turn.conversation.prompt and self._menu_wanted(turn, command):
            if turn.identity_changed:  # joined, got a role, or erased: the menu changes
                await self._reload_person(turn)
            self.show_menu(turn)

    @staticmethod
    def _menu_wanted(turn: Turn, command: Universal | None) -> bool:
        """After each answer in a private chat; in a group chat (a police desk, a group's chat)
        only when asked for, so the group is not filled with menus."""
        return not turn.event.is_group or command in (Universal.MENU, Universal.START)

    async def _reload_person(self, turn: Turn) -> None:
        await turn.session.flush()
        person, roles = await load_person(turn.session, turn.account.person_id)
        turn.person = person
        turn.roles = roles | {JOINED} if person is not None else roles

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
            and not has_current_consent(turn.person)
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
            if joining and (turn.event.args or not has_current_consent(turn.person)):
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
        takes from there (an answer to a police question), or an invitation code."""
        if not turn.event.is_group and (key := await notice_button_for(turn)) is not None:
            turn.event = replace(turn.event, kind=EventKind.CHOICE, choice_key=key)
            await self._run_action(turn)
            return True
        for hook in self.flows.text_hooks:
            if await hook(turn):
                return True
        return await self._typed_invite_code(turn)

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

    async def _queue_replies(self, turn: Turn) -> list[QueuedReply]:
        queued = []
        for message in turn.replies:
            row = await queue_message(
                turn.session,
                channel=turn.event.channel,
                chat_id=turn.event.chat_id,
                payload=outbox_payload(message, self.settings),
                priority=Priority.REPLY,
                is_group_chat=turn.event.is_group,
                claimed_until=turn.now + REPLY_LEASE,
            )
            queued.append(
                QueuedReply(row.id, row.chat_id, row.is_group_chat, message, turn.account.language)
            )
        return queued

    async def _apologise(self, event: InboundEvent) -> list[QueuedReply]:
        """After a failure: remember the update (so it is not retried forever) and say sorry."""
        now = self.clock()
        t = Translator(
            pick_locale(event.language, self.settings.bot_locale), self.settings.timezone
        )
        message = OutboundMessage(
            text=t.gettext(
                "Sorry, something went wrong on our side and your last message was not saved. "
                "Please try again in a moment. In an emergency call 113."
            )
        )
        try:
            async with self.db.transaction() as session:
                if event.update_key:
                    await record_processed(
                        session, channel=event.channel, update_key=event.update_key, at=now
                    )
                row = await queue_message(
                    session,
                    channel=event.channel,
                    chat_id=event.chat_id,
                    payload=message.to_payload(),
                    priority=Priority.REPLY,
                    is_group_chat=event.is_group,
                    claimed_until=now + REPLY_LEASE,
                )
            return [QueuedReply(row.id, row.chat_id, row.is_group_chat, message, t.locale)]
        except Exception:
            log.exception("could not even queue an apology on %s", event.channel)
            return []


def clean_event(event: InboundEvent) -> InboundEvent:
    """The event without control characters in what the user typed (see bot.runtime.clean_input)."""
    names = ("text", "command", "args", "choice_key", "choice_token", "sender_name", "phone")
    changes = {
        name: clean_text(value)
        for name in names
        if isinstance(value := getattr(event, name), str) and clean_text(value) != value
    }
    return replace(event, **changes) if changes else event


def help_text(turn: Turn) -> str:
    return turn._(
        "Bình Yên helps residents, group leaders and commune police keep the neighbourhood "
        "safe.\n\n"
        "• Choose from the menu by pressing a button or typing its number or its name; "
        "diacritics are not needed.\n"
        "• Type “menu” at any time to see the menu, “back” to go back a step, "
        "“cancel” (hủy) to stop what you are doing.\n\n"
        "This bot is not an emergency line. Police: 113. Fire and rescue: 114. Ambulance: 115. "
        "Child protection: 111."
    )


def unsupported_text(turn: Turn) -> str:
    """What is said to a sticker, a voice message, a file: the question stays as it was, and
    what was typed before is kept. Zalo does not pass voice messages, files or locations on."""
    if turn.capabilities.groups and not turn.capabilities.voice:
        return turn._(
            "Sorry, {messenger} does not pass voice messages, files or locations on to me, and "
            "I cannot use stickers. Please type your answer; what you wrote before is kept.",
            messenger=turn.capabilities.title,
        )
    return turn._("Sorry, I cannot use that kind of message here. Please answer with text.")
