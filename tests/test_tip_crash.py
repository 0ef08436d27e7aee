"""Crash safety of a tip: the bot runs as a real process (`python -m bot run`) against the fake
Telegram API; a resident reports a tip through the whole conversation; the process is killed
(SIGKILL) the moment the fake records the message that shows the reporter the tip's code. After
a restart, commune police receive the card once, and the tip exists once.

To make "police had not been sent the card yet" certain rather than a matter of timing, the
outbox worker of the first process is kept busy by one earlier message whose send the fake holds
(as a worker is busy, or slow, when a crash comes), and the card, which the handling path sends
right after the tip commits, is held by the fake too (in flight when the crash comes); replies
to the reporter go out directly, as always, so the conversation is unaffected. After the kill,
the leases the dead process held are moved to now, as the clock would after five minutes.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.config import Settings
from bot.people.consent import CONSENT_VERSION
from storage.base import utcnow
from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus, Person, Priority, Tip
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import small_commune

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("handlers.report_tip") is None,
    reason="the reporter's dialog (handlers/report_tip.py, /baotin) is not there yet",
)

ROOT = Path(__file__).resolve().parent.parent
REPORTER, POLICE, BUSY = 4001, 5001, 6001
CODE = re.compile(r"TB-[A-Z0-9]{4}")
WAIT = 15.0  # seconds; a process start is about two


class HoldingTelegramAPI(FakeTelegramAPI):
    """The fake Bot API, except that sends to BUSY (and to POLICE while `hold_police`) wait
    until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.hold_police = False

    async def _execute(self, method: str, params: dict[str, Any]) -> Any:
        chat = str(params.get("chat_id"))
        if method == "sendMessage" and (
            chat == str(BUSY) or (self.hold_police and chat == str(POLICE))
        ):
            await self.release.wait()
        return await super()._execute(method, params)


@pytest.fixture
async def api() -> AsyncIterator[HoldingTelegramAPI]:
    fake = HoldingTelegramAPI()
    async with fake:
        yield fake
        fake.release.set()


@pytest.fixture
async def bot_db(migrated_template: str, tmp_path: Path) -> AsyncIterator[Database]:
    """Always a SQLite file: the bot processes and the test share it (not the `settings`
    fixture's file, which is copied from the template after this one is written)."""
    path = tmp_path / "shared.db"
    url = f"sqlite+aiosqlite:///{path}"
    if "://" in migrated_template:  # the suite runs on PostgreSQL: this test needs a file
        await upgrade_async(url)
    else:  # the session's migrated template
        shutil.copyfile(migrated_template, path)
    db = Database(url)
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
        session.add(  # what keeps the first process's worker busy
            OutboxMessage(
                channel="telegram",
                chat_id=str(BUSY),
                payload={"text": "Nhắc lịch họp tổ"},
                priority=Priority.BROADCAST,
            )
        )
    yield db
    await db.close()


@asynccontextmanager
async def bot_process(
    api: FakeTelegramAPI, db: Database, settings: Settings, workdir: Path, name: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    environment = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "TEST_DATABASE_URL", "BOT_SECRET_KEY")
        },
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db.url,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.url,
        "BOT_SECRET_KEY": settings.bot_secret_key or "",
        "MEDIA_DIR": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
    }
    with (workdir / f"{name}.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=workdir,
            env=environment,
            stdout=log,
            stderr=log,
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


async def next_message(
    api: FakeTelegramAPI, chat_id: int, after: int, ready: Any
) -> dict[str, Any]:
    """The first message to `chat_id` past the first `after` that satisfies `ready`."""
    count = after
    while True:
        count += 1
        message = (await api.wait_for_messages(chat_id, count, timeout=WAIT))[-1]
        if ready(message):
            return message


async def says(api: FakeTelegramAPI, text: str) -> dict[str, Any]:
    """The reporter writes; returns the question the bot asks next (it carries buttons)."""
    before = len(api.sent_messages(REPORTER))
    api.push_update(api.user_message(text, user_id=REPORTER, first_name="Lan"))
    return await next_message(api, REPORTER, before, lambda m: "reply_markup" in m)


async def expire_leases(db: Database) -> None:
    """What the dead process held is due again, as after its leases ran out."""
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
            .values(claimed_until=utcnow())
        )


def cards(api: FakeTelegramAPI, code: str) -> list[dict[str, Any]]:
    return [m for m in api.sent_messages(POLICE) if m.get("text", "").startswith(f"Tin báo {code}")]


async def test_police_get_the_tip_once_after_the_bot_is_killed_when_the_code_is_shown(
    api: HoldingTelegramAPI, bot_db: Database, settings: Settings, tmp_path: Path
) -> None:
    async with bot_process(api, bot_db, settings, tmp_path, "first") as first:
        api.push_update(api.user_message("menu", user_id=POLICE))  # police used the bot before
        await api.wait_for_messages(POLICE, 1, timeout=WAIT)
        api.hold_police = True
        assert "Bạn muốn báo về việc gì?" in (await says(api, "/baotin"))["text"]
        await says(api, "trom cap")
        await says(api, "Hai người lạ bẻ khóa xe máy trước nhà số 21.")
        await says(api, "xong")
        await says(api, "1")  # when: just now
        await says(api, "Đầu hẻm đường Cây Dương")
        await says(api, "1")  # anonymous
        await says(api, "1")  # keep me informed
        before = len(api.sent_messages(REPORTER))
        api.push_update(api.user_message("1", user_id=REPORTER, first_name="Lan"))  # send
        shown = await next_message(api, REPORTER, before, lambda m: CODE.search(m["text"]))
        first.kill()  # SIGKILL, the moment the reporter sees the code
        await first.wait()
    code = CODE.search(shown["text"]).group(0)  # type: ignore[union-attr]
    assert cards(api, code) == []  # the crash came before police were sent the card
    api.hold_police = False
    await expire_leases(bot_db)

    police_before = len(api.sent_messages(POLICE))
    async with bot_process(api, bot_db, settings, tmp_path, "second") as second:
        card = await next_message(api, POLICE, police_before, lambda m: m in cards(api, code))
        assert "Loại: Trộm cắp" in card["text"] and "Hai người lạ bẻ khóa" in card["text"]
        second.terminate()  # a clean stop: whatever was being sent is settled
        assert await asyncio.wait_for(second.wait(), WAIT) == 0

    assert len(cards(api, code)) == 1
    async with bot_db.transaction() as session:
        assert await session.scalar(select(func.count(Tip.id))) == 1
        unsent = await session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.chat_id == str(POLICE), OutboxMessage.status != OutboxStatus.SENT
            )
        )
        assert unsent == 0
