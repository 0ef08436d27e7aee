"""Fan-out of one campaign reminder: 10,000 group chats and 50,000 members of one commune,
through the real bot (PTB, outbox worker, pacer) and the fake Bot API enforcing Telegram's
limits with time scaled (benchmarks/peer.py, in a process of its own).

Measured: the time to queue every message (one calendar tick), the time until the fake Bot API
received the last one, against the theoretical minimum (messages / the configured overall
rate), the 429 answers (must be zero: the pacer keeps under the fake's limit), and the peak
memory (RSS) of the bot's process.

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
from benchmarks.peer import peer_process
from bot.calendar.service import run_due
from bot.config import Settings
from bot.runtime.app import running_bot
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

THANH_MY = "30073"
SCALE = float(os.environ.get("BENCH_FANOUT_SCALE", "0.1"))
GROUP_CHATS = int(10_000 * SCALE)
MEMBERS = int(50_000 * SCALE)
# Telegram's limits with time running 20 times faster: 30 -> 600 messages a second overall,
# 20 -> 400 a minute in one group. The bot paces 5 % under the fake's limit: two processes on
# two cores jitter, and the fake counts what arrives, not what was sent.
API_LIMIT = 600.0
SEND_RATE = 570.0
GROUP_PER_MINUTE = 380
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
    async with peer_process("fanout", str(API_LIMIT)) as peer:
        settings = settings.model_copy(
            update={
                "telegram_bot_token": peer.token,
                "telegram_api_url": peer.url,
                "telegram_global_rate": SEND_RATE,
                "telegram_group_per_minute": GROUP_PER_MINUTE,
            }
        )
        db = Database(settings.database_url)
        started = time.perf_counter()
        chats = await populate(db, utcnow())
        await campaign_due_now(db, settings, utcnow())
        total = len(chats)
        await peer.ask({"chats": sorted(chats), "expect": total})
        setup = time.perf_counter() - started
        async with running_bot(settings, migrate=False) as app:
            waiting = asyncio.create_task(peer.ask({"go": True}))
            t0, cpu = time.perf_counter(), time.process_time()
            result = await run_due(db, settings, utcnow())
            queued = time.perf_counter() - t0
            for channel in result.channels or ():
                app.wake_worker(channel)
            report = await waiting
            cpu = time.process_time() - cpu
        await db.close()
    elapsed, sent, rate_limited = report["seconds"], report["sent"], report["rate_limited"]
    minimum = total / SEND_RATE
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{_backend(url):<10} {GROUP_CHATS:,} group chats + {MEMBERS:,} members = {total:,} "
        f"messages (setup {setup:.1f} s)\n"
        f"           queued in {queued:.1f} s; first sent after {report['first']:.1f} s, "
        f"all sent in {elapsed:.1f} s "
        f"(theoretical minimum at {SEND_RATE:g}/s: {minimum:.1f} s, {elapsed / minimum:.2f}x, "
        f"goal <= 1.05x); {sent / elapsed:.0f} msg/s; 429s: {rate_limited}; "
        f"bot's CPU {cpu / total * 1000:.2f} ms a message; peak RSS so far {rss:.0f} MB"
    )
    return 0 if sent == total and rate_limited == 0 else 1


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
