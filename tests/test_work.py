"""The unit of work any front builds (bot/work.py): notify queues once per key, on both
databases, and a chat turn's `work` follows the person it acts for."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.config import Settings
from bot.messages import OutboundMessage
from bot.work import Work
from storage.db import Database
from storage.models import OutboxMessage
from storage.repos.outbox import dedupe_key

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


async def _count(db: Database, key: str) -> int:
    async with db.transaction() as session:
        return await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedupe_key == key)
        )


async def test_a_keyed_notice_is_queued_once_however_often_it_is_asked_for(
    db: Database, settings: Settings
) -> None:
    key = dedupe_key("reminder", 42, "telegram", "1001")
    outcomes = []
    for _ in range(3):  # a re-run, a second process, a resumed crash
        async with db.transaction() as session:
            work = Work(session=session, settings=settings, now=NOW, person=None)
            outcomes.append(
                await work.notify(
                    channel="telegram",
                    chat_id="1001",
                    message=OutboundMessage(text="Nhắc họp tổ"),
                    dedupe_key=key,
                )
            )
            assert work.queued == ({"telegram"} if outcomes[-1] else set())
    assert outcomes == [True, False, False]
    assert await _count(db, key) == 1


def test_dedupe_keys_fit_the_column_and_stay_distinct() -> None:
    assert dedupe_key("bc", 7, "zalo", "abc") == "bc:7:zalo:abc"
    long_a, long_b = dedupe_key("x", "a" * 300), dedupe_key("x", "b" * 300)
    assert len(long_a) <= 160 and len(long_b) <= 160 and long_a != long_b
