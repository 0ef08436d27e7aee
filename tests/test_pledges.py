"""The household safety pledge, as households, leaders and police live it: a head pledges, the
members see it, a member signs only when the head lets them, a leader signs for a household
(ký thay), a pledge is withdrawn, coverage follows, the text signed stays the text signed, the
new year starts afresh, and the drive's reminders go out once."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.authz import Action, Actor, Grant, Scope, allowed, load_actor
from bot.config import Settings
from bot.people.consent import CONSENT_VERSION
from bot.pledges.coverage import Unit, UnitKind, coverage
from bot.pledges.reminders import (
    DriveRules,
    DriveSettings,
    due_reminders,
    queue_reminders,
    send_due_reminders,
)
from bot.pledges.service import may_sign_on_behalf
from bot.pledges.texts import (
    NATIONAL_DEFAULT,
    PledgeTextError,
    TextFile,
    applicable_text,
    parse_text_file,
    store_text,
)
from bot.runtime.channels.text_render import render_text
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Household,
    HouseholdStatus,
    OutboxMessage,
    Person,
    Pledge,
    PledgeChannel,
    PledgeText,
    Role,
    RoleAssignment,
    ScopeKind,
)
from tests.conversation import Chat
from tests.org_fixtures import THANH_MY, Org, notices_to, small_commune

ROOT = Path(__file__).resolve().parent.parent
# 09:00 on 10 February 2026 in Vietnam: in the drive, in the morning.
FEBRUARY = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class PledgeOrg:
    org: Org
    texts: dict[str, int]

    @property
    def households(self) -> dict[str, int]:
        return self.org.households

    @property
    def people(self) -> dict[str, int]:
        return self.org.people


async def pledge_commune(db: Database) -> Org:
    """Xã Thanh Mỹ of the other tests, with the households' people who joined:
    - 15 đường Cây Dương: Trần Thị Lan (head, "head15") and Phạm Văn Minh ("member15");
    - 21 đường Cây Dương: Lê Văn Tư (head, "head21");
    - 30 đường Cây Dương moved away, 33 đường Cây Dương is not confirmed (neither counts);
    - Tổ 2 has 3 đường Mỹ Thạnh; the village head of Ấp Mỹ Thạnh is "village1".
    Tổ 1 has 3 resident households, Ấp Mỹ Thạnh 4, the commune 5."""
    org = await small_commune(db)
    async with db.transaction() as session:
        group1, group2 = org.groups["Tổ 1"], org.groups["Tổ 2"]
        for address, head, group, status, confirmed in (
            ("30 đường Cây Dương", "Đinh Văn Sáu", group1, HouseholdStatus.MOVED_AWAY, True),
            ("33 đường Cây Dương", "Mai Thị Bảy", group1, HouseholdStatus.ACTIVE, False),
            ("3 đường Mỹ Thạnh", "Võ Thị Hai", group2, HouseholdStatus.ACTIVE, True),
        ):
            household = Household(
                group_id=group,
                address=address,
                head_name=head,
                status=status,
                confirmed=confirmed,
            )
            session.add(household)
            await session.flush()
            org.households[address] = household.id
        for key, name, address, roles in (
            ("head15", "Trần Thị Lan", "15 đường Cây Dương", (Role.RESIDENT, Role.HOUSEHOLD_HEAD)),
            ("member15", "Phạm Văn Minh", "15 đường Cây Dương", (Role.RESIDENT,)),
            ("head21", "Lê Văn Tư", "21 đường Cây Dương", (Role.RESIDENT, Role.HOUSEHOLD_HEAD)),
            ("village1", "Trương Văn Mười", None, ()),
        ):
            person = Person(
                full_name=name,
                commune_code=THANH_MY,
                consent_version=CONSENT_VERSION,
                household_id=org.households[address] if address else None,
            )
            session.add(person)
            await session.flush()
            org.people[key] = person.id
            for role in roles:
                session.add(
                    RoleAssignment(
                        person_id=person.id,
                        role=role,
                        scope_kind=ScopeKind.GROUP,
                        scope_id=str(group1),
                    )
                )
            session.add(
                ChannelAccount(
                    channel="test", external_user_id=key, chat_id=key, person_id=person.id
                )
            )
        session.add(
            RoleAssignment(
                person_id=org.people["village1"],
                role=Role.VILLAGE_HEAD,
                scope_kind=ScopeKind.VILLAGE,
                scope_id=str(org.villages["Ấp Mỹ Thạnh"]),
            )
        )
    return org


@pytest.fixture
async def org(db: Database) -> Org:
    return await pledge_commune(db)


@pytest.fixture
def clock() -> Clock:
    return Clock(FEBRUARY)


@pytest.fixture
def engine(db: Database, settings: Settings, clock: Clock) -> DialogEngine:
    return DialogEngine(db=db, flows=build_flows(), settings=settings, clock=clock)


def chat(engine: DialogEngine, who: str) -> Chat:
    return Chat(engine, user_id=who)


async def pledges(db: Database) -> list[Pledge]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Pledge).order_by(Pledge.id)))


async def national_text_id(db: Database) -> int:
    async with db.transaction() as session:
        return (await applicable_text(session, THANH_MY, 2026)).id


async def head_pledges(engine: DialogEngine, who: str = "head15") -> Chat:
    head = chat(engine, who)
    await head.says("/camket")
    await head.picks("Có, hộ tôi cam kết thực hiện đầy đủ")
    head.sees("Cam kết an toàn năm 2026 của hộ đã được ghi nhận, ngày 10/02/2026.")
    return head


# --- the household ---------------------------------------------------------------------------


async def test_a_head_pledges_and_the_members_see_it(db: Database, org: Org, engine) -> None:
    head = chat(engine, "head15")
    await head.says("cam ket")  # the menu word, typed without diacritics
    head.sees("BẢN CAM KẾT HỘ GIA ĐÌNH AN TOÀN VỀ AN NINH, TRẬT TỰ NĂM 2026")
    head.sees("Hộ: 15 đường Cây Dương")
    head.sees("Hộ gia đình chúng tôi cam kết:\n1. Chấp hành nghiêm pháp luật")
    head.sees("7. Tham gia đầy đủ các buổi sinh hoạt của tổ")
    head.sees("(văn bản mẫu chung, bản 1)")
    head.sees("Hộ của bạn có cam kết thực hiện đầy đủ các nội dung trên không?")
    assert head.choices() == [
        "Có, hộ tôi cam kết thực hiện đầy đủ",
        "Để sau",
        "Để thành viên khác trong hộ ký",
        "Hủy",
    ]
    await head.picks("Có, hộ tôi cam kết thực hiện đầy đủ")
    head.sees("Cảm ơn bạn. Cam kết an toàn năm 2026 của hộ đã được ghi nhận, ngày 10/02/2026.")

    [pledge] = await pledges(db)
    assert pledge.household_id == org.households["15 đường Cây Dương"]
    assert pledge.year == 2026
    assert pledge.text_id == await national_text_id(db)
    assert pledge.confirmed_by == org.people["head15"]
    assert not pledge.assisted and pledge.channel == "test"
    assert pledge.at == FEBRUARY

    member = chat(engine, "member15")
    member.receives(await notices_to(db, "member15"))
    member.sees("Trần Thị Lan đã ký cam kết an toàn năm 2026 cho hộ của bạn ngày 10/02/2026.")
    await member.says("/camket")
    member.sees("Cam kết an toàn năm 2026: đã ký ngày 10/02/2026.\nNgười xác nhận: Trần Thị Lan.")
    assert member.choices() == ["Xem các nội dung đã cam kết", "Hủy"]  # no withdrawal
    await member.picks("Xem các nội dung đã cam kết")
    member.sees("1. Chấp hành nghiêm pháp luật")
    member.sees("(văn bản mẫu chung, bản 1)")

    await head.says("/camket")  # pledged already: shown, not asked again
    head.sees("Cam kết an toàn năm 2026: đã ký ngày 10/02/2026.")
    assert "Rút lại cam kết" in head.choices()
    assert len(await pledges(db)) == 1


async def test_a_member_pledges_only_when_the_head_lets_them(
    db: Database, org: Org, engine
) -> None:
    member = chat(engine, "member15")
    await member.says("/camket")
    member.sees(
        "Hộ của bạn (15 đường Cây Dương) chưa ký cam kết an toàn năm 2026. Chủ hộ Trần Thị Lan "
        "có thể ký tại đây bằng lệnh /camket, hoặc cho phép bạn ký."
    )
    member.does_not_see("Hộ gia đình chúng tôi cam kết")
    assert await pledges(db) == []

    head = chat(engine, "head15")
    await head.says("/camket")
    await head.picks("Để thành viên khác trong hộ ký")
    head.sees("Ai khác được ký hoặc rút cam kết cho hộ của bạn?")
    await head.picks("Phạm Văn Minh")
    head.sees("Từ nay Phạm Văn Minh có thể ký cam kết cho hộ của bạn.")
    told = await notices_to(db, "member15")
    assert "Trần Thị Lan đã cho phép bạn ký cam kết an toàn cho hộ (15 đường Cây Dương)." in (
        told[-1].text
    )

    await member.says("/camket")
    member.sees("Hộ gia đình chúng tôi cam kết:")
    assert "Để thành viên khác trong hộ ký" not in member.choices()  # only the head chooses
    await member.says("1")  # typed, as on Zalo
    member.sees("Cam kết an toàn năm 2026 của hộ đã được ghi nhận")
    [pledge] = await pledges(db)
    assert pledge.confirmed_by == org.people["member15"]
    told = await notices_to(db, "head15")
    assert "Phạm Văn Minh đã ký cam kết an toàn năm 2026 cho hộ của bạn" in told[-1].text

    # The head takes the right back; the member may no longer withdraw.
    await head.says("/camket")
    await head.picks("Chọn người khác được ký cho hộ")
    await head.picks("Phạm Văn Minh ✓ được ký")
    head.sees("Phạm Văn Minh không còn được ký cam kết cho hộ của bạn nữa.")
    await member.says("/camket")
    assert "Rút lại cam kết" not in member.choices()


async def test_a_household_withdraws_its_pledge_with_a_reason(
    db: Database, org: Org, engine
) -> None:
    head = await head_pledges(engine)
    await head.says("/camket")
    await head.picks("Rút lại cam kết")
    head.sees("Vì sao rút lại cam kết? Bạn hãy gõ lý do trong vài chữ.")
    await head.says("!")
    head.sees("Bạn hãy gõ lý do bằng chữ, tối đa 300 ký tự.")
    await head.says("Hộ sắp chuyển nhà, sẽ ký lại ở nơi mới")
    head.sees("Cam kết an toàn năm 2026 của hộ đã được rút lại, lý do đã được lưu.")
    [pledge] = await pledges(db)
    assert pledge.withdrawn_at == FEBRUARY
    assert pledge.withdrawn_by == org.people["head15"]
    assert pledge.withdraw_reason == "Hộ sắp chuyển nhà, sẽ ký lại ở nơi mới"
    told = await notices_to(db, "member15")
    assert "Trần Thị Lan đã rút lại cam kết an toàn năm 2026 của hộ. Lý do: Hộ sắp chuyển" in (
        told[-1].text
    )

    member = chat(engine, "member15")
    await member.says("/camket")
    member.sees("chưa ký cam kết an toàn năm 2026")

    await head_pledges(engine)  # and pledges again: a new pledge, the withdrawn one kept
    first, second = await pledges(db)
    assert first.withdrawn_at is not None and second.withdrawn_at is None


# --- the leader ------------------------------------------------------------------------------


async def test_a_leader_signs_for_a_household_that_confirmed_by_phone(
    db: Database, org: Org, engine
) -> None:
    leader = chat(engine, "leader1")
    await leader.says("/kythay")
    leader.sees("Tổ 1, Ấp Mỹ Thạnh: 0/3 hộ đã ký cam kết năm 2026. Bạn ký thay cho hộ nào?")
    assert leader.choices()[:3] == [
        "12 đường Cây Dương (Nguyễn Văn Hùng)",
        "15 đường Cây Dương (Trần Thị Lan)",
        "21 đường Cây Dương (Lê Văn Tư)",
    ]
    leader.does_not_see("30 đường Cây Dương")  # moved away
    leader.does_not_see("33 đường Cây Dương")  # not confirmed
    await leader.picks("21 đường Cây Dương (Lê Văn Tư)")
    leader.sees("Hộ ở 21 đường Cây Dương đã xác nhận các nội dung cam kết với bạn bằng cách nào?")
    await leader.picks("Qua điện thoại")
    leader.sees("Hộ: 21 đường Cây Dương (chủ hộ Lê Văn Tư)")
    leader.sees("1. Chấp hành nghiêm pháp luật")
    leader.sees(
        "Lê Văn Tư đã xác nhận với bạn (qua điện thoại) toàn bộ các nội dung trên, thay mặt cả "
        "hộ chưa?"
    )
    await leader.picks("Rồi, ghi nhận cam kết")
    leader.sees(
        "Đã ghi nhận cam kết an toàn năm 2026 của hộ 21 đường Cây Dương, do bạn ký thay (qua "
        "điện thoại). Tổ 1, Ấp Mỹ Thạnh: 1/3 hộ đã ký cam kết."
    )
    [pledge] = await pledges(db)
    assert pledge.household_id == org.households["21 đường Cây Dương"]
    assert pledge.assisted and pledge.assisted_how == PledgeChannel.PHONE
    assert pledge.confirmed_by == org.people["leader1"]

    told = await notices_to(db, "head21")
    assert told[-1].text.startswith(
        "Tổ trưởng Nguyễn Văn Hùng đã ký thay cam kết an toàn năm 2026 cho hộ của bạn ngày "
        "10/02/2026, sau khi hộ xác nhận qua điện thoại."
    )
    head21 = chat(engine, "head21")
    await head21.says("/camket")
    head21.sees("Tổ trưởng Nguyễn Văn Hùng ký thay cho hộ (qua điện thoại).")

    # The list now marks it; the leader can withdraw it, with a reason.
    await leader.says("/kythay")
    assert "✓ 21 đường Cây Dương (Lê Văn Tư)" in leader.choices()
    await leader.says("21 cay duong")  # typed address, without diacritics
    leader.sees("Tổ trưởng Nguyễn Văn Hùng ký thay cho hộ (qua điện thoại).")
    await leader.picks("Rút lại cam kết")
    await leader.says("Ghi nhầm hộ")
    leader.sees("Cam kết an toàn năm 2026 của hộ 21 đường Cây Dương đã được rút lại")
    told = await notices_to(db, "head21")
    assert "Tổ trưởng Nguyễn Văn Hùng đã rút lại cam kết" in told[-1].text
    assert (await pledges(db))[0].withdraw_reason == "Ghi nhầm hộ"


async def test_a_leader_cannot_sign_for_or_see_another_group(
    db: Database, org: Org, engine
) -> None:
    other = chat(engine, "leader3")  # leads Tổ 3
    await other.says("/kythay")
    other.sees("Tổ 3, Ấp Mỹ Phú: 0/1 hộ đã ký cam kết năm 2026.")
    other.does_not_see("Cây Dương")
    await other.says("21 cay duong")
    other.sees("Tôi không tìm được đúng một hộ có địa chỉ đó.")
    await other.says("huy")
    await other.says("/baocao camket")
    other.sees("Cam kết hộ an toàn, Tổ 3, Ấp Mỹ Phú, năm 2026: 0/1 hộ đang cư trú đã ký (0%).")
    other.does_not_see("Tổ 1")
    assert await pledges(db) == []

    async with db.transaction() as session:
        actor = await load_actor(session, org.people["leader3"])
        household = await session.get(Household, org.households["21 đường Cây Dương"])
        assert household is not None
        assert not await may_sign_on_behalf(session, actor, household)
        leader1 = await load_actor(session, org.people["leader1"])
        assert await may_sign_on_behalf(session, leader1, household)

    # A resident is offered neither the assisted pledge nor coverage.
    member = chat(engine, "member15")
    await member.says("menu")
    assert "Ký thay cam kết cho hộ" not in member.choices()
    assert "Tiến độ cam kết của các hộ" not in member.choices()
    await member.says("/kythay")  # a command not in one's menu means nothing
    member.sees("Xin lỗi, tôi chưa hiểu.")


@pytest.mark.parametrize(
    ("role", "kind", "scope_id", "action", "where", "expected"),
    [
        (
            Role.GROUP_LEADER,
            ScopeKind.GROUP,
            "10",
            Action.PLEDGE_ON_BEHALF,
            Scope("1", 1, 10),
            True,
        ),
        (
            Role.GROUP_LEADER,
            ScopeKind.GROUP,
            "10",
            Action.PLEDGE_ON_BEHALF,
            Scope("1", 1, 11),
            False,
        ),
        (Role.GROUP_LEADER, ScopeKind.GROUP, "10", Action.VIEW_COVERAGE, Scope("1", 1, 11), False),
        (Role.GROUP_LEADER, ScopeKind.GROUP, "10", Action.VIEW_COVERAGE, Scope("1", 1), False),
        (Role.VILLAGE_HEAD, ScopeKind.VILLAGE, "1", Action.VIEW_COVERAGE, Scope("1", 1, 11), True),
        (Role.VILLAGE_HEAD, ScopeKind.VILLAGE, "1", Action.VIEW_COVERAGE, Scope("1"), False),
        (Role.COMMUNE_POLICE, ScopeKind.COMMUNE, "1", Action.VIEW_COVERAGE, Scope("1"), True),
        (Role.COMMUNE_POLICE, ScopeKind.COMMUNE, "1", Action.VIEW_COVERAGE, Scope("2"), False),
        (Role.COMMUNE_POLICE, ScopeKind.COMMUNE, "1", Action.PLEDGE_ON_BEHALF, Scope("1"), False),
        (Role.COMMUNE_ADMIN, ScopeKind.COMMUNE, "1", Action.VIEW_COVERAGE, Scope("1", 2), True),
        (Role.RESIDENT, ScopeKind.GROUP, "10", Action.SIGN_PLEDGE, Scope("1", 1, 10), False),
        (Role.RESIDENT, ScopeKind.GROUP, "10", Action.VIEW_COVERAGE, Scope("1", 1, 10), False),
        (Role.HOUSEHOLD_HEAD, ScopeKind.GROUP, "10", Action.SIGN_PLEDGE, Scope("1", 1, 10), True),
        (
            Role.HOUSEHOLD_HEAD,
            ScopeKind.GROUP,
            "10",
            Action.DELEGATE_PLEDGE,
            Scope("1", 1, 11),
            False,
        ),
    ],
)
def test_pledge_actions_are_role_and_scope_checks(
    role: str, kind: str, scope_id: str, action: Action, where: Scope, expected: bool
) -> None:
    assert allowed(Actor(1, (Grant(role, kind, scope_id),)), action, where) is expected


# --- coverage --------------------------------------------------------------------------------


async def test_coverage_follows_pledges_at_group_village_and_commune(
    db: Database, org: Org, engine
) -> None:
    leader, village, police = (
        chat(engine, "leader1"),
        chat(engine, "village1"),
        chat(engine, "police"),
    )
    await leader.says("/baocao camket")
    leader.sees("Cam kết hộ an toàn, Tổ 1, Ấp Mỹ Thạnh, năm 2026: 0/3 hộ đang cư trú đã ký (0%).")

    await leader.says("huy")  # the report asks what else; "hủy" leaves it

    await head_pledges(engine)
    await leader.says("/kythay")
    await leader.picks("21 đường Cây Dương (Lê Văn Tư)")
    await leader.picks("Gặp trực tiếp")
    await leader.picks("Rồi, ghi nhận cam kết")

    await leader.says("/baocao camket")
    leader.sees("Cam kết hộ an toàn, Tổ 1, Ấp Mỹ Thạnh, năm 2026: 2/3 hộ đang cư trú đã ký (66%).")
    leader.sees("Chưa ký cam kết (1 hộ):\n• 12 đường Cây Dương (Nguyễn Văn Hùng)")
    leader.does_not_see("30 đường Cây Dương")

    await village.says("bao cao cam ket")  # typed without the slash and diacritics
    village.sees(
        "Cam kết hộ an toàn, Ấp Mỹ Thạnh, Xã Thanh Mỹ, năm 2026: 2/4 hộ đang cư trú đã ký (50%).\n"
        "• Tổ 1: 2/3 hộ (66%)\n• Tổ 2: 0/1 hộ (0%)"
    )
    village.sees(
        "• Tổ 1: 12 đường Cây Dương (Nguyễn Văn Hùng)\n• Tổ 2: 3 đường Mỹ Thạnh (Võ Thị Hai)"
    )

    await police.says("/baocao camket")
    police.sees(
        "Cam kết hộ an toàn, Xã Thanh Mỹ, năm 2026: 2/5 hộ đang cư trú đã ký (40%).\n"
        "• Ấp Mỹ Phú: 0/1 hộ (0%)\n• Ấp Mỹ Thạnh: 2/4 hộ (50%)"
    )

    # A withdrawal lowers every level at once.
    head = chat(engine, "head15")
    await head.says("/camket")
    await head.picks("Rút lại cam kết")
    await head.says("Nhầm năm")
    async with db.transaction() as session:
        group = await coverage(
            session, Unit(UnitKind.GROUP, THANH_MY, None, org.groups["Tổ 1"]), 2026
        )
        village_ = await coverage(
            session, Unit(UnitKind.VILLAGE, THANH_MY, org.villages["Ấp Mỹ Thạnh"]), 2026
        )
        commune = await coverage(session, Unit(UnitKind.COMMUNE, THANH_MY), 2026)
    assert (group.counts.pledged, group.counts.resident) == (1, 3)
    assert (village_.counts.pledged, village_.counts.resident) == (1, 4)
    assert (commune.counts.pledged, commune.counts.resident) == (1, 5)
    await police.says("menu")
    await police.says("/baocao camket")
    police.sees("Xã Thanh Mỹ, năm 2026: 1/5 hộ đang cư trú đã ký (20%).")

    # Police of another commune see their own commune only.
    other = chat(engine, "police_y")
    await other.says("/baocao camket")
    other.does_not_see("Thanh Mỹ")


# --- the text signed -------------------------------------------------------------------------


async def test_the_text_a_household_signed_is_the_version_stored(
    db: Database, org: Org, engine, clock: Clock
) -> None:
    national = await national_text_id(db)
    head = chat(engine, "head15")
    await head.says("/camket")  # reads the national text ...
    async with db.transaction() as session:  # ... while the commune stores its own
        own, created = await store_text(
            session,
            THANH_MY,
            2026,
            TextFile("replace", ["Giữ gìn vệ sinh đường làng, ngõ xóm."], None),
            clock(),
        )
    assert created and own.version == 1
    await head.picks("Có, hộ tôi cam kết thực hiện đầy đủ")
    [pledge] = await pledges(db)
    assert pledge.text_id == national  # the version it saw, not the newer one

    await head.says("/camket")
    await head.picks("Xem các nội dung đã cam kết")
    head.sees("1. Chấp hành nghiêm pháp luật")
    head.sees("(văn bản mẫu chung, bản 1)")
    head.does_not_see("vệ sinh đường làng")

    other = chat(engine, "head21")  # a household pledging now signs the commune's text
    await other.says("/camket")
    other.sees("1. Giữ gìn vệ sinh đường làng, ngõ xóm.")
    other.sees("(văn bản của Xã Thanh Mỹ năm 2026, bản 1)")
    await other.says("1")
    *_, second = await pledges(db)
    assert second.text_id == own.id
    async with db.transaction() as session:
        kept = await session.get(PledgeText, national)
        assert kept is not None and kept.items == NATIONAL_DEFAULT


async def test_a_long_text_comes_one_zalo_page_at_a_time(db: Database, org: Org, engine) -> None:
    items = [f"Điều {n}: " + "giữ gìn an ninh trật tự ở khu dân cư, " * 8 for n in range(1, 21)]
    async with db.transaction() as session:
        await store_text(session, THANH_MY, 2026, TextFile("replace", items, None), FEBRUARY)
    head = chat(engine, "head15")
    replies = await head.says("/camket")
    head.sees("(trang 1/")
    assert head.choices() == ["Trang tiếp", "Hủy"]
    seen = list(replies)
    pages = 1
    while "Trang tiếp" in head.choices():
        seen += await head.says("1")  # typed numbers, as on Zalo
        pages += 1
    assert pages >= 3
    head.sees(f"(trang {pages}/{pages})")
    head.sees("20. Điều 20")
    await head.says("quay lai")
    head.sees(f"(trang {pages - 1}/{pages})")
    await head.says("1")
    seen += await head.says("1")
    head.sees("Cam kết an toàn năm 2026 của hộ đã được ghi nhận")
    assert all(len(render_text(message)) <= 2000 for message in seen)


# --- the new year ----------------------------------------------------------------------------


async def test_the_new_year_starts_afresh_and_the_old_pledges_stay_readable(
    db: Database, org: Org, engine, clock: Clock
) -> None:
    await head_pledges(engine)
    # 00:30 on 1 January 2027 in Vietnam is still 2026 in UTC.
    clock.at = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    head = chat(engine, "head15")
    await head.says("/camket")
    head.sees("Cam kết các năm trước: 2026 (10/02/2026)")
    head.sees("BẢN CAM KẾT HỘ GIA ĐÌNH AN TOÀN VỀ AN NINH, TRẬT TỰ NĂM 2027")
    await head.says("huy")

    leader = chat(engine, "leader1")
    await leader.says("/baocao camket")
    leader.sees("Tổ 1, Ấp Mỹ Thạnh, năm 2027: 0/3 hộ đang cư trú đã ký (0%).")
    await leader.picks("Xem năm 2026")
    leader.sees("Tổ 1, Ấp Mỹ Thạnh, năm 2026: 1/3 hộ đang cư trú đã ký (33%).")
    await leader.says("huy")
    await leader.says("/baocao camket 2026")
    leader.sees("năm 2026: 1/3 hộ")

    # A household that moves away leaves the denominator.
    async with db.transaction() as session:
        household = await session.get(Household, org.households["12 đường Cây Dương"])
        assert household is not None
        household.status = HouseholdStatus.MOVED_AWAY
    await leader.says("huy")
    await leader.says("/baocao camket 2026")
    leader.sees("năm 2026: 1/2 hộ đang cư trú đã ký (50%).")


# --- reminders -------------------------------------------------------------------------------


async def reminders_on(db: Database, settings: Settings, day: date, **rules: int):  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await due_reminders(
            session, day, timezone=settings.timezone, rules=DriveRules(**rules)
        )


async def test_the_drive_reminds_households_leaders_and_police(
    db: Database, org: Org, engine, settings: Settings
) -> None:
    first = await reminders_on(db, settings, date(2026, 1, 1))
    households = [r for r in first if ":household:" in r.dedupe_key]
    assert {r.chat_id for r in households} == {"head15", "head21"}  # heads who joined
    assert "Nhắc nhở: hộ của bạn ở 15 đường Cây Dương chưa ký cam kết an toàn năm 2026." in (
        next(r for r in households if r.chat_id == "head15").message.text
    )
    assert "kéo dài đến hết ngày 31/03/2026" in households[0].message.text
    leaders = [r for r in first if ":leader:" in r.dedupe_key]
    assert {r.chat_id for r in leaders} == {"leader1", "leader3"}
    tổ1 = next(r for r in leaders if r.chat_id == "leader1").message.text
    assert "Chưa ký cam kết (3 hộ):" in tổ1 and "/kythay" in tổ1
    assert not [r for r in first if ":police:" in r.dedupe_key]  # not on 1 January

    assert not await reminders_on(db, settings, date(2026, 1, 2))
    eighth = await reminders_on(db, settings, date(2026, 1, 8))  # leaders weekly
    assert {r.chat_id for r in eighth} == {"leader1", "leader3"}
    fifteenth = await reminders_on(db, settings, date(2026, 1, 15))  # households fortnightly
    assert {"head15", "head21", "leader1"} <= {r.chat_id for r in fifteenth}
    february = await reminders_on(db, settings, date(2026, 2, 1))  # police monthly
    assert [r.chat_id for r in february if ":police:" in r.dedupe_key] == ["police"]
    last = await reminders_on(db, settings, date(2026, 3, 31))
    police = next(r for r in last if ":police:" in r.dedupe_key).message.text
    assert police.startswith("Hôm nay là ngày cuối của đợt vận động ký cam kết.")
    assert "Xã Thanh Mỹ, năm 2026: 0/5 hộ đang cư trú đã ký (0%)." in police
    assert not [r for r in last if ":household:" in r.dedupe_key]  # 31 March is not day 14n
    april = await reminders_on(db, settings, date(2026, 4, 12))
    assert april == []  # the drive is over; police only on the 1st

    # A household that pledged is not reminded; a configured end stops earlier.
    await head_pledges(engine)
    later = await reminders_on(db, settings, date(2026, 1, 29))
    assert "head15" not in {r.chat_id for r in later}
    assert not await reminders_on(db, settings, date(2026, 1, 29), end_month=1, end_day=28)


async def test_reminders_are_queued_once_in_the_morning_and_open_the_pledge(
    db: Database, org: Org, engine, settings: Settings
) -> None:
    at_seven = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)  # 07:00 in Vietnam: quiet
    assert await send_due_reminders(db, settings, at_seven, DriveRules()) == set()
    at_eight = datetime(2026, 1, 15, 1, 5, tzinfo=UTC)
    assert await send_due_reminders(db, settings, at_eight, DriveRules()) == {"test"}
    assert await send_due_reminders(db, settings, at_eight, DriveRules()) == set()  # a re-run
    async with db.transaction() as session:
        again = await due_reminders(session, date(2026, 1, 15), timezone=settings.timezone)
        assert await queue_reminders(session, again, now=at_eight) == set()
        keys = list(
            await session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.chat_id == "head15")
            )
        )
    assert keys == [
        f"pledge:household:{org.households['15 đường Cây Dương']}:2026-01-15:test:head15"
    ]

    head = chat(engine, "head15")
    head.receives(await notices_to(db, "head15"))
    await head.picks("Ký cam kết ngay")
    head.sees("Hộ gia đình chúng tôi cam kết:")
    await head.says("1")
    head.sees("Cam kết an toàn năm 2026 của hộ đã được ghi nhận")


def test_the_drive_end_and_intervals_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DriveSettings(_env_file=None).rules() == DriveRules()
    monkeypatch.setenv("PLEDGE_DRIVE_END", "4-30")
    monkeypatch.setenv("PLEDGE_HOUSEHOLD_REMINDER_DAYS", "10")
    rules = DriveSettings(_env_file=None).rules()
    assert (rules.end_month, rules.end_day, rules.household_every_days) == (4, 30, 10)
    monkeypatch.setenv("PLEDGE_DRIVE_END", "13-01")
    with pytest.raises(ValueError, match="MM-DD"):
        DriveSettings(_env_file=None)


# --- texts as data ---------------------------------------------------------------------------


def test_the_migration_seeds_the_national_default_of_the_code() -> None:
    source = (ROOT / "storage/migrations/versions/0006_pledges.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    seeded = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "NATIONAL_DEFAULT" for t in node.targets)
    )
    assert ast.literal_eval(seeded) == NATIONAL_DEFAULT
    assert len(NATIONAL_DEFAULT["vi"]) == len(NATIONAL_DEFAULT["en"]) == 7


async def test_a_commune_replaces_or_extends_its_text_in_versions(
    db: Database, org: Org, tmp_path: Path
) -> None:
    extend = tmp_path / "camket.yaml"
    extend.write_text(
        "mode: extend\nvi:\n  - Giữ gìn vệ sinh môi trường.\nen:\n  - Keep the village clean.\n",
        encoding="utf-8",
    )
    plain = tmp_path / "camket.txt"
    plain.write_text("1. Điều một.\n\n2) Điều hai.\n", encoding="utf-8")
    async with db.transaction() as session:
        first, created = await store_text(
            session, THANH_MY, 2026, parse_text_file(extend), FEBRUARY
        )
        assert created and first.version == 1
        assert first.items["vi"][-1] == "Giữ gìn vệ sinh môi trường."
        assert first.items["vi"][:7] == NATIONAL_DEFAULT["vi"]
        assert first.items["en"][-1] == "Keep the village clean."
        same, created = await store_text(session, THANH_MY, 2026, parse_text_file(extend), FEBRUARY)
        assert not created and same.id == first.id  # the same file twice: no new version
        second, created = await store_text(
            session, THANH_MY, 2026, parse_text_file(plain), FEBRUARY
        )
        assert (
            created and second.version == 2 and second.items == {"vi": ["Điều một.", "Điều hai."]}
        )
        assert (await applicable_text(session, THANH_MY, 2026)).id == second.id
        assert (await applicable_text(session, THANH_MY, 2027)).commune_code is None
        count = await session.scalar(select(func.count()).select_from(PledgeText))
        assert count == 3

    for content, message in (
        ("vi: []\n", "no commitments"),
        ("mode: merge\nvi: [a]\n", "`mode`"),
        ("vi: [a, b]\nen: [a]\n", "translate every"),
        ("title: x\nvi: [a]\n", "unknown keys"),
    ):
        bad = tmp_path / "bad.yaml"
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(PledgeTextError, match=message):
            parse_text_file(bad)


async def test_household_reminder_skips_people_who_left(
    db: Database, org: Org, settings: Settings
) -> None:
    async with db.transaction() as session:
        person = await session.get(Person, org.people["head21"])
        assert person is not None
        person.household_id = None  # moved out of the household
    first = await reminders_on(db, settings, date(2026, 1, 1) + timedelta(days=0))
    assert "head21" not in {r.chat_id for r in first}
