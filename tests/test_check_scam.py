"""Is this a scam? ("kiểm tra", /kiemtra): what residents see for each kind of answer, the
small-count rule, the offer to send it as a tip, and nothing kept of what was only checked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings, generate_secret_key
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from bot.scams.extract import Item, ItemKind
from bot.scams.service import save_warning
from bot.security.keys import rotate_keys
from storage.db import Database
from storage.models import ChannelAccount, Person, Role, RoleAssignment, ScamReport, ScopeKind, Tip
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips

NUMBER = Item(ItemKind.PHONE, "0912345678", "0912 345 678")
POLICE_TEXT = "Đối tượng giả danh nhân viên ngân hàng, yêu cầu cài ứng dụng để 'nâng cấp thẻ'."
SCAM_MESSAGE = (
    "Ngân hàng VCB thông báo: tài khoản của quý khách sắp bị khóa. Vui lòng cập nhật tại "
    "hxxps://vcb-capnhat[.]xyz hoặc gọi 0912.345.678 để được hỗ trợ."
)
ANSWER_NOTHING = (
    "Số điện thoại 0912 345 678: chưa có thông tin gì. Như vậy chưa có nghĩa là an toàn."
)
REPORTED = "Số điện thoại 0912 345 678: đã có người báo với công an xã là lừa đảo."


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def member(db: Database, org: Org, user_id: str = "lan") -> Chat:
    """A resident of Thanh Mỹ who joined and agreed to the data notice."""
    async with db.transaction() as session:
        person = Person(
            full_name="Trần Thị Lan", commune_code=org.commune, consent_version=CONSENT_VERSION
        )
        session.add(person)
        await session.flush()
        session.add(
            RoleAssignment(
                person_id=person.id,
                role=Role.RESIDENT,
                scope_kind=ScopeKind.GROUP,
                scope_id=str(org.groups["Tổ 1"]),
            )
        )
        session.add(
            ChannelAccount(
                channel="test", external_user_id=user_id, chat_id=user_id, person_id=person.id
            )
        )
    return user_id


async def earlier_fraud_tip(engine: DialogEngine, org: Org, user: str, text: str) -> None:
    DRAFTS[user] = draft(org.commune, category_key="fraud", description=text)
    await Chat(engine, user_id=user).says("/testtip")


async def warn(db: Database, org: Org, *, expires_on: date | None = None) -> None:
    async with db.transaction() as session:
        await save_warning(
            session,
            commune_code=org.commune,
            item=NUMBER,
            text=POLICE_TEXT,
            source="Công an tỉnh Đồng Tháp",
            listed_on=date(2026, 11, 1),
            expires_on=expires_on,
        )


async def test_anyone_checks_a_number_with_or_without_diacritics(
    engine: DialogEngine, org: Org
) -> None:
    for typed in ("kiểm tra 0912 345 678", "kiem tra 0912345678", "/kiemtra +84 912-345-678"):
        stranger = Chat(engine, user_id="stranger")
        await stranger.says(typed)
        stranger.sees(ANSWER_NOTHING)
        stranger.sees("không đưa mã OTP hay mật khẩu cho bất kỳ ai")
        stranger.sees("Khi nghi ngờ, gọi 113 hoặc công an xã.")
        stranger.sees("bạn gõ tên xã, phường của mình (ví dụ: Thanh Mỹ)")
        await stranger.picks("Không, cảm ơn")
        stranger.sees("Những gì bạn kiểm tra không được lưu lại.")


async def test_a_pasted_message_is_asked_for_and_every_item_answered(
    engine: DialogEngine, org: Org
) -> None:
    stranger = Chat(engine, user_id="stranger")
    await stranger.says("Kiểm tra lừa đảo")
    stranger.sees("Bạn dán hoặc chuyển tiếp tin nhắn đáng ngờ vào đây")
    await stranger.says("mai gặp nhé")
    stranger.sees("Không thấy số điện thoại, số tài khoản, đường link")
    await stranger.says(SCAM_MESSAGE)
    stranger.sees("Trang web vcb-capnhat.xyz: chưa có thông tin gì.")
    stranger.sees(ANSWER_NOTHING)


async def test_a_number_on_the_police_list_shows_their_warning(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    await warn(db, org)
    stranger = Chat(engine, user_id="stranger")
    await stranger.says("kiem tra 0912 345 678")
    stranger.sees(
        "⚠️ Số điện thoại 0912 345 678: Công an Xã Thanh Mỹ đã đưa vào danh sách LỪA ĐẢO. "
        f"Lời cảnh báo: {POLICE_TEXT}"
    )
    stranger.does_not_see("chưa có thông tin gì")


async def test_an_expired_warning_is_not_shown(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    await warn(db, org, expires_on=date.today() - timedelta(days=1))
    stranger = Chat(engine, user_id="stranger")
    await stranger.says("kiem tra 0912 345 678")
    stranger.sees(ANSWER_NOTHING)


async def test_earlier_reports_are_told_without_a_count_below_three(
    engine: DialogEngine, org: Org
) -> None:
    await earlier_fraud_tip(engine, org, "r1", "Có người gọi 0912 345 678 nói con tôi bị tai nạn.")
    stranger = Chat(engine, user_id="stranger")
    await stranger.says("kiem tra 0912345678")
    stranger.sees(REPORTED)

    await earlier_fraud_tip(engine, org, "r2", "Số +84912345678 nhắn tin đòi chuyển tiền.")
    await stranger.says("huy")
    await stranger.says("kiem tra 0912345678")
    stranger.sees(REPORTED)  # two reports: still only "someone reported it"
    stranger.does_not_see("2 người")

    await earlier_fraud_tip(engine, org, "r3", "0912.345.678 giả danh công an gọi điện.")
    await stranger.says("huy")
    await stranger.says("kiem tra 0912345678")
    stranger.sees("Số điện thoại 0912 345 678: đã có 3 người báo với công an xã là lừa đảo.")


async def test_a_theft_tip_with_a_phone_number_is_not_a_fraud_report(
    engine: DialogEngine, org: Org
) -> None:
    DRAFTS["r1"] = draft(org.commune, description="Mất xe, ai thấy gọi 0912 345 678.")
    await Chat(engine, user_id="r1").says("/testtip")
    stranger = Chat(engine, user_id="stranger")
    await stranger.says("kiem tra 0912345678")
    stranger.sees(ANSWER_NOTHING)


async def test_a_member_sends_the_checked_message_as_a_tip_with_one_answer(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    resident = Chat(engine, user_id=await member(db, org))
    await resident.says("kiểm tra")
    await resident.says(SCAM_MESSAGE)
    resident.sees("Bạn có muốn gửi tin nhắn này tới Công an Xã Thanh Mỹ thành tin báo không?")
    await resident.picks("Gửi cho công an xã")
    resident.sees("Đã gửi ẩn danh tới Công an Xã Thanh Mỹ, mã tin báo TB-")
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip))
        assert tip is not None
        assert (tip.category_key, tip.description, tip.anonymous) == ("fraud", SCAM_MESSAGE, True)
        reports = await session.scalar(select(func.count()).select_from(ScamReport))
    assert reports == 2  # the link and the number, keyed
    card = [m for m in await notices_to(db, "police") if m.choices][-1]
    assert tip.code in card.text and "Loại: Lừa đảo qua mạng, điện thoại" in card.text


async def test_a_stranger_names_the_commune_as_the_one_more_answer(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    stranger = Chat(engine, user_id="stranger")
    await stranger.says("kiem tra 0912 345 678")
    await stranger.says("Thanh Mỹ")
    stranger.sees("Đã gửi ẩn danh tới Công an Xã Thanh Mỹ")
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip))
    assert tip is not None and tip.commune_code == org.commune
    assert tip.description == "0912 345 678"


async def test_tips_sent_from_checks_count_in_the_hourly_limit(
    db: Database, settings: Settings, org: Org
) -> None:
    engine = engine_with_test_tips(db, settings.model_copy(update={"tips_per_hour": 1}))
    stranger = Chat(engine, user_id="stranger")
    await stranger.says("kiem tra 0912 345 678")
    await stranger.says("Thanh Mỹ")
    stranger.sees("Đã gửi ẩn danh tới Công an Xã Thanh Mỹ")
    await stranger.says("kiem tra 0987 654 321")
    await stranger.says("Thanh Mỹ")
    stranger.sees("Trong một giờ qua bạn đã gửi 1 tin báo, là số tối đa bot nhận.")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Tip)) == 1


async def test_one_number_after_another_is_checked_without_starting_again(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    for user in ("stranger", await member(db, org)):
        chat = Chat(engine, user_id=user)
        await chat.says("kiem tra 0912 345 678")
        await chat.says("kiểm tra 0987 654 321")
        chat.sees("Số điện thoại 0987 654 321: chưa có thông tin gì.")
        await chat.says("0387.654.321")
        chat.sees("Số điện thoại 0387 654 321: chưa có thông tin gì.")
    await chat.says("xin chào")
    chat.sees("Xin lỗi, tôi chưa hiểu. Bạn hãy chọn một trong các mục sau:")


async def test_earlier_reports_still_count_across_a_key_change_and_its_rotation(
    db: Database, engine: DialogEngine, settings: Settings, org: Org
) -> None:
    await earlier_fraud_tip(engine, org, "r1", "Có người gọi 0912 345 678 nói con tôi bị tai nạn.")
    changed = settings.model_copy(
        update={
            "bot_secret_key": generate_secret_key(),
            "bot_old_secret_keys": settings.bot_secret_key,
        }
    )
    stranger = Chat(engine_with_test_tips(db, changed), user_id="stranger")
    await stranger.says("kiem tra 0912345678")
    stranger.sees(REPORTED)  # recorded under the old key, still found

    report = await rotate_keys(db, changed)
    assert report.rekeyed_fraud_tips == 1
    rotated = changed.model_copy(update={"bot_old_secret_keys": None})
    stranger = Chat(engine_with_test_tips(db, rotated), user_id="stranger2")
    await stranger.says("kiem tra 0912345678")
    stranger.sees(REPORTED)
