"""Telegram through python-telegram-bot, used as transport only.

PTB receives updates (long polling, or our aiohttp webhook feeding `process_update`) and sends
messages; everything else happens in the dialog engine. Updates of one chat are handled one at
a time and in order; different chats run concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import (
    BotCommand,
    ChatMemberUpdated,
    Update,
)
from telegram.constants import ChatMemberStatus
from telegram.error import (
    BadRequest,
    InvalidToken,
    NetworkError,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder

from bot.config import ConfigError, Settings
from bot.files import FileTooLarge, FileUnavailable
from bot.i18n import N_, Translator
from bot.messages import OutboundMessage
from bot.messengers import TELEGRAM
from bot.runtime.channels.base import BadUpdate, keep_trying
from bot.runtime.channels.telegram_events import CHANNEL, to_event
from bot.runtime.channels.telegram_http import AiohttpRequest, ApiObserver
from bot.runtime.channels.telegram_polling import is_update_id, poll_forever
from bot.runtime.channels.telegram_send import TelegramSender
from bot.runtime.dialog.engine import DialogEngine, QueuedReply
from bot.runtime.inbox import Inbox, Received
from storage.base import utcnow
from storage.db import Database
from storage.repos.accounts import mark_blocked, move_account_chat
from storage.repos.conversations import move_chat

log = logging.getLogger(__name__)

EXTERNAL_ID_MAX = 64  # OutboxMessage.external_message_id
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
# The commands shown in Telegram's menu; the texts are msgids translated per language.
COMMAND_MENU = (
    ("start", N_("Start")),
    ("menu", N_("Main menu")),
    ("help", N_("Help")),
    ("huy", N_("Cancel what you are doing")),
)


def build_application(settings: Settings, *, observe_api: ApiObserver | None = None) -> Application:
    api = settings.telegram_api_url
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or "")
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .concurrent_updates(True)
        .request(AiohttpRequest(observe=observe_api))
        # PTB adds the long poll's 30 s to this read timeout.
        .get_updates_request(AiohttpRequest(connections=1, read_timeout=5.0, observe=observe_api))
    )
    # Polling is ours (bot.runtime.channels.telegram_polling): it confirms updates only once stored.
    return builder.updater(None).build()


PARSED_KEPT = 2_000  # parsed updates waiting to be handled (a burst is a thousand; a few MB)


class TelegramChannel:
    """Receives Telegram updates into the engine and sends outbox messages to Telegram."""

    name = CHANNEL
    capabilities = TELEGRAM

    def __init__(
        self,
        *,
        settings: Settings,
        engine: DialogEngine,
        db: Database,
        deliver_replies: Callable[[list[QueuedReply]], Awaitable[None]],
        observe_api: ApiObserver | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.db = db
        self.deliver_replies = deliver_replies
        self.webhook = bool(settings.webhook_url)
        self.connected = False  # for /healthz
        self.application = build_application(settings, observe_api=observe_api)
        self.sender = TelegramSender(self.application.bot, Path(settings.media_dir))
        self.inbox = Inbox(db=db, channel=CHANNEL, handle=self._handle_stored)
        self._poller: asyncio.Task[None] | None = None
        # Updates as parsed when they were stored, until handled: parsed once, not twice.
        self._parsed: dict[int, Update] = {}

    @property
    def bot(self):  # type: ignore[no-untyped-def]
        return self.application.bot

    @asynccontextmanager
    async def running(self) -> AsyncIterator[TelegramChannel]:
        """Connect, announce the command menu, receive updates until the block ends.

        When Telegram cannot be reached (down, or blocked on this network), the rest of the bot
        runs meanwhile, and this channel keeps trying in the background; its outbox waits.
        """
        started = await self._try_start()
        try:
            async with self.inbox.running():  # what a previous run stored is handled first
                retrying: asyncio.Task[None] | None = None
                try:
                    if not started:
                        retrying = asyncio.create_task(self._keep_trying())
                    elif not self.webhook:
                        self._start_polling()
                    yield self
                finally:
                    for task in (retrying, self._poller):
                        if task is not None:
                            task.cancel()
                            with contextlib.suppress(asyncio.CancelledError):
                                await task
                    self._poller = None
        finally:
            await self._stop()

    async def _try_start(self) -> bool:
        try:
            await self._start()
        except InvalidToken:
            await self._stop()
            # PTB's message quotes the token: it must not reach the logs.
            raise ConfigError("TELEGRAM_BOT_TOKEN: Telegram rejected this token") from None
        except NetworkError as exc:
            await self._stop()
            log.warning("Telegram Bot API unreachable (%s); will keep trying", type(exc).__name__)
            return False
        return True

    async def _start(self) -> None:
        await self.application.initialize()
        if not self.settings.telegram_bot_username:
            # Invite links (t.me/<bot>?start=CODE) need it; Telegram told us at initialize().
            self.settings.telegram_bot_username = self.bot.username
        await self._set_command_menu()
        if self.webhook:
            await self.bot.set_webhook(
                url=self.settings.webhook_url or "",
                secret_token=self.settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await self.bot.delete_webhook()
        await self.application.start()
        self.connected = True
        log.info("telegram channel started (%s)", "webhook" if self.webhook else "polling")

    async def _stop(self) -> None:
        """Stop whatever part started; also after a start that failed halfway."""
        self.connected = False
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self.bot.shutdown()  # the HTTP sessions, even when initialize() failed in getMe

    async def _set_command_menu(self) -> None:
        for language in ("vi", "en"):
            t = Translator(language, self.settings.timezone)
            commands = [BotCommand(name, t.gettext(text)) for name, text in COMMAND_MENU]
            # Vietnamese is the default for everyone whose app is not set to English.
            await self.bot.set_my_commands(
                commands, language_code=None if language == "vi" else "en"
            )

    async def _keep_trying(self) -> None:
        await keep_trying(self._try_start)
        if not self.webhook:
            self._start_polling()

    def _start_polling(self) -> None:
        self._poller = asyncio.create_task(
            poll_forever(self.bot, store=self._store, allowed_updates=ALLOWED_UPDATES)
        )

    async def process_webhook_update(self, data: dict[str, object]) -> None:
        """Store one update posted to our webhook, then handle it; returns once it is handled
        (or stored for a retry). Raises BadUpdate for a body that is not an update."""
        if not is_update_id(data.get("update_id")):
            raise BadUpdate("a body without an update id")
        try:
            update = self._parse(data)
        except Exception as exc:
            # Telegram would deliver it again and again, holding back the updates behind it.
            reason = f"an update of an unknown shape ({type(exc).__name__})"
            raise BadUpdate(reason, ignore=True) from None
        tasks = await self.inbox.receive([self._received(update, data)])
        await asyncio.shield(asyncio.gather(*tasks))

    async def _store(self, raw: Sequence[dict[str, Any]]) -> None:
        received = []
        for data in raw:
            try:
                update = self._parse(data)
            except Exception as exc:
                log.warning(
                    "telegram: an update of an unknown shape ignored (%s)", type(exc).__name__
                )
                continue
            received.append(self._received(update, data))
        await self.inbox.receive(received)

    def _parse(self, data: dict[str, Any]) -> Update:
        """The update, kept for its handling. The inbox stores it without control characters;
        what the engine reads of it is cleaned there again (bot.runtime.dialog.engine)."""
        if len(self._parsed) > PARSED_KEPT:  # redeliveries never handled: start afresh
            self._parsed.clear()
        update = Update.de_json(data, self.bot)
        self._parsed[update.update_id] = update
        return update

    @staticmethod
    def _received(update: Update, data: dict[str, Any]) -> Received:
        chat = update.effective_chat or update.effective_user
        return Received(str(update.update_id), str(chat.id) if chat else "", dict(data))

    async def _handle_stored(self, payload: dict[str, Any]) -> None:
        update = self._parsed.pop(payload.get("update_id"), None)
        await self._on_update(update or Update.de_json(payload, self.bot))

    # --- inbound -------------------------------------------------------------------------
    async def _on_update(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._answer_callback(update)
        if update.my_chat_member is not None:
            await self._on_membership(update.my_chat_member)
            return
        message = update.message
        if message is not None and message.migrate_to_chat_id:
            await self._on_migration(str(message.chat.id), str(message.migrate_to_chat_id))
            return
        event = to_event(
            update, bot_username=self.bot.username if self.application.running else None
        )
        if event is None:
            return
        # The inbox handles one chat's updates one at a time, in order.
        replies = await self.engine.handle(event)
        await self.deliver_replies(replies)

    async def _answer_callback(self, update: Update) -> None:
        try:
            await update.callback_query.answer()  # type: ignore[union-attr]
        except TelegramError as exc:
            # Too old to answer (over 15 minutes) or a network blip: the press is still handled.
            log.info("could not answer a callback query: %s", type(exc).__name__)

    async def _on_membership(self, change: ChatMemberUpdated) -> None:
        status = change.new_chat_member.status
        if (
            status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
            and change.chat.type == "private"
        ):
            async with self.db.transaction() as session:
                await mark_blocked(
                    session, channel=CHANNEL, chat_id=str(change.chat.id), at=utcnow()
                )
            log.info("a user blocked the bot")

    async def _on_migration(self, old_chat_id: str, new_chat_id: str) -> None:
        async with self.db.transaction() as session:
            await move_account_chat(
                session, channel=CHANNEL, old_chat_id=old_chat_id, new_chat_id=new_chat_id
            )
            await move_chat(
                session, channel=CHANNEL, old_chat_id=old_chat_id, new_chat_id=new_chat_id
            )
        log.info("a group chat migrated to a supergroup")

    async def download(self, ref: str) -> bytes:
        """A file a user sent (a tip's photo or voice message), for the evidence store; at
        most TIP_MAX_ATTACHMENT_MB. Raises FileUnavailable when Telegram will never give it."""
        limit = self.settings.tip_max_attachment_mb * 1024 * 1024
        try:
            file = await self.bot.get_file(ref)
            if file.file_size is not None and file.file_size > limit:
                raise FileTooLarge(f"{file.file_size} bytes")
            content = await file.download_as_bytearray()
        except BadRequest as exc:  # an unknown file id, or over the Bot API's 20 MB
            raise FileUnavailable(exc.message) from None
        if len(content) > limit:
            raise FileTooLarge(f"{len(content)} bytes")
        return bytes(content)

    # --- outbound ------------------------------------------------------------------------
    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        return await self.sender.send(chat_id, message)
