"""The messengers the app can run, each declaring itself: what it can do, whether it is
configured, and how its channel and outbox worker are built and reached from the web server.

The app (bot.runtime.app) only walks this list; nothing there names a messenger.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from bot.config import Settings
from bot.crypto import FieldCipher
from bot.messages import Capabilities
from bot.messengers import TELEGRAM, ZALO
from bot.runtime.channels import zalo_media
from bot.runtime.channels.telegram import TelegramChannel
from bot.runtime.channels.zalo import ZaloChannel, zalo_pacing
from bot.runtime.dialog.engine import DialogEngine, QueuedReply
from bot.runtime.outbox import OutboxWorker
from bot.runtime.outbox_policy import ZaloOutboxWorker, ZaloQuota
from bot.runtime.pacing import Pacer, PacingRules
from bot.runtime.webhook import telegram_webhook, zalo_webhook
from storage.db import Database

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ChannelNeeds:
    """What the app hands an adapter to build its channel."""

    settings: Settings
    db: Database
    engine: DialogEngine
    deliver_replies: Callable[[list[QueuedReply]], Awaitable[None]]
    wake: Callable[[str], None]
    observe_api: Callable[[str, int | None], None]


class Channel(Protocol):
    name: str
    capabilities: Capabilities
    connected: bool

    def running(self) -> AbstractAsyncContextManager[Any]: ...

    async def send(self, chat_id: str, message: Any) -> str | None: ...

    async def download(self, ref: str) -> bytes: ...


@dataclass
class ChannelKit:
    """A built channel: its worker, the routes where its messenger posts updates (webhooks)
    or fetches what we serve (pages), and what to do once both have stopped."""

    channel: Channel
    worker: OutboxWorker
    webhooks: dict[str, Handler] = field(default_factory=dict)
    pages: dict[str, Handler] = field(default_factory=dict)
    after_stop: Callable[[], Awaitable[None]] | None = None


class Adapter(Protocol):
    capabilities: Capabilities

    def token(self, settings: Settings) -> str | None:
        """The bot token; None when this messenger is not configured."""

    def by_webhook(self, settings: Settings) -> bool:
        """Updates come by webhook; else this process polls (one poller per token)."""

    def build(self, needs: ChannelNeeds) -> ChannelKit: ...


class TelegramAdapter:
    capabilities = TELEGRAM

    def token(self, settings: Settings) -> str | None:
        return settings.telegram_bot_token

    def by_webhook(self, settings: Settings) -> bool:
        return bool(settings.webhook_url)

    def build(self, needs: ChannelNeeds) -> ChannelKit:
        settings = needs.settings
        channel = TelegramChannel(
            settings=settings,
            engine=needs.engine,
            db=needs.db,
            deliver_replies=needs.deliver_replies,
            observe_api=needs.observe_api,
        )
        pacing = PacingRules(
            overall_per_second=settings.telegram_global_rate,
            private_chat_interval=settings.telegram_private_chat_interval,
            group_chat_interval=60.0 / settings.telegram_group_per_minute,
        )
        worker = OutboxWorker(
            db=needs.db, sender=channel, pacer=Pacer(pacing), cipher=FieldCipher.of(settings)
        )
        kit = ChannelKit(channel=channel, worker=worker)
        if self.by_webhook(settings):
            kit.webhooks[settings.webhook_path] = telegram_webhook(
                secret=settings.webhook_secret or "", process=channel.process_webhook_update
            )
        return kit


class ZaloAdapter:
    """Zalo's plan has a monthly budget: the outbox policy counts and keeps it."""

    capabilities = ZALO

    def token(self, settings: Settings) -> str | None:
        return settings.zalo_bot_token

    def by_webhook(self, settings: Settings) -> bool:
        return bool(settings.zalo_webhook_url)

    def build(self, needs: ChannelNeeds) -> ChannelKit:
        settings = needs.settings
        quota = ZaloQuota(needs.db, settings, wake=needs.wake)
        channel = ZaloChannel(
            settings=settings,
            engine=needs.engine,
            db=needs.db,
            deliver_replies=needs.deliver_replies,
            meter=quota,
            observe_api=needs.observe_api,
        )
        worker = ZaloOutboxWorker(
            db=needs.db,
            sender=channel,
            pacer=Pacer(zalo_pacing(settings)),
            quota=quota,
            cipher=FieldCipher.of(settings),
        )
        # The last messages' count, once nothing more can be sent.
        kit = ChannelKit(channel, worker, after_stop=lambda: worker.account(force=True))
        if self.by_webhook(settings):
            kit.webhooks[settings.zalo_webhook_path] = zalo_webhook(
                secret=settings.zalo_webhook_secret or "", process=channel.process_webhook_update
            )
            # The tips' own copies of photos, for Zalo to fetch (zalo_media).
            kit.pages[zalo_media.ROUTE] = zalo_media.media_handler(needs.db, settings)
        return kit


ADAPTERS: tuple[Adapter, ...] = (TelegramAdapter(), ZaloAdapter())
