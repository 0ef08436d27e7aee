"""Joining end to end on Telegram: deep link, consent, name, shared contact, household, the
leader's one-button confirmation, and the member's new menu; the real PTB Application over HTTP."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.crypto import FieldCipher
from bot.demo import SAMPLE
from bot.invite_cli import CreateRequest, create_command
from bot.organisation.apply import import_path
from storage.db import Database
from storage.models import ChannelAccount, Person, Role
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import Org, invite_for, small_commune
from tests.telegram_harness import bot_running, button_data, buttons, telegram_settings

THU, HUNG = 3001, 2001  # a newcomer, and the leader of Tổ 1


@pytest.fixture
async def api() -> FakeTelegramAPI:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:  # the leader also uses Telegram
        session.add(
            ChannelAccount(
                channel="telegram",
                external_user_id=str(HUNG),
                chat_id=str(HUNG),
                person_id=org.people["leader1"],
            )
        )
    return org


def labels(message: dict) -> list[str]:  # type: ignore[type-arg]
    return [label for label, _ in buttons(message)]


async def test_a_newcomer_joins_by_deep_link_and_the_leader_confirms(
    api: FakeTelegramAPI, settings: Settings, db: Database, org: Org
) -> None:
    invite = await invite_for(db, org)
    async with bot_running(telegram_settings(settings, api)):
        api.push_update(api.user_message("menu", user_id=HUNG))  # he has used the bot before
        await api.wait_for_messages(HUNG, 1)
        api.push_update(api.user_message(f"/start {invite.code}", user_id=THU, first_name="Thu"))
        _welcome, invited, consent = await api.wait_for_messages(THU, 3)
        assert "Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ" in invited["text"]
        assert labels(consent)[:2] == ["Đồng ý", "Không đồng ý"]

        api.push_update(
            api.callback_query(button_data(consent, "Đồng ý"), user_id=THU, first_name="Thu")
        )
        (name_question,) = (await api.wait_for_messages(THU, 4))[3:]
        assert labels(name_question)[0] == "Thu"  # the profile name, one tap away
        api.push_update(api.user_message("Phạm Thị Thu", user_id=THU, first_name="Thu"))
        (phone_question,) = (await api.wait_for_messages(THU, 5))[4:]
        keyboard = phone_question["reply_markup"]["keyboard"]
        assert keyboard[0][0]["request_contact"] is True
        contact = {"phone_number": "84912345678", "first_name": "Thu", "user_id": THU}
        api.push_update(api.user_message(None, user_id=THU, first_name="Thu", contact=contact))
        (household_question,) = (await api.wait_for_messages(THU, 6))[5:]
        data = button_data(household_question, "21 đường Cây Dương")
        api.push_update(api.callback_query(data, user_id=THU, first_name="Thu"))
        sent, menu = (await api.wait_for_messages(THU, 8))[6:]
        assert "đã được gửi tới tổ trưởng" in sent["text"]

        notice = (await api.wait_for_messages(HUNG, 2))[1]
        assert "Thành viên mới của Tổ 1: Phạm Thị Thu" in notice["text"]
        api.push_update(api.callback_query(button_data(notice, "Xác nhận"), user_id=HUNG))
        done = (await api.wait_for_messages(HUNG, 3))[2]
        assert "Đã xác nhận" in done["text"]

        (good_news,) = (await api.wait_for_messages(THU, 9))[8:]
        assert "Tổ 1 đã xác nhận bạn là thành viên" in good_news["text"]
        api.push_update(api.user_message("menu", user_id=THU, first_name="Thu"))
        (resident_menu,) = (await api.wait_for_messages(THU, 10))[9:]
    assert "Họp tổ" in labels(resident_menu)  # a member now
    assert "Tham gia tổ của tôi" not in labels(resident_menu)
    assert "Tham gia tổ của tôi" in labels(menu)  # before confirmation: not yet in a group


async def test_a_second_user_refuses_and_still_gets_the_emergency_numbers(
    api: FakeTelegramAPI, settings: Settings, db: Database, org: Org
) -> None:
    invite = await invite_for(db, org)
    async with bot_running(telegram_settings(settings, api)):
        api.push_update(api.user_message("menu", user_id=HUNG))  # he has used the bot before
        await api.wait_for_messages(HUNG, 1)
        api.push_update(api.user_message(f"/start {invite.code}", user_id=THU, first_name="Thu"))
        consent = (await api.wait_for_messages(THU, 3))[2]
        api.push_update(
            api.callback_query(button_data(consent, "Không đồng ý"), user_id=THU, first_name="Thu")
        )
        nothing_kept, menu = (await api.wait_for_messages(THU, 5))[3:]
        assert "Không có dữ liệu nào về bạn được lưu." in nothing_kept["text"]
        api.push_update(
            api.callback_query(button_data(menu, "Số điện thoại khẩn cấp"), user_id=THU)
        )
        numbers = (await api.wait_for_messages(THU, 6))[5]
    assert "113" in numbers["text"]


async def test_a_leader_gets_an_invite_link_with_the_bots_own_username(
    api: FakeTelegramAPI, settings: Settings, db: Database, org: Org
) -> None:
    async with bot_running(telegram_settings(settings, api)):
        api.push_update(api.user_message("/moi", user_id=HUNG))
        await api.wait_for_call("sendPhoto")
    text = " ".join(m.get("text", "") for m in api.sent_messages(HUNG))
    assert f"https://t.me/{api.bot_username}?start=" in text


async def test_from_the_communes_spreadsheet_to_a_confirmed_member(
    api: FakeTelegramAPI, settings: Settings, db: Database, tmp_path: Path
) -> None:
    """The sample commune imported; its listed leader joins with a leader invite (and is linked
    to his row from the list); a resident joins with a typed code; he confirms her."""
    cipher = FieldCipher(settings.secret_key_bytes())
    report = await import_path(db, cipher, SAMPLE)
    assert report.error is None
    codes = {}
    for role, key in ((Role.GROUP_LEADER, "leader"), (Role.RESIDENT, "resident")):
        out = io.StringIO()
        request = CreateRequest(
            commune="30073", role=role, group="to 1", out=tmp_path / f"{key}.png"
        )
        assert await create_command(db, settings, request, username=api.bot_username, out=out) == 0
        codes[key] = re.search(r"Code:\s+(\w+)", out.getvalue()).group(1)  # type: ignore[union-attr]

    async with bot_running(telegram_settings(settings, api)):
        api.push_update(
            api.user_message(f"/start {codes['leader']}", user_id=HUNG, first_name="Hùng")
        )
        consent = (await api.wait_for_messages(HUNG, 3))[2]
        api.push_update(api.callback_query(button_data(consent, "Đồng ý"), user_id=HUNG))
        await api.wait_for_messages(HUNG, 4)
        api.push_update(api.user_message("nguyen van hung", user_id=HUNG))
        phone_question = (await api.wait_for_messages(HUNG, 5))[4]
        skip = phone_question["reply_markup"]["keyboard"][1][0]["text"]  # a reply keyboard
        api.push_update(api.user_message(skip, user_id=HUNG))
        welcome, leader_menu = (await api.wait_for_messages(HUNG, 7))[5:]
        assert "Bạn đã được ghi nhận là tổ trưởng" in welcome["text"]
        assert "Thành viên trong tổ" in labels(leader_menu)

        api.push_update(
            api.user_message(f"/join {codes['resident']}", user_id=THU, first_name="Thu")
        )
        consent = (await api.wait_for_messages(THU, 3))[2]
        api.push_update(
            api.callback_query(button_data(consent, "Đồng ý"), user_id=THU, first_name="Thu")
        )
        await api.wait_for_messages(THU, 4)
        api.push_update(api.user_message("Phạm Thị Thu", user_id=THU))
        await api.wait_for_messages(THU, 5)
        api.push_update(api.user_message("0912345678", user_id=THU))
        household_question = (await api.wait_for_messages(THU, 6))[5]
        address = labels(household_question)[0]
        api.push_update(api.callback_query(button_data(household_question, address), user_id=THU))
        await api.wait_for_messages(THU, 8)

        notice = (await api.wait_for_messages(HUNG, 8))[7]
        api.push_update(api.callback_query(button_data(notice, "Xác nhận"), user_id=HUNG))
        good_news = (await api.wait_for_messages(THU, 9))[8]
    assert "Tổ 1 đã xác nhận bạn là thành viên" in good_news["text"]
    async with db.transaction() as session:
        leaders = list(
            await session.scalars(select(Person).where(Person.full_name == "Nguyễn Văn Hùng"))
        )
        assert len(leaders) == 1  # linked to the row from the list, not a second Hùng
