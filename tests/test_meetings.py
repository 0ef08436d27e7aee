"""Group meetings in conversation: scheduling with the rotation, answers, changes, minutes, tasks,
the group's chat and the reminders."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.authz import Action, allowed, group_scope, load_actor
from bot.meetings.reminders import due_reminders, queue_due
from bot.messages import EventKind
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import (
    ChannelAccount,
    GroupChat,
    HostingSkip,
    Meeting,
    MeetingMinutes,
    MeetingPhoto,
    MeetingRsvp,
    MeetingStatus,
    MeetingTask,
    Membership,
    MembershipStatus,
    MinutesCorrection,
    OutboxMessage,
    Person,
    Role,
    RoleAssignment,
    RsvpAnswer,
    ScopeKind,
    TaskStatus,
)
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to, small_commune

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MEMBERS = (
    ("sau", "Phạm Văn Sáu", "12 đường Cây Dương"),
    ("lan", "Trần Thị Lan", "15 đường Cây Dương"),
    ("tu", "Lê Văn Tư", "21 đường Cây Dương"),
)


class Clock:
    def __init__(self) -> None:
        # Monday 5 January 2026, 09:00 in Vietnam.
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)

    def __call__(self) -> datetime:
        return self.now

    def set(self, *args: int) -> None:
        self.now = datetime(*args, tzinfo=TZ)  # type: ignore[misc]


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    group = org.groups["Tổ 1"]
    async with db.transaction() as session:
        for key, name, address in MEMBERS:
            person = Person(
                full_name=name,
                commune_code=org.commune,
                consent_version=CONSENT_VERSION,
                household_id=org.households[address],
            )
            session.add(person)
            await session.flush()
            org.people[key] = person.id
            session.add(
                Membership(
                    person_id=person.id,
                    group_id=group,
                    household_id=org.households[address],
                    status=MembershipStatus.CONFIRMED,
                )
            )
            session.add(
                RoleAssignment(
                    person_id=person.id,
                    role=Role.RESIDENT,
                    scope_kind=ScopeKind.GROUP,
                    scope_id=str(group),
                )
            )
            session.add(
                ChannelAccount(
                    channel="test", external_user_id=key, chat_id=key, person_id=person.id
                )
            )
    return org


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(db: Database, settings, clock: Clock) -> DialogEngine:  # type: ignore[no-untyped-def]
    return DialogEngine(db=db, flows=build_flows(), settings=settings, clock=clock)


@pytest.fixture
def leader(engine: DialogEngine) -> Chat:
    return Chat(engine, user_id="leader1")


@pytest.fixture
def lan(engine: DialogEngine) -> Chat:
    return Chat(engine, user_id="lan")


@pytest.fixture
def tu(engine: DialogEngine) -> Chat:
    return Chat(engine, user_id="tu")


@pytest.fixture
def sau(engine: DialogEngine) -> Chat:
    return Chat(engine, user_id="sau")


async def schedule_proposed(leader: Chat) -> None:
    await leader.says("/lichhop")
    await leader.picks("Dùng ngày này")
    await leader.picks("12 đường Cây Dương")
    await leader.picks("Tại nhà chủ hộ: 12 đường Cây Dương")
    await leader.picks("Gửi thư mời")


async def the_meeting(db: Database) -> Meeting:
    async with db.transaction() as session:
        meeting = await session.scalar(select(Meeting).order_by(Meeting.id.desc()).limit(1))
        assert meeting is not None
        return meeting


async def test_the_leader_schedules_with_the_rotation_and_members_answer_both_ways(
    db: Database, org: Org, leader: Chat, lan: Chat, tu: Chat, sau: Chat
) -> None:
    await leader.says("/lichhop")
    leader.sees("Buổi họp tới của Tổ 1, Ấp Mỹ Thạnh.")
    leader.sees(
        "Theo quy định của tổ (Chủ nhật thứ hai của tháng thứ nhất mỗi quý, lúc 19:30), "
        "đề xuất: 19:30, Chủ nhật 11/01/2026."
    )
    await leader.picks("Dùng ngày này")
    leader.sees("Theo luân phiên, đến lượt hộ Nguyễn Văn Hùng, 12 đường Cây Dương làm chủ nhà")
    await leader.picks("12 đường Cây Dương")
    await leader.picks("Tại nhà chủ hộ: 12 đường Cây Dương")
    leader.sees("Họp Tổ 1, Ấp Mỹ Thạnh\n19:30, Chủ nhật 11/01/2026")
    leader.sees("Chủ nhà: Nguyễn Văn Hùng, 12 đường Cây Dương")
    await leader.picks("Gửi thư mời")
    leader.sees("Xong. Thư mời đã được gửi tới 3 người.")

    # A member answers with the button under the invitation.
    lan.receives(await notices_to(db, "lan"))
    lan.sees("📅 Họp Tổ 1, Ấp Mỹ Thạnh\n19:30, Chủ nhật 11/01/2026")
    lan.sees("Địa điểm: 12 đường Cây Dương")
    await lan.picks("Tham dự")
    lan.sees("Cảm ơn bạn. Bạn sẽ tham dự buổi họp lúc 19:30, Chủ nhật 11/01/2026.")

    # Another cannot come, and says why in their own words.
    tu.receives(await notices_to(db, "tu"))
    await tu.picks("Vắng")
    tu.sees("Tiếc là bạn không đến được. Vì sao vậy?")
    await tu.says("đi làm ca đêm")
    tu.sees("Đã ghi nhận: bạn sẽ vắng (đi làm ca đêm).")

    # The host household is asked to confirm; it agrees, and the leader is told.
    host_request = (await notices_to(db, "sau"))[-1]
    sau.receives([host_request])
    sau.sees("Gia đình bạn (12 đường Cây Dương) được đề nghị làm chủ nhà")
    await sau.picks("Nhà tôi nhận đón tổ")
    sau.sees("Cảm ơn gia đình bạn đã nhận đón tổ họp.")
    assert "đã nhận làm chủ nhà" in (await notices_to(db, "leader1"))[-1].text

    await leader.says("/lichhop")
    leader.sees("Buổi họp tới của Tổ 1, Ấp Mỹ Thạnh: 19:30, Chủ nhật 11/01/2026")
    leader.sees("Chủ nhà đã nhận lời.")
    leader.sees("Tham dự: 2 · Vắng: 1 · Chưa trả lời: 1")
    leader.sees("Vắng: Lê Văn Tư (đi làm ca đêm)")
    leader.sees("Chưa trả lời: Phạm Văn Sáu")

    # Typing works as well as pressing: "tham du" without diacritics changes an answer.
    await tu.says("tham du")
    tu.sees("Bạn sẽ tham dự buổi họp")
    async with db.transaction() as session:
        answers = dict(
            (await session.execute(select(MeetingRsvp.person_id, MeetingRsvp.answer))).all()
        )
    assert answers[org.people["tu"]] == RsvpAnswer.ATTEND


async def test_rescheduling_and_cancelling_tell_everyone(
    db: Database, org: Org, leader: Chat, lan: Chat, clock: Clock
) -> None:
    await schedule_proposed(leader)
    lan.receives(await notices_to(db, "lan"))
    await lan.picks("Tham dự")

    await leader.says("/lichhop")
    await leader.picks("Đổi ngày, chủ nhà hoặc địa điểm")
    leader.sees("Ngày giờ mới?")
    await leader.says("hôm qua")
    leader.sees("Tôi chưa đọc được ngày giờ sắp tới.")
    await leader.says("chủ nhật tuần sau 19h")
    await leader.picks("Giữ 12 đường Cây Dương")
    await leader.picks("Tại nhà chủ hộ: 12 đường Cây Dương")
    leader.sees("19:00, Chủ nhật 18/01/2026")
    leader.sees("Mọi người trong tổ sẽ được báo thay đổi")
    await leader.picks("Gửi thông báo thay đổi")
    leader.sees("Xong. Đã báo giờ họp mới cho 3 người.")

    moved = [m for m in await notices_to(db, "lan") if "đã đổi lịch" in m.text]
    assert len(moved) == 1
    lan.receives(moved)
    lan.sees("Giờ mới: 19:00, Chủ nhật 18/01/2026")
    # Earlier answers were for the old time: everyone is asked again.
    async with db.transaction() as session:
        others = await session.scalar(
            select(func.count(MeetingRsvp.id)).where(MeetingRsvp.person_id != org.people["leader1"])
        )
    assert others == 0
    await lan.picks("Tham dự")
    lan.sees("19:00, Chủ nhật 18/01/2026")

    await leader.says("/lichhop")
    await leader.picks("Hủy buổi họp")
    await leader.says("Trùng ngày giỗ tổ của thôn")
    leader.sees("Đã hủy buổi họp; 3 người đã được báo.")
    cancelled = (await notices_to(db, "lan"))[-1].text
    assert "❌ Buổi họp Tổ 1, Ấp Mỹ Thạnh lúc 19:00, Chủ nhật 18/01/2026 đã bị hủy." in cancelled
    assert "Lý do: Trùng ngày giỗ tổ của thôn" in cancelled
    assert (await the_meeting(db)).status == MeetingStatus.CANCELLED

    # With no meeting planned, the answers of members say so.
    await lan.says("tham dự")
    lan.sees("Hiện tổ của bạn chưa có lịch họp.")


async def test_the_groups_chat_is_registered_with_a_code_and_gets_the_announcement(
    db: Database, org: Org, engine: DialogEngine, leader: Chat, lan: Chat
) -> None:
    await leader.says("menu")
    await leader.picks("Thêm…")  # set up once, so under "More…"
    await leader.picks("Nhóm chat của tổ")
    leader.sees("Mã nhóm chat của Tổ 1, Ấp Mỹ Thạnh:")
    found = re.search(r"Tổ 1, Ấp Mỹ Thạnh: (\w+)", "\n".join(m.text for m in leader.received))
    assert found is not None
    code = found.group(1)

    async def in_group(user: str) -> Chat:
        chat = Chat(engine, user_id=user, chat_id="-100777")
        await chat.send(
            kind=EventKind.COMMAND,
            command="nhomto",
            args=code,
            text=f"/nhomto {code}",
            is_group=True,
        )
        return chat

    (await in_group("lan")).sees("Xin lỗi, tôi chưa hiểu.")  # members do not even see it
    (await in_group("leader3")).sees("Chỉ tổ trưởng hoặc tổ phó mới đăng ký được nhóm chat của tổ.")
    leader_in_group = await in_group("leader1")
    leader_in_group.sees("Nhóm này giờ là nhóm chat của Tổ 1, Ấp Mỹ Thạnh.")
    async with db.transaction() as session:
        chat = await session.get(GroupChat, org.groups["Tổ 1"])
        assert chat is not None and chat.chat_id == "-100777"

    await schedule_proposed(leader)
    posted = await notices_to(db, "-100777")
    assert len(posted) == 1
    assert "📅 Họp Tổ 1, Ấp Mỹ Thạnh\n19:30, Chủ nhật 11/01/2026" in posted[0].text
    assert "trả lời trong tin nhắn riêng với bot" in posted[0].text
    assert not posted[0].choices


async def record_minutes(leader: Chat, clock: Clock) -> None:
    clock.set(2026, 1, 11, 21, 15)
    await leader.says("/bienban")
    leader.sees("Buổi họp diễn ra lúc nào?")
    await leader.says("19h45")
    leader.sees("Hộ nào làm chủ nhà buổi họp?")
    await leader.picks("12 đường Cây Dương (như dự kiến)")
    leader.sees("Có bao nhiêu hộ có mặt, trên tổng số 3 hộ?")
    await leader.picks("Chọn trong danh sách")
    await leader.picks("12 đường Cây Dương")
    await leader.picks("15 đường Cây Dương")
    await leader.picks("Xong (2 hộ có mặt)")
    leader.sees("Ai là thư ký (người ghi biên bản)?")  # asked the first time only
    await leader.picks("Trần Thị Lan")
    leader.sees("Khách mời dự họp?")
    await leader.picks("Công an xã")
    await leader.says("Bí thư chi bộ ấp")
    leader.sees("Đã gõ thêm: Bí thư chi bộ ấp")
    await leader.picks("Xong")
    await leader.picks("Tình hình an ninh trật tự từ buổi họp trước")
    await leader.picks("Cam kết hộ gia đình an toàn")
    await leader.says("Phòng cháy dịp Tết")
    await leader.picks("Xong")
    leader.sees("Tình hình được báo cáo từ buổi họp trước")
    await leader.says("Mất trộm gà ở hộ số 21; có hai người mới đến thuê trọ")
    await leader.picks("Không có")  # mediation
    await leader.says("Đề nghị lắp đèn đường đầu hẻm")
    await leader.says("Tăng cường tuần tra ban đêm dịp Tết")
    leader.sees("Các việc được phân công trong buổi họp")
    await leader.says("Lập danh sách người thuê trọ")
    await leader.picks("Trần Thị Lan")
    await leader.says("30/1")
    leader.sees("1) Lập danh sách người thuê trọ — Trần Thị Lan")
    await leader.says("Hỏi điện lực về đèn đường")
    await leader.says("Ông Ba Tèo")  # not a member: the name is kept as typed
    await leader.picks("Không có hạn")
    await leader.picks("Xong")
    leader.sees("Buổi họp tới: theo quy định của tổ là 19:30, Chủ nhật 12/04/2026.")
    await leader.picks("19:30, Chủ nhật 12/04/2026")
    await leader.sends_photo("paper-page-1")
    leader.sees("Đã nhận ảnh thứ 1.")
    await leader.picks("Xong")


async def test_minutes_with_attendance_and_tasks_then_summaries(
    db: Database, org: Org, leader: Chat, lan: Chat, tu: Chat, clock: Clock
) -> None:
    await schedule_proposed(leader)
    await record_minutes(leader, clock)
    leader.sees("Biên bản họp Tổ 1, Ấp Mỹ Thạnh, Quý I/2026")
    leader.sees("Thời gian: 19:45, Chủ nhật 11/01/2026")
    leader.sees("Số hộ có mặt: 2/3 (67%)")
    leader.sees("Khách mời: Công an xã, Bí thư chi bộ ấp")
    leader.sees(
        "Nội dung: Tình hình an ninh trật tự từ buổi họp trước; Cam kết hộ gia đình an toàn; "
        "Phòng cháy dịp Tết"
    )
    leader.sees("Vụ việc hòa giải: không có")
    leader.sees("Lập danh sách người thuê trọ — Trần Thị Lan, hạn 30/01/2026")
    leader.sees("Hỏi điện lực về đèn đường — Ông Ba Tèo, hạn không có hạn")
    leader.sees("Ảnh biên bản giấy: 1")
    await leader.picks("Lưu biên bản")
    leader.sees("Đã lưu biên bản. 3 người đã nhận tóm tắt.")

    async with db.transaction() as session:
        minutes = await session.scalar(select(MeetingMinutes))
        assert minutes is not None
        assert (minutes.households_present, minutes.households_total) == (2, 3)
        meeting = await session.get(Meeting, minutes.meeting_id)
        assert meeting is not None and meeting.status == MeetingStatus.HELD
        tasks = list(await session.scalars(select(MeetingTask).order_by(MeetingTask.id)))
        assert [t.owner_person_id for t in tasks] == [org.people["lan"], None]
        assert await session.scalar(select(MeetingPhoto.file_ref)) == "paper-page-1"

    summary = (await notices_to(db, "tu"))[-1].text
    assert summary.startswith("📝 Tổ 1, Ấp Mỹ Thạnh đã họp lúc 19:45, Chủ nhật 11/01/2026")
    assert "Số hộ có mặt: 2/3 (67%)" in summary
    assert "Kết luận: Tăng cường tuần tra ban đêm dịp Tết" in summary
    assert "Buổi họp tới: 19:30, Chủ nhật 12/04/2026" in summary
    police = await notices_to(db, "police")
    assert police and police[-1].text == summary
    assert await notices_to(db, "police_y") == []

    # The task's owner is told, and marks it done with the button under it.
    lan.receives(await notices_to(db, "lan"))
    lan.sees("📌 Bạn được giao một việc trong buổi họp tổ:")
    await lan.picks("Đã xong")
    lan.sees("Đã đánh dấu xong: Lập danh sách người thuê trọ")
    await lan.picks("Đã xong")
    lan.sees("Việc này đã được đánh dấu xong rồi.")
    assert "✅ Trần Thị Lan đã đánh dấu xong một việc" in (await notices_to(db, "leader1"))[-1].text
    # The other task stays open until the leader marks it done.
    await leader.says("/lichhop")
    await leader.picks("Việc chưa xong")
    leader.sees("Hỏi điện lực về đèn đường — Ông Ba Tèo")
    await leader.picks("Đã xong")
    async with db.transaction() as session:
        statuses = set(await session.scalars(select(MeetingTask.status)))
    assert statuses == {TaskStatus.DONE}

    # The next meeting the minutes named is what the leader is offered next.
    await leader.says("/lichhop")
    leader.sees("đề xuất: 19:30, Chủ nhật 12/04/2026.")


async def test_a_member_cannot_record_minutes(db: Database, org: Org, lan: Chat) -> None:
    await lan.says("/bienban")
    lan.sees("Xin lỗi, tôi chưa hiểu.")
    assert "Biên bản họp" not in lan.choices()
    async with db.transaction() as session:
        actor = await load_actor(session, org.people["lan"])
        scope = await group_scope(session, org.groups["Tổ 1"])
        assert scope is not None
        assert not allowed(actor, Action.RECORD_MINUTES, scope)
        assert not allowed(actor, Action.SCHEDULE_MEETING, scope)
        other_leader = await load_actor(session, org.people["leader3"])
        assert not allowed(other_leader, Action.RECORD_MINUTES, scope)
        police = await load_actor(session, org.people["police"])
        assert not allowed(police, Action.RECORD_MINUTES, scope)
        assert allowed(police, Action.VIEW_MEETING_BOOK, scope)
        assert await session.scalar(select(func.count(MeetingMinutes.meeting_id))) == 0


async def test_minutes_are_editable_for_7_days_then_corrections_are_appended(
    db: Database, org: Org, leader: Chat, clock: Clock
) -> None:
    await schedule_proposed(leader)
    await record_minutes(leader, clock)
    await leader.picks("Lưu biên bản")

    clock.set(2026, 1, 14, 9, 0)
    await leader.says("/bienban")
    await leader.picks("Sửa biên bản ngày 11/01/2026")
    leader.sees("Số hộ có mặt: 2/3 (67%)")
    await leader.picks("Sửa")
    await leader.picks("Số hộ có mặt")
    await leader.says("3 hộ")
    leader.sees("Số hộ có mặt: 3/3 (100%)")
    await leader.picks("Lưu biên bản")
    leader.sees("Đã cập nhật biên bản.")

    clock.set(2026, 1, 19, 9, 0)
    await leader.says("/bienban")
    await leader.picks("Đính chính biên bản ngày 11/01/2026")
    leader.sees("Biên bản ngày 11/01/2026 đã khóa vì được lập hơn 7 ngày trước.")
    await leader.says("Hộ số 21 đến muộn, có mặt từ 20h")
    leader.sees("Đã thêm đính chính vào biên bản.")
    async with db.transaction() as session:
        minutes = await session.scalar(select(MeetingMinutes))
        assert minutes is not None and minutes.households_present == 3  # unchanged
        corrections = list(await session.scalars(select(MinutesCorrection.text)))
    assert corrections == ["Hộ số 21 đến muộn, có mặt từ 20h"]


async def test_a_leader_whose_role_ends_mid_plan_changes_nothing(
    db: Database, org: Org, leader: Chat
) -> None:
    """The right is checked on the server at each change, not only when the plan was opened."""
    await schedule_proposed(leader)
    await leader.says("/lichhop")
    leader.sees("Chủ nhà chưa xác nhận.")
    await leader.says("/lichhop")
    await leader.picks("Đổi ngày, chủ nhà hoặc địa điểm")
    await leader.says("25/1 19:30")
    await leader.picks("Hộ khác")
    await leader.picks("Có hộ xin không làm chủ nhà")
    async with db.transaction() as session:
        role = await session.scalar(
            select(RoleAssignment).where(
                RoleAssignment.person_id == org.people["leader1"],
                RoleAssignment.role == Role.GROUP_LEADER,
            )
        )
        assert role is not None
        await session.delete(role)
    await leader.says("15 cay duong")
    leader.sees("Mục này không dành cho bạn.")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(HostingSkip)) == 0


async def test_text_only_scheduling_and_minutes_with_typed_answers(
    db: Database, org: Org, leader: Chat, clock: Clock
) -> None:
    """Everything answered by typing: numbers of the listed choices, or words without
    diacritics, as on Zalo or the console."""
    await leader.says("lich hop")
    leader.sees("• Dùng ngày này")  # a date is asked: a number typed is a day (issue #13)
    await leader.says("20/1 19:30")
    leader.sees("Theo luân phiên, đến lượt hộ Nguyễn Văn Hùng")
    await leader.says("2")  # "Hộ khác"
    await leader.says("15 cay duong")
    await leader.says("1")  # at the host's home
    leader.sees("19:30, Thứ Ba 20/01/2026")
    leader.sees("Chủ nhà: Trần Thị Lan, 15 đường Cây Dương")
    await leader.says("gui thu moi")
    leader.sees("Thư mời đã được gửi tới 3 người.")

    clock.set(2026, 1, 20, 21, 30)
    await leader.says("bien ban")
    # A time is asked: a number there is a time, never a choice (issue #13); "19:30" is typed.
    leader.sees("• 19:30, Thứ Ba 20/01/2026")
    await leader.says("19:30")
    await leader.says("1")  # the planned host
    await leader.says("2 hộ")
    await leader.says("tran thi lan")  # the secretary
    await leader.says("xong")  # no guests
    await leader.says("1")  # the first topic
    await leader.says("xong")
    await leader.says("khong co")  # situation
    await leader.says("khong co")  # mediation
    await leader.says("khong co")  # proposals
    await leader.says("Giữ gìn vệ sinh xóm")
    await leader.says("Quét dọn đầu hẻm")
    await leader.says("Lê Văn Tư")
    await leader.says("khong co han")
    await leader.says("xong")  # tasks
    await leader.says("chua dinh")  # next meeting
    await leader.says("xong")  # photos
    leader.sees("Số hộ có mặt: 2/3 (67%)")
    leader.sees("Quét dọn đầu hẻm — Lê Văn Tư, hạn không có hạn")
    leader.sees("Buổi họp tới: chưa định")
    await leader.says("luu bien ban")
    leader.sees("Đã lưu biên bản.")
    async with db.transaction() as session:
        task = await session.scalar(select(MeetingTask))
        assert task is not None and task.owner_person_id == org.people["tu"]


async def test_the_meeting_rule_can_be_changed(db: Database, org: Org, leader: Chat) -> None:
    await leader.says("/lichhop")
    await leader.picks("Quy định lịch họp")
    await leader.picks("Tháng thứ ba")
    await leader.picks("cuối cùng")
    await leader.picks("Thứ Bảy")
    await leader.says("8h sáng")
    leader.sees("Đã lưu. Tổ họp vào Thứ Bảy cuối cùng của tháng thứ ba mỗi quý, lúc 08:00.")
    leader.sees("đề xuất: 08:00, Thứ Bảy 28/03/2026.")


# --- reminders ----------------------------------------------------------------------------------
async def keys(db: Database) -> list[str]:
    async with db.transaction() as session:
        return [
            key
            for key in await session.scalars(
                select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id)
            )
            if key
        ]


async def test_reminders_before_a_meeting(
    db: Database,
    org: Org,
    leader: Chat,
    tu: Chat,
    settings,
    clock: Clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(2025, 12, 29, 9, 0)  # 13 days ahead of the meeting of 11/01
    await schedule_proposed(leader)
    tu.receives(await notices_to(db, "tu"))
    await tu.picks("Vắng")
    await tu.picks("Bận việc")

    async def run(*moment: int) -> list[str]:
        before = set(await keys(db))
        await queue_due(db, settings, datetime(*moment, tzinfo=TZ))
        # (Quarter IV of 2025 had no meeting: its overdue reminder is another test's.)
        return [
            key
            for key in await keys(db)
            if key not in before and not key.startswith("meetoverdue:")
        ]

    assert await run(2026, 1, 3, 9, 0) == []  # eight days before: nothing yet
    week = await run(2026, 1, 4, 19, 35)
    assert sorted(k.split(":")[3] + ":" + k.split(":")[-1] for k in week) == [
        "7d:lan",
        "7d:leader1",
        "7d:sau",
    ]  # not to Tư, who will be absent
    assert await run(2026, 1, 4, 19, 40) == []  # a second run sends nothing twice
    assert "🔔 Nhắc lịch: còn một tuần nữa là họp Tổ 1" in (await notices_to(db, "lan"))[-1].text
    # The host has not confirmed: the leader hears of it three days before.
    host = await run(2026, 1, 8, 19, 31)
    assert [k.split(":")[0] for k in host] == ["meethost"]
    # One day before, at 19:30 (after the quiet hours it would wait until 07:00).
    assert await run(2026, 1, 10, 22, 0) == []
    day = await run(2026, 1, 11, 7, 0)
    assert sorted(k.split(":")[3] for k in day) == ["1d", "1d", "1d"]
    hours = await run(2026, 1, 11, 17, 30)
    assert sorted(k.split(":")[3] for k in hours) == ["2h", "2h", "2h"]
    assert await run(2026, 1, 11, 19, 30) == []  # the meeting has begun


async def test_a_meeting_scheduled_at_short_notice_gets_no_week_reminder(
    db: Database,
    org: Org,
    leader: Chat,
    settings,
    clock: Clock,  # type: ignore[no-untyped-def]
) -> None:
    await schedule_proposed(leader)  # on 05/01 for 11/01: the invitation is the reminder
    async with db.transaction() as session:
        due = await due_reminders(session, settings, datetime(2026, 1, 5, 10, 0, tzinfo=TZ))
    assert not [d for d in due if d.dedupe_key.startswith("meet:")]


async def test_overdue_quarter_and_task_reminders(
    db: Database,
    org: Org,
    leader: Chat,
    settings,
    clock: Clock,  # type: ignore[no-untyped-def]
) -> None:
    await schedule_proposed(leader)
    await record_minutes(leader, clock)
    await leader.picks("Lưu biên bản")
    async with db.transaction() as session:
        due = await due_reminders(session, settings, datetime(2026, 1, 29, 8, 0, tzinfo=TZ))
    task_keys = [d.dedupe_key for d in due if d.dedupe_key.startswith("meettask:")]
    assert len(task_keys) == 1 and task_keys[0].endswith(":tomorrow:test:lan")
    lan_notice = next(d for d in due if d.chat_id == "lan")
    assert lan_notice.message.text.startswith("📌 Ngày mai là hạn việc của bạn:")
    async with db.transaction() as session:
        due = await due_reminders(session, settings, datetime(2026, 2, 2, 8, 0, tzinfo=TZ))
    assert any(d.dedupe_key.endswith(":overdue:test:lan") for d in due)

    # Quarter I ended with a meeting in Tổ 1, none in Tổ 3: only Tổ 3's leader is reminded.
    async with db.transaction() as session:
        due = await due_reminders(session, settings, datetime(2026, 4, 2, 8, 0, tzinfo=TZ))
    overdue = [d for d in due if d.dedupe_key.startswith("meetoverdue:")]
    assert [d.chat_id for d in overdue] == ["leader3"]
    assert "⏰ Tổ 3, Ấp Mỹ Phú chưa có biên bản họp Quý I/2026." in overdue[0].message.text
    async with db.transaction() as session:
        assert await due_reminders(session, settings, datetime(2026, 4, 2, 22, 0, tzinfo=TZ)) == []
        later = await due_reminders(session, settings, datetime(2026, 4, 20, 8, 0, tzinfo=TZ))
    assert not [d for d in later if d.dedupe_key.startswith("meetoverdue:")]


async def test_an_old_invitation_button_still_means_its_meeting(
    db: Database, org: Org, leader: Chat, lan: Chat, clock: Clock
) -> None:
    await schedule_proposed(leader)
    lan.receives(await notices_to(db, "lan"))
    await lan.says("menu")
    clock.now += timedelta(days=7)  # the meeting is over: the button is refused politely
    await lan.picks("Tham dự")
    lan.sees("Buổi họp này không còn nhận trả lời nữa.")
