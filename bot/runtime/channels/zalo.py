"""Zalo through the Zalo Bot API, with our own small aiohttp client.

Updates come by long polling (`getUpdates` hands out one update per call, an idle poll ends
with HTTP 408, and already-read updates may come again) or by webhook (`/zalo/webhook` on the
same aiohttp server as Telegram's, its secret checked in constant time). Every update is
deduplicated on its `message_id` (in memory, and by the engine's update ledger across restarts
and processes); updates of one chat are handled one at a time and in order.

Zalo has no buttons, no message editing, no locations and no files (its declared
capabilities, `bot.messengers.ZALO`), so the renderer (`bot.runtime.channels.render`) sends
messages as text: choices numbered, the buttons under notices as the commands to type, long
texts cut at 2,000 UTF-16 units. Every message Zalo accepts is reported (`meter`) to the
plan's monthly budget, which the outbox policy keeps (`bot.runtime.outbox_policy`).

The bot token is part of every request's URL: it is never logged, and network errors are
reported by their kind only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from bot.config import ConfigError, Settings
from bot.files import FileUnavailable
from bot.i18n import Translator
from bot.messages import OutboundMessage
from bot.messengers import ZALO
from bot.runtime.channels.base import BadUpdate, NoMeter, SendMeter, TryLater, keep_trying
from bot.runtime.channels.render import Rendered, render
from bot.runtime.channels.text_render import typed_commands
from bot.runtime.channels.zalo_client import ZaloClient, ZaloNetworkError
from bot.runtime.channels.zalo_errors import ZaloApiError, delivery_error
from bot.runtime.channels.zalo_events import CHANNEL, mentioned_name, to_event, unwrap, update_key
from bot.runtime.channels.zalo_media import resolve_photo
from bot.runtime.dialog.engine import DialogEngine, QueuedReply
from bot.runtime.dialog.flows import ACTION_PREFIX
from bot.runtime.inbox import DIGEST_PREFIX, Inbox, Received
from bot.runtime.pacing import PacingRules
from storage.db import Database
from storage.repos.accounts import chat_language

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30  # seconds Zalo may hold a getUpdates open
# sendPhoto is answered only once Zalo has fetched the picture from its URL.
PHOTO_TIMEOUT = 90.0
MAX_BACKOFF = 60.0
SEEN_KEYS = 10_000  # message ids remembered, against replayed updates
LANGUAGE_CACHE_SECONDS = 60.0


def zalo_pacing(settings: Settings) -> PacingRules:
    return PacingRules(
        overall_per_second=settings.zalo_global_rate,
        private_chat_interval=settings.zalo_private_chat_interval,
        group_chat_interval=60.0 / settings.zalo_group_per_minute,
    )


def received_update(update: dict[str, Any]) -> Received | None:
    """The inbox's entry for a Zalo update; None when it names no sender or chat."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat, sender = message.get("chat"), message.get("from")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    sender_id = sender.get("id") if isinstance(sender, dict) else None
    if not chat_id or not sender_id or isinstance(chat_id, dict | list):
        return None
    return Received(update_key(update) or "", str(chat_id)[:64], update)


# --- the channel ----------------------------------------------------------------------------
class ZaloChannel:
    """Receives Zalo updates into the engine and sends outbox messages to Zalo."""

    name = CHANNEL
    capabilities = ZALO

    def __init__(
        self,
        *,
        settings: Settings,
        engine: DialogEngine,
        db: Database,
        deliver_replies: Callable[[list[QueuedReply]], Awaitable[None]],
        meter: SendMeter | None = None,
        observe_api: Callable[[str, int | None], None] | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.db = db
        self.deliver_replies = deliver_replies
        self.meter = meter or NoMeter()  # the plan's monthly budget, kept by the outbox policy
        self.webhook = bool(settings.zalo_webhook_url)
        self.connected = False  # for /healthz
        self.client = ZaloClient(
            token=settings.zalo_bot_token or "", api_url=settings.zalo_api_url, observe=observe_api
        )
        self.bot_name: str | None = None
        self.bot_id = ""
        self._bot_names: list[str] = []
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.inbox = Inbox(db=db, channel=CHANNEL, handle=self._handle)
        self._languages: dict[str, tuple[str, float]] = {}
        self._poller: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ZaloChannel]:
        """Connect, announce the webhook or start polling, receive until the block ends.

        When Zalo cannot be reached, the rest of the bot runs meanwhile, and this channel keeps
        trying in the background; its outbox waits.
        """
        await self.client.open()
        try:
            async with self.inbox.running():  # what a previous run stored is handled first
                retrying: asyncio.Task[None] | None = None
                try:
                    if not await self._try_start():
                        retrying = asyncio.create_task(keep_trying(self._try_start))
                    yield self
                finally:
                    for task in (retrying, self._poller):
                        if task is not None:
                            task.cancel()
                            with contextlib.suppress(asyncio.CancelledError):
                                await task
        finally:
            self.connected = False
            await self.client.close()

    async def _try_start(self) -> bool:
        try:
            await self._start()
        except ZaloApiError as exc:
            if 401 in (exc.status, exc.error_code):
                raise ConfigError("ZALO_BOT_TOKEN: Zalo rejected this token") from None
            if exc.status < 500:
                raise
            log.warning("Zalo Bot API answered %s at start; will keep trying", exc.status)
            return False
        except ZaloNetworkError as exc:
            log.warning("Zalo Bot API unreachable (%s); will keep trying", exc)
            return False
        return True

    async def _start(self) -> None:
        me = await self.client.call("getMe")
        if isinstance(me, dict):
            # As documented, getMe gives `id` and `account_name` only; `display_name` (the name
            # people mention) is taken when present, and learned from the first mention.
            self.bot_id = str(me.get("id") or "")
            for field in ("display_name", "name", "account_name"):
                value = me.get(field)
                if isinstance(value, str) and value.strip():
                    self._bot_names.append(value.strip())
            self.bot_name = self._bot_names[0] if self._bot_names else None
        if self.webhook:
            await self.client.call(
                "setWebhook",
                {
                    "url": self.settings.zalo_webhook_url,
                    "secret_token": self.settings.zalo_webhook_secret,
                },
            )
        else:
            with contextlib.suppress(ZaloApiError):  # 404 when there was none
                await self.client.call("deleteWebhook")
            self._poller = asyncio.create_task(self._poll_forever())
        self.connected = True
        log.info("zalo channel started (%s)", "webhook" if self.webhook else "polling")

    # --- inbound -------------------------------------------------------------------------
    async def process_webhook_update(self, data: dict[str, object]) -> None:
        """Store one update posted to our webhook, then handle it; returns once it is handled
        (or stored for a retry). Raises BadUpdate for a body that is not an update."""
        update = unwrap(data)
        received = received_update(update) if update is not None else None
        if received is None:
            # Zalo's own envelope is answered 200 (else Zalo delivers it again and again).
            ours = "event_name" in data or ("ok" in data and "result" in data)
            raise BadUpdate("a body that is not a Zalo message update", ignore=ours)
        tasks = await self.inbox.receive([received])
        await asyncio.shield(asyncio.gather(*tasks))

    async def _poll_forever(self) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        unstored: Received | None = None  # read from Zalo, not yet in the inbox
        while True:
            started = loop.time()
            pause = 0.0
            try:
                if unstored is None:
                    result = await self.client.call(
                        "getUpdates", {"timeout": POLL_TIMEOUT}, timeout=POLL_TIMEOUT + 15
                    )
                    update = unwrap(result) if result else None
                    unstored = received_update(update) if update is not None else None
                if unstored is not None:
                    # Zalo counts an update read once it handed it out: until it is stored,
                    # no other is fetched, and storing is tried again.
                    await self.inbox.receive([unstored])
                    unstored = None
                failures = 0
            except ZaloApiError as exc:
                if not exc.idle:
                    failures += 1
                    pause = min(MAX_BACKOFF, 2.0**failures)
                    level = logging.ERROR if exc.means(401) else logging.WARNING
                    log.log(level, "zalo getUpdates failed: %s/%s", exc.status, exc.error_code)
            except ZaloNetworkError as exc:
                failures += 1
                pause = min(MAX_BACKOFF, 2.0**failures)
                log.warning("zalo getUpdates: %s, retrying in %.0fs", exc, pause)
            except Exception as exc:  # the database, most likely
                failures += 1
                pause = min(MAX_BACKOFF, 2.0**failures)
                log.warning(
                    "zalo: could not store an update (%s), retrying in %.0fs",
                    type(exc).__name__,
                    pause,
                )
            # Zalo asks for no more than about one poll a second.
            pause = max(pause, self.settings.zalo_poll_interval - (loop.time() - started))
            if pause > 0:
                await asyncio.sleep(pause)

    async def _handle(self, update: dict[str, Any]) -> None:
        """One stored update (the inbox holds the chat's turn); raises for the inbox to retry."""
        self._learn_name(update)
        event = to_event(update, bot_name=self._bot_names, bot_id=self.bot_id)
        if event is None:
            return
        key = event.update_key
        if key is not None and not key.startswith(DIGEST_PREFIX) and key in self._seen:
            return  # a replayed update, already handled by this process
        replies = await self.engine.handle(event)
        self._remember_languages(replies)
        await self.deliver_replies(replies)
        if key is not None and not key.startswith(DIGEST_PREFIX):
            self._first_time(key)  # remembered once handled: a failure is retried

    def _learn_name(self, update: dict[str, Any]) -> None:
        """The bot's display name, from a mention Zalo marks as the bot's."""
        name = mentioned_name(update, self.bot_id)
        if name and name not in self._bot_names:
            self._bot_names.insert(0, name)

    def _first_time(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > SEEN_KEYS:
            self._seen.popitem(last=False)
        return True

    async def download(self, ref: str) -> bytes:
        """A picture a user sent (a tip's photo), by the URL Zalo gave, for the evidence store."""
        if not ref.startswith(("https://", "http://")):
            raise FileUnavailable("not a URL")
        limit = self.settings.tip_max_attachment_mb * 1024 * 1024
        return await self.client.download(ref, limit=limit)

    # --- outbound ------------------------------------------------------------------------
    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        try:
            return await self._send(chat_id, message)
        except ZaloApiError as exc:
            if exc.quota_exceeded:
                self.meter.exceeded()
            raise delivery_error(exc) from None
        except ZaloNetworkError as exc:
            raise TryLater(f"network: {exc}") from None

    async def _send(self, chat_id: str, message: OutboundMessage) -> str | None:
        rendered = await self._render(chat_id, message)
        if rendered.unchanged is not None:
            return rendered.unchanged
        sent: Any = None
        if rendered.photo:
            params = {"chat_id": chat_id, "photo": rendered.photo}
            if rendered.caption:
                params["caption"] = rendered.caption
            sent = await self._send_photo(params)
        for piece in rendered.parts:
            sent = await self._deliver("sendMessage", {"chat_id": chat_id, "text": piece})
        if isinstance(sent, dict) and sent.get("message_id") is not None:
            return str(sent["message_id"])[:64]
        return None

    async def _send_photo(self, params: dict[str, Any]) -> Any:
        """A picture, given time for Zalo to fetch it. When even that runs out, Zalo may well
        have delivered it: it is not sent again (a retry would show it twice); the rest of the
        message goes on."""
        try:
            return await self._deliver("sendPhoto", params, timeout=PHOTO_TIMEOUT)
        except ZaloNetworkError as exc:
            if str(exc) != "timeout":
                raise
            log.warning("zalo sendPhoto timed out; taken as sent, not repeated")
            self.meter.record()
            return True

    async def _deliver(
        self,
        method: str,
        params: dict[str, Any],
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the HTTP timeout, not a wait)
    ) -> Any:
        result = await self.client.call(method, params, timeout=timeout)
        self.meter.record()
        return result

    async def _render(self, chat_id: str, message: OutboundMessage) -> Rendered:
        """The message as Zalo can show it, with the reader's hints, the commands to type and
        a tip's picture as a URL Zalo can fetch."""
        if message.replaces and not ZALO.edits:
            return render(message, ZALO)  # left as it stands: nothing to look up
        t = Translator(await self._language(chat_id), self.settings.timezone)
        typed: dict[str, str] = {}
        if any(c.key.startswith(ACTION_PREFIX) for c in message.choices):
            async with self.db.transaction() as session:
                typed = await typed_commands(self.engine.flows, session, message.choices)
        if message.photo:
            photo = await resolve_photo(self.db, self.settings, message.photo)
            message = replace(message, photo=photo or message.photo)
        return render(message, ZALO, typed=typed, t=t)

    def _remember_languages(self, replies: list[QueuedReply]) -> None:
        """The engine knows the reader's language: no lookup when their replies are sent."""
        expires = asyncio.get_running_loop().time() + LANGUAGE_CACHE_SECONDS
        for reply in replies:
            if reply.language and not reply.is_group:
                self._cache_language(reply.chat_id, reply.language, expires)

    def _cache_language(self, chat_id: str, language: str, expires: float) -> None:
        if len(self._languages) > SEEN_KEYS:
            self._languages.clear()
        self._languages[chat_id] = (language, expires)

    async def _language(self, chat_id: str) -> str:
        """The reader's language for the hints we add; a group's is the bot's default."""
        now = asyncio.get_running_loop().time()
        cached = self._languages.get(chat_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        async with self.db.transaction() as session:
            language = await chat_language(session, channel=CHANNEL, chat_id=chat_id)
        language = language or self.settings.bot_locale
        self._cache_language(chat_id, language, now + LANGUAGE_CACHE_SECONDS)
        return language
