"""Help never waits for the data notice: a resident loaded from the commune's list who has not
agreed yet gets the emergency numbers and sends an anonymous tip; an officer works the tips
without the residents' notice. The notice comes when more is about to be stored (issue #12)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import ChannelAccount, Person, Role, RoleAssignment, ScopeKind, Tip
from tests.conversation import Chat
from tests.org_fixtures import Org, small_commune
from tests.test_report_tip import code_in

NOTICE = "Bạn có đồng ý không?"


async def tip_up_to_anonymity(chat: Chat) -> None:
    await chat.says("/baotin")
    await chat.says("Thanh Mỹ")  # not agreed: her commune is not taken from the list
    await chat.picks("Trộm cắp")
    await chat.says("Có người lạ bẻ khóa xe máy.")
    await chat.picks("Xong")
    await chat.picks("Hôm qua")
    await chat.says("Đầu hẻm đường Cây Dương")


async def send_anonymous_tip(chat: Chat) -> str:
    await tip_up_to_anonymity(chat)
    await chat.picks("Ẩn danh")
    await chat.picks("Có, báo cho tôi")
    await chat.picks("Gửi")
    return code_in(chat)


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        lan = Person(full_name="Trần Thị Lan", commune_code=org.commune)  # imported, no consent
        session.add(lan)
        await session.flush()
        session.add(
            RoleAssignment(
                person_id=lan.id,
                role=Role.RESIDENT,
                scope_kind=ScopeKind.GROUP,
                scope_id=str(org.groups["Tổ 1"]),
            )
        )
        session.add(
            ChannelAccount(channel="test", external_user_id="lan", chat_id="lan", person_id=lan.id)
        )
        officer = await session.get(Person, org.people["police"])
        assert officer is not None
        officer.consent_version = None  # the residents' notice never read
    return org


async def test_an_imported_resident_without_consent_gets_help_and_reports_anonymously(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    lan = Chat(engine, user_id="lan", name="Lan")
    await lan.says("menu")
    lan.does_not_see(NOTICE)
    await lan.says("khan cap")
    lan.sees("113")
    lan.does_not_see(NOTICE)
    await lan.says("menu")
    code = await send_anonymous_tip(lan)
    lan.does_not_see(NOTICE)
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code))
    assert tip is not None and tip.anonymous
    await lan.says("/dulieu")
    lan.sees("Họ tên: Trần Thị Lan")  # what is kept about her, without agreeing first


async def test_an_officer_uses_tips_without_the_residents_notice(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    lan = Chat(engine, user_id="lan")
    code = await send_anonymous_tip(lan)
    officer = Chat(engine, user_id="police")
    await officer.says("/tips")
    officer.does_not_see(NOTICE)
    officer.sees(code)


async def test_a_named_tip_asks_the_notice_first(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    lan = Chat(engine, user_id="lan", name="Lan")
    await tip_up_to_anonymity(lan)
    await lan.picks("Gửi kèm tên và số điện thoại cho công an xã")
    lan.sees("Trước khi tham gia, bạn hãy đọc cách dữ liệu của bạn được sử dụng")
    await lan.picks("Đồng ý")
    lan.sees("chúng tôi chưa có số điện thoại của bạn")  # asked, optional (issue #13)
    await lan.says("0912 345 678")
    lan.sees("Bạn có muốn nhận tin nhắn")
    await lan.picks("Có, báo cho tôi")
    lan.sees("• Cách gửi: kèm tên và số điện thoại, chỉ công an xã xem được")
    await lan.picks("Gửi")
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code_in(lan)))
        person = await session.scalar(select(Person).where(Person.full_name == "Trần Thị Lan"))
    assert tip is not None and not tip.anonymous
    assert person is not None and person.consent_version is not None
