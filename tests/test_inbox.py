"""The durable inbox and what webhooks accept, with the real bot against the fake APIs.

An update is stored before the messenger is told it arrived, handled from the database (also
after a restart, in each chat's order), retried when its handling failed; a webhook body that
is not an update is refused with one warning line and leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, update

from bot.config import Settings
from storage.base import utcnow
from storage.db import Database
from storage.models import InboxUpdate, ProcessedUpdate
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.telegram_harness import (
    bot_running,
    local_webhook_url,
    telegram_settings,
    webhook_settings,
)
from tests.zalo_harness import (
    SECRET,
    ZaloUser,
    local_zalo_webhook_url,
    zalo_settings,
    zalo_webhook_settings,
)

LAN = 1001
TELEGRAM_SECRET = "s3cret-for-tests_only"
TELEGRAM_HEADER = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
ZALO_HEADER = {"X-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloAPI]:
    async with FakeZaloAPI() as fake:
        yield fake


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=body, headers={"Content-Type": "application/json", **headers}) as r,
    ):
        return r.status


async def count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


def assert_one_clean_warning(caplog: pytest.LogCaptureFixture) -> None:
    """One WARNING from the webhook server, and no traceback or error anywhere."""
    warnings = [r for r in caplog.records if r.name == "bot.runtime.webhook"]
    assert [r.levelno for r in warnings] == [logging.WARNING], [r.getMessage() for r in warnings]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


# --- webhook input ---------------------------------------------------------------------------
TELEGRAM_BODIES = [
    pytest.param(b'{"a":NaN}', 400, id="NaN"),
    pytest.param(b"{}", 400, id="empty-object"),
    pytest.param(b"[1, 2]", 400, id="array"),
    pytest.param(b"not json at all", 400, id="not-json"),
    pytest.param(b"\xff\xfe{}", 400, id="not-utf8"),
    pytest.param(b"[" * 50_000, 400, id="deeply-nested"),
    pytest.param(b'{"update_id": "7", "message": {}}', 400, id="update-id-a-string"),
    # Telegram's own envelope that we cannot read: 200, or Telegram delivers it again and again.
    pytest.param(b'{"update_id": 7, "message": "hello"}', 200, id="message-a-string"),
    pytest.param(b'{"update_id": 8, "message": {"text": "hi"}}', 200, id="message-no-date"),
]


@pytest.mark.parametrize(("body", "status"), TELEGRAM_BODIES)
async def test_telegram_webhook_refuses_what_is_not_an_update_and_stores_nothing(
    telegram: FakeTelegramAPI,
    settings: Settings,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    status: int,
) -> None:
    hook = webhook_settings(settings, telegram, TELEGRAM_SECRET)
    async with bot_running(hook):
        caplog.clear()
        caplog.set_level(logging.INFO)
        assert await post(local_webhook_url(hook), body, TELEGRAM_HEADER) == status
    assert_one_clean_warning(caplog)
    assert await count(db, InboxUpdate) == 0 and await count(db, ProcessedUpdate) == 0
    assert telegram.sent_messages() == []


ZALO_BODIES = [
    pytest.param(b'{"a":NaN}', 400, id="NaN"),
    pytest.param(b"{}", 400, id="empty-object"),
    pytest.param(b'"text"', 400, id="a-string"),
    pytest.param(b'{"message": {"chat": {"id": "u1"}}}', 400, id="no-sender-no-envelope"),
    # Zalo's own envelope or event that we cannot read: 200, or Zalo delivers it again.
    pytest.param(b'{"ok": true, "result": {"message": "x"}}', 200, id="envelope-odd-result"),
    pytest.param(b'{"event_name": "message.text.received", "message": {}}', 200, id="no-chat"),
]


@pytest.mark.parametrize(("body", "status"), ZALO_BODIES)
async def test_zalo_webhook_refuses_what_is_not_an_update_and_stores_nothing(
    zalo: FakeZaloAPI,
    settings: Settings,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    status: int,
) -> None:
    hook = zalo_webhook_settings(settings, zalo)
    async with bot_running(hook):
        caplog.clear()
        caplog.set_level(logging.INFO)
        assert await post(local_zalo_webhook_url(hook), body, ZALO_HEADER) == status
    assert_one_clean_warning(caplog)
    assert await count(db, InboxUpdate) == 0 and await count(db, ProcessedUpdate) == 0
    assert zalo.sent_messages() == []


def without_message_id(update: dict[str, Any]) -> dict[str, Any]:
    del update["message"]["message_id"]
    return update


async def test_a_zalo_update_without_message_id_is_handled_once_within_the_window(
    zalo: FakeZaloAPI, settings: Settings, db: Database
) -> None:
    hook = zalo_webhook_settings(settings, zalo)
    lan = ZaloUser(zalo, hook, "u1001")
    message = without_message_id(zalo.text_message("khan cap", user_id="u1001"))
    async with bot_running(hook):
        first = await lan.deliver(message)
        assert any("113" in text for text in first)
        assert await lan.deliver(message) == []  # the same content again: a redelivery
        async with db.transaction() as session:  # the window has passed
            await session.execute(
                update(ProcessedUpdate).values(processed_at=utcnow() - timedelta(minutes=11))
            )
        again = await lan.deliver(message)  # the same words, much later: a new message
    assert "Không tìm thấy xã hoặc phường nào có tên này" in again[0]  # read as an answer
    assert await count(db, InboxUpdate) == 0


async def test_a_zalo_webhook_update_whose_handling_failed_is_kept_and_retried(
    zalo: FakeZaloAPI,
    settings: Settings,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = zalo_webhook_settings(settings, zalo)
    lan = ZaloUser(zalo, hook, "u1001")
    async with bot_running(hook) as app:
        handle = app.engine.handle
        failures = []

        async def down_once(event: Any) -> Any:
            if not failures:
                failures.append(event)
                raise ConnectionError("the database went away")
            return await handle(event)

        monkeypatch.setattr(app.engine, "handle", down_once)
        assert await lan.says("khan cap") == []  # answered 200: it is stored
        assert await count(db, InboxUpdate) == 1
        assert await app.zalo.inbox.recover() == 1  # the retry, without waiting for its turn
        await zalo.wait_for_messages("u1001", 1)
    assert any("113" in text for text in zalo.texts("u1001"))
    assert await count(db, InboxUpdate) == 0
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_what_a_previous_run_stored_is_handled_at_start_in_the_chat_s_order(
    telegram: FakeTelegramAPI, settings: Settings, db: Database
) -> None:
    first = telegram.user_message("/khancap", user_id=LAN)
    second = telegram.user_message("/help", user_id=LAN)
    async with db.transaction() as session:  # stored by a process that died before handling
        for stored in (first, second):
            session.add(
                InboxUpdate(
                    channel="telegram",
                    update_key=str(stored["update_id"]),
                    chat_key=str(LAN),
                    payload=stored,
                )
            )
    async with bot_running(telegram_settings(settings, telegram)):
        emergency, question, help_text = await telegram.wait_for_messages(LAN, 3)
    assert "113" in emergency["text"] and "xã hoặc phường" in question["text"]
    assert "Bình Yên giúp" in help_text["text"]
    assert await count(db, InboxUpdate) == 0
    assert await count(db, ProcessedUpdate) == 2


async def test_telegram_updates_that_could_not_be_stored_are_fetched_again(
    telegram: FakeTelegramAPI,
    settings: Settings,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The offset that confirms updates moves only once the inbox stored them."""
    async with bot_running(telegram_settings(settings, telegram)) as app:
        inbox = app.telegram.inbox
        receive, failures = inbox.receive, []

        async def down_once(updates: Any) -> Any:
            if not failures:
                failures.append(updates)
                raise ConnectionError("the database went away")
            return await receive(updates)

        monkeypatch.setattr(inbox, "receive", down_once)
        telegram.push_update(telegram.user_message("/khancap", user_id=LAN))
        answer, question = await telegram.wait_for_messages(LAN, 2, timeout=10)
    assert failures and "113" in answer["text"] and "xã hoặc phường" in question["text"]
    assert len(telegram.sent_messages(LAN)) == 2  # handled once
    assert await count(db, ProcessedUpdate) == 1


async def test_a_zalo_update_read_by_polling_is_stored_before_the_next_poll(
    zalo: FakeZaloAPI, settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zalo counts an update read once handed out: it is not lost when storing fails once."""
    async with bot_running(zalo_settings(settings, zalo)) as app:
        assert app.zalo is not None
        inbox = app.zalo.inbox
        receive, failures = inbox.receive, []

        async def down_once(updates: Any) -> Any:
            if not failures:
                failures.append(updates)
                raise ConnectionError("the database went away")
            return await receive(updates)

        monkeypatch.setattr(inbox, "receive", down_once)
        zalo.push_update(zalo.text_message("khan cap", user_id="u1001"))
        await zalo.wait_for_messages("u1001", 1, timeout=10)
    assert failures and any("113" in text for text in zalo.texts("u1001"))
    assert await count(db, ProcessedUpdate) == 1


async def test_what_zalo_polling_stored_before_a_crash_is_handled_at_start(
    zalo: FakeZaloAPI, settings: Settings, db: Database
) -> None:
    stored = zalo.text_message("khan cap", user_id="u1001")
    zalo.add_chat("u1001")
    async with db.transaction() as session:
        session.add(
            InboxUpdate(
                channel="zalo",
                update_key=stored["message"]["message_id"],
                chat_key="u1001",
                payload=stored,
            )
        )
    async with bot_running(zalo_settings(settings, zalo)):
        await zalo.wait_for_messages("u1001", 1)
    assert any("113" in text for text in zalo.texts("u1001"))
    assert await count(db, InboxUpdate) == 0
