"""Several processes on one database: polling allows one poller per bot token (a second one is
refused with one line, and the lock goes with the process); the scheduler's ticks are shared,
each run by one process."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.config import ConfigError, Settings
from bot.runtime.ops.ticks import hold_for, shared_tick
from storage.base import utcnow
from storage.db import Database
from storage.repos.leases import claim_tick
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.telegram_harness import bot_running, telegram_settings
from tests.zalo_harness import zalo_settings


async def test_a_second_telegram_poller_for_the_same_token_is_refused(settings: Settings) -> None:
    async with FakeTelegramAPI() as api:
        polling = telegram_settings(settings, api)
        async with bot_running(polling):
            with pytest.raises(ConfigError) as refused:
                async with bot_running(polling):
                    pass
            message = str(refused.value)
            assert message.startswith("TELEGRAM_BOT_TOKEN: another process already polls")
            assert "WEBHOOK_URL" in message and "\n" not in message
        async with bot_running(polling):  # the first one stopped: its lock went with it
            pass


async def test_a_second_zalo_poller_is_refused_but_another_token_is_not(settings: Settings) -> None:
    async with (
        FakeZaloAPI() as api,
        FakeZaloAPI(token="987654:OTHER-BOT") as other,
        bot_running(zalo_settings(settings, api)),
    ):
        with pytest.raises(ConfigError, match="ZALO_BOT_TOKEN: another process already polls"):
            async with bot_running(zalo_settings(settings, api)):
                pass
        async with bot_running(zalo_settings(settings, other)):
            pass


async def test_each_scheduler_tick_runs_in_one_process(settings: Settings, db: Database) -> None:
    runs: list[str] = []

    async def job(process: str) -> None:
        runs.append(process)

    other_db = Database(settings.database_url)  # the other process's own connections
    try:
        hold = hold_for({"minutes": 1})
        ticks = [shared_tick(d, "tip_clock", hold, job) for d in (db, other_db)]
        await asyncio.gather(ticks[0]("first"), ticks[1]("second"))
        assert len(runs) == 1
        await ticks[1]("second")  # the same tick, a little later: still held
        assert len(runs) == 1
    finally:
        await other_db.close()

    # The next period: whoever comes first takes it.
    later = utcnow() + timedelta(minutes=1)
    async with db.transaction() as session:
        claimed = await claim_tick(
            session, job="tip_clock", holder="other", now=later, until=later + hold
        )
    assert claimed
    assert hold == timedelta(seconds=48)
