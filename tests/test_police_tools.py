"""Commune police's tools around tips: registering the police desk group, the list of open tips
with its filters, one tip with its whole history, the admin's audit of who looked at a reporter,
and leaders' tip counts; and that nobody else gets any of it."""

from __future__ import annotations

import argparse
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.cli import _police_desk
from bot.config import Settings
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.messages import EventKind, OutboundMessage
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    AuditEntry,
    ChannelAccount,
    Commune,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    Tip,
    TipStatus,
)
from storage.models.org import PoliceDeskCode
from tests.conversation import Chat
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import Org, notices_to, small_commune
from tests.telegram_harness import bot_running, buttons, telegram_settings
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips

DESK = "-100777"
REPORTER, NAME, PHONE = "resident1", "Trần Thị Lan", "0912345678"


@pytest.fixture
async def org(db: Database, settings: Settings) -> AsyncIterator[Org]:
    """The small commune, plus a commune admin ("admin"), an admin of the other commune
    ("admin_y") and a resident who may give her name with a tip."""
    org = await small_commune(db)
    cipher = FieldCipher(settings.secret_key_bytes())
    async with db.transaction() as session:
        for key, name, role, commune, phone in (
            ("admin", "Võ Thị Hạnh", Role.COMMUNE_ADMIN, org.commune, None),
            ("admin_y", "Phan Văn Lộc", Role.COMMUNE_ADMIN, org.other_commune, None),
            (REPORTER, NAME, Role.RESIDENT, org.commune, PHONE),
        ):
            person = Person(
                full_name=name,
                commune_code=commune,
                consent_version=CONSENT_VERSION,
                phone_encrypted=cipher.encrypt(phone, PERSON_PHONE) if phone else None,
            )
            session.add(person)
            await session.flush()
            org.people[key] = person.id
            scope = (
                (ScopeKind.GROUP, str(org.groups["Tổ 1"]))
                if role == Role.RESIDENT
                else (ScopeKind.COMMUNE, commune)
            )
            session.add(
                RoleAssignment(
                    person_id=person.id, role=role, scope_kind=scope[0], scope_id=scope[1]
                )
            )
            session.add(
                ChannelAccount(
                    channel="test", external_user_id=key, chat_id=key, person_id=person.id
                )
            )
    yield org
    async with db.transaction() as session:  # communes outlive a test on PostgreSQL
        await session.execute(update(Commune).values(leaders_see_tip_counts=False))


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def file_tip(engine: DialogEngine, org: Org, user: str = "stranger", **values: object) -> str:
    DRAFTS[user] = draft(org.commune, **values)
    reporter = Chat(engine, user_id=user)
    await reporter.says("/testtip")
    filed = next(m.text for m in reporter.received if m.text.startswith("code="))
    return filed.removeprefix("code=")


async def in_group(chat: Chat, text: str) -> list[OutboundMessage]:
    command, _, args = text.removeprefix("/").partition(" ")
    return await chat.send(
        kind=EventKind.COMMAND, command=command, args=args, text=text, is_group=True
    )


async def desk_code(officer: Chat) -> str:
    await officer.says("menu")
    await officer.picks("Thêm…")  # set up once, so under "More…"
    await officer.picks("Đăng ký nhóm trực ban")
    officer.sees("Mã đăng ký nhóm trực ban của Xã Thanh Mỹ")
    codes = re.findall(r"/bantruc (\w+)", "\n".join(m.text for m in officer.received))
    assert codes
    return codes[-1]


async def commune_of(db: Database, code: str) -> Commune:
    async with db.transaction() as session:
        commune = await session.get(Commune, code)
        assert commune is not None
        return commune


# --- the police desk ------------------------------------------------------------------------


async def test_an_officer_registers_the_desk_group_with_a_one_time_code(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await desk_code(Chat(engine, user_id="police"))
    desk = Chat(engine, user_id="police", chat_id=DESK)
    replies = await in_group(desk, f"/bantruc {code.lower()}")
    desk.sees("Nhóm này đã trở thành nhóm trực ban của Xã Thanh Mỹ.")
    assert len(replies) == 1 and not replies[0].choices  # no menu in the group
    commune = await commune_of(db, org.commune)
    assert (commune.police_chat_channel, commune.police_chat_id) == ("test", DESK)
    async with db.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "police_desk.register")
        )
    assert entry is not None and entry.actor_person_id == org.people["police"]
    assert (entry.subject_kind, entry.subject_id) == ("commune", org.commune)

    other = Chat(engine, user_id="police", chat_id="-100888")
    await in_group(other, f"/bantruc {code}")
    other.sees("Mã này không đúng, đã được dùng hoặc đã hết hạn.")
    assert (await commune_of(db, org.commune)).police_chat_id == DESK

    tip = await file_tip(engine, org)
    cards = [m for m in await notices_to(db, DESK) if m.choices]
    assert cards and cards[0].text.startswith(f"Tin báo {tip}")
    assert await notices_to(db, "police") == []  # a desk takes the place of private chats


async def test_a_new_desk_replaces_the_old_one_which_is_told(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    officer = Chat(engine, user_id="police")
    await in_group(
        Chat(engine, user_id="police", chat_id=DESK), f"/bantruc {await desk_code(officer)}"
    )
    code = await desk_code(officer)
    officer.sees("Xã đã có nhóm trực ban; nhóm mới sẽ thay thế nhóm cũ.")
    await in_group(Chat(engine, user_id="police", chat_id="-100999"), f"/bantruc {code}")
    assert (await commune_of(db, org.commune)).police_chat_id == "-100999"
    told = await notices_to(db, DESK)
    assert told[-1].text.startswith("Nhóm này không còn là nhóm trực ban của Xã Thanh Mỹ")


async def test_the_desk_code_works_only_for_police_of_its_commune_and_only_in_time(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await desk_code(Chat(engine, user_id="police"))
    intruder = Chat(engine, user_id="police_y", chat_id=DESK)
    await in_group(intruder, f"/bantruc {code}")
    intruder.sees("Chỉ cán bộ công an của xã mới đăng ký được nhóm trực ban.")
    leader = Chat(engine, user_id="leader1", chat_id=DESK)
    await in_group(leader, f"/bantruc {code}")
    leader.sees("Xin lỗi, tôi chưa hiểu.")
    assert (await commune_of(db, org.commune)).police_chat_id is None

    private = Chat(engine, user_id="police")
    await private.says(f"/bantruc {code}")
    private.sees(f"Bạn hãy gửi lệnh này trong nhóm trực ban, không gửi ở đây: /bantruc {code}")

    async with db.transaction() as session:
        await session.execute(
            update(PoliceDeskCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    desk = Chat(engine, user_id="police", chat_id=DESK)
    await in_group(desk, f"/bantruc {code}")
    desk.sees("đã hết hạn")
    assert (await commune_of(db, org.commune)).police_chat_id is None
    menu = Chat(engine, user_id="leader1")
    await menu.says("menu")
    assert "Đăng ký nhóm trực ban" not in menu.choices()


async def test_the_cli_sets_the_desk(db: Database, settings: Settings, org: Org, capsys) -> None:  # type: ignore[no-untyped-def]
    args = argparse.Namespace(commune=org.commune, chat_id="-100123", channel="telegram")
    assert await _police_desk(settings, args) == 0
    commune = await commune_of(db, org.commune)
    assert (commune.police_chat_channel, commune.police_chat_id) == ("telegram", "-100123")
    assert "Police desk of Xã Thanh Mỹ" in capsys.readouterr().out
    assert (
        await _police_desk(
            settings, argparse.Namespace(commune="00000", chat_id="1", channel="telegram")
        )
        == 2
    )


# --- open tips, one tip --------------------------------------------------------------------


async def age(db: Database, code: str, *, hours: float, status: TipStatus | None = None) -> None:
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code))
        assert tip is not None
        tip.created_at = tip.created_at - timedelta(hours=hours)
        if status is not None:
            tip.status = status
            tip.closed_at = tip.created_at if status == TipStatus.RESOLVED else None


async def test_police_list_open_tips_newest_first_and_filter_them(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    my_thanh, my_phu = org.villages["Ấp Mỹ Thạnh"], org.villages["Ấp Mỹ Phú"]
    old_theft = await file_tip(engine, org, village_id=my_thanh)
    drugs = await file_tip(engine, org, user="s2", category_key="drugs", village_id=my_phu)
    closed = await file_tip(engine, org, user="s3")
    elsewhere = await file_tip(engine, org, user="s4", commune_code=org.other_commune)
    await age(db, old_theft, hours=72)
    await age(db, drugs, hours=2, status=TipStatus.ACKNOWLEDGED)
    await age(db, closed, hours=1, status=TipStatus.RESOLVED)

    police = Chat(engine, user_id="police")
    await police.says("/tips")
    police.sees("Tin báo đang xử lý của Xã Thanh Mỹ: 2")
    shown = police.last_text()
    assert shown.index(drugs) < shown.index(old_theft)  # newest first
    police.sees(f"• {drugs} · Ma túy · đã tiếp nhận · 2 giờ")
    police.sees(f"• {old_theft} · Trộm cắp · mới, chưa tiếp nhận · 3 ngày")
    police.does_not_see(closed)
    police.does_not_see(elsewhere)

    await police.picks("Lọc theo trạng thái")
    await police.picks("mới, chưa tiếp nhận")
    police.sees("Tin báo đang xử lý của Xã Thanh Mỹ: 1")
    police.sees("Đang lọc: mới, chưa tiếp nhận")
    police.does_not_see(drugs)
    await police.picks("Bỏ lọc")
    await police.picks("Lọc theo loại tin")
    await police.picks("Ma túy")
    police.sees(drugs)
    police.does_not_see(old_theft)
    await police.picks("Bỏ lọc")
    await police.picks("Lọc theo thôn, ấp")
    await police.picks("Ấp Mỹ Thạnh")
    police.sees(old_theft)
    police.does_not_see(drugs)
    await police.picks("Bỏ lọc")
    await police.picks("Quá 1 ngày")
    police.sees("Đang lọc: quá 1 ngày")
    police.sees(old_theft)
    police.does_not_see(drugs)

    await police.picks(old_theft)
    police.sees(f"Tin báo {old_theft}")
    police.sees("Quá trình xử lý:")
    await police.says("/tips")
    await police.says(f"/tip {drugs}")  # typed while the list is open
    police.sees(f"Tin báo {drugs}")


async def test_one_tip_with_its_whole_history(db: Database, engine: DialogEngine, org: Org) -> None:
    code = await file_tip(engine, org)
    police = Chat(engine, user_id="police")
    police.receives([m for m in await notices_to(db, "police") if m.choices])
    await police.picks("Tiếp nhận")
    await police.picks("Hỏi thêm người báo")
    await police.says("Xe máy màu gì?")
    reporter = Chat(engine, user_id="stranger")
    reporter.receives((await notices_to(db, "stranger"))[-1:])
    await reporter.picks("Trả lời")
    await reporter.says("Xe Wave màu đỏ")

    await police.says(f"/tip {code.lower().replace('-', ' ')}")
    police.sees(f"Tin báo {code}")
    police.sees("Nội dung: Hai người lạ bẻ khóa xe máy")
    police.sees("Quá trình xử lý:")
    police.sees("đã nhận tin")
    police.sees("trạng thái: đã tiếp nhận · Lâm Quốc Bảo")
    police.sees("hỏi người báo · Lâm Quốc Bảo\n  “Xe máy màu gì?”")
    police.sees("người báo trả lời\n  “Xe Wave màu đỏ”")
    detail = next(m for m in reversed(police.received) if m.text.startswith(f"Tin báo {code}"))
    buttons = [c.label for c in detail.choices]  # the card's own, to act from here
    assert "Tiếp nhận" not in buttons and "Đang xác minh" in buttons

    other = Chat(engine, user_id="police_y")
    await other.says(f"/tip {code}")
    other.sees(f"Không có tin báo {code} nào mà bạn được xem.")
    other.does_not_see("Hai người lạ")
    await police.says("/tip TB-ZZZZ")
    police.sees("Không có tin báo TB-ZZZZ nào mà bạn được xem.")
    await police.says("tra cuu tin bao")  # the menu entry, typed: asks for the code
    police.sees("Tin báo nào?")
    await police.says(code)
    police.sees(f"Tin báo {code}")


async def test_leaders_and_residents_see_no_tips(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org)
    for user in ("leader1", REPORTER, "admin"):
        chat = Chat(engine, user_id=user)
        await chat.says("menu")
        assert "Tin báo đang xử lý" not in chat.choices()
        assert "Tra cứu tin báo theo mã" not in chat.choices()
        await chat.says("/tips")
        chat.sees("Xin lỗi, tôi chưa hiểu.")
        await chat.says(f"/tip {code}")  # for them, /tip is where a tip is reported
        chat.does_not_see(code)
        chat.does_not_see("Hai người lạ")
        await chat.says("/huy")


# --- the admin's audit ---------------------------------------------------------------------


async def test_the_commune_admin_sees_who_viewed_the_reporter(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org, user=REPORTER, anonymous=False)
    admin = Chat(engine, user_id="admin")
    await admin.says(f"/audit {code}")
    admin.sees(f"Nhật ký truy cập tin báo {code}")
    admin.sees("Chưa ai xem họ tên và số điện thoại của người báo.")

    police = Chat(engine, user_id="police")
    police.receives([m for m in await notices_to(db, "police") if m.choices])
    await police.picks("Xem người báo")
    await admin.says(f"/audit {code}")
    admin.sees("· Lâm Quốc Bảo · đã xem họ tên và số điện thoại người báo")
    admin.sees("· Võ Thị Hạnh · đã xem nhật ký này")  # the first look, audited too
    admin.sees("danh tính người báo đã được xem · Lâm Quốc Bảo")
    for secret in (NAME, PHONE, "Hai người lạ"):  # the audit shows no content
        admin.does_not_see(secret)

    await police.says(f"/audit {code}")
    police.sees("Xin lỗi, tôi chưa hiểu.")
    other = Chat(engine, user_id="admin_y")
    await other.says(f"/audit {code}")
    other.sees(f"Không có tin báo {code} nào mà bạn được xem.")
    anonymous = await file_tip(engine, org)
    await admin.says(f"/audit {anonymous}")
    admin.sees("Người báo ẩn danh: không có thông tin danh tính để xem.")


# --- leaders' counts -----------------------------------------------------------------------


async def test_leaders_see_counts_by_category_only_where_the_commune_allows_it(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    my_thanh, my_phu = org.villages["Ấp Mỹ Thạnh"], org.villages["Ấp Mỹ Phú"]
    first = await file_tip(engine, org, village_id=my_thanh)
    await file_tip(engine, org, user="s2", village_id=my_thanh)
    await file_tip(engine, org, user="s3", category_key="drugs", village_id=my_phu)
    old = await file_tip(engine, org, user="s4", village_id=my_thanh)
    await age(db, old, hours=24 * 100)

    leader = Chat(engine, user_id="leader1")
    await leader.says("menu")
    await leader.picks("Thêm…")  # set up once, so under "More…"
    await leader.picks("Số tin báo trong thôn")
    leader.sees("Xã của bạn chưa bật chức năng cho tổ trưởng xem số lượng tin báo.")

    admin = Chat(engine, user_id="admin")
    await admin.says("menu")
    await admin.picks("Thêm…")
    await admin.picks("Số tin báo cho tổ trưởng")
    admin.sees("hiện đang tắt")
    await admin.picks("Bật")
    admin.sees("Đã bật: tổ trưởng xem được số lượng tin báo theo từng loại.")
    assert (await commune_of(db, org.commune)).leaders_see_tip_counts

    await leader.says("/sotinbao")
    leader.sees("Số tin báo nhận được trong 90 ngày qua, theo từng loại (chỉ số lượng):")
    leader.sees("Ấp Mỹ Thạnh: 2\n• Trộm cắp: 2")
    leader.sees("Xã Thanh Mỹ: 3\n• Trộm cắp: 2\n• Ma túy: 1")
    leader.does_not_see("TB-")
    leader.does_not_see("Hai người lạ")
    await leader.says(f"/tip {first}")
    leader.does_not_see(first)
    await leader.says("/huy")

    police = Chat(engine, user_id="police")
    await police.says("menu")
    await police.picks("Thêm…")
    assert "Số tin báo cho tổ trưởng" not in police.choices()
    assert "Số tin báo trong thôn" not in police.choices()
    await admin.picks("Thêm…")
    await admin.picks("Số tin báo cho tổ trưởng")
    await admin.picks("Tắt")
    await leader.says("/sotinbao")
    leader.sees("chưa bật")
    async with db.transaction() as session:
        changes = list(
            await session.scalars(
                select(AuditEntry.detail).where(AuditEntry.action == "commune.leader_tip_counts")
            )
        )
    assert changes == ["on", "off"]


# --- the desk on Telegram, end to end --------------------------------------------------------

OFFICER, DESK_GROUP = 5001, -1001234567890


async def test_registering_a_telegram_group_as_the_desk_end_to_end(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with db.transaction() as session:
        session.add(
            ChannelAccount(
                channel="telegram",
                external_user_id=str(OFFICER),
                chat_id=str(OFFICER),
                person_id=org.people["police"],
            )
        )
    fast = {"telegram_group_per_minute": 600}  # the card follows the confirmation at once
    async with (
        FakeTelegramAPI() as api,
        bot_running(telegram_settings(settings, api, **fast)) as app,
    ):
        api.push_update(api.user_message("/bantruc", user_id=OFFICER))
        (given,) = await api.wait_for_messages(OFFICER, 1)
        code = re.findall(r"/bantruc (\w+)", given["text"])[-1]
        command = f"/bantruc@{api.bot_username} {code}"
        api.push_update(
            api.user_message(command, user_id=OFFICER, chat_id=DESK_GROUP, chat_type="group")
        )
        (confirmed,) = await api.wait_for_messages(DESK_GROUP, 1)
        assert confirmed["text"].startswith("Nhóm này đã trở thành nhóm trực ban của Xã Thanh Mỹ")
        assert "reply_markup" not in confirmed  # no menu in the group

        tip = await file_tip(engine, org)  # filed elsewhere; the desk's card goes out here
        app.wake_worker("telegram")
        card = (await api.wait_for_messages(DESK_GROUP, 2))[1]
    assert card["text"].startswith(f"Tin báo {tip}")
    assert "Tiếp nhận" in [label for label, _ in buttons(card)]
    assert len(api.sent_messages(DESK_GROUP)) == 2
    commune = await commune_of(db, org.commune)
    assert (commune.police_chat_channel, commune.police_chat_id) == ("telegram", str(DESK_GROUP))
