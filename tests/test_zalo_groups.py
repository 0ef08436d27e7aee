"""Groups on Zalo: setting up the police desk or a group's chat says how it is done on Zalo
(invite the bot, mention it, then the command), never "the Telegram group", and never speaks
of buttons; without a desk, tips go to each officer's private chat."""

from __future__ import annotations

from bot.config import Settings
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from tests.conversation import Chat
from tests.fakes.zalo_api import FakeZaloAPI
from tests.org_fixtures import Org
from tests.telegram_harness import bot_running
from tests.test_tip_card_delivery import api as api
from tests.test_tip_card_delivery import org as org
from tests.test_tip_card_delivery import quick_tip
from tests.test_zalo_e2e import DESK, LEADER, POLICE, code_in
from tests.zalo_harness import ZaloUser, joined, last, zalo_webhook_settings

NO_BUTTONS = ("nút", "bấm", "nhấn")


async def test_the_desk_is_set_up_the_zalo_way(
    api: FakeZaloAPI, settings: Settings, db: Database, org: Org
) -> None:
    hook = zalo_webhook_settings(settings, api)
    async with bot_running(hook):
        officer = ZaloUser(api, hook, POLICE, name="Bảo")
        steps = (await officer.says("/bantruc"))[0]
        code = code_in([steps], r"(?<=/bantruc )[A-Z0-9]{8}")
        assert "Mời Bot vào nhóm Zalo trực ban" in steps
        assert "nhắc tên Bot (gõ @ rồi chọn tên Bot), rồi gõ:\n/bantruc " in steps
        assert "Telegram" not in steps and not any(word in steps for word in NO_BUTTONS)
        assert "gửi tới từng cán bộ trong cuộc trò chuyện riêng" in steps  # the fallback
        desk = ZaloUser(api, hook, POLICE, name="Bảo", chat_id=DESK)
        registered = last(await desk.says(f"@Bình Yên /bantruc {code}"))
        assert "nhóm trực ban của Xã Thanh Mỹ" in registered and "kèm lệnh cần gõ" in registered
        assert not any(word in registered for word in NO_BUTTONS)


async def test_a_groups_chat_is_set_up_the_zalo_way(
    api: FakeZaloAPI, settings: Settings, db: Database, org: Org
) -> None:
    from storage.models import ChannelAccount

    async with db.transaction() as session:
        session.add(
            ChannelAccount(
                channel="zalo",
                external_user_id=LEADER,
                chat_id=LEADER,
                person_id=org.people["leader1"],
            )
        )
    api.add_chat(LEADER)
    hook = zalo_webhook_settings(settings, api)
    async with bot_running(hook):
        steps = joined(await ZaloUser(api, hook, LEADER).says("/nhomto"))
    assert "Mời Bot vào nhóm Zalo của tổ" in steps and "nhắc tên Bot" in steps
    assert "Telegram" not in steps and not any(word in steps for word in NO_BUTTONS)


async def test_on_telegram_the_desk_is_still_a_telegram_group(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    officer = Chat(engine, user_id="police")  # the officer's account on the test messenger
    await officer.says("/bantruc")
    officer.sees("Thêm Bình Yên vào nhóm Telegram trực ban của công an xã.")


async def test_without_a_desk_tips_reach_each_officer_privately(
    api: FakeZaloAPI, settings: Settings, db: Database, org: Org
) -> None:
    hook = zalo_webhook_settings(settings, api)
    async with bot_running(hook):
        code = code_in(await quick_tip(ZaloUser(api, hook, "z-reporter")))
        officer = ZaloUser(api, hook, POLICE)
        (card,) = await officer.receives(1, timeout=10)
    assert f"Tin báo {code}" in card and f"gõ /tiepnhan {code}" in card
