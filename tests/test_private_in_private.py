"""Joining and "Dữ liệu của tôi" typed in a group chat are asked in the private chat; the group
only reads "Tôi nhắn riêng cho bạn" (issue #12)."""

from __future__ import annotations

from sqlalchemy import select

from bot.config import Settings
from bot.crypto import FieldCipher
from bot.messages import EventKind
from bot.runtime.dialog.engine import DialogEngine
from bot.sealed_messages import open_payload
from storage.db import Database
from storage.models import OutboxMessage
from tests.conversation import Chat
from tests.org_fixtures import invite_for, notices_to, small_commune

GROUP = "-100900"
MOVED = "Tôi nhắn riêng cho bạn."


def in_group(engine: DialogEngine, user_id: str) -> Chat:
    return Chat(engine, user_id=user_id, chat_id=GROUP, name="Phạm Thị Thu")


async def test_joining_typed_in_a_group_is_asked_privately(
    db: Database, engine: DialogEngine
) -> None:
    org = await small_commune(db)
    invite = await invite_for(db, org)
    group = in_group(engine, "5001")
    await group.send(
        kind=EventKind.COMMAND, command="join", args=invite.code, text="/join", is_group=True
    )
    group.sees(MOVED)
    group.does_not_see("Bạn có đồng ý không?")
    group.does_not_see("Họ tên")
    private = await notices_to(db, "5001")
    assert "Bạn có đồng ý không?" in private[-1].text
    me = Chat(engine, user_id="5001", name="Phạm Thị Thu")
    me.receives(private)
    await me.picks("Đồng ý")  # answered where it was asked
    me.sees("Họ tên đầy đủ của bạn là gì?")


async def test_my_data_typed_in_a_group_is_shown_privately(
    db: Database, engine: DialogEngine, settings: Settings
) -> None:
    await small_commune(db)
    group = Chat(engine, user_id="leader1", chat_id=GROUP)
    await group.send(kind=EventKind.COMMAND, command="dulieu", text="/dulieu", is_group=True)
    group.sees(MOVED)
    group.does_not_see("Nguyễn Văn Hùng")
    async with db.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.chat_id == "leader1", OutboxMessage.claimed_until.is_(None))
                .order_by(OutboxMessage.id)
            )
        )
    assert all("Nguyễn Văn Hùng" not in str(row.payload) for row in rows)  # sealed until sent
    private = [open_payload(row.payload, FieldCipher.of(settings)) for row in rows]
    assert any("• Họ tên: Nguyễn Văn Hùng" in m.text for m in private)
