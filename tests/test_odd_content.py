"""Odd content from users and in cards: control characters, cards over 4,096 characters,
attachments that name a file on the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.messages import OutboundMessage
from bot.runtime.channels.base import Undeliverable
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import Person, Tip
from tests.conversation import Chat
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running, telegram_settings
from tests.test_report_tip import code_in

POLICE = 5001


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


async def test_a_tip_with_control_characters_is_sent_without_them(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    """A NUL made PostgreSQL refuse "Gửi" every time; it is dropped as the text comes in."""
    chat = Chat(engine, user_id="7001", name="Lan\x00\x07")
    await chat.says("/baotin")
    await chat.says("Thanh\x00 Mỹ")
    await chat.picks("Trộm cắp")
    await chat.says("Hai người lạ\x00 bẻ khóa\x1b xe máy\ttrước nhà số 21.\nRồi chạy mất.")
    await chat.picks("Xong")
    await chat.picks("Hôm qua")
    await chat.says("Đầu hẻm\x00 đường Cây Dương\ud800")
    await chat.picks("Có, báo cho tôi")
    chat.sees("• Sự việc: Hai người lạ bẻ khóa xe máy\ttrước nhà số 21.\nRồi chạy mất.")
    await chat.picks("Gửi")
    chat.sees("Tin báo của bạn đã được gửi. Mã tin: TB-")
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code_in(chat)))
        assert tip is not None
        assert tip.description == "Hai người lạ bẻ khóa xe máy\ttrước nhà số 21.\nRồi chạy mất."
        assert tip.place_text == "Đầu hẻm đường Cây Dương"
        names = list(await session.scalars(select(Person.full_name)))
    assert not any("\x00" in name for name in names)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        fake.user_message("/start", user_id=POLICE)  # the officer's chat is known
        yield fake


def card(status: str, length: int) -> str:
    """A tip card of about `length` characters: a status line, then long paragraphs."""
    paragraph = "Người báo kể lại sự việc xảy ra trước nhà số 21, đầu hẻm Cây Dương. " * 12
    text = f"Tin báo TB-7K3Q — {status}\n\n"
    while len(text) < length:
        text += paragraph.strip() + "\n\n"
    return text.strip()


async def test_a_long_card_is_edited_part_by_part(
    telegram: FakeTelegramAPI, settings: Settings
) -> None:
    async with bot_running(telegram_settings(settings, telegram)) as app:
        assert app.telegram is not None
        first = card("Mới", 6_000)
        sent = await app.telegram.send(str(POLICE), OutboundMessage(text=first))
        assert sent is not None and len(sent.split(",")) == 2
        edited = card("Đã tiếp nhận", 6_000)
        await app.telegram.send(str(POLICE), OutboundMessage(text=edited, replaces=sent))
    parts = [telegram.messages[(POLICE, int(i))]["text"] for i in sent.split(",")]
    assert parts[0].startswith("Tin báo TB-7K3Q — Đã tiếp nhận")
    assert not parts[1].startswith("Tin báo")  # the end of the card, not its start again
    assert "\n\n".join(parts).replace("\n\n", "") == edited.replace("\n\n", "")


async def test_only_files_of_the_media_store_are_uploaded(
    telegram: FakeTelegramAPI, settings: Settings, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.env"
    secret.write_bytes(b"BOT_SECRET_KEY=do-not-send")
    report = Path(settings.media_dir) / "reports" / "camket.xlsx"
    report.parent.mkdir(parents=True)
    report.write_bytes(b"PK-a-report")
    async with bot_running(telegram_settings(settings, telegram)) as app:
        assert app.telegram is not None
        for outside in (str(secret), f"{settings.media_dir}/../secret.env"):
            with pytest.raises(Undeliverable):  # sent as a file id, which Telegram refuses
                await app.telegram.send(str(POLICE), OutboundMessage("TB-7K3Q", photo=outside))
        await app.telegram.send(str(POLICE), OutboundMessage("Báo cáo", document=str(report)))
    uploaded = [f.content for f in telegram.files.values()]
    assert b"PK-a-report" in uploaded
    assert not any(b"do-not-send" in content for content in uploaded)
