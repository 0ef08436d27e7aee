"""Issue #13: a number typed answers the question asked, as residents type on Zalo and in the
terminal; "hủy" and "quay lại" are words, never numbered lines."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Conversation,
    MeetingRsvp,
    Membership,
    MembershipStatus,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
)
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to, small_commune

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)  # Monday 5 January 2026

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def org(db: Database) -> Org:
    """The small commune, with Lê Văn Tư a confirmed member of Tổ 1 on the test channel."""
    org = await small_commune(db)
    await add_member(db, org, "tu", "Lê Văn Tư", "21 đường Cây Dương")
    return org


async def add_member(db: Database, org: Org, key: str, name: str, address: str) -> None:
    """A confirmed member of Tổ 1 living at `address`, with an account "key" on the test channel."""
    group = org.groups["Tổ 1"]
    household = org.households[address]
    async with db.transaction() as session:
        person = Person(
            full_name=name,
            commune_code=org.commune,
            consent_version=CONSENT_VERSION,
            household_id=household,
        )
        session.add(person)
        await session.flush()
        org.people[key] = person.id
        session.add_all(
            [
                Membership(
                    person_id=person.id,
                    group_id=group,
                    household_id=household,
                    status=MembershipStatus.CONFIRMED,
                ),
                RoleAssignment(
                    person_id=person.id,
                    role=Role.RESIDENT,
                    scope_kind=ScopeKind.GROUP,
                    scope_id=str(group),
                ),
                ChannelAccount(
                    channel="test", external_user_id=key, chat_id=key, person_id=person.id
                ),
            ]
        )


@pytest.fixture
def engine(db: Database, settings, clock: Clock) -> DialogEngine:  # type: ignore[no-untyped-def]
    return DialogEngine(db=db, flows=build_flows(), settings=settings, clock=clock)


async def conversation_of(db: Database, user_id: str) -> Conversation:
    async with db.transaction() as session:
        found = await session.scalar(select(Conversation).where(Conversation.user_id == user_id))
        assert found is not None
        return found


async def test_a_number_of_households_present_is_the_number_not_cancel(
    db: Database, org: Org, engine: DialogEngine, clock: Clock
) -> None:
    leader = Chat(engine, user_id="leader1")
    await leader.says("/bienban")
    await leader.says("Bien ban moi")  # an unscheduled meeting
    await leader.says("4/1 19:30")
    await leader.says("21h")  # the end
    await leader.says("12 cay duong")
    leader.sees("Có bao nhiêu hộ có mặt, trên tổng số 3 hộ?")
    leader.sees("• Chọn trong danh sách")
    leader.does_not_see("2. Hủy")  # "hủy" is a word to type, not a numbered line
    await leader.says("3")
    leader.does_not_see("Đã hủy")
    conversation = await conversation_of(db, "leader1")
    assert conversation.flow == "minutes"
    assert conversation.data["draft"]["present"] == 3


async def test_a_free_text_answer_that_is_a_number_is_kept_as_typed(
    db: Database, org: Org, engine: DialogEngine, clock: Clock
) -> None:
    leader = Chat(engine, user_id="leader1")
    await leader.says("/lichhop")
    await leader.picks("Dùng ngày này")
    await leader.picks("12 đường Cây Dương")
    await leader.picks("Tại nhà chủ hộ: 12 đường Cây Dương")
    await leader.picks("Gửi thư mời")
    tu = Chat(engine, user_id="tu")
    tu.receives(await notices_to(db, "tu"))
    await tu.picks("Vắng")
    tu.sees("• Bận việc")  # reasons are offered by their words: a number is the reason itself
    await tu.says("7")
    tu.sees("Đã ghi nhận: bạn sẽ vắng (7).")
    async with db.transaction() as session:
        reason = await session.scalar(
            select(MeetingRsvp.reason).where(MeetingRsvp.person_id == org.people["tu"])
        )
    assert reason == "7"


async def test_when_choices_keep_their_numbers_after_an_unclear_answer(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    chat = Chat(engine, user_id="leader1")
    await chat.says("/baotin")
    await chat.picks("Trộm cắp")
    await chat.says("Mất xe đạp trước nhà.")
    await chat.says("xong")
    chat.sees("4. Không nhớ rõ")
    await chat.says("hom kia kia")
    chat.sees("4. Không nhớ rõ")
    chat.sees("5. Giữ nguyên lời tôi viết")
    await chat.says("4")
    conversation = await conversation_of(db, "leader1")
    assert conversation.step == "where"
    assert conversation.data["occurred_text"] is None  # "not sure", not the words kept


async def test_a_number_never_cancels_or_goes_back(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    chat = Chat(engine, user_id="leader1")
    await chat.says("/baotin")
    await chat.picks("Trộm cắp")
    await chat.says("Mất xe đạp trước nhà.")
    await chat.says("xong")
    await chat.says("hom qua")
    await chat.picks("Không có nơi cụ thể / không rõ")
    chat.sees("1. Ẩn danh\n2. Gửi kèm tên và số điện thoại cho công an xã\n(Quay lại · Hủy)")
    for typed in ("3", "4"):  # once "3. Quay lại" and "4. Hủy"
        await chat.says(typed)
        chat.sees("Xin lỗi, tôi chưa hiểu")
    assert (await conversation_of(db, "leader1")).step == "anonymity"
    await chat.says("quay lai")
    assert (await conversation_of(db, "leader1")).step == "where"


async def test_a_day_is_written_as_the_glossary_says(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    chat = Chat(engine, user_id="leader1")
    await chat.says("/baotin")
    await chat.picks("Trộm cắp")
    await chat.says("Mất xe đạp trước nhà.")
    await chat.says("xong")
    await chat.picks("Hôm qua")
    occurred = (await conversation_of(db, "leader1")).data["occurred_text"]
    assert re.fullmatch(r"Hôm qua \(\d{2}/\d{2}/\d{4}\)", occurred), occurred  # not "5 thg 12"
