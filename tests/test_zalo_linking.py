"""One person on two messengers: /lienket codes, what may and may not be linked, the audit, and
a tip's news following the reporter to the messenger they wrote from last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.dialog.flows import MenuEntry
from bot.tips.own_tips import own_tip_ids
from bot.tips.vault import cipher_of, route_to_reporter
from handlers import build_flows
from storage.db import Database
from storage.models import AccountLinkCode, AuditEntry, ChannelAccount
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to, small_commune
from tests.tip_fixtures import DRAFTS, FileTip, draft, tip_by_code


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: float = 1) -> None:
        self.now += timedelta(minutes=minutes)


async def account_of(session: AsyncSession, channel: str, user_id: str) -> ChannelAccount:
    account = await session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.channel == channel, ChannelAccount.external_user_id == user_id
        )
    )
    assert account is not None
    return account


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(db: Database, settings: Settings, clock: Clock) -> DialogEngine:
    registry = build_flows()
    registry.add(FileTip(), MenuEntry(key="t", label="t", flow=FileTip.name, commands=("testtip",)))
    return DialogEngine(db=db, flows=registry, settings=settings, clock=clock)


@pytest.fixture
async def org(db: Database) -> Org:
    """leader1 is a member on the test channel; here she is on Zalo."""
    org = await small_commune(db)
    async with db.transaction() as session:
        session.add(
            ChannelAccount(
                channel="zalo",
                external_user_id="z-hung",
                chat_id="z-hung",
                person_id=org.people["leader1"],
            )
        )
    return org


def zalo(engine: DialogEngine, user: str = "z-hung") -> Chat:
    return Chat(engine, user_id=user, channel="zalo")


def telegram(engine: DialogEngine, user: str = "4004") -> Chat:
    return Chat(engine, user_id=user, channel="telegram")


def filed(chat: Chat) -> str:
    return next(m.text for m in chat.received if m.text.startswith("code=")).removeprefix("code=")


def link_code(chat: Chat) -> str:
    text = chat.last_text()
    assert "/lienket " in text, text
    return text.split("/lienket ")[1].split()[0]


async def test_a_member_links_a_new_telegram_account_and_says_yes_on_the_old_one(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    member = zalo(engine)
    await member.says("/lienket")
    member.sees("Mã liên kết của bạn:")
    code = link_code(member)
    new = telegram(engine)
    await new.says(f"/lienket {code.lower()}")
    new.sees("hãy đồng ý trên tài khoản Zalo")
    async with db.transaction() as session:
        assert (
            await session.scalar(
                select(ChannelAccount.person_id).where(ChannelAccount.channel == "telegram")
            )
        ) is None  # nothing yet: only the owner's yes links
    member.receives(await notices_to(db, "z-hung"))
    member.sees("Liên kết tài khoản Telegram “Nguyễn Thị Bình” với tài khoản này?")
    assert member.choices() == ["Đồng ý", "Không"]
    await member.says("1")
    member.sees("tài khoản này đã được liên kết với tài khoản Telegram của bạn")
    told = (await notices_to(db, "4004"))[-1]
    assert "Tài khoản Zalo của bạn đã đồng ý" in told.text
    await new.says("menu")
    new.sees("Thành viên trong tổ")  # the leader's menu, on Telegram too
    await new.says(f"/lienket {code}")
    new.sees("Mã này không hợp lệ, đã được dùng hoặc đã hết hạn.")
    async with db.transaction() as session:
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.channel == "telegram")
        )
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "account.link"))
    assert account is not None and account.person_id == org.people["leader1"]
    assert entry is not None and entry.subject_id == str(org.people["leader1"])
    assert entry.detail == f"telegram:{account.id}"  # ids only


async def test_the_owner_says_no_and_nothing_is_linked(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    member = zalo(engine)
    await member.says("/lienket")
    new = telegram(engine)
    await new.says(f"/lienket {link_code(member)}")
    member.receives(await notices_to(db, "z-hung"))
    await member.picks("Không")
    member.sees("Không liên kết gì cả.")
    assert "không đồng ý" in (await notices_to(db, "4004"))[-1].text
    async with db.transaction() as session:
        people = {a.channel: a.person_id for a in await session.scalars(select(ChannelAccount))}
        refused = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "account.link_refused")
        )
    assert people["telegram"] is None and refused is not None


async def test_what_cannot_be_linked(
    db: Database, engine: DialogEngine, org: Org, clock: Clock
) -> None:
    member = zalo(engine)
    await member.says("/lienket")
    await member.says(f"/lienket {link_code(member)}")
    member.sees("Bạn hãy gõ mã này trên ứng dụng nhắn tin còn lại")

    other_member = Chat(engine, user_id="leader3")  # another person, on the test channel
    await member.says("/lienket")
    await other_member.says(f"/lienket {link_code(member)}")
    other_member.sees("Tài khoản này đã thuộc về một thành viên")

    nobody = telegram(engine, "5005")
    await nobody.says("/lienket")
    nobody.sees("Tài khoản này chưa tham gia")
    nobody.does_not_see("Mã liên kết")

    await member.says("/lienket")
    code = link_code(member)
    clock.tick(16)
    await nobody.says(f"/lienket {code}")
    nobody.sees("đã hết hạn")

    group = Chat(engine, user_id="z-hung", channel="zalo", chat_id="g1")
    from bot.messages import EventKind

    await group.send(kind=EventKind.COMMAND, command="lienket", args="", is_group=True)
    group.sees("chỉ làm trong tin nhắn riêng")
    async with db.transaction() as session:
        people = {a.channel: a.person_id for a in await session.scalars(select(ChannelAccount))}
        codes = list(await session.scalars(select(AccountLinkCode)))
    assert people["telegram"] is None
    assert len(codes) == 3


async def test_news_of_a_tip_go_where_the_reporter_wrote_last(
    db: Database, engine: DialogEngine, settings: Settings, org: Org, clock: Clock
) -> None:
    DRAFTS["z-hung"] = draft(org.commune, anonymous=True)
    member = zalo(engine)
    await member.says("/testtip")
    code = filed(member)
    tip = await tip_by_code(db, code)
    cipher = cipher_of(settings)

    async def route() -> tuple[str, str]:
        async with db.transaction() as session:
            found = await route_to_reporter(session, cipher, tip)
        assert found is not None
        return found.channel, found.chat_id

    assert await route() == ("zalo", "z-hung")
    other = telegram(engine)
    await member.says("/lienket")
    clock.tick()
    await other.says(f"/lienket {link_code(member)}")
    member.receives(await notices_to(db, "z-hung"))
    await member.picks("Đồng ý")
    clock.tick()
    await other.says("menu")
    assert await route() == ("telegram", "4004")
    clock.tick()
    await member.says("menu")
    assert await route() == ("zalo", "z-hung")

    async with db.transaction() as session:
        account = await account_of(session, "telegram", "4004")
        mine = await own_tip_ids(session, cipher, account=account)
    assert tip.id in mine  # her tip is hers from Telegram too


async def test_an_anonymous_reporter_who_never_joined_is_reached_only_where_they_reported(
    db: Database, engine: DialogEngine, settings: Settings, org: Org
) -> None:
    DRAFTS["z-stranger"] = draft(org.commune, anonymous=True)
    stranger = zalo(engine, "z-stranger")
    await stranger.says("/testtip")
    code = filed(stranger)
    tip = await tip_by_code(db, code)
    async with db.transaction() as session:
        found = await route_to_reporter(session, cipher_of(settings), tip)
        account = await account_of(session, "zalo", "z-stranger")
        mine = await own_tip_ids(session, cipher_of(settings), account=account)
    assert found is not None and (found.channel, found.user_id) == ("zalo", "z-stranger")
    assert mine == {tip.id}


async def test_erasing_from_one_messenger_forgets_the_tips_of_every_linked_account(
    db: Database, engine: DialogEngine, settings: Settings, org: Org
) -> None:
    DRAFTS["z-hung"] = draft(org.commune, anonymous=True)
    member = zalo(engine)
    await member.says("/testtip")
    tip = await tip_by_code(db, filed(member))
    same_person = Chat(engine, user_id="leader1")  # her account on the test channel
    await same_person.says("/tincuatoi")
    same_person.sees(tip.code)  # hers from either messenger
    await same_person.picks("Hủy")
    await same_person.says("/dulieu")
    await same_person.picks("Xóa tài khoản của tôi")
    await same_person.picks("Có, xóa")
    await member.says("/tincuatoi")
    member.sees("Bạn chưa gửi tin báo nào từ tài khoản này.")
    async with db.transaction() as session:
        assert await route_to_reporter(session, cipher_of(settings), tip) is None
        for account in await session.scalars(select(ChannelAccount)):
            assert account.own_tips_encrypted is None
