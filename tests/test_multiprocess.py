"""Two bot processes on one PostgreSQL database: each reminder and broadcast message is queued
and sent exactly once, none lost. Skipped without TEST_DATABASE_URL (SQLite has one writer).

Real processes run `reminders run-due` at the same instant; the senders are two outbox workers
with their own connection pools (as two processes have), claiming with SKIP LOCKED."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.calendar.broadcast import start as start_broadcast
from bot.config import Settings
from storage.db import Database
from storage.models import (
    ChannelAccount,
    GroupChat,
    Membership,
    MembershipStatus,
    OutboxMessage,
    Person,
)
from tests.org_fixtures import CHANNEL, small_commune
from tests.test_broadcast import worker
from tests.test_outbox import Clock, RecordingSender

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)
ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 400


async def populate(db: Database) -> None:
    org = await small_commune(db)
    async with db.transaction() as session:
        for index, group in enumerate(org.groups.values()):
            session.add(GroupChat(group_id=group, channel=CHANNEL, chat_id=f"-{100 + index}"))
        people = [Person(full_name=f"m{n}") for n in range(MEMBERS)]
        session.add_all(people)
        await session.flush()
        groups = list(org.groups.values())
        for n, person in enumerate(people):
            session.add(
                ChannelAccount(
                    channel=CHANNEL, external_user_id=f"m{n}", chat_id=f"m{n}", person_id=person.id
                )
            )
            session.add(
                Membership(
                    person_id=person.id,
                    group_id=groups[n % len(groups)],
                    status=MembershipStatus.CONFIRMED,
                )
            )


def run_due_process(settings: Settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "BOT_SECRET_KEY": settings.bot_secret_key or "",
        "TELEGRAM_BOT_TOKEN": "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "reminders", "run-due", "--now", "2027-06-25T07:00+07:00"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_two_processes_queue_and_send_each_message_once(db: Database, settings: Settings):
    await populate(db)
    processes = [run_due_process(settings), run_due_process(settings)]
    outputs = [await asyncio.to_thread(p.communicate, timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    queued_by = sorted(out.split(" reminders")[0] for out, _ in outputs)
    assert queued_by == ["0", "1"], outputs  # exactly one of them queued the reminder

    async with db.transaction() as session:
        author = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.chat_id == "police")
        )
        assert author is not None
        await start_broadcast(
            session,
            settings,
            commune_code="30073",
            author_person_id=author.person_id or 0,
            author=author,
            audience="all",
            text="Thông báo.",
            photo=None,
            now=datetime.now().astimezone() - timedelta(seconds=1),
        )
        rows = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
    expected = 2 * (MEMBERS + 3)  # the reminder and the broadcast, to every member and chat
    assert rows == expected

    clock, sender = Clock(), RecordingSender()
    clock.now = datetime.now().astimezone() + timedelta(days=400)  # everything is due
    second_db = Database(settings.database_url)  # the other process's own connections
    try:
        workers = [worker(db, sender, clock, batch=50), worker(second_db, sender, clock, batch=50)]

        async def drain(w) -> None:  # type: ignore[no-untyped-def]
            while await w.send_due():
                pass

        await asyncio.gather(*(drain(w) for w in workers))
    finally:
        await second_db.close()
    counts = Counter(text.split("\n")[0][:2] + chat for chat, text in sender.sent)
    assert len(sender.sent) == expected
    assert set(counts.values()) == {1}
