"""Zalo first: nothing asks a Zalo user for a voice message (the Zalo Bot API passes none to
bots); what Zalo cannot carry gets a clear answer and the step keeps what was typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot.config import Settings
from bot.invite_poster import PosterContent, render_poster
from bot.people.invites import telegram_link
from bot.poster_qr import qr_caption
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import ChannelAccount, Person
from tests import test_my_data as my_data_tests
from tests.conversation import Chat
from tests.fakes.zalo_api import FakeZaloAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running
from tests.test_invites import qr_matrix, qr_modules_in
from tests.test_tip_card_delivery import api as api
from tests.test_tip_card_delivery import org as org
from tests.zalo_harness import ZaloUser, joined, last, number_of, zalo_webhook_settings


async def test_no_question_on_zalo_asks_for_a_voice_message_and_a_sticker_loses_nothing(
    api: FakeZaloAPI, settings: Settings, db: Database, org: Org
) -> None:
    hook = zalo_webhook_settings(settings, api)
    async with bot_running(hook):
        reporter = ZaloUser(api, hook, "z-reporter")
        await reporter.says("bao tin")
        which = last(await reporter.says("thanh my"))
        category = last(await reporter.says(number_of(which, "Xã Thanh Mỹ,")))
        what = last(await reporter.says(number_of(category, "Trộm cắp")))
        assert "Chuyện gì đã xảy ra?" in what and "ảnh" in what
        assert "ghi âm" not in what
        await reporter.says("Hai người lạ bẻ khóa xe máy.")
        sticker = joined(await reporter.sends_sticker())  # or a voice message: "unsupported"
        assert "Zalo không chuyển ghi âm, tệp hay vị trí cho tôi" in sticker
        assert "những gì bạn đã viết trước đó vẫn được giữ" in sticker
        await reporter.deliver(api.unsupported_message(user_id="z-reporter"))
        when = last(await reporter.says("xong"))
        assert "Việc xảy ra khi nào?" in when
        await reporter.says(number_of(when, "Hôm qua"))
        updates = last(await reporter.says("Chợ"))
        summary = last(await reporter.says(number_of(updates, "Không")))
    assert "Hai người lạ bẻ khóa xe máy." in summary  # what was typed before is kept
    invitations = ("ảnh và ghi âm", "ảnh, ghi âm", "ảnh hoặc ghi âm")
    assert not any(words in joined(api.texts("z-reporter")) for words in invitations)


async def test_on_telegram_voice_messages_are_still_welcome(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = Chat(engine, user_id="7001", channel="telegram")
    await chat.says("/baotin")
    await chat.says("Thanh Mỹ")
    await chat.picks("Trộm cắp")
    chat.sees("Bạn có thể gửi nhiều tin nhắn, ảnh và ghi âm.")


async def test_my_data_on_zalo_arrives_as_a_message_to_read(
    engine: DialogEngine, db: Database
) -> None:
    org = await small_commune(db)
    await my_data_tests.joined(engine, db, org, "5001", "Phạm Thị Thu")
    async with db.transaction() as session:
        thu = await session.scalar(select(Person).where(Person.full_name == "Phạm Thị Thu"))
        assert thu is not None
        session.add(
            ChannelAccount(
                channel="zalo", external_user_id="z-thu", chat_id="z-thu", person_id=thu.id
            )
        )
    chat = Chat(engine, user_id="z-thu", channel="zalo")
    await chat.says("/dulieu")
    await chat.picks("Gửi cho tôi toàn bộ dữ liệu của tôi")
    export = chat.received[-2]  # the export, then the menu
    assert export.file_content is None and export.file_name is None
    text = export.text
    assert text.startswith("Đây là toàn bộ dữ liệu")
    assert "• họ tên: Phạm Thị Thu" in text and "• điện thoại: 0912345678" in text
    assert "Hộ gia đình\n• địa chỉ: 15 đường Cây Dương" in text
    assert "Tài khoản ứng dụng nhắn tin" in text and "zalo" in text
    assert "{" not in text and '"full_name"' not in text  # not JSON
    for someone_else in ("Trần Thị Lan", "Nguyễn Văn Hùng"):
        assert someone_else not in text


def test_the_poster_has_the_zalo_link_beside_telegrams_and_reads_right_with_either(
    tmp_path: Path,
) -> None:
    zalo = "https://zalo.me/3899658094114941620"
    telegram = telegram_link("binhyen_bot", "KX7M4PQ2")
    place = "Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ"
    both = render_poster(
        PosterContent("KX7M4PQ2", place, telegram, None, zalo_link=zalo), tmp_path / "both.png"
    )
    image = Image.open(both.path)
    assert both.qr_box is not None and both.zalo_qr_box is not None
    assert qr_modules_in(image, both.qr_box, both.qr_modules) == qr_matrix(telegram)
    assert qr_modules_in(image, both.zalo_qr_box, both.zalo_qr_modules) == qr_matrix(zalo)
    assert both.qr_box[2] < both.zalo_qr_box[0]  # side by side
    assert max(both.qr_box[3], both.zalo_qr_box[3]) < both.code_box[1]

    zalo_only = render_poster(
        PosterContent("KX7M4PQ2", place, None, None, zalo_link=zalo), tmp_path / "zalo.png"
    )
    image = Image.open(zalo_only.path)
    assert zalo_only.qr_box is None and zalo_only.zalo_qr_box is not None
    assert qr_modules_in(image, zalo_only.zalo_qr_box, zalo_only.zalo_qr_modules) == qr_matrix(zalo)
    assert qr_caption(["Zalo"]) == "Trên Zalo: quét mã QR để mở Bình Yên"
    assert "Zalo" not in qr_caption(["Telegram"])  # Telegram alone reads as before


def test_zalo_bot_link_is_a_setting_checked_at_start(settings: Settings) -> None:
    from bot.config import ConfigError, load_settings

    assert load_settings(_env_file=None, zalo_bot_link="https://zalo.me/123/").zalo_bot_link == (
        "https://zalo.me/123"
    )
    with pytest.raises(ConfigError, match="ZALO_BOT_LINK"):
        load_settings(_env_file=None, zalo_bot_link="zalo.me/123")
