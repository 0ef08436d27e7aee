"""Zalo's monthly budget: every message counted in the database, the commune admins warned once
at 80 %, campaign messages held when little is left while replies and tips still go; and the
client never lets the bot token into a log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.messages import OutboundMessage
from bot.runtime.channels.zalo_client import ZaloClient, ZaloNetworkError
from bot.runtime.channels.zalo_errors import ZaloApiError
from bot.runtime.outbox_policy import HOLD_CAMPAIGNS_FOR, ZaloOutboxWorker, ZaloQuota
from bot.runtime.pacing import Pacer, PacingRules
from storage.db import Database
from storage.models import (
    ChannelAccount,
    OutboxMessage,
    OutboxStatus,
    Person,
    Priority,
    Role,
    RoleAssignment,
    ScopeKind,
    ZaloUsage,
)
from storage.repos.outbox import queue_message
from tests.fakes.zalo_api import FakeZaloAPI
from tests.telegram_harness import free_port

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def quota_settings(settings: Settings, quota: int, reserve: float = 0.1) -> Settings:
    return settings.model_copy(update={"zalo_monthly_quota": quota, "zalo_quota_reserve": reserve})


async def _admins(db: Database) -> list[str]:
    """Two commune admins, one on Telegram and one on Zalo."""
    chats = []
    async with db.transaction() as session:
        for channel, user in (("telegram", "9001"), ("zalo", "z-admin")):
            person = Person(full_name=f"Admin {user}", commune_code="30073")
            session.add(person)
            await session.flush()
            session.add(
                RoleAssignment(
                    person_id=person.id,
                    role=Role.COMMUNE_ADMIN,
                    scope_kind=ScopeKind.COMMUNE,
                    scope_id="30073",
                )
            )
            session.add(
                ChannelAccount(
                    channel=channel, external_user_id=user, chat_id=user, person_id=person.id
                )
            )
            chats.append(user)
    return chats


async def test_sent_messages_are_counted_by_every_process(db: Database, settings: Settings) -> None:
    one = ZaloQuota(db, quota_settings(settings, 1000), clock=lambda: NOW)
    two = ZaloQuota(db, quota_settings(settings, 1000), clock=lambda: NOW)
    one.record(3)
    await one.flush()
    two.record(2)
    await two.flush()
    one.record()
    await one.flush()
    assert one.used == 6 and two.used == 5  # each knows the total as of its last flush
    async with db.transaction() as session:
        row = await session.get(ZaloUsage, "2026-11")
    assert row is not None and row.sent == 6 and row.warned_at is None


async def test_admins_are_warned_once_a_month_at_80_percent(
    db: Database, settings: Settings
) -> None:
    chats = await _admins(db)
    woken: list[str] = []
    quota = ZaloQuota(db, quota_settings(settings, 10), clock=lambda: NOW, wake=woken.append)
    quota.record(7)
    await quota.flush()
    assert woken == []
    quota.record(1)
    await quota.flush()
    quota.record(1)
    await quota.flush()
    async with db.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert sorted(r.chat_id for r in rows) == sorted(chats)  # one warning each, not two
    assert all(r.priority == Priority.TIP for r in rows)
    text = OutboundMessage.from_payload(rows[0].payload).text
    assert text.startswith("Gói Zalo của xã đã dùng 80 % số tin nhắn của tháng này (8 trên 10")
    assert "liên hệ người quản trị máy chủ để nâng gói" in text
    assert "ZALO_MONTHLY_QUOTA" not in text  # words the admin can act on, not a setting
    assert sorted(woken) == ["telegram", "zalo"]

    next_month = ZaloQuota(db, quota_settings(settings, 10), clock=lambda: NOW + timedelta(days=15))
    next_month.record(9)
    await next_month.flush()
    async with db.transaction() as session:
        again = list(await session.scalars(select(OutboxMessage.dedupe_key)))
    assert len(again) == 4 and any(k and k.startswith("zalo-quota:2026-12:") for k in again)


def test_the_month_is_the_communes_calendar_month(settings: Settings) -> None:
    late_on_the_30th = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 00:30 on 1 December there
    quota = ZaloQuota(None, settings, clock=lambda: late_on_the_30th)  # type: ignore[arg-type]
    assert quota.month() == "2026-12"


def test_short_when_less_than_the_reserve_is_left(settings: Settings) -> None:
    quota = ZaloQuota(None, quota_settings(settings, 100, 0.1), clock=lambda: NOW)  # type: ignore[arg-type]
    quota.record(89)
    assert not quota.short()
    quota.record(1)
    assert quota.short()
    fresh = ZaloQuota(None, quota_settings(settings, 100), clock=lambda: NOW)  # type: ignore[arg-type]
    fresh.exceeded()  # Zalo said so, whatever we counted
    assert fresh.short()
    unlimited = ZaloQuota(None, quota_settings(settings, 0), clock=lambda: NOW)  # type: ignore[arg-type]
    unlimited.record(10**6)
    assert not unlimited.short()


class Recorder:
    name = "zalo"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        self.sent.append(message.text)
        return None


async def test_when_short_campaign_messages_wait_and_tips_and_replies_go(
    db: Database, settings: Settings
) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as session:
        for priority in (Priority.BROADCAST, Priority.NOTICE, Priority.TIP, Priority.REPLY):
            await queue_message(
                session,
                channel="zalo",
                chat_id="z1",
                payload=OutboundMessage(priority.name).to_payload(),
                priority=priority,
                not_before=now - timedelta(seconds=1),
            )
    quota = ZaloQuota(db, quota_settings(settings, 100))
    quota.record(95)
    sender = Recorder()
    worker = ZaloOutboxWorker(
        db=db, sender=sender, pacer=Pacer(PacingRules(overall_per_second=1000)), quota=quota
    )
    assert await worker.send_due() == 2
    assert sender.sent == ["REPLY", "TIP"]
    async with db.transaction() as session:
        held = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        )
        usage = await session.get(ZaloUsage, quota.month())
    assert sorted(OutboundMessage.from_payload(r.payload).text for r in held) == [
        "BROADCAST",
        "NOTICE",
    ]
    assert all(r.next_attempt_at >= now + HOLD_CAMPAIGNS_FOR - timedelta(minutes=1) for r in held)
    assert usage is not None and usage.sent == 95  # the count was written on the way


async def test_the_token_never_reaches_a_log_or_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = "123:very-secret-token"
    caplog.set_level(logging.DEBUG)
    nowhere = ZaloClient(token=token, api_url=f"http://127.0.0.1:{free_port()}")
    await nowhere.open()
    with pytest.raises(ZaloNetworkError) as refused:
        await nowhere.call("getMe")
    await nowhere.close()
    async with FakeZaloAPI() as api:
        wrong = ZaloClient(token=token, api_url=api.url)
        await wrong.open()
        with pytest.raises(ZaloApiError) as unauthorised:
            await wrong.call("getMe")
        await wrong.close()
    assert unauthorised.value.status == 401
    for text in (str(refused.value), str(unauthorised.value), caplog.text):
        assert token not in text and "very-secret" not in text
