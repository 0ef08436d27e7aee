"""The Zalo Bot API as documented: its error table (400 wrong path or API name, 403 internal
server error, 408 request timeout, 429 quota exceeded), getMe without a display name, lengths
in UTF-16 units, photos that take time, idle polls answered `ok: false`. The real bot runs
against the fake Zalo server answering so."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.messages import OutboundMessage
from bot.runtime.channels import zalo as zalo_channel
from bot.runtime.channels import zalo_client
from bot.runtime.channels.base import TryLater
from bot.runtime.channels.zalo_events import strip_mention, to_event
from bot.runtime.channels.zalo_text import split_utf16, utf16_len
from storage.db import Database
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus, Priority
from storage.repos.outbox import queue_message
from tests.fakes.zalo_api import ApiCall, FakeZaloAPI
from tests.telegram_harness import bot_running
from tests.zalo_harness import zalo_settings, zalo_webhook_settings


@pytest.fixture
async def api() -> FakeZaloAPI:
    async with FakeZaloAPI() as fake:
        yield fake


async def _notice_to(db: Database, chat_id: str, text: str) -> int:
    async with db.transaction() as session:
        session.add(ChannelAccount(channel="zalo", external_user_id=chat_id, chat_id=chat_id))
        row = await queue_message(
            session,
            channel="zalo",
            chat_id=chat_id,
            payload=OutboundMessage(text).to_payload(),
            priority=Priority.NOTICE,
        )
        return row.id


async def test_a_403_or_a_400_is_retried_and_nobody_is_marked_blocked(
    api: FakeZaloAPI, settings: Settings, db: Database
) -> None:
    """403 is Zalo's "Internal server error"; 400 our request's fault: neither drops the
    message, neither takes the person out of every notice."""
    for chat in ("z-lan", "z-tu"):
        api.add_chat(chat)
        await _notice_to(db, chat, f"Thông báo cho {chat}")
    api.fail_next("sendMessage", status=400)  # "Bad request"
    api.fail_next("sendMessage", status=403)  # "Internal server error"
    async with bot_running(zalo_webhook_settings(settings, api)) as app:
        app.wake_worker("zalo")
        assert await api.wait_for_messages("z-lan", 1, timeout=10)
        assert await api.wait_for_messages("z-tu", 1, timeout=10)
    refused = sorted(c.status for c in api.calls("sendMessage") if c.status != 200)
    assert refused == [400, 403]
    async with db.transaction() as session:
        blocked = await session.scalar(
            select(ChannelAccount.id).where(ChannelAccount.blocked_at.is_not(None))
        )
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert blocked is None and statuses == {OutboxStatus.SENT}


async def test_any_429_is_the_quota_whatever_its_words(
    api: FakeZaloAPI, settings: Settings
) -> None:
    api.add_chat("z-lan")
    api.fail_next("sendMessage", status=429, description="Vượt quá giới hạn sử dụng API")
    hook = zalo_webhook_settings(settings, api, zalo_monthly_quota=1000)
    async with bot_running(hook) as app:
        assert app.zalo is not None and app.workers["zalo"].quota is not None
        with pytest.raises(TryLater) as refused:
            await app.zalo.send("z-lan", OutboundMessage("một"))
        assert refused.value.retry_after is not None and refused.value.retry_after >= 600
        assert app.workers["zalo"].quota.short()  # campaign messages wait from now on


def test_mentions_are_stripped_by_either_name_and_by_position() -> None:
    def group(text: str, **fields: object) -> dict:
        message = {"from": {"id": "u1"}, "chat": {"id": "g1", "chat_type": "GROUP"}}
        return {"event_name": "message.text.received", "message": message | fields | {"text": text}}

    names = ["Bot Bình Yên", "bot.binhyen"]
    said = to_event(group("@Bot Bình Yên Đã nhắc nhở hai người."), bot_name=names)
    assert said is not None and said.text == "Đã nhắc nhở hai người."
    assert strip_mention("@bot.binhyen 2", names) == "2"
    marked = group(
        "@Bot Bình Yên 🚨 Đã xong", mentions=[{"uid": "zbot1", "offset": 0, "length": 13}]
    )
    said = to_event(marked, bot_name=["bot.binhyen"], bot_id="zbot1")
    assert said is not None and said.text == "🚨 Đã xong"
    other = group("@Lan xem giúp", mentions=[{"uid": "u-lan", "offset": 0, "length": 4}])
    said = to_event(other, bot_name=names, bot_id="zbot1")
    assert said is not None and said.text == "xem giúp"  # the leading word is taken as the mention


async def test_without_a_display_name_in_getme_a_mention_still_leaves_what_was_said(
    settings: Settings, db: Database
) -> None:
    """getMe names the bot `bot.binhyen` only; people mention it as "@Bot Bình Yên". The
    first marked mention teaches the bot its name; unmarked ones are stripped by it later."""
    async with FakeZaloAPI(bot_name="Bot Bình Yên", mark_mentions=True) as api:
        hook = zalo_webhook_settings(settings, api)
        async with bot_running(hook) as app:
            assert app.zalo is not None
            seen: list[str] = []
            original = app.engine.handle

            async def handle(event):  # type: ignore[no-untyped-def]
                seen.append(event.text or "")
                return await original(event)

            app.engine.handle = handle  # type: ignore[method-assign]
            who = {"user_id": "z-bao", "chat_id": "g-desk", "chat_type": "GROUP"}
            url = f"http://127.0.0.1:{hook.webhook_port}{hook.zalo_webhook_path}"
            await api.post_webhook(api.text_message("@Bot Bình Yên Đã nhắc nhở.", **who), url)
            api.mark_mentions = False
            await api.post_webhook(api.text_message("@Bot Bình Yên Xe đã trả.", **who), url)
    assert seen == ["Đã nhắc nhở.", "Xe đã trả."]


async def test_texts_are_measured_in_utf16_and_split_at_sentences(
    api: FakeZaloAPI, settings: Settings
) -> None:
    api.add_chat("z-lan")
    card = " ".join(f"🚨 Câu {n:03d} của một thẻ tin báo dài." for n in range(57))
    assert len(card) <= 2000 < utf16_len(card)  # fits by code points, not for Zalo
    async with bot_running(zalo_webhook_settings(settings, api)) as app:
        assert app.zalo is not None
        await app.zalo.send("z-lan", OutboundMessage(card))
    parts = api.texts("z-lan")
    assert len(parts) == 2 and all(utf16_len(p) <= 2000 for p in parts)
    assert all(p.endswith(".") for p in parts) and " ".join(parts) == card
    assert split_utf16("🚨" * 1500) == ["🚨" * 1000, "🚨" * 500]


async def test_a_photo_is_given_longer_than_a_text(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeZaloAPI(photo_delay=0.6) as api:
        api.add_chat("z-desk")
        async with bot_running(zalo_webhook_settings(settings, api)) as app:
            assert app.zalo is not None
            monkeypatch.setattr(zalo_client, "SEND_TIMEOUT", 0.3)  # a text must answer in 0.3 s
            photo = OutboundMessage("TB-7K3Q", photo=api.image_url())
            assert await app.zalo.send("z-desk", photo)  # Zalo's message id: it went
    assert [c.status for c in api.calls("sendPhoto")] == [200]


async def test_a_photo_that_times_out_is_not_sent_twice(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(zalo_channel, "PHOTO_TIMEOUT", 0.2)
    async with FakeZaloAPI(photo_delay=1.0) as api:
        api.add_chat("z-desk")
        async with bot_running(zalo_webhook_settings(settings, api)) as app:
            assert app.zalo is not None
            long_caption = "Ảnh hiện trường. " * 150  # too long for a caption: sent after
            await app.zalo.send("z-desk", OutboundMessage(long_caption, photo=api.image_url()))
            assert len(api.calls("sendPhoto")) == 1
    assert api.texts("z-desk")[-1].startswith("Ảnh hiện trường.")
    assert "sendPhoto timed out; taken as sent" in caplog.text


def _answered(call: ApiCall) -> bool:
    return call.status not in (0, 499)


@pytest.mark.parametrize("error_code", [408, None])
async def test_an_idle_poll_answered_ok_false_is_not_an_error(
    settings: Settings, error_code: int | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    fake = FakeZaloAPI(max_poll_wait=0.05, idle_ok_false=True, idle_error_code=error_code)
    async with fake as api, bot_running(zalo_settings(settings, api)):
        await api.wait_for_call("getUpdates", count=4, timeout=6, predicate=_answered)
        api.push_update(api.text_message("menu", user_id="z-lan"))
        await api.wait_for_messages("z-lan", 1, timeout=3)
    assert "getUpdates failed" not in caplog.text


def test_our_photo_urls_are_signed_and_expire(settings: Settings) -> None:
    from datetime import timedelta

    from bot.runtime.channels.zalo_media import sign, verify
    from storage.base import utcnow

    now = utcnow()
    token = sign(settings, 42, now)
    assert verify(settings, token, now) == 42
    assert verify(settings, token.replace("42.", "43.", 1), now) is None  # another file
    assert verify(settings, token, now + timedelta(days=2)) is None  # expired
    assert verify(settings, "42.9999999999.x", now) is None
