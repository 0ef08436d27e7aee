"""`/thongbao`: compose, preview with the audience count, confirm; fan-out through the outbox
with progress and a final report; a crash halfway resumes with no duplicates; `/tatnhacnho`."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.calendar.broadcast import progress, report_finished
from bot.messages import OutboundMessage
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.outbox import LEASE, OutboxWorker
from bot.runtime.pacing import Pacer, PacingRules
from storage.base import utcnow
from storage.db import Database
from storage.models import Broadcast, BroadcastStatus, OutboxMessage, Priority, ReminderOptOut
from storage.repos.outbox import claim_messages, queue_message
from tests.conversation import Chat
from tests.test_outbox import Clock, RecordingSender
from tests.test_reminders_tick import commune_with_members


def worker(db: Database, sender: RecordingSender, clock: Clock, batch: int = 100) -> OutboxWorker:
    fast = PacingRules(overall_per_second=100_000, private_chat_interval=0, group_chat_interval=0)
    pacer = Pacer(fast, clock=lambda: clock().timestamp())
    return OutboxWorker(db=db, sender=sender, pacer=pacer, clock=clock, batch_size=batch)


async def compose(engine: DialogEngine, audience: str, text: str) -> Chat:
    police = Chat(engine, user_id="police")
    await police.says("/thongbao")
    police.sees("Gửi thông báo cho ai?")
    await police.picks(audience)
    police.sees("gõ nội dung thông báo")
    await police.says(text)
    return police


async def test_police_announce_to_the_commune(db: Database, engine: DialogEngine, settings):
    org = await commune_with_members(db)
    police = await compose(engine, "Tất cả thành viên và các nhóm chat", "Họp dân lúc 19h.")
    police.sees("📢 Thông báo của Công an")
    police.sees("gửi tới 6 người nhận. Gửi nhé?")
    async with db.transaction() as session:
        queued = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("bc:%"))
        )
        assert not list(queued)  # nothing before confirm
    await police.picks("Gửi")
    police.sees("Đang gửi tới 6 người nhận")

    async with db.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like("bc:%"))
            )
        )
        broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None and broadcast.total == 6
    assert {row.chat_id for row in rows} == {"-101", "-103", "leader1", "res1", "res2", "res3"}
    assert all(row.priority == Priority.BROADCAST for row in rows)
    assert all(row.dedupe_key.startswith(f"bc:{broadcast.id}:") for row in rows)
    english = next(row for row in rows if row.chat_id == "res2").payload["text"]
    assert "Announcement from the commune police" in english and "Họp dân lúc 19h." in english

    await police.says("/tiendo")
    police.sees("đã gửi 0, lỗi 0, còn lại 6")
    clock, sender = Clock(), RecordingSender()
    clock.now = utcnow() + timedelta(seconds=1)
    await worker(db, sender, clock).send_due()
    assert sorted(chat for chat, _ in sender.sent) == [
        "-101",
        "-103",
        "leader1",
        "res1",
        "res2",
        "res3",
    ]
    assert await report_finished(db, settings, clock()) == {"test"}
    assert await report_finished(db, settings, clock()) == set()  # reported once
    async with db.transaction() as session:
        done = await session.get(Broadcast, broadcast.id)
        report = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == f"bcdone:{broadcast.id}")
        )
    assert done is not None and done.status == BroadcastStatus.DONE
    assert report is not None and report.chat_id == "police"
    assert "đã gửi 6, lỗi 0, còn lại 0" in report.payload["text"]
    assert org.people["police"]


async def test_a_village_and_leaders_only(db: Database, engine: DialogEngine):
    await commune_with_members(db)
    police = Chat(engine, user_id="police")
    await police.says("/thongbao")
    await police.picks("Một thôn")
    await police.picks("Ấp Mỹ Phú")
    await police.says("Thôn Mỹ Phú họp tối nay.")
    police.sees("gửi tới 1 người nhận")  # Tổ 3's group chat; its leader is no member
    await police.picks("Hủy")

    await police.says("/thongbao")
    await police.picks("Chỉ tổ trưởng, trưởng thôn")
    await police.says("Nộp báo cáo quý trước ngày 25.")
    police.sees("gửi tới 2 người nhận")


async def test_a_leader_messages_their_own_group_with_a_photo(db: Database, engine: DialogEngine):
    await commune_with_members(db)
    leader = Chat(engine, user_id="leader1")
    await leader.says("/thongbao")
    assert [c for c in leader.choices() if c.startswith("Tổ")] == ["Tổ của tôi: Tổ 1"]
    assert "Một thôn" not in leader.choices()
    await leader.picks("Tổ của tôi: Tổ 1")
    await leader.sends_media("photo", "photo-file-1", caption="Dọn vệ sinh sáng Chủ nhật.")
    leader.sees("📢 Tin nhắn của tổ trưởng Tổ 1")
    leader.sees("gửi tới 4 người nhận")  # the group chat, leader1, res1, res2
    await leader.picks("Gửi")
    async with db.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like("bc:%"))
            )
        )
    assert {row.chat_id for row in rows} == {"-101", "leader1", "res1", "res2"}
    photos = {OutboundMessage.from_payload(row.payload).photo for row in rows}
    assert photos == {"photo-file-1"}


async def test_residents_cannot_broadcast(db: Database, engine: DialogEngine):
    await commune_with_members(db)
    resident = Chat(engine, user_id="res1")
    await resident.says("/thongbao")
    resident.does_not_see("Gửi thông báo cho ai?")


async def test_opt_out_and_back(db: Database, engine: DialogEngine):
    org = await commune_with_members(db)
    resident = Chat(engine, user_id="res1")
    await resident.says("/tatnhacnho")
    resident.sees("không nhận nhắc nhở phong trào")
    police = await compose(engine, "Tất cả thành viên và các nhóm chat", "Tin phong trào.")
    police.sees("gửi tới 5 người nhận")
    # Opting out never touches replies about their own tips: those are queued to them directly.
    async with db.transaction() as session:
        assert await session.get(ReminderOptOut, org.people["res1"]) is not None
    await resident.says("/batnhacnho")
    resident.sees("nhận lại")
    async with db.transaction() as session:
        assert await session.get(ReminderOptOut, org.people["res1"]) is None


async def test_crash_halfway_resumes_without_duplicates(db: Database, engine: DialogEngine):
    await commune_with_members(db)
    police = await compose(engine, "Tất cả thành viên và các nhóm chat", "Tin khẩn.")
    await police.picks("Gửi")
    clock, sender = Clock(), RecordingSender()
    clock.now = utcnow() + timedelta(seconds=1)
    # The first process sends two messages, then claims two more and dies before sending them.
    first = worker(db, sender, clock, batch=2)
    await first.send_due()
    async with db.transaction() as session:
        await claim_messages(session, channel="test", now=clock(), lease=LEASE, limit=2)
    # A tip reply queued meanwhile goes before the rest of the broadcast.
    async with db.transaction() as session:
        await queue_message(
            session,
            channel="test",
            chat_id="res9",
            payload={"text": "Đã nhận tin báo."},
            priority=Priority.TIP,
        )
    second = worker(db, sender, clock)
    await second.send_due()
    assert sender.sent[2][0] == "res9"
    clock.advance(LEASE.total_seconds() + 1)  # the dead process's lease runs out
    await second.send_due()
    # (The police officer's own chat replies were never delivered by this test driver.)
    counts = Counter(chat for chat, _ in sender.sent if chat != "police")
    assert counts == Counter(
        {c: 1 for c in ("-101", "-103", "leader1", "res1", "res2", "res3", "res9")}
    )
    async with db.transaction() as session:
        broadcast = await session.scalar(select(Broadcast))
        assert broadcast is not None
        state = await progress(session, broadcast.id)
    assert (state.sent, state.failed, state.remaining) == (6, 0, 0)
    assert timedelta(0) < LEASE


async def test_police_add_a_local_event_in_the_chat(db: Database, engine: DialogEngine, settings):
    from datetime import datetime

    from bot.calendar.service import run_due

    await commune_with_members(db)
    police = Chat(engine, user_id="police")
    await police.says("/sukien")
    await police.says("ngày mai")
    police.sees("20/11")
    await police.says("am 15/8")
    await police.says("Trung thu cho các cháu")
    await police.says("Tối mai tổ chức Trung thu ở nhà văn hóa thôn.")
    police.sees("Trung thu cho các cháu")
    police.sees("âm 15/8")
    resident = Chat(engine, user_id="res1")
    await resident.says("/sukien")
    resident.does_not_see("On which day")
    resident.does_not_see("20/11")
    # Tết Trung thu 2027 (15/8 âm) is 15/9/2027: reminded on the 14th at 07:00.
    await run_due(db, settings, datetime.fromisoformat("2027-09-14T07:00+07:00"))
    async with db.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like("cal:30073.local_%"))
            )
        )
    assert {row.chat_id for row in rows} == {"-101", "-103", "leader1", "res1", "res2", "res3"}
    assert "Tối mai tổ chức Trung thu" in rows[0].payload["text"]
