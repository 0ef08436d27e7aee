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

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bot.config import Settings
from bot.i18n import Translator, pick_locale
from bot.messages import EventKind, InboundEvent, OutboundMessage
from bot.messengers import DECLARED, Messengers
from bot.runtime.clean_input import clean_text
from bot.runtime.dialog.after_action import menu_line_instead
from bot.runtime.dialog.commands import Universal, universal_command
from bot.runtime.dialog.drafts import draft_name, keep_draft
from bot.runtime.dialog.flows import FlowRegistry
from bot.runtime.dialog.loading import JOINED, load_turn, reload_person
from bot.runtime.dialog.menu import Menus
from bot.runtime.dialog.navigation import Navigation
from bot.runtime.dialog.texts import NOT_UNDERSTOOD, STALE_BUTTON, help_text, unsupported_text
from bot.runtime.dialog.turn import Turn
from bot.runtime.inbox import InHand, in_hand
from bot.sealed_messages import outbox_payload
from storage.base import utcnow
from storage.db import Database
from storage.group_commit import GroupRolledBack
from storage.models import Priority
from storage.repos.conversations import save_conversation
from storage.repos.ledger import Entry, record_processed, was_processed
from storage.repos.outbox import queue_message, take_queued
from storage.repos.replies import queue_reply, save_and_queue_reply

# What flows take from the engine by name (handlers import them from here).
__all__ = [
    "JOINED",
    "NOT_UNDERSTOOD",
    "STALE_BUTTON",
    "DialogEngine",
    "QueuedReply",
    "help_text",
    "unsupported_text",
]

log = logging.getLogger(__name__)


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


# PostgreSQL's deadlock detected and serialization failure: the transaction may simply be rerun.
_RERUN_STATES = {"40P01", "40001"}


def _worth_again(error: DBAPIError) -> bool:
    state = getattr(getattr(error.orig, "driver_exception", error.orig), "sqlstate", None)
    return error.connection_invalidated or state in _RERUN_STATES


class DuplicateUpdate(Exception):
    """This update was processed before (a redelivery)."""


class DialogEngine(Navigation, Menus):
    def __init__(
        self,
        *,
        db: Database,
        flows: FlowRegistry,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        on_queued: Callable[[str], None] | None = None,
        messengers: Messengers = DECLARED,
        send_now: Callable[[str, list[int]], None] | None = None,
    ) -> None:
        """`on_queued(channel)` wakes what sends a channel's (or a queue's) new rows;
        `send_now(channel, ids)` has the channel send exactly these rows at once."""
        self.db = db
        self.messengers = messengers
        self.flows = flows
        self.settings = settings
        self.clock = clock
        self.on_queued = on_queued or (lambda _channel: None)
        self.send_now = send_now or (lambda channel, _ids: self.on_queued(channel))
        self.idle_timeout = timedelta(minutes=settings.conversation_idle_minutes)

    async def handle(self, event: InboundEvent) -> list[QueuedReply]:
        """Process one event exactly once; returns the replies to send to its chat now."""
        event = clean_event(event)
        grouped = True
        for attempt in range(3):
            try:
                return await self._handle_once(event, grouped=grouped)
            except GroupRolledBack:  # another update in its transaction failed: alone, again
                grouped = False
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
            except DBAPIError as error:
                # The connection was lost (the database restarted; the pool has let it go), or
                # PostgreSQL undid this transaction to end a deadlock: nothing was kept; again.
                if not _worth_again(error) or attempt == 2:
                    log.exception("failed to handle a %s %s event", event.channel, event.kind)
                    return await self._apologise(event)
                log.warning("a %s event's transaction was undone; again", event.channel)
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

    async def _handle_once(self, event: InboundEvent, *, grouped: bool) -> list[QueuedReply]:
        async with self.db.grouped() if grouped else self.db.transaction() as session:
            row = in_hand.get()
            clearing = None if row is None or row.removed else row
            turn = await load_turn(
                session,
                event,
                settings=self.settings,
                now=self.clock(),
                capabilities=self.messengers.of(event.channel),
                entry=self._entry(event, clearing),
            )
            if turn is None:
                raise DuplicateUpdate
            await self._dispatch(turn)
            turn.conversation.updated_at = turn.now
            replies = await self._save_and_queue_replies(turn)
            notices = take_queued(session)  # this update's: the session may be shared
        if clearing is not None:
            clearing.removed = True
        # Committed: what this event queued for others goes now, as replies do.
        for channel, ids in notices.items():
            self.send_now(channel, ids)
        for channel in turn.queued - notices.keys():
            self.on_queued(channel)
        return replies

    def _entry(self, event: InboundEvent, clearing: InHand | None) -> Entry | None:
        """What the update's handling enters first, in its transaction: the update in the
        ledger (DuplicateUpdate if it is there already), and its inbox row taken out."""
        if not event.update_key and clearing is None:
            return None
        return Entry(
            channel=event.channel,
            update_key=event.update_key or "",
            at=self.clock(),
            inbox_id=None if clearing is None else clearing.update_id,
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
        # What was running when this came; joining ends on the menu: all of it is new there.
        flow_before = turn.flow if turn.flow != self.flows.consent_flow else None
        step_before = turn.step
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
                await reload_person(turn)
            if not menu_line_instead(
                turn, flow_before=flow_before, step_before=step_before, command=command
            ):
                self.show_menu(turn)

    @staticmethod
    def _menu_wanted(turn: Turn, command: Universal | None) -> bool:
        """After each answer in a private chat; in a group chat (a police desk, a group's chat)
        only when asked for, so the group is not filled with menus."""
        return not turn.event.is_group or command in (Universal.MENU, Universal.START)

    async def _save_and_queue_replies(self, turn: Turn) -> list[QueuedReply]:
        """The turn's conversation saved and its replies queued (the first with the save: on
        PostgreSQL one statement)."""
        if not turn.replies:
            await save_conversation(turn.session, turn.conversation)
        queued = []
        for index, message in enumerate(turn.replies):
            reply = {
                "channel": turn.event.channel,
                "chat_id": turn.event.chat_id,
                "payload": outbox_payload(message, self.settings),
                "is_group_chat": turn.event.is_group,
                "claimed_until": turn.now + REPLY_LEASE,
            }
            if index == 0:
                row_id = await save_and_queue_reply(turn.session, turn.conversation, **reply)
            else:
                row_id = await queue_reply(turn.session, **reply)
            queued.append(
                QueuedReply(
                    row_id, turn.event.chat_id, turn.event.is_group, message, turn.account.language
                )
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
