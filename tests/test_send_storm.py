"""A fan-out through a storm: 429s with retry_after, runs of 500s and 502s, answers slower
than the read timeout. Nothing is lost, nothing goes out while the channel is told to wait,
and nothing the Bot API documents leaves a traceback in the log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Settings
from bot.messages import OutboundMessage
from bot.runtime.pacing import FIRST_BACKOFF, LAST_BACKOFF, Pacer, PacingRules
from storage.db import Database
from storage.models import OutboxMessage, Priority
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram_harness import bot_running, telegram_settings

RECIPIENTS = [3000 + n for n in range(150)]
SLOW = 6.0  # seconds: past the client's 5 s read timeout
# The n-th sendMessage the fake receives → what it answers.
STORM: dict[int, tuple[int, int | None]] = {
    **{n: (429, 1) for n in (10, 35, 60, 61, 120)},
    100: (429, 2),
    **{n: (500, None) for n in range(20, 25)},
    **{n: (500, None) for n in range(70, 80)},
    **{n: (502, None) for n in range(40, 45)},
    140: (401, None),  # the token revoked and restored: PTB's InvalidToken
}
SLOW_ANSWERS = {85, 110}


class StormyTelegramAPI(FakeTelegramAPI):
    """The fake Bot API answering sendMessage by the STORM schedule."""

    def __init__(self) -> None:
        super().__init__()
        self.sends = 0

    async def _execute(self, method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage":
            self.sends += 1
            if self.sends in STORM:
                status, retry_after = STORM[self.sends]
                self.fail_next(method, status=status, retry_after=retry_after)
            elif self.sends in SLOW_ANSWERS:
                await asyncio.sleep(SLOW)  # the fake is slow; the test waits on events
        return await super()._execute(method, params)


@pytest.fixture
async def api() -> AsyncIterator[StormyTelegramAPI]:
    async with StormyTelegramAPI() as fake:
        for chat_id in RECIPIENTS:
            fake.user_message(None, user_id=chat_id)  # each person wrote to the bot once
        yield fake


async def test_a_fan_out_through_a_storm_never_sends_inside_a_retry_after(
    api: StormyTelegramAPI,
    settings: Settings,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    async with db.transaction() as session:
        for chat_id in RECIPIENTS:
            session.add(
                OutboxMessage(
                    channel="telegram",
                    chat_id=str(chat_id),
                    payload=OutboundMessage("Ngày toàn dân phòng cháy, chữa cháy").to_payload(),
                    priority=Priority.BROADCAST,
                )
            )
    fast = telegram_settings(settings, api, telegram_global_rate=100.0)
    async with bot_running(fast) as app:
        channel, pacer = app.telegram, app.workers["telegram"].pacer
        assert channel is not None
        send, inside_a_pause = channel.send, []

        async def watched(chat_id: str, message: OutboundMessage) -> str | None:
            if time.monotonic() < pacer._paused_until:  # the clock the pacer keeps
                inside_a_pause.append(chat_id)
            return await send(chat_id, message)

        monkeypatch.setattr(channel, "send", watched)
        app.wake_worker("telegram")
        await api._wait(
            lambda: all(api.sent_messages(c) for c in RECIPIENTS), 60, "every recipient reached"
        )

    assert inside_a_pause == []
    assert api.rate_limited == 6  # every 429 of the storm was met, and no other
    duplicates = sum(len(api.sent_messages(c)) for c in RECIPIENTS) - len(RECIPIENTS)
    assert duplicates <= len(SLOW_ANSWERS)  # only what timed out may have gone twice
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_the_channel_backs_off_longer_after_each_failure_in_a_row_with_jitter() -> None:
    now = [100.0]
    pacer = Pacer(PacingRules(), clock=lambda: now[0])
    rests = []
    for _ in range(10):
        rests.append(pacer.failed())
        assert pacer.failed() == pytest.approx(rests[-1])  # failing together: not a new round
        now[0] = pacer._paused_until  # the rest is over; the next send fails again
    factors = [rest / min(LAST_BACKOFF, FIRST_BACKOFF * 2**n) for n, rest in enumerate(rests)]
    assert all(0.5 <= factor <= 1.5 for factor in factors)
    assert len({round(factor, 6) for factor in factors}) > 1  # jittered
    pacer.succeeded()
    assert 0.5 <= pacer.failed() / FIRST_BACKOFF <= 1.5
