"""`/healthz` and `/metrics` on the bot's own web server.

`/healthz` answers 503 when the database cannot be reached (nothing can be handled or sent),
200 otherwise, with each channel's state and the oldest due outbox message's age, so a
load balancer takes a process out only when it is of no use, and a person sees why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.runtime.ops.metrics import CONTENT_TYPE, BotMetrics
from storage.base import utcnow
from storage.db import Database
from storage.repos.ops import outbox_due, ping

log = logging.getLogger(__name__)

DB_TIMEOUT = 3.0  # seconds: a health check must answer even when the database hangs


def health_handler(
    db: Callable[[], Database], channels: Callable[[], list[Any]]
) -> Callable[[web.Request], Any]:
    async def healthz(_request: web.Request) -> web.Response:
        now = utcnow()
        body: dict[str, Any] = {
            "channels": {
                channel.name: "connected" if getattr(channel, "connected", False) else "connecting"
                for channel in channels()
            }
        }
        try:
            async with asyncio.timeout(DB_TIMEOUT), db().transaction() as session:
                await ping(session)
                backlog = await outbox_due(session, now=now)
        except Exception as exc:  # any failure to reach it is the answer
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            body |= {"status": "unavailable", "database": "unreachable"}
            return web.json_response(body, status=503)
        body["database"] = "ok"
        body["outbox_oldest_due_seconds"] = {
            channel: round((now - waiting.oldest).total_seconds(), 1) if waiting.oldest else 0
            for channel, waiting in backlog.items()
        }
        degraded = any(state != "connected" for state in body["channels"].values())
        body["status"] = "degraded" if degraded else "ok"
        return web.json_response(body, status=200)

    return healthz


def metrics_handler(
    metrics: BotMetrics, db: Callable[[], Database], settings: Settings
) -> Callable[[web.Request], Any]:
    async def render(_request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(DB_TIMEOUT):
                await metrics.refresh(db(), settings, utcnow())
        except Exception as exc:  # the process's own counters are still worth reading
            log.warning("metrics: database figures unavailable (%s)", type(exc).__name__)
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    return render
