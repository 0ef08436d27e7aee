"""Nothing lost, nothing twice, when the bot process is killed (SIGKILL) at random points.

The bot runs as a real process (`python -m bot run`) against the fake Telegram API, on a
SQLite file it shares with the test. A seeded random point is chosen by events, never by
time: after the k-th reply the fake recorded, or as the fetch of an update is answered.
After each kill, the leases the dead process held (replies it was about to send, rows it had
claimed) are moved to now, as the clock would after a minute or five; then a new process
starts. What must hold:

- every update is handled once (one reply queued per update) and every user is answered;
- sends repeated after a kill are at most the sends in flight (the pacer's 16 per kill).
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.config import Settings
from bot.people.consent import CONSENT_VERSION
from bot.runtime.pacing import PacingRules
from storage.base import utcnow
from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import (
    ChannelAccount,
    InboxUpdate,
    OutboxMessage,
    OutboxStatus,
    Person,
    Priority,
    ProcessedUpdate,
    Tip,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import small_commune
from tests.test_tip_crash import bot_process

IN_FLIGHT = PacingRules().max_in_flight
WAIT = 60.0  # a bot process starting on a loaded machine can take a while; a pass does not wait
HELP = "Bình Yên giúp người dân"
CODE = re.compile(r"TB-[A-Z0-9]{4}")
REPORTER, POLICE = 4001, 5001


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def bot_db(migrated_template: str, tmp_path: Path) -> AsyncIterator[Database]:
    """Always a SQLite file: the bot processes and the test share it."""
    path = tmp_path / "binhyen.db"
    url = f"sqlite+aiosqlite:///{path}"
    if "://" in migrated_template:  # the suite runs on PostgreSQL: this test needs a file
        await upgrade_async(url)
    else:
        shutil.copyfile(migrated_template, path)
    db = Database(url)
    yield db
    await db.close()


@pytest.fixture
def fast(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The bot's own pace is not under test here: a fan-out of 300 takes a second, not ten."""
    monkeypatch.setenv("TELEGRAM_GLOBAL_RATE", "1000")  # the processes' environment
    return settings


async def expire_leases(db: Database) -> None:
    """What the dead process held is due again, as after its leases ran out."""
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
            .values(claimed_until=utcnow())
        )


async def count(db: Database, model: type, *where: Any) -> int:
    async with db.transaction() as session:
        query = select(func.count()).select_from(model)
        return await session.scalar(query.where(*where) if where else query) or 0


def texts_to(api: FakeTelegramAPI, chat_id: int, needle: str) -> int:
    return sum(needle in m.get("text", "") for m in api.sent_messages(chat_id))


@asynccontextmanager
async def bot_started(
    api: FakeTelegramAPI, db: Database, settings: Settings, workdir: Path, name: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A bot process, once it polls (and so would stop cleanly on SIGTERM)."""
    polls = len(api.calls("getUpdates"))
    async with bot_process(api, db, settings, workdir, name) as process:
        await api._wait(lambda: len(api.calls("getUpdates")) > polls, WAIT, f"{name} polling")
        yield process


async def killed(process: Any) -> None:
    process.kill()  # SIGKILL: no cleanup of any kind
    await process.wait()


# --- a burst of 50 updates ---------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
async def test_a_burst_of_50_updates_is_handled_once_across_kills(
    api: FakeTelegramAPI, bot_db: Database, fast: Settings, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    users = [2000 + n for n in range(50)]
    kills = 1
    for user in users:
        api.push_update(api.user_message("/help", user_id=user))
    for run in range(kills):
        async with bot_started(api, bot_db, fast, tmp_path, f"run{run}") as process:
            answered = sum(texts_to(api, user, HELP) > 0 for user in users)
            first = 0 if run == 0 else answered + 1
            point = rng.randrange(first, len(users) + 1)
            if point == 0:  # as the fetch is answered, before anything is handled
                await api.wait_for_call(
                    "getUpdates",
                    count=1,
                    timeout=WAIT,
                    predicate=lambda call: bool((call.response or {}).get("result")),
                )
            else:
                await api._wait(
                    lambda point=point: sum(texts_to(api, u, HELP) > 0 for u in users) >= point,
                    WAIT,
                    f"{point} users answered",
                )
            await killed(process)
        await expire_leases(bot_db)
    async with bot_started(api, bot_db, fast, tmp_path, "last") as process:
        await api._wait(
            lambda: all(texts_to(api, u, HELP) for u in users), WAIT, "every user answered"
        )
        process.terminate()
        assert await process.wait() == 0

    assert await count(bot_db, ProcessedUpdate) == len(users)  # each update handled …
    # … once: each handling of /help queues two replies (the help and the menu); sent rows
    # keep neither text nor chat, so they are counted, not read.
    assert await count(bot_db, OutboxMessage) == 2 * len(users)
    assert await count(bot_db, InboxUpdate) == 0
    sends = sum(texts_to(api, u, HELP) for u in users)
    duplicates = sends - len(users)
    print(f"burst seed {seed}: {kills} kills, 50 updates, {duplicates} duplicates")
    assert duplicates <= IN_FLIGHT * kills


# --- a 300-recipient broadcast -----------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
async def test_a_broadcast_to_300_repeats_at_most_the_sends_in_flight(
    api: FakeTelegramAPI, bot_db: Database, fast: Settings, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    recipients = [3000 + n for n in range(300)]
    async with bot_db.transaction() as session:
        for chat_id in recipients:
            api.user_message(None, user_id=chat_id)  # the person wrote to the bot once
            session.add(
                OutboxMessage(
                    channel="telegram",
                    chat_id=str(chat_id),
                    payload={"text": "Tháng hành động phòng, chống ma túy"},
                    priority=Priority.BROADCAST,
                )
            )
    kills = 2
    for run in range(kills):
        async with bot_started(api, bot_db, fast, tmp_path, f"run{run}") as process:
            reached = sum(bool(api.sent_messages(c)) for c in recipients)
            point = rng.randrange(reached + 1, len(recipients) + 1)
            await api._wait(
                lambda point=point: sum(bool(api.sent_messages(c)) for c in recipients) >= point,
                WAIT,
                f"{point} recipients reached",
            )
            await killed(process)
        await expire_leases(bot_db)
    async with bot_started(api, bot_db, fast, tmp_path, "last") as process:
        await api._wait(
            lambda: all(api.sent_messages(c) for c in recipients), WAIT, "every recipient reached"
        )
        process.terminate()
        assert await process.wait() == 0

    assert await count(bot_db, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0
    duplicates = sum(len(api.sent_messages(c)) for c in recipients) - len(recipients)
    print(f"broadcast seed {seed}: {kills} kills, 300 sends, {duplicates} duplicates")
    assert duplicates <= IN_FLIGHT * kills


# --- a tip ---------------------------------------------------------------------------------
TIP_STEPS = (  # what the reporter writes, and what the bot's answer to it shows
    ("/baotin", "Bạn muốn báo về việc gì?"),
    ("trom cap", "Chuyện gì đã xảy ra?"),
    ("Hai người lạ bẻ khóa xe máy trước nhà số 21.", "Đã ghi lại"),
    ("xong", "Việc xảy ra khi nào?"),
    ("1", "Việc xảy ra ở đâu?"),
    ("Đầu hẻm đường Cây Dương", "công an xã biết bạn là ai"),
    ("1", "khi công an"),
    ("1", "xem lại tin báo trước khi gửi"),
    ("1", "Mã tin: TB-"),
)


async def reporter_and_police(db: Database) -> None:
    org = await small_commune(db)
    async with db.transaction() as session:
        lan = Person(
            full_name="Trần Thị Lan", commune_code=org.commune, consent_version=CONSENT_VERSION
        )
        session.add(lan)
        await session.flush()
        for user_id, person_id in ((REPORTER, lan.id), (POLICE, org.people["police"])):
            session.add(
                ChannelAccount(
                    channel="telegram",
                    external_user_id=str(user_id),
                    chat_id=str(user_id),
                    person_id=person_id,
                )
            )


async def answered(api: FakeTelegramAPI, after: int, expected: str) -> None:
    """Some message to the reporter past the first `after` shows `expected`."""

    def ready() -> bool:
        return any(expected in m.get("text", "") for m in api.sent_messages(REPORTER)[after:])

    await api._wait(ready, WAIT, f"an answer showing {expected!r}")


# Seeds 17 and 29 kill at the "Gửi" press itself, once fetched and once only pushed.
@pytest.mark.parametrize("seed", [1, 17, 29])
async def test_a_tip_is_filed_once_when_the_bot_is_killed_at_any_step(
    api: FakeTelegramAPI, bot_db: Database, fast: Settings, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    await reporter_and_police(bot_db)
    api.user_message(None, user_id=POLICE)  # police used the bot before
    kill_at = rng.randrange(len(TIP_STEPS))
    moment = rng.choice(("pushed", "fetched", "answered"))
    async with bot_started(api, bot_db, fast, tmp_path, "first") as process:
        for index, (text, expected) in enumerate(TIP_STEPS):
            before = len(api.sent_messages(REPORTER))
            pushed = api.push_update(api.user_message(text, user_id=REPORTER, first_name="Lan"))
            if index == kill_at:
                break
            await answered(api, before, expected)
        if moment == "fetched":
            await api.wait_for_call(
                "getUpdates",
                timeout=WAIT,
                predicate=lambda c: any(
                    u["update_id"] == pushed["update_id"]
                    for u in (c.response or {}).get("result") or ()
                ),
            )
        elif moment == "answered":
            await answered(api, before, expected)
        await killed(process)
    await expire_leases(bot_db)
    async with bot_started(api, bot_db, fast, tmp_path, "second") as process:
        await answered(api, before, expected)  # the step the kill interrupted
        for text, expected in TIP_STEPS[kill_at + 1 :]:
            before = len(api.sent_messages(REPORTER))
            api.push_update(api.user_message(text, user_id=REPORTER, first_name="Lan"))
            await answered(api, before, expected)
        code = CODE.search(api.sent_messages(REPORTER)[-1]["text"])
        assert code is not None
        await api._wait(
            lambda: texts_to(api, POLICE, f"Tin báo {code.group(0)}") > 0, WAIT, "the card"
        )
        process.terminate()
        assert await process.wait() == 0

    assert await count(bot_db, Tip) == 1
    assert await count(bot_db, ProcessedUpdate) == len(TIP_STEPS)  # every press handled once
    cards = texts_to(api, POLICE, f"Tin báo {code.group(0)}")
    codes_shown = texts_to(api, REPORTER, "Mã tin: TB-")
    print(
        f"tip seed {seed}: killed at step {kill_at + 1} ({moment}), "
        f"{cards} card(s), code shown {codes_shown} time(s)"
    )
    assert cards <= 1 + IN_FLIGHT and codes_shown <= 1 + IN_FLIGHT
