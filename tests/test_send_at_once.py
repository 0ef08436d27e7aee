"""What an event queues for others (a tip's police card, a notice) is sent by the handling path
as soon as the event's transaction commits, like a reply; claimed with a lease first, so the
outbox worker never sends it a second time."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.messages import EventKind, InboundEvent, OutboundMessage
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.runtime.outbox import OutboxWorker
from handlers import build_flows
from storage.base import utcnow
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.repos.outbox import dedupe_key
from tests.test_outbox import RecordingSender, make_worker

DESK = "-1001"


class TellTheDesk(Flow):
    """A test flow: tells the desk (twice under one dedupe key, once without), then fails
    when asked to."""

    name = "test_tell_desk"

    async def begin(self, turn: Turn) -> None:
        for _ in range(2):
            await turn.notify(
                channel="test",
                chat_id=DESK,
                message=OutboundMessage(f"card {turn.event.args}"),
                is_group_chat=True,
                dedupe_key=dedupe_key("test-card", turn.event.args),
            )
        await turn.notify(
            channel="test", chat_id=DESK, message=OutboundMessage(f"note {turn.event.args}")
        )
        if turn.event.args == "fail":
            raise RuntimeError("the step failed after queueing")
        turn.say("told")
        turn.leave()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def worker(db: Database, sender: RecordingSender) -> OutboxWorker:
    return make_worker(db, sender, utcnow)  # type: ignore[arg-type]


@pytest.fixture
def engine(db: Database, settings: Settings, worker: OutboxWorker) -> DialogEngine:
    registry = build_flows()
    registry.add(
        TellTheDesk(),
        MenuEntry(key="desk", label="desk", flow=TellTheDesk.name, commands=("desk",)),
    )

    def send_now(channel: str, ids: list[int]) -> None:
        assert channel == worker.channel
        worker.send_soon(ids)

    return DialogEngine(db=db, flows=registry, settings=settings, send_now=send_now)


def command(args: str, update: str) -> InboundEvent:
    return InboundEvent(
        channel="test",
        chat_id="501",
        user_id="501",
        kind=EventKind.COMMAND,
        command="desk",
        args=args,
        update_key=update,
    )


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == DESK))
        )


async def test_a_notice_is_sent_once_the_event_commits_without_a_pass(
    engine: DialogEngine, worker: OutboxWorker, sender: RecordingSender, db: Database
) -> None:
    replies = await engine.handle(command("TB-1", "u1"))

    assert replies[0].message.text == "told"
    await worker.sending_done()  # the worker's loop never ran
    assert sender.sent == [(DESK, "card TB-1"), (DESK, "note TB-1")]
    assert {row.status for row in await rows(db)} == {OutboxStatus.SENT}
    assert await worker.send_due() == 0  # nothing left for a pass to send again


async def test_a_redelivered_event_sends_nothing_again(
    engine: DialogEngine, worker: OutboxWorker, sender: RecordingSender
) -> None:
    await engine.handle(command("TB-3", "u3"))
    await engine.handle(command("TB-3", "u3"))  # the same update again
    await engine.handle(command("TB-3", "u4"))  # a new update: the keyed card is not re-queued
    await worker.sending_done()

    assert sender.sent.count((DESK, "card TB-3")) == 1
    assert sender.sent.count((DESK, "note TB-3")) == 2


async def test_what_a_failed_event_queued_is_never_sent(
    engine: DialogEngine, worker: OutboxWorker, sender: RecordingSender, db: Database
) -> None:
    replies = await engine.handle(command("fail", "u5"))
    await worker.sending_done()

    assert len(replies) == 1  # the apology
    assert sender.sent == []
    assert await rows(db) == []


async def test_a_pass_leaves_what_the_handling_path_is_about_to_send_and_none_goes_twice(
    engine: DialogEngine, worker: OutboxWorker, sender: RecordingSender, db: Database
) -> None:
    """A pass under way would hold a card just queued behind its own messages (about a
    second of them): it leaves the rows `send_soon` was given to it; the worker and the
    handling path never both send a row."""
    captured: list[list[int]] = []
    engine.send_now = lambda _channel, ids: captured.append(ids)
    await engine.handle(command("TB-6", "u6"))

    worker.send_soon(captured[0])
    passed = await worker.send_due()  # a pass claiming at the same moment
    await worker.sending_done()

    assert passed == 0
    assert sorted(sender.sent) == [(DESK, "card TB-6"), (DESK, "note TB-6")]
    assert {row.status for row in await rows(db)} == {OutboxStatus.SENT}
