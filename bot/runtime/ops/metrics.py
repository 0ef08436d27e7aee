"""Prometheus metrics of one bot process (`/metrics`).

Counters move where things happen: the engine (updates and their handling time), the
messengers' HTTP clients (every Bot API answer by method and status), the scheduler (ticks).
Gauges of what waits (outbox, tips, the Zalo month) are read from the database at each scrape,
so every process reports the same shared figures. Labels hold channels, methods, statuses and
job names only: never a chat, a user or a text.
"""

from __future__ import annotations

import time
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.base import BaseScheduler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.config import Settings
from bot.messages import InboundEvent
from bot.runtime.dialog.engine import DialogEngine, QueuedReply
from storage.db import Database
from storage.repos.ops import outbox_due, tips_waiting_acknowledgement, zalo_messages_counted

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NETWORK_ERROR = "network"  # the status label when no HTTP answer came


class BotMetrics:
    def __init__(self) -> None:
        # One registry per process object: tests run several bots in one interpreter.
        self.registry = registry = CollectorRegistry()
        self.updates = Counter(
            "binhyen_updates_handled", "Updates handled", ["channel"], registry=registry
        )
        self.handling = Histogram(
            "binhyen_update_handling_seconds",
            "Time to handle one update (one transaction, replies queued)",
            ["channel"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.api_answers = Counter(
            "binhyen_api_responses",
            "Messenger Bot API answers by method and HTTP status",
            ["channel", "method", "status"],
            registry=registry,
        )
        self.sent = Counter(
            "binhyen_messages_sent",
            "Messages the messenger accepted",
            ["channel"],
            registry=registry,
        )
        self.api_errors = Counter(
            "binhyen_api_errors",
            "Messenger Bot API errors by status (network: no answer)",
            ["channel", "status"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "binhyen_rate_limited",
            "429 answers (too many requests)",
            ["channel"],
            registry=registry,
        )
        self.scheduler_ticks = Counter(
            "binhyen_scheduler_ticks",
            "Scheduler job runs",
            ["job", "outcome"],
            registry=registry,
        )
        self.outbox_depth = Gauge(
            "binhyen_outbox_due_messages", "Outbox messages due now", ["channel"], registry=registry
        )
        self.outbox_oldest = Gauge(
            "binhyen_outbox_oldest_due_seconds",
            "How long the longest-waiting due outbox message has been due",
            ["channel"],
            registry=registry,
        )
        self.tips_waiting = Gauge(
            "binhyen_tips_waiting_acknowledgement",
            "Tips police have not acknowledged yet",
            registry=registry,
        )
        self.tips_oldest = Gauge(
            "binhyen_tips_oldest_waiting_seconds",
            "Age of the oldest tip not acknowledged yet",
            registry=registry,
        )
        self.zalo_quota_used = Gauge(
            "binhyen_zalo_messages_this_month",
            "Zalo messages counted this calendar month (the plan's quota)",
            registry=registry,
        )
        self.zalo_quota = Gauge(
            "binhyen_zalo_monthly_quota", "ZALO_MONTHLY_QUOTA (0: none)", registry=registry
        )

    def observe_update(self, channel: str, seconds: float) -> None:
        self.updates.labels(channel).inc()
        self.handling.labels(channel).observe(seconds)

    def api_observer(self, channel: str):  # type: ignore[no-untyped-def]
        """For a messenger client: call it with (method, HTTP status or None) per request."""

        def observe(method: str, status: int | None) -> None:
            label = NETWORK_ERROR if status is None else str(status)
            self.api_answers.labels(channel, method, label).inc()
            if status is not None and status < 400:
                if method.startswith("send"):
                    self.sent.labels(channel).inc()
                return
            self.api_errors.labels(channel, label).inc()
            if status == 429:
                self.rate_limited.labels(channel).inc()

        return observe

    def watch_scheduler(self, scheduler: BaseScheduler) -> None:
        def on_job(event: JobExecutionEvent) -> None:
            outcome = "error" if event.exception else "ok"
            self.scheduler_ticks.labels(event.job_id, outcome).inc()

        scheduler.add_listener(on_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    async def refresh(self, db: Database, settings: Settings, now: datetime) -> None:
        """The shared figures, from the database."""
        async with db.transaction() as session:
            backlog = await outbox_due(session, now=now)
            tips = await tips_waiting_acknowledgement(session)
            month = now.astimezone(settings.timezone).strftime("%Y-%m")
            zalo_used = await zalo_messages_counted(session, month=month)
        channels = set(backlog) | {"telegram", "zalo"}
        for channel in channels:
            waiting = backlog.get(channel)
            self.outbox_depth.labels(channel).set(waiting.count if waiting else 0)
            age = (now - waiting.oldest).total_seconds() if waiting and waiting.oldest else 0
            self.outbox_oldest.labels(channel).set(max(0.0, age))
        self.tips_waiting.set(tips.count)
        self.tips_oldest.set(max(0.0, (now - tips.oldest).total_seconds()) if tips.oldest else 0)
        self.zalo_quota_used.set(zalo_used)
        self.zalo_quota.set(settings.zalo_monthly_quota)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MeasuredDialogEngine(DialogEngine):
    """The dialog engine, counting and timing every update it handles."""

    def __init__(self, *, metrics: BotMetrics, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.metrics = metrics

    async def handle(self, event: InboundEvent) -> list[QueuedReply]:
        started = time.perf_counter()
        try:
            return await super().handle(event)
        finally:
            self.metrics.observe_update(event.channel, time.perf_counter() - started)
