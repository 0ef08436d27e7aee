"""Issue #13: the typed form of a notice's button works after the notice was really sent.

A sent outbox row keeps no text nor private chat id, so the buttons are kept apart
(`notice_actions`): sealed, keyed by a keyed hash of channel, chat and day, for 14 days,
deleted on erasure. These tests send the notices through the outbox worker first.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.crypto import FieldCipher
from bot.runtime.dialog.engine import DialogEngine
from storage.base import utcnow
from storage.db import Database
from storage.models import NoticeActions, OutboxMessage, OutboxStatus
from storage.repos.notices import recent_notice_choices
from storage.repos.outbox import SPENT_PAYLOAD
from tests.conversation import Chat
from tests.notice_delivery import deliver_notices
from tests.org_fixtures import Org, small_commune
from tests.test_tip_triage import card_for, file_tip
from tests.test_typed_numbers import Clock, add_member
from tests.tip_fixtures import engine_with_test_tips, tip_by_code


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    await add_member(db, org, "sau", "Phạm Văn Sáu", "12 đường Cây Dương")
    return org


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    # Ahead of the real clock: messages queued at the real time (not the engine's) are due.
    clock.now = utcnow() + timedelta(hours=1)
    return clock


@pytest.fixture
def engine(db: Database, settings: Settings, clock: Clock) -> DialogEngine:
    engine = engine_with_test_tips(db, settings)
    engine.clock = clock
    return engine


async def closed_tip(db: Database, engine: DialogEngine, org: Org) -> str:
    """An anonymous tip from "stranger", closed by the police: its notice asks for a rating."""
    code = await file_tip(engine, org, user="stranger", anonymous=True, commune_code=org.commune)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Đã giải quyết")
    await police.picks(police.choices()[0])
    return code


async def test_hai_long_works_once_the_notice_was_sent_and_blanked(
    db: Database, settings: Settings, engine: DialogEngine, clock: Clock, org: Org
) -> None:
    code = await closed_tip(db, engine, org)
    sent = await deliver_notices(db, settings, clock=clock)
    to_reporter = [message for chat, message in sent if chat == "stranger"]
    assert any(c.label == "Hài lòng" for m in to_reporter for c in m.choices)
    async with db.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    sent_rows = [row for row in rows if row.status == OutboxStatus.SENT]
    assert len(sent_rows) == len(sent)
    # The outbox forgot the notice: no text, no buttons, no reporter's chat.
    assert all(row.payload == SPENT_PAYLOAD and row.chat_id != "stranger" for row in sent_rows)
    reporter = Chat(engine, user_id="stranger")
    await reporter.says("hai long")
    reporter.sees("Cảm ơn")
    assert (await tip_by_code(db, code)).satisfied is True


async def test_the_words_expire_after_fourteen_days(
    db: Database, settings: Settings, engine: DialogEngine, clock: Clock, org: Org
) -> None:
    code = await closed_tip(db, engine, org)
    await deliver_notices(db, settings, clock=clock)
    clock.now += timedelta(days=15)
    reporter = Chat(engine, user_id="stranger")
    await reporter.says("hai long")
    # The words alone no longer name the tip: the command they spell asks for its code.
    reporter.sees("Bạn hãy gõ mã tin báo sau lệnh, ví dụ: /hailong TB-7K3Q")
    assert (await tip_by_code(db, code)).satisfied is None
    # The next notice sent with buttons takes the expired rows away.
    await closed_tip(db, engine, org)
    await deliver_notices(db, settings, clock=clock)
    async with db.transaction() as session:
        days = set(await session.scalars(select(NoticeActions.day)))
    assert days == {clock.now.date()}


async def test_a_leaked_row_holds_no_chat_no_code_no_words_and_no_time(
    db: Database, settings: Settings, engine: DialogEngine, clock: Clock, org: Org
) -> None:
    code = await closed_tip(db, engine, org)
    await deliver_notices(db, settings, clock=clock)
    async with db.transaction() as session:
        rows = (await session.execute(select(NoticeActions))).scalars().all()
    assert rows
    for row in rows:
        # Long enough that a ciphertext cannot hold one by chance.
        for secret in ("stranger", "police", code, "Hài lòng", "a:tipfb:"):
            assert secret not in row.chat_key
            assert secret.encode() not in (row.buttons_encrypted or b"")
        assert not hasattr(row.day, "hour")  # a day, never a time
    assert len({row.chat_key for row in rows}) == len(rows)  # no value shared by two rows


async def test_erasure_forgets_the_buttons_of_the_persons_chats(
    db: Database, settings: Settings, engine: DialogEngine, clock: Clock, org: Org
) -> None:
    leader = Chat(engine, user_id="leader1")
    await leader.says("/lichhop")
    await leader.picks("Dùng ngày này")
    await leader.picks("12 đường Cây Dương")
    await leader.picks("Tại nhà chủ hộ: 12 đường Cây Dương")
    await leader.picks("Gửi thư mời")
    await deliver_notices(db, settings, clock=clock)
    cipher = FieldCipher.of(settings)

    async def kept_for_sau() -> list[list[tuple[str, str]]]:
        async with db.transaction() as session:
            return await recent_notice_choices(
                session, cipher, channel="test", chat_id="sau", now=clock.now, key_prefix="a:"
            )

    assert any(
        label == "Nhà tôi nhận đón tổ" for buttons in await kept_for_sau() for _, label in buttons
    )
    sau = Chat(engine, user_id="sau")
    await sau.says("/dulieu")
    await sau.picks("Xóa tài khoản của tôi")
    await sau.picks("Có, xóa")
    sau.sees("dữ liệu cá nhân của bạn đã được xóa")
    assert await kept_for_sau() == []
    await sau.says("nha toi nhan")
    sau.does_not_see("Cảm ơn gia đình bạn")


async def test_several_notices_of_one_day_share_one_row(
    db: Database, settings: Settings, engine: DialogEngine, clock: Clock, org: Org
) -> None:
    await closed_tip(db, engine, org)
    await deliver_notices(db, settings, clock=clock)
    await closed_tip(db, engine, org)
    await deliver_notices(db, settings, clock=clock)
    cipher = FieldCipher.of(settings)
    async with db.transaction() as session:
        kept = await recent_notice_choices(
            session, cipher, channel="test", chat_id="stranger", now=clock.now, key_prefix="a:"
        )
        rows = await session.scalar(select(func.count()).select_from(NoticeActions))
    assert len(kept) >= 2  # both ratings, the newest first
    assert kept[0] != kept[1]
    assert rows is not None and rows <= 2  # the reporter's day and the police desk's day
