"""The outbox worker: sends once, honours retry_after, marks permanent failures, follows
migrated chats, and picks up after a crash what was queued or half-sent before it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.messages import OutboundMessage
from bot.runtime.channels.base import ChatMoved, DeliveryError, TryLater, Undeliverable
from bot.runtime.dialog.engine import QueuedReply
from bot.runtime.outbox import OutboxWorker
from bot.runtime.pacing import Pacer, PacingRules
from storage.db import Database
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus
from storage.repos.outbox import queue_message


@dataclass
class RecordingSender:
    """A channel that records what it was asked to send and fails as told."""

    name: str = "test"
    sent: list[tuple[str, str]] = field(default_factory=list)
    failures: dict[str, list[DeliveryError]] = field(default_factory=dict)

    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        queue = self.failures.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.sent.append((chat_id, message.text))
        return str(len(self.sent))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


def make_worker(db: Database, sender: RecordingSender, clock: Clock) -> OutboxWorker:
    fast = PacingRules(overall_per_second=10_000, private_chat_interval=0, group_chat_interval=0)
    pacer = Pacer(fast, clock=lambda: clock().timestamp())
    return OutboxWorker(db=db, sender=sender, pacer=pacer, clock=clock)


async def queue(db: Database, clock: Clock, chat_id: str, text: str) -> int:
    async with db.transaction() as session:
        row = await queue_message(
            session,
            channel="test",
            chat_id=chat_id,
            payload=OutboundMessage(text).to_payload(),
            is_group_chat=chat_id.startswith("-"),  # as on Telegram
        )
        row.next_attempt_at = clock()
        row.created_at = clock()
        return row.id


async def status_of(db: Database, row_id: int) -> OutboxMessage:
    async with db.transaction() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        return row


async def test_a_queued_message_is_sent_once(
    db: Database, sender: RecordingSender, clock: Clock
) -> None:
    row_id = await queue(db, clock, "42", "Xin chào")
    worker = make_worker(db, sender, clock)
    assert await worker.send_due() == 1
    assert await worker.send_due() == 0
    assert sender.sent == [("42", "Xin chào")]
    assert (await status_of(db, row_id)).status == OutboxStatus.SENT


async def test_retry_after_is_honoured(db: Database, sender: RecordingSender, clock: Clock) -> None:
    row_id = await queue(db, clock, "42", "Tin nhắn")
    sender.failures["42"] = [TryLater("429", retry_after=7)]
    worker = make_worker(db, sender, clock)
    await worker.send_due()
    row = await status_of(db, row_id)
    assert row.status == OutboxStatus.PENDING
    assert row.next_attempt_at == clock() + timedelta(seconds=7)
    clock.advance(6)
    assert await worker.send_due() == 0  # not before retry_after has passed
    clock.advance(1)
    assert await worker.send_due() == 1
    assert sender.sent == [("42", "Tin nhắn")]


async def test_the_pacer_pauses_the_whole_channel_on_retry_after() -> None:
    now = [100.0]
    pacer = Pacer(PacingRules(overall_per_second=30), clock=lambda: now[0])
    pacer.pause(5)
    assert pacer.reserve("any-other-chat", is_group=False) == pytest.approx(5)


async def test_pacing_keeps_the_overall_and_per_chat_rates() -> None:
    now = [0.0]
    pacer = Pacer(
        PacingRules(overall_per_second=30, private_chat_interval=1.0, group_chat_interval=3.0),
        clock=lambda: now[0],
    )
    delays = [pacer.reserve(f"chat-{i}", is_group=False) for i in range(60)]
    assert delays[-1] == pytest.approx(59 / 30)  # 60 different chats: 30 per second
    assert pacer.reserve("chat-0", is_group=False) == pytest.approx(2.0)  # one chat: 1 per second
    assert pacer.reserve("group", is_group=True) == pytest.approx(2.0 + 1 / 30)
    assert pacer.reserve("group", is_group=True) == pytest.approx(2.0 + 1 / 30 + 3.0)


async def test_a_message_held_by_its_chat_s_gap_does_not_hold_up_other_chats() -> None:
    now = [0.0]
    rules = PacingRules(overall_per_second=30, private_chat_interval=1.0, group_chat_interval=3.0)
    pacer = Pacer(rules, clock=lambda: now[0])
    assert pacer.reserve("reporter", is_group=False) == 0
    assert pacer.reserve("reporter", is_group=False) == pytest.approx(1.0)  # its chat's gap
    # The desk's card goes in the next slot of the overall rate, not after the reporter's.
    assert pacer.reserve("desk", is_group=True) == pytest.approx(1 / 30)
    assert pacer.reserve("someone", is_group=False) == pytest.approx(2 / 30)


async def test_sends_held_by_their_chats_gaps_still_keep_the_overall_rate() -> None:
    loop = StalledLoop(until=0.0)
    pacer = Pacer(
        PacingRules(overall_per_second=10, private_chat_interval=1.0),
        clock=loop.clock,
        sleep=loop.sleep,
    )

    async def send(chat: str) -> None:
        async with pacer.turn(chat, is_group=False):
            loop.sends.append(loop.now)

    # Each of 20 chats has had a message: the next ones are all held to the same moment.
    await asyncio.gather(*(send(f"chat-{n}") for n in range(20)))
    await asyncio.gather(*(send(f"chat-{n}") for n in range(20)))
    assert len(loop.sends) == 40
    assert loop.most_in_one_second() <= 10


class StalledLoop:
    """A clock and a sleep for senders waiting together: nothing wakes before `until` (the
    loop was busy), and whatever was due by then wakes at that same moment."""

    def __init__(self, until: float) -> None:
        self.now, self.until = 0.0, until
        self.sends: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        due = self.now + seconds
        await asyncio.sleep(0)  # the other senders book their slots meanwhile
        self.now = max(self.now, due, self.until)

    def most_in_one_second(self) -> int:
        return max(sum(1 for t in self.sends if start <= t < start + 1) for start in self.sends)


class LateLoop(StalledLoop):
    """Every wake-up comes `late` seconds after it was due."""

    def __init__(self, late: float) -> None:
        super().__init__(until=0.0)
        self.late = late

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late


async def test_sends_bunched_by_a_stalled_loop_stay_within_the_rate() -> None:
    loop = StalledLoop(until=5.0)
    pacer = Pacer(PacingRules(overall_per_second=10), clock=loop.clock, sleep=loop.sleep)

    async def send(n: int) -> None:
        async with pacer.turn(f"chat-{n}", is_group=False):
            loop.sends.append(loop.now)

    await asyncio.gather(*(send(n) for n in range(40)))
    assert len(loop.sends) == 40
    assert loop.most_in_one_second() <= 10


async def test_a_stalled_messenger_holds_back_the_sends_behind_those_in_flight() -> None:
    rules = PacingRules(overall_per_second=1e9, private_chat_interval=0, max_in_flight=2)
    pacer = Pacer(rules)
    answered, started = asyncio.Event(), []

    async def send(n: int) -> None:
        async with pacer.turn(f"chat-{n}", is_group=False):
            started.append(n)
            await answered.wait()  # the messenger does not answer yet

    sends = asyncio.gather(*(send(n) for n in range(5)))
    for _ in range(20):
        await asyncio.sleep(0)  # every send gets its chance to start
    assert started == [0, 1]
    answered.set()
    await sends
    assert sorted(started) == [0, 1, 2, 3, 4]


async def test_slots_missed_by_a_late_loop_are_made_up() -> None:
    loop = LateLoop(late=0.15)
    pacer = Pacer(PacingRules(overall_per_second=10), clock=loop.clock, sleep=loop.sleep)
    for n in range(30):
        async with pacer.turn(f"chat-{n}", is_group=False):
            loop.sends.append(loop.now)
    assert loop.now < 3.5  # about 30 at 10 a second; without making up, 30 x 0.125 s


async def test_transient_errors_back_off_then_give_up(
    db: Database, sender: RecordingSender, clock: Clock
) -> None:
    row_id = await queue(db, clock, "42", "Tin nhắn")
    sender.failures["42"] = [TryLater("502") for _ in range(20)]
    worker = make_worker(db, sender, clock)
    delays = []
    for _ in range(10):
        before = clock()
        await worker.send_due()
        row = await status_of(db, row_id)
        if row.status == OutboxStatus.FAILED:
            break
        delays.append((row.next_attempt_at - before).total_seconds())
        clock.now = row.next_attempt_at
    assert delays == sorted(delays) and delays[0] < 5 and delays[-1] > 100
    assert (await status_of(db, row_id)).status == OutboxStatus.FAILED


async def test_a_user_who_blocked_the_bot_does_not_hold_up_others(
    db: Database, sender: RecordingSender, clock: Clock
) -> None:
    async with db.transaction() as session:
        session.add(ChannelAccount(channel="test", external_user_id="7", chat_id="7"))
    blocked = await queue(db, clock, "7", "Cho người đã chặn bot")
    other = await queue(db, clock, "8", "Cho người khác")
    sender.failures["7"] = [Undeliverable("forbidden", blocked=True)]
    await make_worker(db, sender, clock).send_due()
    assert (await status_of(db, blocked)).status == OutboxStatus.FAILED
    assert (await status_of(db, other)).status == OutboxStatus.SENT
    async with db.transaction() as session:
        account = await session.scalar(select(ChannelAccount).where(ChannelAccount.chat_id == "7"))
        assert account is not None and account.blocked_at is not None


async def test_a_migrated_group_gets_the_message_at_its_new_id(
    db: Database, sender: RecordingSender, clock: Clock
) -> None:
    first = await queue(db, clock, "-100", "Thông báo 1")
    second = await queue(db, clock, "-100", "Thông báo 2")
    sender.failures["-100"] = [ChatMoved("-1009999")]
    worker = make_worker(db, sender, clock)
    await worker.send_due()
    clock.advance(2)
    await worker.send_due()
    assert sender.sent == [("-1009999", "Thông báo 1"), ("-1009999", "Thông báo 2")]
    assert (await status_of(db, first)).chat_id == "-1009999"
    assert (await status_of(db, second)).status == OutboxStatus.SENT


async def test_messages_survive_a_crash_and_go_out_once(
    db: Database, sender: RecordingSender, clock: Clock
) -> None:
    waiting = await queue(db, clock, "42", "Xếp hàng trước khi sập")
    half_sent = await queue(db, clock, "43", "Đang gửi khi sập")
    async with db.transaction() as session:  # a worker claimed it, then the process died
        row = await session.get(OutboxMessage, half_sent)
        assert row is not None
        row.status, row.claimed_until = OutboxStatus.SENDING, clock() + timedelta(minutes=5)

    after_restart = make_worker(Database(db.url), sender, clock)
    await after_restart.send_due()
    assert sender.sent == [("42", "Xếp hàng trước khi sập")]
    clock.advance(301)  # the dead worker's lease ran out
    await after_restart.send_due()
    await after_restart.send_due()
    assert sender.sent == [("42", "Xếp hàng trước khi sập"), ("43", "Đang gửi khi sập")]
    assert (await status_of(db, waiting)).status == OutboxStatus.SENT
    await after_restart.db.close()


async def test_replies_to_many_people_at_once_are_settled_together(
    db: Database, sender: RecordingSender, clock: Clock
) -> None:
    replies = []
    in_flight = PacingRules().max_in_flight  # a send is settled before its place is given back
    async with db.transaction() as session:
        for n in range(in_flight):
            row = await queue_message(
                session,
                channel="test",
                chat_id=str(n),
                payload=OutboundMessage("Bạn muốn làm gì?").to_payload(),
                claimed_until=clock() + timedelta(minutes=1),
            )
            replies.append(QueuedReply(row.id, row.chat_id, False, OutboundMessage(""), "vi"))
    unpaced = PacingRules(overall_per_second=1e9, private_chat_interval=0, group_chat_interval=0)
    worker = OutboxWorker(db=db, sender=sender, pacer=Pacer(unpaced), clock=clock)
    commits = count_commits(db)

    await asyncio.gather(*(worker.deliver_now([reply]) for reply in replies))
    transactions = len(commits)

    assert len(sender.sent) == in_flight
    for reply in replies:  # each settled by the time its deliver_now returned
        assert (await status_of(db, reply.outbox_id)).status == OutboxStatus.SENT
    assert transactions <= 2  # one transaction for the first, one for all who waited


def count_commits(db: Database) -> list[object]:
    commits: list[object] = []
    event.listen(db.engine.sync_engine, "commit", commits.append)
    return commits


async def test_a_stopping_worker_gives_back_the_rows_it_claimed_ahead(
    db: Database, clock: Clock
) -> None:
    sender = GatedSender()
    for n in range(30):
        await queue(db, clock, str(n), f"Tin {n}")
    fast = PacingRules(overall_per_second=1e9, private_chat_interval=0, group_chat_interval=0)
    worker = OutboxWorker(db=db, sender=sender, pacer=Pacer(fast), clock=clock, batch_size=10)
    running = asyncio.create_task(worker.run())
    await sender.called.wait()  # the first pass is sending; the next one is claimed meanwhile

    worker.stop()
    sender.gate.set()
    await running

    async with db.transaction() as session:
        statuses = list(await session.scalars(select(OutboxMessage.status)))
    assert statuses.count(OutboxStatus.SENT) == 10
    assert statuses.count(OutboxStatus.PENDING) == 20  # due now, not after a lease


@dataclass
class GatedSender(RecordingSender):
    """Holds every send until the gate opens."""

    called: asyncio.Event = field(default_factory=asyncio.Event)
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        self.called.set()
        await self.gate.wait()
        return await super().send(chat_id, message)


async def test_a_pass_takes_as_many_for_one_chat_as_its_gap_allows(
    db: Database, sender: RecordingSender, clock: Clock
) -> None:
    for n in range(10):
        await queue(db, clock, "desk", f"Tin báo {n}")
    no_gap = make_worker(db, sender, clock)  # the messenger asks no gap between messages
    assert await no_gap.send_due() == 10
    assert [text for _, text in sender.sent] == [f"Tin báo {n}" for n in range(10)]

    for n in range(10):
        await queue(db, clock, "group", f"Nhắc họp {n}")
    a_second_apart = PacingRules(overall_per_second=10_000, private_chat_interval=1.0)
    loop = LateLoop(late=0.0)  # pacing time passes without waiting for it
    pacer = Pacer(a_second_apart, clock=loop.clock, sleep=loop.sleep)
    paced = OutboxWorker(db=db, sender=sender, pacer=pacer, clock=clock)
    assert await paced.send_due() == 10  # all claimed, three sent, the rest given back
    assert len(sender.sent) == 10 + 3
