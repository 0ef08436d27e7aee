"""A check end to end on Telegram: a resident forwards a scam message, reads the answer, says
no to the tip; the running bot sent it all and kept no copy of what was checked."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.config import Settings
from storage.db import Database
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import small_commune
from tests.telegram_harness import bot_running, button_data, telegram_settings
from tests.test_scam_privacy import dump

RESIDENT = 55501
FORWARDED = (
    "Cục Thuế thông báo hoàn thuế TNCN. Quý khách truy cập hxxps://hoanthue-tncn[.]top "
    "hoặc liên hệ 0387 654 321 để nhận tiền."
)


@pytest.fixture
async def api() -> FakeTelegramAPI:
    async with FakeTelegramAPI() as fake:
        yield fake


async def said(api: FakeTelegramAPI, fragment: str) -> dict[str, Any]:
    def matching() -> list[dict[str, Any]]:
        return [p for p in api.sent_messages(RESIDENT) if fragment in (p.get("text") or "")]

    await api._wait(lambda: bool(matching()), 10.0, repr(fragment))
    return matching()[-1]


async def test_a_forwarded_message_is_checked_and_forgotten(
    api: FakeTelegramAPI, settings: Settings, db: Database
) -> None:
    await small_commune(db)
    async with bot_running(telegram_settings(settings, api)):
        api.push_update(api.user_message("kiểm tra", user_id=RESIDENT))
        await said(api, "Bạn dán hoặc chuyển tiếp tin nhắn đáng ngờ vào đây")
        origin = {"type": "hidden_user", "sender_user_name": "Cục Thuế", "date": int(time.time())}
        api.push_update(api.user_message(FORWARDED, user_id=RESIDENT, forward_origin=origin))
        await said(api, "Số điện thoại 0387 654 321: chưa có thông tin gì.")
        offer = await said(api, "bạn gõ tên xã, phường của mình")
        api.push_update(
            api.callback_query(
                button_data(offer, "Không, cảm ơn"), user_id=RESIDENT, chat_id=RESIDENT
            )
        )
        await said(api, "Những gì bạn kiểm tra không được lưu lại.")
    stored = await dump(db)
    for form in ("0387654321", "0387 654 321", "hoanthue", "Cục Thuế"):
        assert form not in stored
