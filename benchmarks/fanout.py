"""Fan-out of one campaign reminder: 10,000 group chats and 50,000 members of one commune,
through the real bot (PTB, outbox worker, pacer) and the fake Bot API with raised limits.

Measured: the time to queue every message (one calendar tick), the time until the fake Bot API
received the last one, against the theoretical minimum (messages / the configured overall
rate), the 429 answers (must be zero: the pacer keeps under the fake's limit), and the peak
memory (RSS) of the process, fake Bot API included.

Scale with BENCH_FANOUT_SCALE: `make bench` runs 0.1 (1,000 chats and 5,000 members) to stay
within a few minutes; BENCH_FANOUT_SCALE=1 is the full 10,000 chats and 50,000 members.
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from benchmarks.inbound import _backend, _fresh_settings
from bot.app import running_bot
from bot.calendar.service import run_due
from bot.config import Settings
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    CalendarEvent,
    CalendarSettings,
    ChannelAccount,
    Group,
    GroupChat,
    Membership,
    MembershipStatus,
    Person,
    Village,
)
from tests.fakes.telegram_api import FakeTelegramAPI

THANH_MY = "30073"
SCALE = float(os.environ.get("BENCH_FANOUT_SCALE", "0.1"))
GROUP_CHATS = int(10_000 * SCALE)
MEMBERS = int(50_000 * SCALE)
SEND_RATE = 1500.0  # messages per second our pacer allows (Telegram's is 30)
API_LIMIT = 2000.0  # what the fake Bot API accepts before it answers 429
GROUP_CHAT_BASE = -1_000_000_000_000
USER_BASE = 10_000_000


async def populate(db: Database, now: datetime) -> set[int]:
    """The commune, its groups and chats, its members; returns the chat ids."""
    chats: set[int] = set()
    async with db.transaction() as session:
        villages = max(1, GROUP_CHATS // 100)
        await session.execute(
            insert(Village),
            [{"commune_code": THANH_MY, "name": f"Thôn {v}"} for v in range(villages)],
        )
        village_ids = list(await session.scalars(select(Village.id).order_by(Village.id)))
        await session.execute(
            insert(Group),
            [
                {"village_id": village_ids[g % villages], "name": f"Tổ {g}"}
                for g in range(GROUP_CHATS)
            ],
        )
        group_ids = list(await session.scalars(select(Group.id).order_by(Group.id)))
        rows = []
        for n, group_id in enumerate(group_ids):
            chats.add(GROUP_CHAT_BASE - n)
            rows.append(
                {
                    "group_id": group_id,
                    "channel": "telegram",
                    "chat_id": str(GROUP_CHAT_BASE - n),
                    "registered_at": now,
                }
            )
        await session.execute(insert(GroupChat), rows)
        await session.execute(
            insert(Person),
            [{"full_name": f"Thành viên {n}", "created_at": now} for n in range(MEMBERS)],
        )
        person_ids = list(await session.scalars(select(Person.id).order_by(Person.id)))
        accounts, memberships = [], []
        for n, person_id in enumerate(person_ids):
            chats.add(USER_BASE + n)
            accounts.append(
                {
                    "channel": "telegram",
                    "external_user_id": str(USER_BASE + n),
                    "chat_id": str(USER_BASE + n),
                    "person_id": person_id,
                    "language": "vi",
                    "created_at": now,
                    "last_seen_at": now,
                }
            )
            memberships.append(
                {
                    "person_id": person_id,
                    "group_id": group_ids[n % len(group_ids)],
                    "status": MembershipStatus.CONFIRMED,
                    "created_at": now,
                }
            )
        for start in range(0, len(accounts), 5000):
            await session.execute(insert(ChannelAccount), accounts[start : start + 5000])
            await session.execute(insert(Membership), memberships[start : start + 5000])
    return chats


async def campaign_due_now(db: Database, settings: Settings, now: datetime) -> None:
    """A local event whose reminder is due this minute, with no quiet hours in the way."""
    local = (now - timedelta(minutes=1)).astimezone(settings.timezone)
    async with db.transaction() as session:
        session.add(
            CalendarSettings(
                commune_code=THANH_MY, quiet_from="00:00", quiet_until="00:00", grace_minutes=720
            )
        )
        session.add(
            CalendarEvent(
                commune_code=THANH_MY,
                key="bench",
                title="Ngày toàn dân phòng, chống ma túy",
                rule=f"date:{local.day}/{local.month}",
                audience="all",
                leads=f"0d@{local:%H:%M}",
                text_vi="Ngày 26/6 là Ngày toàn dân phòng, chống ma túy.",
                text_en="26 June is the National Day against Drugs.",
            )
        )


async def run_once(url: str) -> int:
    settings = await _fresh_settings(url)
    async with FakeTelegramAPI(global_rate=API_LIMIT) as api:
        settings = settings.model_copy(
            update={
                "telegram_bot_token": api.token,
                "telegram_api_url": api.url,
                "telegram_global_rate": SEND_RATE,
                "telegram_group_per_minute": 600,
            }
        )
        db = Database(settings.database_url)
        started = time.perf_counter()
        chats = await populate(db, utcnow())
        api.known_chats.update(chats)
        await campaign_due_now(db, settings, utcnow())
        setup = time.perf_counter() - started
        total = len(chats)
        async with running_bot(settings, migrate=False) as app:
            before = len(api.sent_messages())
            t0 = time.perf_counter()
            result = await run_due(db, settings, utcnow())
            queued = time.perf_counter() - t0
            for channel in result.channels or ():
                app.wake_worker(channel)
            while len(api.sent_messages()) - before < total:
                await asyncio.sleep(0.2)
                if time.perf_counter() - t0 > 1800:
                    print("  gave up after 30 minutes")
                    break
            elapsed = time.perf_counter() - t0
        await db.close()
    sent = len(api.sent_messages()) - before
    minimum = total / SEND_RATE
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{_backend(url):<10} {GROUP_CHATS:,} group chats + {MEMBERS:,} members = {total:,} "
        f"messages (setup {setup:.1f} s)\n"
        f"           queued in {queued:.1f} s; all sent in {elapsed:.1f} s "
        f"(theoretical minimum at {SEND_RATE:g}/s: {minimum:.1f} s, {elapsed / minimum:.2f}x); "
        f"{sent / elapsed:.0f} msg/s; 429s: {api.rate_limited}; peak RSS {rss:.0f} MB"
    )
    return 0 if sent == total and api.rate_limited == 0 else 1


async def main() -> int:
    import logging

    logging.basicConfig(level=logging.WARNING)
    print(f"Fan-out of one campaign reminder (scale {SCALE:g})")
    status = 0
    with tempfile.TemporaryDirectory() as workdir:
        urls = [f"sqlite+aiosqlite:///{Path(workdir) / 'fanout.db'}"]
        if os.environ.get("TEST_DATABASE_URL"):
            urls.append(os.environ["TEST_DATABASE_URL"])
        for url in urls:
            status = await run_once(url) or status
    return status


if __name__ == "__main__":
    import sys

    sys.exit(asyncio.run(main()))
