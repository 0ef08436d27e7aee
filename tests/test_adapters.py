"""The app runs whatever adapters declare themselves (#16): a messenger the code base has never
heard of gets its channel and outbox worker, its capabilities reach every turn, and its
replies are rendered by the one renderer, with no line of the app naming it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import Settings
from bot.i18n import Translator
from bot.messages import Capabilities, EventKind, InboundEvent, OutboundMessage
from bot.messengers import TELEGRAM, ZALO
from bot.runtime.app import running_bot
from bot.runtime.channels.adapters import ADAPTERS, ChannelKit, ChannelNeeds
from bot.runtime.channels.render import render
from bot.runtime.outbox import OutboxWorker
from bot.runtime.pacing import Pacer, PacingRules

WALKIE = Capabilities(name="walkie", title="Walkie", groups=True, max_text=80)


class WalkieChannel:
    name = WALKIE.name
    capabilities = WALKIE

    def __init__(self, needs: ChannelNeeds) -> None:
        self.needs = needs
        self.connected = False
        self.shown: list[str] = []  # what the walkie's screen showed, part by part

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.connected = True
        try:
            yield
        finally:
            self.connected = False

    async def says(self, text: str, kind: EventKind = EventKind.TEXT) -> None:
        """What an adapter does with an update: the engine answers, the worker sends."""
        event = InboundEvent(self.name, "w1", "w1", kind, text=text, language="vi")
        await self.needs.deliver_replies(await self.needs.engine.handle(event))

    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        t = Translator("vi", self.needs.settings.timezone)
        self.shown += render(message, WALKIE, t=t).parts
        return None

    async def download(self, ref: str) -> bytes:
        raise NotImplementedError


class WalkieAdapter:
    capabilities = WALKIE

    def token(self, settings: Settings) -> str | None:
        return "walkie-token"

    def by_webhook(self, settings: Settings) -> bool:
        return True  # no poller lock for a messenger that is not polled

    def build(self, needs: ChannelNeeds) -> ChannelKit:
        channel = WalkieChannel(needs)
        worker = OutboxWorker(
            db=needs.db, sender=channel, pacer=Pacer(PacingRules(overall_per_second=1000))
        )
        return ChannelKit(channel=channel, worker=worker)


def test_the_messengers_of_the_app_declare_themselves() -> None:
    assert [adapter.capabilities for adapter in ADAPTERS] == [TELEGRAM, ZALO]


async def test_an_adapter_that_declares_itself_is_run_and_its_capabilities_reach_the_turn(
    settings: Settings,
) -> None:
    async with running_bot(settings, migrate=False, adapters=(WalkieAdapter(),)) as app:
        walkie = app.channels["walkie"]
        assert walkie.connected and app.engine.messengers.of("walkie") is WALKIE
        await walkie.says("menu")
        menu = "\n".join(walkie.shown)
        assert "1. " in menu  # no buttons: the menu is numbered text
        assert all(len(part) <= WALKIE.max_text for part in walkie.shown)  # its length
        walkie.shown.clear()
        await walkie.says("", kind=EventKind.UNSUPPORTED)
        assert "Walkie không chuyển ghi âm, tệp hay vị trí cho tôi" in "\n".join(walkie.shown)
    assert not walkie.connected
