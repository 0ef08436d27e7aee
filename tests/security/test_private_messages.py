"""Decrypted personal data is never at rest in clear in the outbox: the reporter's name and
phone shown to an officer ("Xem người báo") and the "Dữ liệu của tôi" screen wait encrypted
until sent, reach the reader in clear, and leave no text behind once sent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings, generate_secret_key, load_settings
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.messages import OutboundMessage
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.outbox import OutboxWorker
from bot.runtime.pacing import Pacer, PacingRules
from bot.sealed_messages import outbox_payload
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Membership,
    MembershipStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
)
from storage.repos.outbox import queue_message
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to, small_commune
from tests.test_outbox import RecordingSender
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips

MEMBER = "resident1"
NAME, PHONE = "Phạm Thị Ngọc Diệp", "0912345678"


@pytest.fixture
async def org(db: Database, settings: Settings) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        person = Person(
            full_name=NAME,
            commune_code=org.commune,
            consent_version=CONSENT_VERSION,
            phone_encrypted=FieldCipher(settings.secret_key_bytes()).encrypt(PHONE, PERSON_PHONE),
        )
        session.add(person)
        await session.flush()
        session.add(
            Membership(
                person_id=person.id, group_id=org.groups["Tổ 1"], status=MembershipStatus.CONFIRMED
            )
        )
        session.add(
            ChannelAccount(
                channel="test", external_user_id=MEMBER, chat_id=MEMBER, person_id=person.id
            )
        )
    return org


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def stored_texts(db: Database) -> list[str]:
    """Every outbox payload as a database reader sees it."""
    async with db.transaction() as session:
        payloads = await session.scalars(select(OutboxMessage.payload))
        return [json.dumps(payload, ensure_ascii=False) for payload in payloads]


async def send_everything(db: Database, settings: Settings) -> RecordingSender:
    """The outbox worker, after the replies' leases ran out (as if the answering process
    died before sending them), with the field key the running bot gives it."""
    sender = RecordingSender()
    worker = OutboxWorker(
        db=db,
        sender=sender,
        pacer=Pacer(PacingRules(overall_per_second=1e9, private_chat_interval=0)),
        clock=lambda: utcnow() + timedelta(hours=1),
        cipher=FieldCipher(settings.secret_key_bytes()),
    )
    while await worker.send_due():
        pass
    return sender


async def test_the_reporters_name_and_phone_wait_encrypted_for_the_officer(
    db: Database, engine: DialogEngine, settings: Settings, org: Org
) -> None:
    DRAFTS[MEMBER] = draft(org.commune, anonymous=False)
    await Chat(engine, user_id=MEMBER).says("/testtip")
    police = Chat(engine, user_id="police")
    police.receives([m for m in await notices_to(db, "police") if m.choices][-1:])
    await police.picks("Xem người báo")
    police.sees(f"{NAME}, điện thoại {PHONE}")
    for stored in await stored_texts(db):
        assert NAME not in stored and PHONE not in stored

    sender = await send_everything(db, settings)
    assert any(NAME in text and PHONE in text for chat, text in sender.sent if chat == "police")
    assert all(NAME not in stored for stored in await stored_texts(db))  # and none once sent


async def test_my_data_screen_and_export_wait_encrypted(
    db: Database, engine: DialogEngine, settings: Settings, org: Org
) -> None:
    member = Chat(engine, user_id=MEMBER)
    await member.says("/dulieu")
    member.sees(f"Điện thoại: {PHONE}")
    await member.picks("Gửi cho tôi toàn bộ dữ liệu dạng tệp")
    [export] = [m for m in member.received if m.file_content]
    assert PHONE in export.file_content  # type: ignore[operator]
    for stored in await stored_texts(db):
        assert NAME not in stored and PHONE not in stored

    sender = await send_everything(db, settings)
    assert any(PHONE in text for _chat, text in sender.sent)
    assert await stored_texts(db) and all(
        stored == json.dumps({"text": ""}) for stored in await stored_texts(db)
    )


async def test_a_message_sealed_under_another_key_is_given_up_without_holding_the_queue(
    db: Database, settings: Settings
) -> None:
    other = load_settings(_env_file=None, bot_secret_key=generate_secret_key())
    async with db.transaction() as session:
        for message, sealed_for in (
            (OutboundMessage(text=f"{NAME}, {PHONE}", private=True), other),
            (OutboundMessage(text="Lịch họp tổ tháng 12"), settings),
        ):
            await queue_message(
                session,
                channel="test",
                chat_id=MEMBER,
                payload=outbox_payload(message, sealed_for),
            )
    sender = await send_everything(db, settings)
    assert sender.sent == [(MEMBER, "Lịch họp tổ tháng 12")]
    async with db.transaction() as session:
        statuses = list(
            await session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))
        )
    assert statuses == [OutboxStatus.FAILED, OutboxStatus.SENT]
    assert all(NAME not in stored for stored in await stored_texts(db))
