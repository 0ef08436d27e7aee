"""`/healthz` and `/metrics` on the bot's web server: 503 when the database cannot be reached;
the counters and gauges move when a resident sends a tip through the fake Telegram."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from bot.config import Settings
from bot.runtime.ops.metrics import BotMetrics
from storage.base import utcnow
from storage.db import Database
from storage.models import Commune
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running, free_port
from tests.test_tips_e2e import DESK, OFFICER, REPORTER, anonymous_tip, fast

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1


@pytest.fixture
async def api() -> FakeTelegramAPI:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def org(db: Database, api: FakeTelegramAPI) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        await session.execute(
            update(Commune)
            .where(Commune.code == org.commune)
            .values(police_chat_channel="telegram", police_chat_id=str(DESK))
        )
    api.user_message("hello", user_id=OFFICER, chat_id=DESK, chat_type="supergroup")
    return org


def served(settings: Settings, api: FakeTelegramAPI) -> Settings:
    """Polling Telegram, with the web server on for health and metrics."""
    return fast(settings, api).model_copy(
        update={"web_server": True, "webhook_listen": "127.0.0.1", "webhook_port": free_port()}
    )


async def get(settings: Settings, path: str) -> tuple[int, Any]:
    url = f"http://127.0.0.1:{settings.webhook_port}{path}"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(metrics: dict[Any, float], name: str, **labels: str) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_healthz_is_200_with_the_channels_and_503_when_the_database_is_unreachable(
    api: FakeTelegramAPI, settings: Settings
) -> None:
    on = served(settings, api)
    async with bot_running(on) as app:
        status, body = await get(on, "/healthz")
        assert status == 200
        assert body["status"] == "ok" and body["database"] == "ok"
        assert body["channels"] == {"telegram": "connected"}

        working, app.db = app.db, Database(UNREACHABLE)
        try:
            status, body = await get(on, "/healthz")
        finally:
            await app.db.close()
            app.db = working
        assert status == 503
        assert body["status"] == "unavailable" and body["database"] == "unreachable"
        assert (await get(on, "/healthz"))[0] == 200


async def test_metrics_move_after_a_tip(api: FakeTelegramAPI, settings: Settings, org: Org) -> None:
    on = served(settings, api)
    async with bot_running(on):
        status, text = await get(on, "/metrics")
        assert status == 200
        before = samples(text)
        api.fail_next("sendMessage", status=429, retry_after=1, chat_id=REPORTER)
        code = await anonymous_tip(api)
        await api.wait_for_messages(DESK, 1)
        after = samples((await get(on, "/metrics"))[1])
    assert code

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("binhyen_updates_handled_total", channel="telegram") >= 10
    assert moved("binhyen_update_handling_seconds_count", channel="telegram") >= 10
    assert moved("binhyen_messages_sent_total", channel="telegram") >= 10
    sends = moved(
        "binhyen_api_responses_total", channel="telegram", method="sendMessage", status="200"
    )
    assert sends >= 10
    assert moved("binhyen_rate_limited_total", channel="telegram") == 1
    assert moved("binhyen_api_errors_total", channel="telegram", status="429") == 1
    assert value(before, "binhyen_tips_waiting_acknowledgement") == 0
    assert value(after, "binhyen_tips_waiting_acknowledgement") == 1
    assert value(after, "binhyen_tips_oldest_waiting_seconds") >= 0
    assert ("binhyen_outbox_due_messages", (("channel", "telegram"),)) in after
    labels = {label for key in after for label in key[1]}
    assert all(
        name in {"channel", "method", "status", "job", "outcome", "le"} for name, _ in labels
    )
    assert not any(str(REPORTER) in v or code in v for _, v in labels)


async def test_scheduler_ticks_are_counted() -> None:
    metrics = BotMetrics()
    scheduler = AsyncIOScheduler()
    metrics.watch_scheduler(scheduler)
    ran = asyncio.Event()
    scheduler.add_listener(lambda _event: ran.set())

    async def tick() -> None:
        pass

    scheduler.add_job(tick, "interval", minutes=1, id="tip_clock", next_run_time=utcnow())
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), timeout=10)
    finally:
        scheduler.shutdown(wait=False)
    rendered = samples(metrics.render().decode())
    assert value(rendered, "binhyen_scheduler_ticks_total", job="tip_clock", outcome="ok") == 1
