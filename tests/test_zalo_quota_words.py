"""The Zalo quota in plain words: the admin is told once, in Vietnamese, when Zalo stops
accepting messages; a resident's tip is still filed and reaches police on Telegram; replies go
before cards before campaigns when Zalo accepts again; campaign messages of an event that is
over are dropped; alerts are never held; `/tiendo` says why an announcement waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.calendar.service import run_due
from bot.config import Settings
from bot.messages import OutboundMessage
from bot.runtime.channels import zalo_errors
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.outbox_policy import CAMPAIGN, ZaloOutboxWorker, ZaloQuota
from bot.runtime.pacing import Pacer, PacingRules
from bot.tips.card_delivery import check_cards
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    ChannelAccount,
    OutboxMessage,
    OutboxStatus,
    Priority,
    Tip,
)
from storage.repos.outbox import queue_message
from tests.conversation import Chat
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running, telegram_settings
from tests.test_broadcast import compose
from tests.test_reminders_tick import commune_with_members, queued
from tests.test_tip_card_delivery import ADMIN, tip_summary
from tests.test_tip_card_delivery import api as api
from tests.test_tip_card_delivery import org as org
from tests.test_zalo_e2e import POLICE, code_in, register_desk
from tests.test_zalo_quota import Recorder, _admins, quota_settings
from tests.zalo_harness import ZaloUser, joined, number_of, zalo_webhook_settings

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
USED_UP = "Zalo đã ngừng nhận tin nhắn của Bình Yên"


async def test_when_zalo_says_quota_exceeded_the_admins_are_told_once_in_words(
    db: Database, settings: Settings
) -> None:
    chats = await _admins(db)  # one on Telegram, one on Zalo
    woken: list[str] = []
    quota = ZaloQuota(db, settings, clock=lambda: NOW, wake=woken.append)  # no quota set
    quota.exceeded()
    assert quota.short()  # campaigns wait even though ZALO_MONTHLY_QUOTA says nothing
    await quota.flush()
    quota.exceeded()  # refused again: not told again
    await quota.flush()
    async with db.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert sorted(r.chat_id for r in rows) == sorted(chats)
    text = rows[0].payload["text"]
    assert text.startswith(USED_UP) and "liên hệ người quản trị máy chủ để nâng gói" in text
    assert all(r.priority == Priority.TIP for r in rows)
    assert sorted(woken) == ["telegram", "zalo"]
    quota.record()  # Zalo accepts again (a raised plan): campaigns may go
    assert not quota.short()


async def test_with_zalo_used_up_a_tip_is_filed_and_reaches_police_on_telegram(
    api: FakeZaloAPI,
    settings: Settings,
    db: Database,
    org: Org,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Zalo refuses everything with 429 from the moment the resident presses "Gửi": the tip is
    stored, the desk (on Zalo) cannot be reached, the officer's Telegram gets the card, the
    admin is told. When Zalo accepts again (the next start, the pause over) the reporter's
    reply goes first, then tip messages, then campaign messages."""
    # Zalo is asked again every 2 s rather than after 15 minutes, so the bot stops promptly.
    monkeypatch.setattr(zalo_errors, "QUOTA_PAUSE", 2.0)
    async with db.transaction() as session:
        session.add(
            ChannelAccount(
                channel="telegram",
                external_user_id="4001",
                chat_id="4001",
                person_id=org.people["police"],
            )
        )
    async with FakeTelegramAPI() as telegram:
        telegram.user_message("hello", user_id=4001)  # the officer has written to the bot
        both = zalo_webhook_settings(telegram_settings(settings, telegram), api)
        async with bot_running(both) as app:
            await register_desk(api, both)
            reporter = ZaloUser(api, both, "z-reporter")
            summary = await tip_summary(reporter)
            api.monthly_quota = api.sent_count  # from now on Zalo answers 429
            assert await reporter.says(number_of(summary, "Gửi")) == []  # the reply waits
            (card,) = await telegram.wait_for_messages(4001, 1, timeout=10)
            assert "Tin báo TB-" in card["text"]
            async with db.transaction() as session:
                await queue_message(
                    session,
                    channel="zalo",
                    chat_id=POLICE,
                    payload=OutboundMessage("📅 Ngày hội toàn dân").to_payload(),
                    priority=Priority.BROADCAST,
                )
            worker = app.workers["zalo"]
            assert isinstance(worker, ZaloOutboxWorker)
            await worker.account(force=True)  # the admins told; the campaign held
            await check_cards(db, settings, utcnow())  # as the watcher does every second
        async with db.transaction() as session:
            tip = await session.scalar(select(Tip))
            to_admin = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.chat_id == ADMIN)
            )
            campaign = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.priority == Priority.BROADCAST)
            )
            assert tip is not None and tip.delivered_at is not None  # on Telegram
            assert to_admin is not None and to_admin.payload["text"].startswith(USED_UP)
            assert campaign is not None and "held" in (campaign.last_error or "")
            # The pause is over: everything that waited is due again.
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status != OutboxStatus.SENT)
                .values(
                    status=OutboxStatus.PENDING,
                    claimed_until=None,
                    next_attempt_at=utcnow() - timedelta(seconds=1),
                )
            )
        api.monthly_quota = None
        first_after = len(api.requests)
        slow = zalo_webhook_settings(
            telegram_settings(settings, telegram), api, zalo_global_rate=5.0
        )
        async with bot_running(slow):
            code = code_in(await reporter.receives(2, timeout=10))  # the reply, then "arrived"
            await api.wait_for_messages(POLICE, 4, timeout=10)  # set-up ×2, card, campaign
    resumed = [c for c in api.requests[first_after:] if c.method == "sendMessage"]
    texts = [str(c.params["text"]) for c in resumed]
    reply = next(i for i, t in enumerate(texts) if f"Mã tin: {code}" in t)
    cards = [i for i, t in enumerate(texts) if f"Tin báo {code}" in t]
    festival = next(i for i, t in enumerate(texts) if "Ngày hội toàn dân" in t)
    assert reply < min(cards) and max(cards) < festival


async def test_alerts_are_never_held_and_campaigns_of_an_event_past_are_dropped(
    db: Database, settings: Settings
) -> None:
    now = datetime.now(UTC)
    over = (now - timedelta(hours=1)).isoformat()
    coming = (now + timedelta(days=2)).isoformat()
    async with db.transaction() as session:
        for text, priority, expires in (
            ("ALERT", Priority.ALERT, None),
            ("OVER", Priority.BROADCAST, over),
            ("COMING", Priority.BROADCAST, coming),
            ("NOTICE", Priority.NOTICE, None),
        ):
            await queue_message(
                session,
                channel="zalo",
                chat_id="z1",
                payload=OutboundMessage(text, expires_at=expires).to_payload(),
                priority=priority,
                not_before=now - timedelta(seconds=1),
            )
    quota = ZaloQuota(db, quota_settings(settings, 100))
    quota.record(95)
    sender = Recorder()
    worker = ZaloOutboxWorker(
        db=db, sender=sender, pacer=Pacer(PacingRules(overall_per_second=1000)), quota=quota
    )
    await worker.send_due()
    assert sender.sent == ["ALERT"]
    async with db.transaction() as session:
        alert, over, coming, notice = await session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id)
        )
    assert alert.status == OutboxStatus.SENT
    assert over.status == OutboxStatus.FAILED and "expired" in (over.last_error or "")
    assert over.payload == {"text": ""}  # its text not kept, like any message given up
    assert coming.status == notice.status == OutboxStatus.PENDING


async def test_a_link_notice_is_an_alert_not_a_campaign_message(
    db: Database, engine: DialogEngine
) -> None:
    """The other account told of a link (a security notice) is never held with campaigns."""
    org = await small_commune(db)
    async with db.transaction() as session:
        session.add(
            ChannelAccount(
                channel="zalo",
                external_user_id="z-hung",
                chat_id="z-hung",
                person_id=org.people["leader1"],
            )
        )
    member = Chat(engine, user_id="z-hung", channel="zalo")
    await member.says("/lienket")
    code = member.last_text().split("/lienket ")[1].split()[0]
    await Chat(engine, user_id="4004", channel="telegram").says(f"/lienket {code}")
    asked = await _to_chat(db, "z-hung", "Liên kết tài khoản Telegram")  # the owner's yes
    await member.says("1")
    told = await _to_chat(db, "4004", "đã đồng ý")  # the new account, told
    assert asked.priority == told.priority == Priority.ALERT < CAMPAIGN


async def _to_chat(db: Database, chat_id: str, words: str) -> OutboxMessage:
    async with db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id))
        [row] = [row for row in rows if words in str(row.payload.get("text"))]
        return row


async def test_tiendo_says_why_an_announcement_waits(db: Database, engine: DialogEngine) -> None:
    await commune_with_members(db)
    police = await compose(engine, "Tất cả thành viên và các nhóm chat", "Họp dân lúc 19h.")
    await police.picks("Gửi")
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like("bc:%"))
            .values(channel="zalo", next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    quota = ZaloQuota(db, quota_settings(engine.settings, 100))
    quota.record(95)
    worker = ZaloOutboxWorker(
        db=db, sender=Recorder(), pacer=Pacer(PacingRules(overall_per_second=1000)), quota=quota
    )
    await worker.send_due()
    await police.says("/tiendo")
    police.sees("còn lại 6")
    police.sees("Đang chờ: gói Zalo của xã sắp hết số tin nhắn của tháng này")
    assert joined([m.text for m in police.received]).count("Đang chờ") == 1


async def test_a_calendar_reminder_expires_the_day_after_its_event(
    db: Database, settings: Settings
) -> None:
    await commune_with_members(db)
    await run_due(db, settings, datetime.fromisoformat("2027-06-25T07:00+07:00"))
    rows = await queued(db, "cal:anti_drug_day:2027-06-26:1d:")
    expiry = {row.payload.get("expires_at") for row in rows.values()}
    assert expiry == {"2027-06-27T00:00:00+07:00"}  # 26/6 is over at midnight, local time
