"""The response clock, with time injected: a tip nobody acknowledges is sent again to the desk and
every officer, then to the commune admin, once each however often and wherever the clock runs;
and the morning digest of open tips by age, once a day."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.config import Settings
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.scheduler import build_scheduler, tick_tip_clock
from bot.tips.clock import escalate_due, send_digests
from bot.tips.codes import tip_dedupe_key
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Commune,
    OutboxMessage,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    Tip,
    TipEvent,
    TipEventKind,
    TipStatus,
)
from tests.conversation import Chat
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import Org, notices_to, small_commune
from tests.telegram_harness import bot_running, buttons, telegram_settings
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips, tip_by_code

DESK = "-100777"
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        admin = Person(full_name="Võ Thị Hạnh", commune_code=org.commune)
        session.add(admin)
        await session.flush()
        org.people["admin"] = admin.id
        session.add(
            RoleAssignment(
                person_id=admin.id,
                role=Role.COMMUNE_ADMIN,
                scope_kind=ScopeKind.COMMUNE,
                scope_id=org.commune,
            )
        )
        session.add(
            ChannelAccount(
                channel="test", external_user_id="admin", chat_id="admin", person_id=admin.id
            )
        )
    return org


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def file_tip(engine: DialogEngine, org: Org, user: str = "stranger", **values: object) -> Tip:
    DRAFTS[user] = draft(org.commune, **values)
    reporter = Chat(engine, user_id=user)
    await reporter.says("/testtip")
    filed = next(m.text for m in reporter.received if m.text.startswith("code="))
    return await tip_by_code(engine.db, filed.removeprefix("code="))


async def with_desk(db: Database, org: Org) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Commune)
            .where(Commune.code == org.commune)
            .values(police_chat_channel="test", police_chat_id=DESK)
        )


def texts(messages) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in messages]


async def test_an_unacknowledged_tip_goes_to_everyone_then_to_the_admin(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    await with_desk(db, org)
    tip = await file_tip(engine, org)
    t0 = tip.created_at
    assert tip.next_escalation_at == t0 + 30 * MINUTE
    assert len(await notices_to(db, DESK)) == 1 and await notices_to(db, "police") == []

    assert await escalate_due(db, settings, t0 + 29 * MINUTE) == set()
    assert await escalate_due(db, settings, t0 + 30 * MINUTE) == {"test"}
    for chat in (DESK, "police"):
        note, card = (await notices_to(db, chat))[-2:]
        assert note.text.startswith(f"⚠️ Chưa được tiếp nhận: tin báo {tip.code} đến lúc")
        assert "(30 phút trước)" in note.text
        assert card.text.startswith(f"Tin báo {tip.code}") and "Tiếp nhận" in [
            c.label for c in card.choices
        ]
    assert await notices_to(db, "admin") == []
    tip = await tip_by_code(db, tip.code)
    assert tip.escalation_level == 1 and tip.next_escalation_at == t0 + 60 * MINUTE

    before = await outbox_count(db)
    assert await escalate_due(db, settings, t0 + 31 * MINUTE) == set()  # nothing twice
    assert await escalate_due(db, settings, t0 + 59 * MINUTE) == set()
    assert await outbox_count(db) == before

    assert await escalate_due(db, settings, t0 + 60 * MINUTE) == {"test"}
    note, card = await notices_to(db, "admin")
    assert note.text.startswith(f"⚠️ Tin báo {tip.code} đến lúc")
    assert "vẫn chưa tiếp nhận, dù đã được gửi lại cho mọi cán bộ" in note.text
    assert card.text.startswith(f"Tin báo {tip.code}")
    assert len(await notices_to(db, "police")) == 2  # the officers were not sent it a third time
    tip = await tip_by_code(db, tip.code)
    assert tip.escalation_level == 2 and tip.next_escalation_at is None
    assert await escalate_due(db, settings, t0 + 600 * MINUTE) == set()
    assert await events(db, tip.id) == ["escalation1", "escalation2"]

    police = Chat(engine, user_id="police")
    await police.says(f"/tip {tip.code}")
    police.sees("chưa được tiếp nhận kịp thời: đã gửi lại cho mọi cán bộ")
    police.sees("chưa được tiếp nhận kịp thời: đã báo cán bộ quản trị của xã")


async def outbox_count(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count(OutboxMessage.id))) or 0


async def events(db: Database, tip_id: int) -> list[str | None]:
    async with db.transaction() as session:
        return list(
            await session.scalars(
                select(TipEvent.text)
                .where(TipEvent.tip_id == tip_id, TipEvent.kind == TipEventKind.ESCALATED)
                .order_by(TipEvent.id)
            )
        )


async def test_an_urgent_tip_has_five_minutes(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    tip = await file_tip(engine, org, category_key="robbery")
    assert tip.urgent and tip.next_escalation_at == tip.created_at + 5 * MINUTE
    assert await escalate_due(db, settings, tip.created_at + 4 * MINUTE) == set()
    assert await escalate_due(db, settings, tip.created_at + 5 * MINUTE) == {"test"}
    note = (await notices_to(db, "police"))[-2]
    assert "(5 phút trước)" in note.text


async def test_an_acknowledged_tip_is_left_alone(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    tip = await file_tip(engine, org)
    police = Chat(engine, user_id="police")
    police.receives([m for m in await notices_to(db, "police") if m.choices])
    await police.picks("Tiếp nhận")
    before = await outbox_count(db)
    assert await escalate_due(db, settings, tip.created_at + timedelta(hours=5)) == set()
    assert await outbox_count(db) == before
    assert await events(db, tip.id) == []


async def test_two_processes_running_the_clock_escalate_once(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    tips = [await file_tip(engine, org, user=f"s{i}") for i in range(3)]
    due = max(tip.created_at for tip in tips) + 30 * MINUTE
    first, second = Database(settings.database_url), Database(settings.database_url)
    try:
        results = await asyncio.gather(
            escalate_due(first, settings, due), escalate_due(second, settings, due)
        )
    finally:
        await first.close()
        await second.close()
    assert set().union(*results) == {"test"}
    for tip in tips:
        assert await events(db, tip.id) == ["escalation1"]
        # Keyed hashes: a dedupe key does not show the tip next to the chat in clear.
        keys = [
            tip_dedupe_key(settings, tip.id, "escalation1", "note") + ":test:police",
            tip_dedupe_key(settings, tip.id, "escalation1", "test", "police"),
        ]
        async with db.transaction() as session:
            rows = await session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.dedupe_key.in_(keys))
            )
        assert rows == 2  # the line and the card, to the one officer


async def test_the_clock_job_wakes_the_outbox_of_the_channel(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    tip = await file_tip(engine, org)
    async with db.transaction() as session:
        await session.execute(
            update(Tip).where(Tip.id == tip.id).values(next_escalation_at=tip.created_at)
        )
    woken: list[str] = []
    await tick_tip_clock(db, settings, woken.append)
    assert woken == ["test"]
    scheduler = build_scheduler(db, settings)
    assert {job.id for job in scheduler.get_jobs()} >= {"tip_clock", "tip_digest", "tip_retention"}


# --- the morning digest --------------------------------------------------------------------


def local(settings: Settings, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 1, day, hour, minute, tzinfo=settings.timezone)


async def test_the_morning_digest_lists_open_tips_by_age_once_a_day(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    await with_desk(db, org)
    morning = local(settings, 15, 7, 5)
    ages = {"fresh": timedelta(hours=2), "older": timedelta(days=2), "oldest": timedelta(days=10)}
    codes = {}
    for user, age in ages.items():
        tip = await file_tip(engine, org, user=user)
        codes[user] = tip.code
        async with db.transaction() as session:
            await session.execute(
                update(Tip).where(Tip.id == tip.id).values(created_at=morning - age)
            )
    closed = await file_tip(engine, org, user="closed")
    async with db.transaction() as session:
        await session.execute(
            update(Tip)
            .where(Tip.id == closed.id)
            .values(status=TipStatus.RESOLVED, closed_at=morning - timedelta(days=1))
        )
    cards = len(await notices_to(db, DESK))

    assert await send_digests(db, settings, local(settings, 15, 6, 59)) == set()
    assert await send_digests(db, settings, morning) == {"test"}
    (digest,) = (await notices_to(db, DESK))[cards:]
    assert digest.text.startswith("Tin báo đang xử lý của Xã Thanh Mỹ ngày 15/1/30: 3")
    assert "Theo thời gian tồn đọng: dưới 1 ngày: 1; 1–3 ngày: 1; trên 7 ngày: 1" in digest.text
    assert "Chưa tiếp nhận: 3" in digest.text
    shown = digest.text
    assert shown.index(codes["oldest"]) < shown.index(codes["older"]) < shown.index(codes["fresh"])
    assert f"• {codes['oldest']} · Trộm cắp · mới, chưa tiếp nhận · 10 ngày" in shown
    assert closed.code not in shown

    assert await send_digests(db, settings, local(settings, 15, 9, 30)) == set()  # once a day
    assert await send_digests(db, settings, local(settings, 16, 12, 0)) == set()  # too late
    assert await send_digests(db, settings, local(settings, 17, 7, 0)) == {"test"}
    assert len(await notices_to(db, DESK)) == cards + 2
    assert await notices_to(db, "police") == []  # the desk has it; officers are not bothered


async def test_without_a_desk_the_digest_goes_to_each_officer(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    tip = await file_tip(engine, org)
    morning = tip.created_at.astimezone(settings.timezone).replace(hour=7, minute=30)
    if morning < tip.created_at:
        morning += timedelta(days=1)
    assert await send_digests(db, settings, morning) == {"test"}
    assert (await notices_to(db, "police"))[-1].text.startswith(
        "Tin báo đang xử lý của Xã Thanh Mỹ"
    )
    assert await notices_to(db, "police_y") == []


# --- end to end on Telegram ------------------------------------------------------------------

OFFICER = 5001


async def test_the_running_bot_resends_an_unacknowledged_tip_on_telegram(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    """The deadline is made to have passed; the scheduler's job, wired as in the running bot,
    puts the reminder and the card in the officer's Telegram chat."""
    async with db.transaction() as session:
        session.add(
            ChannelAccount(
                channel="telegram",
                external_user_id=str(OFFICER),
                chat_id=str(OFFICER),
                person_id=org.people["police"],
            )
        )
    tip = await file_tip(engine, org)
    async with FakeTelegramAPI() as api, bot_running(telegram_settings(settings, api)) as app:
        api.push_update(api.user_message("menu", user_id=OFFICER))  # he has used the bot
        await api.wait_for_call(
            "sendMessage", predicate=lambda c: "Bạn cần làm gì?" in str(c.params)
        )
        before = len(api.sent_messages(OFFICER))
        async with db.transaction() as session:
            await session.execute(
                update(Tip).where(Tip.id == tip.id).values(next_escalation_at=tip.created_at)
            )
        await tick_tip_clock(app.db, app.settings, app.wake_worker)
        note, card = (await api.wait_for_messages(OFFICER, before + 2))[before:]
    assert note["text"].startswith(f"⚠️ Chưa được tiếp nhận: tin báo {tip.code}")
    assert card["text"].startswith(f"Tin báo {tip.code}")
    assert "Tiếp nhận" in [label for label, _ in buttons(card)]
