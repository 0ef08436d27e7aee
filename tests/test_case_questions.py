"""Issue #13: the questions a case needs. A reporter who sends their name but has no phone with
us is asked for one (optional, with the reason), and police then see it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import Person
from tests.conversation import Chat
from tests.org_fixtures import Org, small_commune
from tests.test_typed_numbers import add_member


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    await add_member(db, org, "tu", "Lê Văn Tư", "21 đường Cây Dương")  # no phone with us
    return org


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return DialogEngine(db=db, flows=build_flows(), settings=settings)


async def to_anonymity(chat: Chat) -> None:
    await chat.says("bao tin")
    await chat.picks("Trộm cắp")
    await chat.says("Mất xe đạp trước nhà.")
    await chat.says("xong")
    await chat.says("hom qua")
    await chat.picks("Không có nơi cụ thể / không rõ")


async def test_a_named_tip_without_a_phone_asks_for_one(
    db: Database, engine: DialogEngine, org: Org, settings: Settings
) -> None:
    chat = Chat(engine, user_id="tu")
    await to_anonymity(chat)
    await chat.picks("Gửi kèm tên và số điện thoại cho công an xã")
    chat.sees("Công an xã có thể cần gọi lại cho bạn về tin này")
    chat.sees("Việc này không bắt buộc")
    await chat.says("12345")
    chat.sees("không phải số điện thoại Việt Nam")
    await chat.says("0912 345 678")
    await chat.picks("Có, báo cho tôi")
    chat.sees("• Cách gửi: kèm tên và số điện thoại, chỉ công an xã xem được")
    await chat.picks("Gửi")
    chat.sees("Tin báo của bạn đã được gửi.")
    async with db.transaction() as session:
        person = await session.scalar(select(Person).where(Person.full_name == "Lê Văn Tư"))
    assert person is not None and person.phone_encrypted is not None
    cipher = FieldCipher(settings.secret_key_bytes())
    assert cipher.decrypt(person.phone_encrypted, PERSON_PHONE) == "0912345678"


async def test_the_phone_can_be_skipped_and_the_summary_says_so(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    chat = Chat(engine, user_id="tu")
    await to_anonymity(chat)
    await chat.picks("Gửi kèm tên và số điện thoại cho công an xã")
    await chat.says("bo qua")
    await chat.picks("Không, cảm ơn")
    chat.sees("• Cách gửi: kèm tên, chỉ công an xã xem được; không có số điện thoại")
