"""All wiring in one place: what starts, in which order, and what stops it.

Order: database (migrated) → engine → channels (they feed the engine, handling first what
their inbox kept from a previous run) each with its outbox worker → scheduler → webhook server.
The channels are those of the adapters (bot.runtime.channels.adapters) that say they are
configured; each declares its capabilities, builds its channel and worker, and names its
webhook routes, so nothing here names a messenger.
Shutdown runs in reverse, so nothing receives an update it can no longer answer, and a worker's
last pass still has its channel's connection to send on.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.i18n import compile_catalogs
from bot.messengers import TELEGRAM, ZALO, Messengers
from bot.runtime.channels.adapters import ADAPTERS, Adapter, ChannelKit, ChannelNeeds
from bot.runtime.dialog.engine import DialogEngine, QueuedReply
from bot.runtime.ops.health import health_handler, metrics_handler
from bot.runtime.ops.metrics import BotMetrics, MeasuredDialogEngine
from bot.runtime.ops.poller_lock import single_poller
from bot.runtime.outbox import OutboxWorker
from bot.runtime.scheduler import build_scheduler
from bot.runtime.webhook import build_web_app
from bot.security.keys import check_key_opens_data
from bot.tips.card_delivery import CARD_QUEUE, CardWatcher
from bot.tips.media import MEDIA_QUEUE, MediaStore
from bot.web.app import PREFIX as CONSOLE_PREFIX
from bot.web.app import ConsoleConfig, build_console
from handlers import build_flows
from storage.db import Database
from storage.migrate import upgrade_async

log = logging.getLogger(__name__)


@dataclass
class BotApp:
    settings: Settings
    db: Database
    engine: DialogEngine
    # What each messenger the app can run is able to do: the engine gives it to every turn.
    messengers: Messengers = field(default_factory=Messengers)
    kits: dict[str, ChannelKit] = field(default_factory=dict)  # the running channels
    web_port: int | None = None  # the bound port, once the webhook server listens
    media_store: MediaStore | None = None  # fetches tips' photos and voice messages
    metrics: BotMetrics = field(default_factory=BotMetrics)
    card_watcher: CardWatcher | None = None  # follows tips' cards until police have one

    @property
    def channels(self) -> dict[str, Any]:
        return {name: kit.channel for name, kit in self.kits.items()}

    @property
    def workers(self) -> dict[str, OutboxWorker]:
        return {name: kit.worker for name, kit in self.kits.items()}

    @property
    def telegram(self) -> Any:
        return self.channels.get(TELEGRAM.name)

    @property
    def zalo(self) -> Any:
        return self.channels.get(ZALO.name)

    def wake_worker(self, channel: str) -> None:
        if kit := self.kits.get(channel):
            kit.worker.wake()
        if channel == MEDIA_QUEUE and self.media_store is not None:
            self.media_store.wake()
        if channel == CARD_QUEUE and self.card_watcher is not None:
            self.card_watcher.wake()

    async def deliver_replies(self, channel: str, replies: list[QueuedReply]) -> None:
        """The replies of an update a channel received, sent at once by its worker."""
        await self.kits[channel].worker.deliver_now(replies)

    def send_now(self, channel: str, ids: list[int]) -> None:
        """Rows an event just queued for others: sent at once by this process, like replies."""
        if kit := self.kits.get(channel):
            kit.worker.send_soon(ids)


@asynccontextmanager
async def running_bot(
    settings: Settings, *, migrate: bool = True, adapters: Sequence[Adapter] = ADAPTERS
) -> AsyncIterator[BotApp]:
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
    app.messengers = Messengers(adapter.capabilities for adapter in adapters)
    app.engine = MeasuredDialogEngine(
        metrics=app.metrics,
        db=db,
        flows=build_flows(),
        settings=settings,
        on_queued=app.wake_worker,
        messengers=app.messengers,
        send_now=app.send_now,
    )
    configured = [adapter for adapter in adapters if adapter.token(settings)]
    async with AsyncExitStack() as stack:
        stack.push_async_callback(db.close)
        # Polling takes each update from the messenger once: one process per token.
        for adapter in configured:
            if not adapter.by_webhook(settings):
                name, token = adapter.capabilities.name, adapter.token(settings) or ""
                await stack.enter_async_context(single_poller(db, name, token))
        for adapter in configured:
            await stack.enter_async_context(_channel(app, adapter))
        await stack.enter_async_context(_media_store(app))
        app.card_watcher = CardWatcher(db=db, settings=settings, wake_channel=app.wake_worker)
        await stack.enter_async_context(_background(app.card_watcher.run(), app.card_watcher.stop))
        scheduler = build_scheduler(db, settings, wake=app.wake_worker)
        app.metrics.watch_scheduler(scheduler)
        scheduler.start()
        stack.callback(scheduler.shutdown, wait=False)
        webhooks = any(kit.webhooks for kit in app.kits.values())
        if webhooks or settings.web_server or settings.web_console:
            await stack.enter_async_context(_webhook_server(app))
        yield app


@asynccontextmanager
async def _channel(app: BotApp, adapter: Adapter) -> AsyncIterator[None]:
    """One messenger: its channel receives, its worker sends."""
    name = adapter.capabilities.name

    async def deliver(replies: list[QueuedReply]) -> None:
        await app.deliver_replies(name, replies)

    kit = adapter.build(
        ChannelNeeds(
            settings=app.settings,
            db=app.db,
            engine=app.engine,
            deliver_replies=deliver,
            wake=app.wake_worker,
            observe_api=app.metrics.api_observer(name),
        )
    )
    app.kits[name] = kit
    try:
        # The worker stops before the channel: its last pass still has a connection to send on.
        async with kit.channel.running(), _background(kit.worker.run(), kit.worker.stop):
            yield
    finally:
        if kit.after_stop is not None:
            await kit.after_stop()


@asynccontextmanager
async def _media_store(app: BotApp) -> AsyncIterator[None]:
    """Fetches tips' photos and voice messages from the messengers that are running."""
    sources = app.channels
    if not sources:
        yield
        return
    media = MediaStore(db=app.db, settings=app.settings, sources=sources)
    app.media_store = media
    async with _background(media.run(), media.stop):
        yield


@asynccontextmanager
async def _webhook_server(app: BotApp) -> AsyncIterator[None]:
    routes = {path: hook for kit in app.kits.values() for path, hook in kit.webhooks.items()}
    ops_routes = {
        "/healthz": health_handler(lambda: app.db, lambda: list(app.channels.values())),
        "/metrics": metrics_handler(app.metrics, lambda: app.db, app.settings),
    }
    for kit in app.kits.values():
        ops_routes |= kit.pages
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
        if not app.kits:
            log.warning(
                "no messenger token configured: nothing to serve (try `python -m bot console`)"
            )
        with startup_frozen():
            await stop.wait()
    log.info("stopped")


@contextlib.contextmanager
def startup_frozen() -> Iterator[None]:
    """While the block runs, the garbage collector's full collections skip what the bot made to
    start (modules, mappers, PTB's, Babel's and the flows' objects): in the tips benchmark they
    took up to 125 ms each, 1.4 s in all, each a pause for every chat; 85 ms and 0.3 s frozen."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
