"""Issue #13 in the pledge flows: a pledge being read for signing is not lost. Leaving by a word
("hủy", "menu") asks first; a command typed mid-way, or an idle timeout, keeps it without asking;
opening the pledge again offers to go on where it stopped. Typed as residents type on Zalo:
numbers for the numbered choices, words without diacritics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.pledges.texts import TextFile, store_text
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import Conversation, ConversationDraft, PledgeChannel
from tests.conversation import Chat
from tests.org_fixtures import THANH_MY, Org
from tests.test_pledges import FEBRUARY, Clock, pledge_commune, pledges

ASKED = "Bạn đang viết dở cam kết hộ an toàn. Bạn muốn làm gì?\n\n1. Viết tiếp\n2. Bỏ bản nháp"
CONFIRM_QUESTION = "Hộ của bạn có cam kết thực hiện đầy đủ các nội dung trên không?"


@pytest.fixture
async def org(db: Database) -> Org:
    return await pledge_commune(db)


@pytest.fixture
def clock() -> Clock:
    return Clock(FEBRUARY)


@pytest.fixture
def engine(db: Database, settings: Settings, clock: Clock) -> DialogEngine:
    return DialogEngine(db=db, flows=build_flows(), settings=settings, clock=clock)


async def drafts(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count(ConversationDraft.id))) or 0


async def flow_of(db: Database, user_id: str) -> str | None:
    async with db.transaction() as session:
        conversation = await session.scalar(
            select(Conversation).where(Conversation.user_id == user_id)
        )
        assert conversation is not None
        return conversation.flow


async def long_text(db: Database) -> None:
    """A commune text of several Zalo pages."""
    items = [f"Điều {n}: " + "giữ gìn an ninh trật tự ở khu dân cư, " * 8 for n in range(1, 21)]
    async with db.transaction() as session:
        await store_text(session, THANH_MY, 2026, TextFile("replace", items, None), FEBRUARY)


@pytest.mark.parametrize("word", ["huy", "hủy", "menu"])
async def test_leaving_the_pledge_by_a_word_asks_first_and_going_on_signs_it(
    db: Database, org: Org, engine: DialogEngine, word: str
) -> None:
    head = Chat(engine, user_id="head15")
    await head.says("/camket")
    head.sees(CONFIRM_QUESTION)
    await head.says(word)
    head.sees(ASKED)
    await head.says("1")  # go on
    head.sees(CONFIRM_QUESTION)
    await head.says("1")  # "Có, hộ tôi cam kết thực hiện đầy đủ"
    head.sees("Cam kết an toàn năm 2026 của hộ đã được ghi nhận, ngày 10/02/2026.")
    assert len(await pledges(db)) == 1
    assert await drafts(db) == 0


async def test_a_kept_pledge_resumes_at_the_page_where_it_stopped(
    db: Database, org: Org, engine: DialogEngine, clock: Clock
) -> None:
    await long_text(db)
    head = Chat(engine, user_id="head15")
    await head.says("cam ket")
    await head.says("1")  # "Trang tiếp"
    head.sees("(trang 2/")
    await head.says("menu")
    head.sees(ASKED)
    await head.says("3")  # keep it for later
    head.sees("Bản nháp cam kết hộ an toàn đang viết dở của bạn được giữ đến 09:00 12/02/2026.")
    head.sees("Chọn lại “Cam kết hộ an toàn” để viết tiếp.")
    assert await flow_of(db, "head15") is None and await drafts(db) == 1

    clock.at += timedelta(hours=24)  # the next day
    await head.says("cam ket")
    head.sees("Bạn có bản nháp cam kết hộ an toàn viết dở từ 09:00 10/02/2026.")
    await head.says("1")  # "Viết tiếp bản nháp"
    head.sees("Bạn đã dừng ở câu hỏi này.")
    head.sees("(trang 2/")
    while "Trang tiếp" in head.choices():
        await head.says("1")
    head.sees(CONFIRM_QUESTION)
    await head.says("1")
    head.sees("Cam kết an toàn năm 2026 của hộ đã được ghi nhận, ngày 11/02/2026.")
    assert await drafts(db) == 0


async def test_discarding_the_pledge_draft_starts_afresh(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    head = Chat(engine, user_id="head15")
    await head.says("/camket")
    await head.says("huy")
    await head.says("2")  # discard
    head.sees("Đã bỏ bản nháp.")
    await head.says("/camket")
    head.does_not_see("bản nháp")
    head.sees(CONFIRM_QUESTION)
    assert await drafts(db) == 0 and await pledges(db) == []


async def test_nothing_read_for_signing_yet_leaves_without_a_question(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    member = Chat(engine, user_id="member15")  # may not sign: only told who can
    await member.says("/camket")
    member.sees("Chủ hộ Trần Thị Lan có thể ký tại đây")
    leader = Chat(engine, user_id="leader1")
    await leader.says("/kythay")
    await leader.says("huy")  # a household not chosen yet: nothing to keep
    leader.sees("Đã hủy.")
    assert await drafts(db) == 0


async def test_a_command_typed_while_signing_for_a_household_runs_and_the_pledge_waits(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    leader = Chat(engine, user_id="leader1")
    await leader.says("/kythay")
    await leader.says("21 cay duong")  # the household typed, as on Zalo
    leader.sees("Hộ ở 21 đường Cây Dương đã xác nhận các nội dung cam kết với bạn bằng cách nào?")
    await leader.says("2")  # "Qua điện thoại"
    leader.sees("Lê Văn Tư đã xác nhận với bạn (qua điện thoại)")
    await leader.says("/baocao camket")
    leader.sees("Bản nháp cam kết ký thay cho hộ đang viết dở của bạn được giữ đến")
    leader.sees("0/3 hộ đang cư trú đã ký")  # the command ran
    assert await flow_of(db, "leader1") == "pledge_coverage"

    await leader.says("huy")  # the report holds nothing typed: it just ends
    await leader.says("/kythay")
    leader.sees("Bạn có bản nháp cam kết ký thay cho hộ viết dở từ 09:00 10/02/2026.")
    await leader.says("1")
    leader.sees("Lê Văn Tư đã xác nhận với bạn (qua điện thoại)")
    await leader.says("1")  # "Rồi, ghi nhận cam kết"
    leader.sees("Đã ghi nhận cam kết an toàn năm 2026 của hộ 21 đường Cây Dương")
    [pledge] = await pledges(db)
    assert pledge.assisted and pledge.assisted_how == PledgeChannel.PHONE
    assert pledge.household_id == org.households["21 đường Cây Dương"]


async def test_an_idle_pledge_is_kept_and_starting_again_drops_it(
    db: Database, org: Org, engine: DialogEngine, clock: Clock
) -> None:
    leader = Chat(engine, user_id="leader1")
    await leader.says("/kythay")
    await leader.says("21 cay duong")
    await leader.says("1")  # "Gặp trực tiếp"
    clock.at += timedelta(minutes=31)
    await leader.says("1")
    leader.sees("kết thúc sau 30 phút")
    leader.sees("Bản nháp cam kết ký thay cho hộ đang viết dở của bạn được giữ đến")
    assert await pledges(db) == []  # the late "1" recorded nothing

    await leader.says("/kythay")
    await leader.says("2")  # "Viết lại từ đầu"
    leader.sees("Bạn ký thay cho hộ nào?")
    assert await drafts(db) == 0


async def test_a_resumed_draft_is_checked_again_when_the_household_pledged_since(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    head = Chat(engine, user_id="head15")
    await head.says("/camket")
    await head.says("menu")
    await head.says("3")  # keep it
    leader = Chat(engine, user_id="leader1")  # meanwhile the leader signs for the household
    await leader.says("/kythay")
    await leader.says("15 cay duong")
    await leader.says("1")  # "Gặp trực tiếp"
    await leader.says("1")  # "Rồi, ghi nhận cam kết"
    leader.sees("Đã ghi nhận cam kết an toàn năm 2026 của hộ 15 đường Cây Dương")

    await head.says("/camket")
    await head.says("1")  # go on with the draft
    head.sees(CONFIRM_QUESTION)
    await head.says("1")  # confirming checks again: the household has its pledge already
    head.sees("Hộ của bạn đã ký cam kết rồi.")
    head.sees("Tổ trưởng Nguyễn Văn Hùng ký thay cho hộ (trực tiếp).")
    [pledge] = await pledges(db)
    assert pledge.assisted and await drafts(db) == 0
