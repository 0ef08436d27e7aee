"""My data: see, export, correct, withdraw consent, delete; and nothing about anyone else."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import (
    AuditEntry,
    ChannelAccount,
    ConsentDecision,
    ConsentRecord,
    Household,
    Membership,
    MembershipStatus,
    Person,
    RoleAssignment,
)
from tests.conversation import Chat
from tests.org_fixtures import Org, invite_for, notices_to, small_commune


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


async def joined(engine: DialogEngine, db: Database, org: Org, user_id: str, name: str) -> Chat:
    """A resident of Tổ 1 who joined with a phone number and was confirmed by the leader."""
    invite = await invite_for(db, org)
    chat = Chat(engine, user_id=user_id, name=name)
    await chat.says(f"/start {invite.code}")
    await chat.picks("Đồng ý")
    await chat.picks(name)
    await chat.says("0912 345 678")
    await chat.says("15 cay duong")
    leader = Chat(engine, user_id="leader1")
    leader.receives((await notices_to(db, "leader1"))[-1:])
    await leader.picks("Xác nhận")
    return chat


async def test_my_data_shows_what_is_stored(engine: DialogEngine, db: Database, org: Org) -> None:
    chat = await joined(engine, db, org, "5001", "Trần Thị Lan")
    await chat.says("/dulieu")
    chat.sees("Bình Yên đang lưu về bạn:")
    chat.sees("• Họ tên: Trần Thị Lan")
    chat.sees("• Điện thoại: 0912345678")
    chat.sees("• Hộ: 15 đường Cây Dương")
    chat.sees("• Tổ: Tổ 1, Ấp Mỹ Thạnh (thành viên)")


async def test_the_export_has_everything_about_me_and_nothing_about_others(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = await joined(engine, db, org, "5001", "Phạm Thị Thu")
    await joined(engine, db, org, "5002", "Đinh Văn Mười")  # a neighbour in the same group
    await chat.says("du lieu")
    await chat.picks("Gửi cho tôi toàn bộ dữ liệu dạng tệp")
    document = chat.received[-2]  # the file, then the menu
    assert document.file_name and document.file_name.endswith(".json")
    data = json.loads(document.file_content or "")
    assert data["person"]["full_name"] == "Phạm Thị Thu"
    assert data["person"]["phone"] == "0912345678"
    assert data["household"]["address"] == "15 đường Cây Dương"
    assert data["household"]["head"] is None  # the head, Trần Thị Lan, is someone else
    assert data["memberships"][0]["status"] == "confirmed"
    assert {r["role"] for r in data["roles"]} == {"resident"}
    assert data["consents"][0]["decision"] == "given"
    assert data["messenger_accounts"] == [
        {
            "channel": "test",
            "user_id": "5001",
            "language": "vi",
            "since": data["messenger_accounts"][0]["since"],
        }
    ]
    text = document.file_content or ""
    # The neighbour's id as a JSON value: bare digits can occur inside a timestamp's microseconds.
    for someone_else in ("Đinh Văn Mười", '"5002"', "Trần Thị Lan", "Nguyễn Văn Hùng"):
        assert someone_else not in text
    async with db.transaction() as session:
        assert (
            await session.scalar(select(func.count()).where(AuditEntry.action == "person.export"))
            == 1
        )


async def test_correcting_name_and_phone(engine: DialogEngine, db: Database, org: Org) -> None:
    chat = await joined(engine, db, org, "5001", "Phạm Thi Thu")
    await chat.says("/dulieu")
    await chat.picks("Sửa họ tên")
    await chat.says("Phạm Thị Thu")
    chat.sees("Họ tên của bạn giờ là: Phạm Thị Thu")
    await chat.says("/dulieu")
    await chat.picks("Sửa số điện thoại")
    await chat.says("12345")
    chat.sees("không phải số điện thoại Việt Nam")
    await chat.shares_contact("84987654321")
    chat.sees("Số điện thoại của bạn giờ là: 0987654321")


@pytest.mark.parametrize("how", ["Rút lại sự đồng ý", "Xóa tài khoản của tôi"])
async def test_withdrawing_or_deleting_erases_personal_data(
    engine: DialogEngine, db: Database, org: Org, how: str
) -> None:
    chat = await joined(engine, db, org, "5001", "Phạm Thị Thu")
    await chat.says("/dulieu")
    await chat.picks(how)
    await chat.picks("Không, giữ lại")
    chat.sees("Không có gì thay đổi.")
    await chat.says("/dulieu")
    await chat.picks(how)
    await chat.picks("Có, xóa")
    chat.sees("dữ liệu cá nhân của bạn đã được xóa")
    chat.sees("vẫn được công an xã lưu giữ nhưng không kèm tên")
    assert "Dữ liệu của tôi" not in chat.choices()
    async with db.transaction() as session:
        assert (
            await session.scalar(select(Person).where(Person.full_name == "Phạm Thị Thu")) is None
        )
        erased = await session.scalar(select(Person).where(Person.erased_at.is_not(None)))
        assert erased is not None and erased.phone_encrypted is None
        assert (
            await session.scalar(select(func.count()).where(RoleAssignment.person_id == erased.id))
            == 0
        )
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.external_user_id == "5001")
        )
        assert account is not None and account.person_id is None
        withdrawals = await session.scalar(
            select(func.count()).where(ConsentRecord.decision == ConsentDecision.WITHDRAWN)
        )
        assert withdrawals == (1 if how == "Rút lại sự đồng ý" else 0)
        # The household on the commune's list stays: it is the commune's, not hers.
        assert (
            await session.scalar(select(Household).where(Household.address == "15 đường Cây Dương"))
            is not None
        )
    await chat.says("/dulieu")  # nothing left to show, and the command is no longer offered
    chat.does_not_see("Họ tên")


async def test_erasing_with_a_pending_request_withdraws_it(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    invite = await invite_for(db, org)
    chat = Chat(engine, user_id="5001", name="Phạm Thị Thu")
    await chat.says(f"/start {invite.code}")
    await chat.picks("Đồng ý")
    await chat.picks("Phạm Thị Thu")
    await chat.picks("Bỏ qua")
    await chat.picks("Hộ của tôi không có trong danh sách")
    await chat.says("3 hẻm Mới")
    leader = Chat(engine, user_id="leader1")
    leader.receives(await notices_to(db, "leader1"))
    leader.sees("Phạm Thị Thu")
    await chat.says("/dulieu")
    await chat.picks("Xóa tài khoản của tôi")
    await chat.picks("Có, xóa")
    async with db.transaction() as session:
        membership = await session.scalar(select(Membership))
        assert membership is not None and membership.status == MembershipStatus.REJECTED
        assert (
            await session.scalar(select(Household).where(Household.address == "3 hẻm Mới")) is None
        )
    # The notice naming her, not sent yet, is withdrawn; a copy the leader got still answers.
    assert all("Phạm Thị Thu" not in m.text for m in await notices_to(db, "leader1"))
    await leader.picks("Xác nhận")
    leader.sees("Yêu cầu này đã được xử lý rồi.")


async def test_export_and_erasure_cover_pledges_meetings_and_reminders(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    from datetime import UTC, date, datetime

    from storage.models.calendar import ReminderOptOut
    from storage.models.meetings import Meeting, MeetingRsvp, MeetingTask
    from storage.models.pledges import Pledge, PledgeText

    chat = await joined(engine, db, org, "5001", "Trần Thị Lan")
    async with db.transaction() as session:
        person = await session.scalar(select(Person).where(Person.full_name == "Trần Thị Lan"))
        assert person is not None
        text = PledgeText(commune_code=org.commune, year=2026, version=99, items={"vi": ["…"]})
        meeting = Meeting(
            group_id=org.groups["Tổ 1"],
            year=2026,
            quarter=4,
            scheduled_at=datetime(2026, 12, 6, 12, 30, tzinfo=UTC),
        )
        session.add_all([text, meeting, ReminderOptOut(person_id=person.id)])
        await session.flush()
        household = org.households["15 đường Cây Dương"]
        session.add_all(
            [
                Pledge(
                    household_id=household,
                    year=2026,
                    text_id=text.id,
                    confirmed_by=person.id,
                    channel="test",
                ),
                MeetingRsvp(
                    meeting_id=meeting.id,
                    person_id=person.id,
                    answer="absent",
                    reason="Đi làm ca đêm",
                ),
                MeetingTask(
                    meeting_id=meeting.id,
                    group_id=org.groups["Tổ 1"],
                    text="Kiểm tra đèn đường hẻm 3",
                    owner_person_id=person.id,
                    owner_name=person.full_name,
                    due_date=date(2026, 12, 20),
                ),
            ]
        )
    await chat.says("/dulieu")
    await chat.picks("Gửi cho tôi toàn bộ dữ liệu dạng tệp")
    data = json.loads(chat.received[-2].file_content or "")
    assert [p["year"] for p in data["pledges_confirmed"]] == [2026]
    assert data["meeting_answers"][0]["reason"] == "Đi làm ca đêm"
    assert data["tasks"][0]["text"] == "Kiểm tra đèn đường hẻm 3"
    assert data["campaign_reminders_off"] is True

    await chat.says("/dulieu")
    await chat.picks("Xóa tài khoản của tôi")
    await chat.picks("Có, xóa")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(MeetingRsvp)) == 0
        assert await session.scalar(select(func.count()).select_from(ReminderOptOut)) == 0
        task = await session.scalar(select(MeetingTask))
        assert task is not None and task.owner_person_id is None and task.owner_name == "—"
        # The household's pledge stays: it is the household's, not hers.
        assert await session.scalar(select(func.count()).select_from(Pledge)) == 1
