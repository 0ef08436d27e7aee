"""A tip's card never vanishes: the reporter hears that police have the tip only once a police
chat accepted its card; a desk that refuses or does not answer is passed over for every
officer's private chat, then the commune admins; a message to police that can never go is
reported to the admins and shown in `/tips`."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.runtime.dialog.engine import DialogEngine
from bot.tips.card_delivery import check_cards
from bot.tips.clock import escalate_due
from bot.tips.police_chat import set_police_desk
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    ChannelAccount,
    OutboxMessage,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    Tip,
    TipAttachment,
    TipCard,
)
from tests.conversation import Chat
from tests.fakes.zalo_api import FakeZaloAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running
from tests.test_report_tip import send_tip
from tests.test_zalo_e2e import DESK, POLICE, code_in, register_desk
from tests.zalo_harness import (
    ZaloUser,
    fetch_photo,
    joined,
    last,
    number_of,
    zalo_webhook_settings,
)

ADMIN = "z-admin"
ARRIVED = "Công an xã đã nhận được tin báo"


@pytest.fixture
async def api() -> FakeZaloAPI:
    async with FakeZaloAPI() as fake:
        yield fake


@pytest.fixture
async def org(db: Database, api: FakeZaloAPI) -> Org:
    """Thanh Mỹ with its officer on Zalo and a commune admin on Zalo."""
    org = await small_commune(db)
    async with db.transaction() as session:
        admin = Person(full_name="Võ Thị Hạnh", commune_code=org.commune)
        session.add(admin)
        await session.flush()
        session.add(
            RoleAssignment(
                person_id=admin.id,
                role=Role.COMMUNE_ADMIN,
                scope_kind=ScopeKind.COMMUNE,
                scope_id=org.commune,
            )
        )
        for user_id, person in ((POLICE, org.people["police"]), (ADMIN, admin.id)):
            session.add(
                ChannelAccount(
                    channel="zalo", external_user_id=user_id, chat_id=user_id, person_id=person
                )
            )
            api.add_chat(user_id)
    return org


async def quick_tip(reporter: ZaloUser) -> list[str]:
    """A resident who never joined reports a theft by typing; the replies to "Gửi"."""
    summary = await tip_summary(reporter)
    return await reporter.says(number_of(summary, "Gửi"))


async def tip_summary(reporter: ZaloUser) -> str:
    """The same, up to the summary shown before sending."""
    await reporter.says("bao tin")
    which = last(await reporter.says("thanh my"))
    category = last(await reporter.says(number_of(which, "Xã Thanh Mỹ,")))
    await reporter.says(number_of(category, "Trộm cắp"))
    await reporter.says("Hai người lạ bẻ khóa xe máy trước nhà số 21.")
    when = last(await reporter.says("xong"))
    await reporter.says(number_of(when, "Hôm qua"))
    updates = last(await reporter.says("Đầu hẻm đường Cây Dương"))
    return last(await reporter.says(number_of(updates, "Có, báo cho tôi")))


def _first_card_sent(api: FakeZaloAPI, code: str) -> int:
    for index, call in enumerate(api.requests):
        police = call.params.get("chat_id") in (DESK, POLICE, ADMIN)
        if call.status == 200 and police and f"Tin báo {code}" in str(call.params.get("text")):
            return index
    raise AssertionError("no card was accepted")


def _told_arrived(api: FakeZaloAPI, reporter: str) -> int:
    for index, call in enumerate(api.requests):
        if call.params.get("chat_id") == reporter and ARRIVED in str(call.params.get("text")):
            return index
    raise AssertionError("the reporter was not told")


async def test_a_card_refused_with_400_and_403_still_reaches_police_and_the_reporter_hears_after(
    api: FakeZaloAPI, settings: Settings, db: Database, org: Org
) -> None:
    """The desk's card is refused with 400, then 403 ("Internal server error"): it is kept and
    tried again until the desk has it (and meanwhile sent on to the officer); the reporter
    hears police have the tip only after a police chat accepted a card."""
    hook = zalo_webhook_settings(settings, api)
    async with bot_running(hook):
        await register_desk(api, hook)
        api.fail_next("sendMessage", status=400, chat_id=DESK)  # "Bad request"
        api.fail_next("sendMessage", status=403, chat_id=DESK)  # "Internal server error"
        reporter = ZaloUser(api, hook, "z-reporter", name="Người dân")
        sent = joined(await quick_tip(reporter))
        code = code_in([sent])
        assert "Tin báo đã được lưu, đang chuyển cho công an xã Thanh Mỹ." in sent
        assert "đã được báo ngay" not in sent and ARRIVED not in sent
        (arrived,) = await reporter.receives(1, timeout=15)
        assert arrived == f"{ARRIVED} {code} của bạn."
        await api._wait(  # the desk has it in the end, after its two refusals
            lambda: any(f"Tin báo {code}" in text for text in api.texts(DESK)), 15, "the card"
        )
    refused = [c.status for c in api.calls("sendMessage") if c.status >= 400]
    assert refused == [400, 403]
    assert _first_card_sent(api, code) < _told_arrived(api, "z-reporter")
    async with db.transaction() as session:
        blocked = await session.scalar(
            select(ChannelAccount.id).where(ChannelAccount.blocked_at.is_not(None))
        )
    assert blocked is None and (await _tip(db, code)).delivered_at is not None


async def test_a_desk_that_does_not_answer_for_a_minute_is_passed_over(
    engine: DialogEngine, settings: Settings, db: Database, org: Org
) -> None:
    """The desk's card waits (nothing refused, nothing sent: no worker runs here): after a
    minute every officer gets it in a private chat; a minute later the commune admins, with a
    line saying why. Nobody tells the reporter police have it."""
    async with db.transaction() as session:
        await set_police_desk(
            session, org.commune, channel="zalo", chat_id=DESK, actor=None, now=utcnow()
        )
    code = await send_tip(Chat(engine, user_id="7001"))
    tip = await _tip(db, code)
    await check_cards(db, settings, utcnow())
    assert await _card_chats(db, tip.id) == {DESK}  # not yet a minute
    await check_cards(db, settings, utcnow() + timedelta(seconds=61))
    officers = {"police", POLICE}  # the officer's accounts on both messengers
    assert await _card_chats(db, tip.id) == {DESK, *officers}
    await check_cards(db, settings, utcnow() + timedelta(seconds=125))
    assert await _card_chats(db, tip.id) == {DESK, *officers, ADMIN}
    async with db.transaction() as session:
        to_admin = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == ADMIN))
        )
        to_reporter = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == "7001"))
        )
    assert any("không tới được ban trực" in row.payload["text"] for row in to_admin)
    assert not any(ARRIVED in row.payload["text"] for row in to_reporter)
    assert (await _tip(db, code)).delivered_at is None


async def test_a_message_to_police_that_can_never_go_alerts_the_admin_and_shows_in_tips(
    api: FakeZaloAPI, settings: Settings, db: Database, org: Org
) -> None:
    hook = zalo_webhook_settings(settings, api)
    async with bot_running(hook):
        await register_desk(api, hook)
        api.fail_next("sendMessage", status=404, chat_id=DESK)  # "Not found": undeliverable
        reporter = ZaloUser(api, hook, "z-reporter")
        code = code_in(await quick_tip(reporter))
        admin = ZaloUser(api, hook, ADMIN)
        alert = joined(await admin.receives(1, timeout=10))
        assert f"tin báo {code}" in alert and "Zalo" in alert
        await api._wait(  # the card, sent on to the officer
            lambda: any(f"Tin báo {code}" in text for text in api.texts(POLICE)), 10, "the card"
        )
        officer = ZaloUser(api, hook, POLICE, name="Bảo")
        officer.unread()
        listing = joined(await officer.says("/tips"))
    assert code in listing and "chưa chuyển được" in listing


async def _tip(db: Database, code: str) -> Tip:
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code))
        assert tip is not None
        return tip


async def _card_chats(db: Database, tip_id: int) -> set[str]:
    async with db.transaction() as session:
        return set(await session.scalars(select(TipCard.chat_id).where(TipCard.tip_id == tip_id)))


async def test_a_card_sent_later_carries_the_tips_own_copy_of_the_photo(
    api: FakeZaloAPI, settings: Settings, db: Database, org: Org
) -> None:
    """The reporter's picture is a Zalo URL that expires; the evidence store keeps a copy, and
    a card sent after that (here: nobody acknowledged, sent again to every officer) gives Zalo
    our copy's address on the bot's own server."""
    hook = zalo_webhook_settings(settings, api)
    picture = b"\xff\xd8\xff\xe0 a picture of the motorbike"
    async with bot_running(hook) as app:
        await register_desk(api, hook)
        reporter = ZaloUser(api, hook, "z-reporter")
        await reporter.says("bao tin")
        which = last(await reporter.says("thanh my"))
        category = last(await reporter.says(number_of(which, "Xã Thanh Mỹ,")))
        await reporter.says(number_of(category, "Trộm cắp"))
        await reporter.says("Xe máy bị bẻ khóa.")
        await reporter.sends_photo(api.image_url(picture))
        when = last(await reporter.says("xong"))
        await reporter.says(number_of(when, "Hôm qua"))
        updates = last(await reporter.says("Chợ"))
        summary = last(await reporter.says(number_of(updates, "Không")))
        code = code_in(await reporter.says(number_of(summary, "Gửi")))
        await _stored_copy(db)
        api.images.clear()  # Zalo's URL has expired
        tip = await _tip(db, code)
        later = tip.created_at + timedelta(hours=3)
        for channel in await escalate_due(db, settings, later):
            app.wake_worker(channel)
        officer = ZaloUser(api, hook, POLICE)
        officer.unread()  # the desk's set-up
        await officer.receives(3, timeout=10)  # the note, the card, the photo
    [photo_call] = [c for c in api.calls("sendPhoto") if c.params["chat_id"] == POLICE]
    assert photo_call.params["photo"].startswith("https://binhyen.example.vn/zalo/media/")
    async with bot_running(hook):
        assert await fetch_photo(hook, photo_call.params["photo"]) == picture


async def _stored_copy(db: Database) -> None:
    """Until the evidence store has the picture (it runs in the background)."""
    for _ in range(200):
        async with db.transaction() as session:
            if await session.scalar(select(TipAttachment.local_path)):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the evidence store never kept the picture")
