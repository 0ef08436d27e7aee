"""A stranger with a phone tries every path that could give them a role or someone else's
account, end to end over the fake Telegram and Zalo servers: no code, the public resident code,
the name of an imported leader, officer or admin (with and without diacritics), linking in both
directions, replayed, expired and foreign codes. They never get a role nor see a tip.

Each of these worked, or had no guard, before issue #12."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.config import Settings
from bot.people.invites import create_invite
from storage.base import utcnow
from storage.db import Database
from storage.models import Group, Invite, Role, ScopeKind
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.security.harness import (
    BAO,
    HUNG,
    MAI,
    THANH_MY,
    TelegramUser,
    accounts_of_listed,
    load_commune,
    roles_of,
)
from tests.telegram_harness import bot_running, telegram_settings
from tests.test_zalo_e2e import file_anonymous_tip
from tests.zalo_harness import ZaloUser, joined, last, number_of, zalo_webhook_settings

NOT_UNDERSTOOD = "Xin lỗi, tôi chưa hiểu."


@pytest.fixture
async def zalo_api() -> FakeZaloAPI:
    async with FakeZaloAPI() as fake:
        yield fake


@pytest.fixture
async def telegram_api() -> FakeTelegramAPI:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
def both(settings: Settings, zalo_api: FakeZaloAPI, telegram_api: FakeTelegramAPI) -> Settings:
    return zalo_webhook_settings(telegram_settings(settings, telegram_api), zalo_api)


@pytest.fixture
async def codes(db: Database, settings: Settings, tmp_path: Path) -> dict[str, str]:
    return await load_commune(db, settings, tmp_path)


async def a_tip_exists(zalo_api: FakeZaloAPI, both: Settings) -> str:
    reporter = ZaloUser(zalo_api, both, "z-reporter", name="Người dân")
    return await file_anonymous_tip(zalo_api, reporter, zalo_api.image_url(b"\xff\xd8 photo"))


async def powerless_on_zalo(db: Database, user: ZaloUser, tip: str) -> None:
    """No role in the database, no police list, no tip."""
    assert await roles_of(db, "zalo", user.user_id) <= {Role.RESIDENT}
    for command in ("/tips", f"/tip {tip}", "/bantruc", "/moicanbo", "/audit"):
        answer = joined(await user.says(command))
        assert tip not in answer and "Tin báo đang xử lý" not in answer, answer
    assert not any(tip in text for text in user.api.texts(user.user_id))


async def join_without_code_on_zalo(user: ZaloUser, typed_name: str) -> None:
    asked = last(await user.says("/join"))
    consent = last(await user.says(number_of(asked, "Tôi không có mã")))
    assert "Bạn có đồng ý không?" in consent
    await user.says(number_of(consent, "Đồng ý"))
    await user.says(typed_name)
    await user.says("bo qua")
    found = joined(await user.says("thanh my"))
    if "Bạn muốn nói xã/phường nào?" in found:
        found = joined(await user.says(number_of(found, "Xã Thanh Mỹ,")))
    assert "người dân của Xã Thanh Mỹ" in found, found


@pytest.mark.parametrize("typed_name", [BAO, "lam quoc bao", MAI, "vo thi mai", HUNG])
async def test_a_listed_name_typed_without_a_code_gives_no_role_on_zalo(
    zalo_api: FakeZaloAPI, both: Settings, db: Database, codes: dict[str, str], typed_name: str
) -> None:
    async with bot_running(both):
        tip = await a_tip_exists(zalo_api, both)
        stranger = ZaloUser(zalo_api, both, "z-stranger", name=typed_name)
        await join_without_code_on_zalo(stranger, typed_name)
        await powerless_on_zalo(db, stranger, tip)
    for name in (HUNG, BAO, MAI):
        assert await accounts_of_listed(db, name) == set()  # nobody took a listed person


@pytest.mark.parametrize("typed_name", [BAO, "nguyen van hung"])
async def test_a_listed_name_typed_without_a_code_gives_no_role_on_telegram(
    telegram_api: FakeTelegramAPI,
    zalo_api: FakeZaloAPI,
    both: Settings,
    db: Database,
    codes: dict[str, str],
    typed_name: str,
) -> None:
    async with bot_running(both):
        tip = await a_tip_exists(zalo_api, both)
        stranger = TelegramUser(telegram_api, 6001, name=typed_name)
        await stranger.says("/join", until="mã")
        await stranger.says("toi khong co ma", until="Bạn có đồng ý không?")
        await stranger.says("dong y", until="Họ tên đầy đủ")
        await stranger.says(typed_name, until="Số điện thoại")
        await stranger.says("bo qua", until="xã hoặc phường")
        await stranger.says("Thanh Mỹ", until="người dân của Xã Thanh Mỹ")
        await stranger.sees("Bạn cần làm gì?")  # the menu after it
        answer = await stranger.says("/tips", until="Bạn cần làm gì?")
        assert NOT_UNDERSTOOD in answer[0] and tip not in "".join(answer)
    assert await roles_of(db, "telegram", "6001") == set()
    assert await accounts_of_listed(db, HUNG) == set() == await accounts_of_listed(db, BAO)


async def test_the_public_resident_code_and_a_leaders_name_give_no_role(
    zalo_api: FakeZaloAPI, both: Settings, db: Database, codes: dict[str, str]
) -> None:
    """The poster on the village board, and the leader's own name and household: a request the
    leader would have to confirm, never the leader's account."""
    async with db.transaction() as session:
        group = await session.scalar(select(Group.id).where(Group.name == "Tổ 1"))
        poster = await create_invite(
            session,
            commune_code=THANH_MY,
            role=Role.RESIDENT,
            scope_kind=ScopeKind.GROUP,
            scope_id=str(group),
            now=utcnow(),
        )
    async with bot_running(both):
        tip = await a_tip_exists(zalo_api, both)
        stranger = ZaloUser(zalo_api, both, "z-poster", name="Hùng")
        consent = last(await stranger.says(f"/join {poster.code}"))
        await stranger.says(number_of(consent, "Đồng ý"))
        await stranger.says("nguyen van hung")
        await stranger.says("bo qua")
        sent = joined(await stranger.says("12 cay duong"))  # the leader's own household
        assert "đã được gửi tới tổ trưởng" in sent
        await powerless_on_zalo(db, stranger, tip)
    assert await roles_of(db, "zalo", "z-poster") == set()
    assert await accounts_of_listed(db, HUNG) == set()


async def claim_on_zalo(api: FakeZaloAPI, both: Settings, user_id: str, code: str) -> ZaloUser:
    """The listed person themself, with the code the commune handed them."""
    owner = ZaloUser(api, both, user_id, name="Bảo")
    consent = last(await owner.says(f"/join {code}"))
    assert "Trước khi bắt đầu nhiệm vụ" in consent
    welcome = joined(await owner.says(number_of(consent, "Đồng ý")))
    assert "Bạn đã được ghi nhận là cán bộ công an xã" in welcome, welcome
    return owner


async def test_linking_in_reverse_gives_the_stranger_nothing(
    telegram_api: FakeTelegramAPI,
    zalo_api: FakeZaloAPI,
    both: Settings,
    db: Database,
    codes: dict[str, str],
) -> None:
    """The stranger asks for a linking code and talks the officer into typing it: there is no
    such code to type, because only an account that already is someone gets one."""
    async with bot_running(both):
        tip = await a_tip_exists(zalo_api, both)
        officer = await claim_on_zalo(zalo_api, both, "z-bao", codes[BAO])
        stranger = TelegramUser(telegram_api, 6002)
        (answer,) = await stranger.says("/lienket", until="")
        for word in answer.replace("\n", " ").split():
            if len(word) == 8 and word.isupper() and word.isalnum():  # a code, were one given
                await officer.says(f"/lienket {word}")
        assert "chưa tham gia nên không có gì để liên kết" in answer
        tips = await stranger.says("/tips", until="Bạn cần làm gì?")
        assert NOT_UNDERSTOOD in tips[0] and tip not in "".join(tips)
    assert await roles_of(db, "telegram", "6002") == set()
    assert await accounts_of_listed(db, BAO) == {("zalo", "z-bao")}


async def test_an_officers_linking_code_needs_the_officers_yes_and_works_once(
    telegram_api: FakeTelegramAPI,
    zalo_api: FakeZaloAPI,
    both: Settings,
    db: Database,
    codes: dict[str, str],
) -> None:
    """The officer's own code, given away by mistake: the stranger who types it only makes the
    officer's account ask; "Không" ends it, and the code is dead for everyone after."""
    async with bot_running(both):
        officer = await claim_on_zalo(zalo_api, both, "z-bao", codes[BAO])
        code = last(await officer.says("/lienket")).split("/lienket ")[1].split()[0]
        stranger = TelegramUser(telegram_api, 6003, name="Người lạ")
        await stranger.says(f"/lienket {code}", until="hãy đồng ý trên tài khoản Zalo")
        assert await roles_of(db, "telegram", "6003") == set()  # nothing before the yes
        (question,) = await officer.receives(1)
        assert "Liên kết tài khoản Telegram “Người lạ” với tài khoản này?" in question
        assert "1. Đồng ý" in question and "2. Không" in question
        assert "Không liên kết gì cả." in joined(await officer.says("2"))
        await stranger.sees("không đồng ý")
        await stranger.says(f"/lienket {code}", until="không hợp lệ")  # replayed
        other = ZaloUser(zalo_api, both, "z-other")
        assert "chưa tham gia" in joined(await other.says("/lienket"))
        assert "không hợp lệ" in joined(await other.says(f"/lienket {code}"))
    assert await roles_of(db, "telegram", "6003") == set()
    assert await accounts_of_listed(db, BAO) == {("zalo", "z-bao")}


async def test_replayed_expired_and_foreign_personal_codes_do_nothing(
    zalo_api: FakeZaloAPI, both: Settings, db: Database, codes: dict[str, str]
) -> None:
    async with db.transaction() as session:  # Hùng's code, a week and a day later
        await session.execute(
            update(Invite).where(Invite.code == codes[HUNG]).values(expires_at=utcnow())
        )
    async with bot_running(both):
        tip = await a_tip_exists(zalo_api, both)
        await claim_on_zalo(zalo_api, both, "z-bao", codes[BAO])
        stranger = ZaloUser(zalo_api, both, "z-replay")
        assert "đã được sử dụng" in joined(await stranger.says(f"/join {codes[BAO]}"))
        assert "đã hết hạn" in joined(await stranger.says(f"/join {codes[HUNG]}"))
        await join_without_code_on_zalo(stranger, "Trần Văn Lạ")
        foreign = joined(await stranger.says(f"/join {codes[MAI]}"))  # someone else's code
        assert "được cấp cho người khác" in foreign
        await powerless_on_zalo(db, stranger, tip)
    assert await roles_of(db, "zalo", "z-replay") == set()
    assert await accounts_of_listed(db, MAI) == set() == await accounts_of_listed(db, HUNG)
