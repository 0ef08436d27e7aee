"""Nothing a resident only checked is kept: after the check (answered "no", or left open) and
the replies' delivery, no table holds the number, the link or their keyed forms; only a check
sent as a tip leaves them, keyed, with the tip and never with who sent it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.config import Settings
from bot.crypto import FieldCipher
from bot.messages import OutboundMessage
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.outbox import OutboxWorker
from bot.runtime.pacing import Pacer, PacingRules
from bot.scams.service import item_key
from handlers import build_flows
from storage.base import Base, utcnow
from storage.db import Database
from tests.conversation import Chat
from tests.org_fixtures import small_commune

MESSAGE = "Tài khoản sắp bị khóa, cập nhật tại hxxps://vcb-capnhat[.]xyz hoặc gọi 0387.654.321"
FORMS = ("0387654321", "0387 654 321", "0387.654.321", "387654321", "vcb-capnhat")


@dataclass
class Recorder:
    name: str = "test"
    sent: list[str] = field(default_factory=list)

    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        self.sent.append(message.text)
        return str(len(self.sent))


async def deliver_everything(db: Database, settings: Settings) -> list[str]:
    """Send every reply, as the bot does after each answer (here once their lease is over)."""
    recorder = Recorder()
    rules = PacingRules(overall_per_second=1e9, private_chat_interval=0, group_chat_interval=0)
    later = utcnow() + timedelta(minutes=5)
    worker = OutboxWorker(
        db=db,
        sender=recorder,
        pacer=Pacer(rules),
        clock=lambda: later,
        cipher=FieldCipher.of(settings),
    )
    while await worker.send_due():
        pass
    return recorder.sent


async def dump(db: Database) -> str:
    """Every row of every table, as text."""
    lines = []
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                lines.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(lines)


def secrets_of(settings: Settings) -> tuple[str, ...]:
    secret = settings.secret_key_bytes()
    keys = (item_key(secret, "phone", "0387654321"), item_key(secret, "link", "vcb-capnhat.xyz"))
    return FORMS + keys


async def test_a_check_leaves_nothing_in_the_database(db: Database, settings: Settings) -> None:
    await small_commune(db)
    engine = DialogEngine(db=db, flows=build_flows(), settings=settings)
    declined = Chat(engine, user_id="declines")
    await declined.says("kiem tra")
    await declined.says(MESSAGE)
    await declined.picks("Không, cảm ơn")
    walked_away = Chat(engine, user_id="walks_away")  # the offer stays open
    await walked_away.says("kiểm tra 0387 654 321")

    sent = await deliver_everything(db, settings)
    assert any("0387 654 321: chưa có thông tin gì" in text for text in sent)
    stored = await dump(db)
    for secret in secrets_of(settings):
        assert secret not in stored, f"{secret!r} was kept after a check"


async def test_a_check_sent_as_a_tip_keeps_it_with_the_tip(
    db: Database, settings: Settings
) -> None:
    await small_commune(db)
    engine = DialogEngine(db=db, flows=build_flows(), settings=settings)
    resident = Chat(engine, user_id="stranger")
    await resident.says("kiem tra")
    await resident.says(MESSAGE)
    await resident.says("Thanh Mỹ")
    resident.sees("Đã gửi ẩn danh tới Công an Xã Thanh Mỹ")
    await deliver_everything(db, settings)
    stored = await dump(db)
    assert MESSAGE in stored  # the tip's text, for commune police
    for key in secrets_of(settings)[len(FORMS) :]:
        assert key in stored  # keyed, so that later checks and tips find it
    async with db.transaction() as session:
        reports = (await session.execute(select(Base.metadata.tables["scam_reports"]))).all()
    # No time of their own, which could match the sender's conversation to the microsecond.
    assert reports and not [v for row in reports for v in row if isinstance(v, datetime)]
