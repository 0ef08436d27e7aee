"""Joining a group, consent, the leader's confirmation, and the invite codes' limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.crypto import PERSON_PHONE, FieldCipher
from bot.people.consent import CONSENT_VERSION
from bot.people.invites import revoke
from bot.people.personal_invites import personal_invite
from bot.runtime.dialog.engine import DialogEngine
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    AuditEntry,
    ChannelAccount,
    ConsentRecord,
    Household,
    Membership,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
)
from tests.conversation import Chat
from tests.org_fixtures import Org, invite_for, notices_to, small_commune


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


@pytest.fixture
def newcomer(engine: DialogEngine) -> Chat:
    return Chat(engine, user_id="5001", name="Phạm Thị Thu")


@pytest.fixture
def leader(engine: DialogEngine) -> Chat:
    return Chat(engine, user_id="leader1")


async def persons(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Person)) or 0


async def test_a_resident_joins_by_deep_link_and_the_leader_confirms(
    db: Database, org: Org, newcomer: Chat, leader: Chat, settings
) -> None:
    invite = await invite_for(db, org)
    await newcomer.says(f"/start {invite.code}")
    newcomer.sees("Bạn được mời tham gia Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ với vai trò người dân.")
    newcomer.sees("Đơn vị chịu trách nhiệm về dữ liệu của bạn: Ủy ban nhân dân Xã Thanh Mỹ")
    assert newcomer.choices()[:2] == ["Đồng ý", "Không đồng ý"]

    await newcomer.picks("Đồng ý")
    newcomer.sees("Họ tên đầy đủ của bạn là gì?")
    await newcomer.picks("Phạm Thị Thu")  # the profile name, offered as a button
    newcomer.sees("Số điện thoại giúp tổ trưởng gọi lại cho bạn.")
    await newcomer.shares_contact("+84 912 345 678")
    newcomer.sees("Bạn ở hộ nào?")
    assert "15 đường Cây Dương" in newcomer.choices()
    await newcomer.says("21 cay duong")  # typed, without diacritics
    newcomer.sees("Yêu cầu tham gia Tổ 1 đã được gửi tới tổ trưởng")
    assert "Thành viên trong tổ" not in newcomer.choices()
    await newcomer.picks("Thêm…")
    assert "Dữ liệu của tôi" in newcomer.choices()

    notices = await notices_to(db, "leader1")
    leader.receives(notices)
    leader.sees("Thành viên mới của Tổ 1: Phạm Thị Thu, hộ ở 21 đường Cây Dương.")
    await leader.picks("Xác nhận")
    leader.sees("Đã xác nhận. Thành viên mới đã được báo tin.")
    await leader.picks("Xác nhận")  # pressed twice
    leader.sees("Yêu cầu này đã được xử lý rồi.")

    told = await notices_to(db, "5001")
    assert "Tổ 1 đã xác nhận bạn là thành viên" in told[-1].text
    async with db.transaction() as session:
        person = await session.scalar(select(Person).where(Person.full_name == "Phạm Thị Thu"))
        assert person is not None and person.consent_version == CONSENT_VERSION
        assert person.household_id == org.households["21 đường Cây Dương"]
        # The phone is stored encrypted, never in clear.
        assert b"0912345678" not in (person.phone_encrypted or b"")
        phone = FieldCipher(settings.secret_key_bytes()).decrypt(
            person.phone_encrypted, PERSON_PHONE
        )
        assert phone == "0912345678"
        roles = set(
            await session.scalars(
                select(RoleAssignment.role).where(RoleAssignment.person_id == person.id)
            )
        )
        assert roles == {Role.RESIDENT}
        consents = await session.scalar(
            select(func.count()).where(ConsentRecord.person_id == person.id)
        )
        assert consents == 1
    await newcomer.says("menu")
    assert "Tham gia tổ của tôi" not in newcomer.choices()


async def test_joining_by_typed_code_on_a_messenger_without_deep_links(
    db: Database, org: Org, newcomer: Chat
) -> None:
    invite = await invite_for(db, org, group="Tổ 3")
    await newcomer.says(f"/join {invite.code.lower()}")
    newcomer.sees("Tổ 3, Ấp Mỹ Phú")
    await newcomer.says("dong y")
    await newcomer.says("Phạm Thị Thu")
    await newcomer.says("bo qua")
    await newcomer.picks("Hộ của tôi không có trong danh sách")
    await newcomer.says("7 ấp Mỹ Phú")
    newcomer.sees("Yêu cầu tham gia Tổ 3")
    notices = await notices_to(db, "leader3")
    assert "KHÔNG có trong danh sách của tổ, ở 7 ấp Mỹ Phú" in notices[-1].text
    assert await notices_to(db, "leader1") == []


async def test_menu_entry_asks_for_the_code(db: Database, org: Org, newcomer: Chat) -> None:
    invite = await invite_for(db, org)
    await newcomer.says("menu")
    await newcomer.picks("Tham gia tổ của tôi")
    newcomer.sees("Bạn hãy gõ mã trên tờ thông báo")
    await newcomer.says(invite.code[:4] + " " + invite.code[4:])
    newcomer.sees("Bạn được mời tham gia Tổ 1")


async def test_refusing_consent_stores_nothing(db: Database, org: Org, newcomer: Chat) -> None:
    before = await persons(db)
    invite = await invite_for(db, org)
    await newcomer.says(f"/start {invite.code}")
    await newcomer.picks("Không đồng ý")
    newcomer.sees("Không có dữ liệu nào về bạn được lưu.")
    assert "Số điện thoại khẩn cấp" in newcomer.choices()
    assert await persons(db) == before
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Membership)) == 0
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.external_user_id == "5001")
        )
        assert account is not None and account.person_id is None
    await newcomer.picks("Số điện thoại khẩn cấp")
    newcomer.sees("113")


async def test_without_a_code_a_person_registers_in_their_commune(
    db: Database, org: Org, newcomer: Chat
) -> None:
    await newcomer.says("/start")
    newcomer.sees("Chào mừng bạn đến với Bình Yên")
    await newcomer.picks("Đồng ý")
    await newcomer.says("Phạm Thị Thu")
    await newcomer.picks("Bỏ qua")
    newcomer.sees("Bạn sống ở xã hoặc phường nào?")
    await newcomer.says("thanh my")
    await newcomer.picks("Xã Thanh Mỹ, Tỉnh Đồng Tháp")
    newcomer.sees("Bạn đã đăng ký là người dân của Xã Thanh Mỹ")


@pytest.mark.parametrize(
    ("spoil", "answer"),
    [
        ("expired", "đã hết hạn"),
        ("revoked", "không còn hiệu lực"),
        ("unknown", "Tôi không nhận ra mã"),
    ],
)
async def test_a_bad_code_gets_a_clear_answer(
    db: Database, org: Org, newcomer: Chat, spoil: str, answer: str
) -> None:
    invite = await invite_for(db, org, valid_for=timedelta(days=1))
    code = invite.code
    async with db.transaction() as session:
        if spoil == "expired":
            stored = await session.merge(invite)
            stored.expires_at = utcnow() - timedelta(minutes=1)
        elif spoil == "revoked":
            assert await revoke(session, code, utcnow())
        else:
            code = "NOPE2345"
    await newcomer.says(f"/start {code}")
    newcomer.sees(answer)
    newcomer.does_not_see("Trước khi tham gia")


async def test_a_privileged_invite_works_once(db: Database, org: Org, engine: DialogEngine) -> None:
    invite = await invite_for(db, org, role=Role.GROUP_DEPUTY, max_uses=5)
    assert invite.max_uses == 1  # forced, whatever was asked
    assert invite.expires_at is not None and invite.expires_at - utcnow() <= timedelta(days=7)
    first = Chat(engine, user_id="6001", name="Võ Thị Sáu")
    await first.says(f"/start {invite.code}")
    await first.picks("Đồng ý")
    await first.picks("Võ Thị Sáu")
    await first.picks("Bỏ qua")
    first.sees("Chào mừng Võ Thị Sáu. Bạn đã được ghi nhận là tổ phó.")
    assert "Thành viên trong tổ" in first.choices()

    second = Chat(engine, user_id="6002", name="Kẻ Lạ")
    await second.says(f"/start {invite.code}")
    second.sees("đã được sử dụng")
    async with db.transaction() as session:
        deputies = await session.scalar(
            select(func.count()).where(RoleAssignment.role == Role.GROUP_DEPUTY)
        )
        assert deputies == 1


async def test_a_racing_second_use_of_a_single_use_invite_fails_at_the_end(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    invite = await invite_for(db, org, role=Role.SECURITY_TEAM)
    first, second = Chat(engine, user_id="7001"), Chat(engine, user_id="7002")
    for chat in (first, second):  # both open the link before either finishes
        await chat.says(f"/start {invite.code}")
        await chat.picks("Đồng ý")
        await chat.picks("Nguyễn Thị Bình")
    await first.picks("Bỏ qua")
    first.sees("thành viên tổ bảo vệ an ninh trật tự")
    before = await persons(db)
    await second.picks("Bỏ qua")
    second.sees("đã được sử dụng")
    assert await persons(db) == before


async def test_an_imported_leader_claims_their_row_only_with_their_personal_code(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    async with db.transaction() as session:
        listed = Person(full_name="Lê Văn Tư", commune_code=org.commune)
        session.add(listed)
        await session.flush()
        session.add(
            RoleAssignment(
                person_id=listed.id,
                role=Role.GROUP_LEADER,
                scope_kind=ScopeKind.GROUP,
                scope_id=str(org.groups["Tổ 2"]),
            )
        )
        await session.flush()
        code = await personal_invite(session, listed, now=utcnow())
        assert code is not None
    chat = Chat(engine, user_id="8001", name="le van tu")
    await chat.says(f"/start {code.invite.code}")
    chat.sees("Tổ 2, Ấp Mỹ Thạnh, Xã Thanh Mỹ với vai trò tổ trưởng")
    chat.sees("Trước khi bắt đầu nhiệm vụ, bạn hãy đọc trách nhiệm của mình")  # staff notice
    await chat.picks("Đồng ý")
    chat.sees("Chào mừng Lê Văn Tư. Bạn đã được ghi nhận là tổ trưởng.")  # no name asked
    async with db.transaction() as session:
        people = list(await session.scalars(select(Person).where(Person.full_name == "Lê Văn Tư")))
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.external_user_id == "8001")
        )
        claimed = await session.scalar(select(AuditEntry).where(AuditEntry.action == "role.claim"))
    assert len(people) == 1 and account is not None and account.person_id == listed.id
    assert people[0].consent_version == CONSENT_VERSION
    assert claimed is not None and claimed.subject_id == str(listed.id)
    another = Chat(engine, user_id="8002")
    await another.says(f"/start {code.invite.code}")  # the code worked once
    another.sees("đã được sử dụng")


async def test_an_outdated_consent_is_asked_only_before_storing_more(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    async with db.transaction() as session:
        person = Person(full_name="Trần Thị Lan", commune_code=org.commune, consent_version="2020")
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
                channel="test", external_user_id="lan", chat_id="lan", person_id=person.id
            )
        )
    lan = Chat(engine, user_id="lan")
    await lan.says("menu")
    lan.does_not_see("Bạn có đồng ý không?")
    await lan.says("/khancap")
    lan.sees("113")
    await lan.says("menu")
    await lan.says("/hopto")  # answering a meeting stores her answer: the notice first
    lan.sees("Trước khi tham gia, bạn hãy đọc cách dữ liệu của bạn được sử dụng")
    await lan.picks("Đồng ý")
    lan.sees("Sự đồng ý của bạn đã được ghi nhận.")


async def test_the_leader_rejects_a_household_that_is_not_real(
    db: Database, org: Org, newcomer: Chat, leader: Chat
) -> None:
    invite = await invite_for(db, org)
    await newcomer.says(f"/start {invite.code}")
    await newcomer.picks("Đồng ý")
    await newcomer.picks("Phạm Thị Thu")
    await newcomer.picks("Bỏ qua")
    await newcomer.picks("Hộ của tôi không có trong danh sách")
    await newcomer.says("99 đường Không Có")
    leader.receives(await notices_to(db, "leader1"))
    await leader.picks("Từ chối")
    leader.sees("Đã từ chối.")
    async with db.transaction() as session:
        assert (
            await session.scalar(select(Household).where(Household.address == "99 đường Không Có"))
            is None
        )
    told = await notices_to(db, "5001")
    assert "chưa thể xác nhận" in told[-1].text


async def test_a_typed_name_only_suggests_a_listed_resident_and_the_leader_decides(
    db: Database, org: Org, leader: Chat, engine: DialogEngine
) -> None:
    async with db.transaction() as session:
        listed = Person(
            full_name="Trần Thị Lan",
            commune_code=org.commune,
            household_id=org.households["15 đường Cây Dương"],
        )
        session.add(listed)
        await session.flush()
        for role in (Role.RESIDENT, Role.HOUSEHOLD_HEAD):
            session.add(
                RoleAssignment(
                    person_id=listed.id,
                    role=role,
                    scope_kind=ScopeKind.GROUP,
                    scope_id=str(org.groups["Tổ 1"]),
                )
            )
    invite = await invite_for(db, org)
    lan = Chat(engine, user_id="5003", name="Lan")
    await lan.says(f"/start {invite.code}")
    await lan.picks("Đồng ý")
    await lan.says("tran thi lan")
    await lan.picks("Bỏ qua")
    await lan.picks("Hộ của tôi không có trong danh sách")
    await lan.says("15 Cây Dương")
    async with db.transaction() as session:  # nothing of the listed person is hers yet
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.external_user_id == "5003")
        )
        assert account is not None and account.person_id != listed.id

    leader.receives(await notices_to(db, "leader1"))
    leader.sees(
        "Tên đã gõ là “tran thi lan”. Danh sách của xã có “Trần Thị Lan, 15 đường Cây Dương”"
    )
    await leader.picks("Xác nhận là người trong danh sách")
    leader.sees("Đã xác nhận. Thành viên mới đã được báo tin.")
    async with db.transaction() as session:
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.external_user_id == "5003")
        )
        roles = set(
            await session.scalars(
                select(RoleAssignment.role).where(RoleAssignment.person_id == listed.id)
            )
        )
        matched = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "person.match_listed")
        )
        same_name = await session.scalar(
            select(func.count()).where(Person.full_name == "tran thi lan")
        )
    assert account is not None and account.person_id == listed.id
    assert roles == {Role.RESIDENT, Role.HOUSEHOLD_HEAD}
    assert matched is not None and matched.subject_id == str(listed.id)
    assert same_name == 0  # the person made while joining was emptied
    async with db.transaction() as session:
        person = await session.get(Person, listed.id)
        added = await session.scalar(select(Household).where(Household.address == "15 Cây Dương"))
    assert person is not None and person.household_id == org.households["15 đường Cây Dương"]
    assert added is None  # the household she added while joining was the listed one
    await lan.says("/dulieu")
    lan.sees("• Họ tên: Trần Thị Lan")
