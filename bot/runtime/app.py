"""All wiring in one place: what starts, in which order, and what stops it.

Order: database (migrated) → engine → channels (they feed the engine, handling first what
their inbox kept from a previous run) each with its outbox worker → scheduler → webhook server.
Shutdown runs in reverse, so nothing receives an update it can no longer answer, and a worker's
last pass still has its channel's connection to send on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from bot.config import Settings
from bot.crypto import FieldCipher
from bot.i18n import compile_catalogs
from bot.runtime.channels import zalo_media
from bot.runtime.channels.telegram import TelegramChannel
from bot.runtime.channels.zalo import ZaloChannel, zalo_pacing
from bot.runtime.dialog.engine import DialogEngine, QueuedReply
from bot.runtime.ops.health import health_handler, metrics_handler
from bot.runtime.ops.metrics import BotMetrics, MeasuredDialogEngine
from bot.runtime.ops.poller_lock import single_poller
from bot.runtime.outbox import OutboxWorker
from bot.runtime.outbox_policy import ZaloOutboxWorker, ZaloQuota
from bot.runtime.pacing import Pacer, PacingRules
from bot.runtime.scheduler import build_scheduler
from bot.runtime.webhook import build_web_app, telegram_webhook, zalo_webhook
from bot.security.keys import check_key_opens_data
from bot.tips.card_delivery import CARD_QUEUE, CardWatcher
from bot.tips.media import MEDIA_QUEUE, MediaStore
from bot.web.app import PREFIX as CONSOLE_PREFIX
from bot.web.app import ConsoleConfig, build_console
from handlers import build_flows
from storage.db import Database
from storage.migrate import upgrade_async

log = logging.getLogger(__name__)


def telegram_pacing(settings: Settings) -> PacingRules:
    return PacingRules(
        overall_per_second=settings.telegram_global_rate,
        private_chat_interval=settings.telegram_private_chat_interval,
        group_chat_interval=60.0 / settings.telegram_group_per_minute,
    )


@dataclass
class BotApp:
    settings: Settings
    db: Database
    engine: DialogEngine
    workers: dict[str, OutboxWorker] = field(default_factory=dict)
    telegram: TelegramChannel | None = None
    zalo: ZaloChannel | None = None
    web_port: int | None = None  # the bound port, once the webhook server listens
    media_store: MediaStore | None = None  # fetches tips' photos and voice messages
    metrics: BotMetrics = field(default_factory=BotMetrics)
    card_watcher: CardWatcher | None = None  # follows tips' cards until police have one

    def wake_worker(self, channel: str) -> None:
        if worker := self.workers.get(channel):
            worker.wake()
        if channel == MEDIA_QUEUE and self.media_store is not None:
            self.media_store.wake()
        if channel == CARD_QUEUE and self.card_watcher is not None:
            self.card_watcher.wake()


@asynccontextmanager
async def running_bot(settings: Settings, *, migrate: bool = True) -> AsyncIterator[BotApp]:
    """Start every configured channel with its worker, the scheduler and the webhook server."""
    settings.secret_key_bytes()  # no key, no start: a ConfigError naming BOT_SECRET_KEY
    compile_catalogs()
    if migrate:
        await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        await check_key_opens_data(db, settings)
    except BaseException:
        await db.close()
        raise
    app = BotApp(settings=settings, db=db, engine=None)  # type: ignore[arg-type]
    app.engine = MeasuredDialogEngine(
        metrics=app.metrics,
        db=db,
        flows=build_flows(),
        settings=settings,
        on_queued=app.wake_worker,
    )
    async with AsyncExitStack() as stack:
        stack.push_async_callback(db.close)
        # Polling takes each update from the messenger once: one process per token.
        if settings.telegram_bot_token and not settings.webhook_url:
            poller = single_poller(db, "telegram", settings.telegram_bot_token)
            await stack.enter_async_context(poller)
        if settings.zalo_bot_token and not settings.zalo_webhook_url:
            await stack.enter_async_context(single_poller(db, "zalo", settings.zalo_bot_token))
        if settings.telegram_bot_token:
            await stack.enter_async_context(_telegram(app))
        if settings.zalo_bot_token:
            await stack.enter_async_context(_zalo(app))
        await stack.enter_async_context(_media_store(app))
        app.card_watcher = CardWatcher(db=db, settings=settings, wake_channel=app.wake_worker)
        await stack.enter_async_context(_background(app.card_watcher.run(), app.card_watcher.stop))
        scheduler = build_scheduler(db, settings, wake=app.wake_worker)
        app.metrics.watch_scheduler(scheduler)
        scheduler.start()
        stack.callback(scheduler.shutdown, wait=False)
        webhooks = (settings.webhook_url and app.telegram) or (
            settings.zalo_webhook_url and app.zalo
        )
        if webhooks or settings.web_server or settings.web_console:
            await stack.enter_async_context(_webhook_server(app))
        yield app


@asynccontextmanager
async def _telegram(app: BotApp) -> AsyncIterator[None]:
    worker_ref: list[OutboxWorker] = []

    async def deliver(replies: list[QueuedReply]) -> None:
        await worker_ref[0].deliver_now(replies)

    channel = TelegramChannel(
        settings=app.settings,
        engine=app.engine,
        db=app.db,
        deliver_replies=deliver,
        observe_api=app.metrics.api_observer("telegram"),
    )
    worker = OutboxWorker(
        db=app.db,
        sender=channel,
        pacer=Pacer(telegram_pacing(app.settings)),
        cipher=FieldCipher.of(app.settings),
    )
    worker_ref.append(worker)
    app.workers[channel.name] = worker
    app.telegram = channel
    # The worker stops before the channel: its last pass still has a connection to send on.
    async with channel.running(), _background(worker.run(), worker.stop):
        yield


@asynccontextmanager
async def _zalo(app: BotApp) -> AsyncIterator[None]:
    worker_ref: list[ZaloOutboxWorker] = []

    async def deliver(replies: list[QueuedReply]) -> None:
        await worker_ref[0].deliver_now(replies)

    quota = ZaloQuota(app.db, app.settings, wake=app.wake_worker)
    channel = ZaloChannel(
        settings=app.settings,
        engine=app.engine,
        db=app.db,
        deliver_replies=deliver,
        meter=quota,
        observe_api=app.metrics.api_observer("zalo"),
    )
    worker = ZaloOutboxWorker(
        db=app.db,
        sender=channel,
        pacer=Pacer(zalo_pacing(app.settings)),
        quota=quota,
        cipher=FieldCipher.of(app.settings),
    )
    worker_ref.append(worker)
    app.workers[channel.name] = worker
    app.zalo = channel
    try:
        async with channel.running(), _background(worker.run(), worker.stop):
            yield
    finally:
        await worker.account(force=True)  # the last messages' count


@asynccontextmanager
async def _media_store(app: BotApp) -> AsyncIterator[None]:
    """Fetches tips' photos and voice messages from the messengers that are running."""
    sources = {channel.name: channel for channel in (app.telegram, app.zalo) if channel}
    if not sources:
        yield
        return
    media = MediaStore(db=app.db, settings=app.settings, sources=sources)
    app.media_store = media
    async with _background(media.run(), media.stop):
        yield


@asynccontextmanager
async def _webhook_server(app: BotApp) -> AsyncIterator[None]:
    routes = {}
    if app.settings.webhook_url and app.telegram is not None:
        routes[app.settings.webhook_path] = telegram_webhook(
            secret=app.settings.webhook_secret or "", process=app.telegram.process_webhook_update
        )
    if app.settings.zalo_webhook_url and app.zalo is not None:
        routes[app.settings.zalo_webhook_path] = zalo_webhook(
            secret=app.settings.zalo_webhook_secret or "", process=app.zalo.process_webhook_update
        )
    ops_routes = {
        "/healthz": health_handler(
            lambda: app.db, lambda: [c for c in (app.telegram, app.zalo) if c]
        ),
        "/metrics": metrics_handler(app.metrics, lambda: app.db, app.settings),
    }
    if app.settings.zalo_webhook_url and app.zalo is not None:
        # The tips' own copies of photos, for Zalo to fetch (bot.runtime.channels.zalo_media).
        ops_routes[zalo_media.ROUTE] = zalo_media.media_handler(app.db, app.settings)
    web_app = build_web_app(routes, ops_routes)
    if app.settings.web_console:
        console = ConsoleConfig(db=app.db, settings=app.settings, wake=app.wake_worker)
        web_app.add_subapp(CONSOLE_PREFIX, build_console(console))
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, app.settings.webhook_listen, app.settings.webhook_port)
    await site.start()
    sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
    app.web_port = sockets[0].getsockname()[1] if sockets else app.settings.webhook_port
    log.info("web server listening on port %s", app.web_port)
    try:
        yield
    finally:
        await runner.cleanup()


@asynccontextmanager
async def _background(coroutine, stop) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
    task = asyncio.create_task(coroutine)
    try:
        yield
    finally:
        stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)


async def serve_forever(settings: Settings) -> None:
    """`python -m bot run`: until SIGINT or SIGTERM."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running_bot(settings) as app:
        if not app.telegram and not app.zalo:
            log.warning(
                "no messenger token configured: nothing to serve (try `python -m bot console`)"
            )
        await stop.wait()
    log.info("stopped")
