"""Commune police working a tip: the card, its buttons, the two-way relay, closing, feedback;
and the reporter's identity kept from everyone who should not see it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import (
    AuditEntry,
    ChannelAccount,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    TipEvent,
    TipEventKind,
    TipStatus,
)
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips, tip_by_code

REPORTER = "resident1"
NAME, PHONE = "Trần Thị Lan", "0912345678"


@pytest.fixture
async def org(db: Database, settings: Settings) -> Org:
    org = await small_commune(db)
    cipher = FieldCipher(settings.secret_key_bytes())
    async with db.transaction() as session:
        person = Person(
            full_name=NAME,
            commune_code=org.commune,
            consent_version=CONSENT_VERSION,
            phone_encrypted=cipher.encrypt(PHONE, PERSON_PHONE),
        )
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
                channel="test", external_user_id=REPORTER, chat_id=REPORTER, person_id=person.id
            )
        )
    return org


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def file_tip(engine: DialogEngine, org: Org, user: str = REPORTER, **values: object) -> str:
    DRAFTS[user] = draft(org.commune, **values)
    reporter = Chat(engine, user_id=user)
    await reporter.says("/testtip")
    filed = next(m.text for m in reporter.received if m.text.startswith("code="))
    return filed.removeprefix("code=")


async def card_for(db: Database, officer: Chat, chat_id: str = "police") -> None:
    officer.receives([m for m in await notices_to(db, chat_id) if m.choices][-1:])


async def test_police_get_a_card_without_the_reporters_identity(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org, anonymous=False)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    police.sees(f"Tin báo {code}")
    police.sees("Loại: Trộm cắp")
    police.sees("Trạng thái: mới, chưa tiếp nhận")
    police.sees("Nội dung: Hai người lạ bẻ khóa xe máy")
    police.sees("Người báo: đã để lại tên và số điện thoại")
    for secret in (NAME, PHONE, REPORTER):
        police.does_not_see(secret)
    assert await notices_to(db, "police_y") == []  # another commune's police get nothing


async def test_acknowledging_edits_the_card_and_tells_the_reporter(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Tiếp nhận")
    police.sees(f"{code}: đã tiếp nhận (Lâm Quốc Bảo).")
    edits = [m for m in await notices_to(db, "police") if m.edit_of is not None]
    assert edits and "Trạng thái: đã tiếp nhận" in edits[-1].text
    assert "Tiếp nhận" not in [c.label for c in edits[-1].choices]
    told = await notices_to(db, REPORTER)
    assert told[-1].text == f"Công an xã đã tiếp nhận tin báo {code} của bạn."
    tip = await tip_by_code(db, code)
    assert tip.status == TipStatus.ACKNOWLEDGED and tip.next_escalation_at is None
    await police.picks("Tiếp nhận")  # the old card's button, pressed again
    police.sees(f"{code} đã ở trạng thái: đã tiếp nhận.")


async def test_only_police_of_the_tips_commune_may_press(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    message, _button = police.button("Tiếp nhận")
    for intruder in ("police_y", "leader1", REPORTER):
        chat = Chat(engine, user_id=intruder)
        chat.receives([message])
        await chat.picks("Tiếp nhận")
        chat.sees("Mục này không dành cho bạn.")
    assert (await tip_by_code(db, code)).status == TipStatus.NEW


async def test_an_anonymous_reporter_answers_a_police_question(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org, user="stranger", anonymous=True, commune_code=org.commune)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    assert "Xem người báo" not in police.choices()
    await police.picks("Hỏi thêm người báo")
    police.sees(f"Bạn nhập câu hỏi cho người báo tin {code}:")
    await police.says("Xe máy màu gì, biển số bao nhiêu?")
    police.sees("Câu hỏi đã được gửi tới người báo")

    reporter = Chat(engine, user_id="stranger")
    reporter.receives((await notices_to(db, "stranger"))[-1:])
    reporter.sees(f"Công an xã hỏi về tin báo {code}: Xe máy màu gì, biển số bao nhiêu?")
    question = reporter.received[-1]
    await reporter.picks("Trả lời")
    await reporter.says("Xe Wave màu đỏ, biển 66-B1 123.45")
    reporter.sees(f"Câu trả lời của bạn đã được chuyển tới công an xã theo mã {code}.")
    answer = (await notices_to(db, "police"))[-1]
    assert answer.text == f"Người báo tin {code} trả lời: Xe Wave màu đỏ, biển 66-B1 123.45"
    async with db.transaction() as session:
        events = list(await session.scalars(select(TipEvent).order_by(TipEvent.id)))
    assert [e.kind for e in events][-2:] == [TipEventKind.QUESTION, TipEventKind.ANSWER]
    assert events[-1].actor_person_id is None  # nothing links the answer to a person

    intruder = Chat(engine, user_id="leader1")  # someone else pressing the reporter's button
    intruder.receives([question])
    await intruder.picks("Trả lời")
    intruder.sees("Mục này không dành cho bạn.")


async def test_showing_the_reporter_is_audited_and_private(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org, anonymous=False)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Xem người báo")
    police.sees(f"Người báo tin {code}: {NAME}, điện thoại {PHONE}.")
    async with db.transaction() as session:
        reads = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "tip.read_identity")
            )
        )
    assert [(r.subject_id, r.actor_person_id) for r in reads] == [(code, org.people["police"])]


async def test_marking_a_duplicate(db: Database, engine: DialogEngine, org: Org) -> None:
    first = await file_tip(engine, org)
    second = await file_tip(engine, org, user="stranger")
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Trùng")
    await police.says("TB-ZZZZ")
    police.sees("Không có tin nào khác của xã mang mã đó.")
    await police.says(first.lower().replace("-", " "))
    police.sees(f"{second} đã được đánh dấu trùng với {first}.")
    tip = await tip_by_code(db, second)
    assert tip.status == TipStatus.DUPLICATE and tip.closed_at is not None


async def test_closing_asks_a_note_and_a_dissatisfied_reporter_reopens(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Đã giải quyết")
    police.sees("Lời nhắn kết thúc ngắn cho người báo")
    await police.picks(police.choices()[0])
    police.sees(f"Đã lưu lời nhắn kết thúc cho {code}.")

    reporter = Chat(engine, user_id=REPORTER)
    reporter.receives((await notices_to(db, REPORTER))[-1:])
    reporter.sees(f"Tin báo {code} của bạn đã được công an xã kết thúc (đã giải quyết).")
    await reporter.picks("Chưa hài lòng")
    await reporter.says("Tối nay chúng lại đến.")
    reporter.sees(f"Công an xã sẽ xem lại tin {code}.")
    tip = await tip_by_code(db, code)
    assert tip.status == TipStatus.VERIFYING and tip.satisfied is False and tip.closed_at is None
    reopened = (await notices_to(db, "police"))[-1]
    assert "chưa hài lòng: Tối nay chúng lại đến." in reopened.text
    await reporter.picks("Chưa hài lòng")  # the old button again
    reporter.sees("đã được ghi nhận")
    async with db.transaction() as session:
        assert (
            await session.scalar(select(func.count()).where(TipEvent.kind == TipEventKind.FEEDBACK))
            == 1
        )


async def test_a_reporter_who_deletes_their_account_leaves_the_tip_without_identity(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org, anonymous=False)
    reporter = Chat(engine, user_id=REPORTER)
    await reporter.says("/dulieu")
    await reporter.picks("Xóa tài khoản của tôi")
    await reporter.picks("Có, xóa")
    reporter.sees("vẫn được công an xã lưu giữ nhưng không kèm tên")
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Xem người báo")
    police.sees(f"Người báo tin {code} đã xóa dữ liệu của mình.")
    police.does_not_see(NAME)
    await police.picks("Hỏi thêm người báo")
    await police.says("Bạn còn ở đó không?")
    police.sees(f"Không còn liên lạc được với người báo tin {code}.")
    assert (await tip_by_code(db, code)).description  # the tip itself stays with police
