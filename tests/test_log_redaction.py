"""No token, key, webhook secret, name, phone or tip text in any log line at any level.

A member files a named tip on Telegram and on Zalo (both through webhooks, so setWebhook's
secret is sent) with LOG_LEVEL=DEBUG and LOG_FORMAT=json, a Zalo send fails with a description
echoing the message, and a database error carries the tip's text as a parameter; the captured
log is then searched for every secret and every piece of personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.logging_setup import PAYLOAD_LOGGERS, SQL_LOGGERS, Redactor, configure_logging
from bot.people.consent import CONSENT_VERSION
from storage.db import Database
from storage.models import ChannelAccount, Commune, Person, Role, RoleAssignment, ScopeKind
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running, button_data, local_webhook_url, webhook_settings
from tests.zalo_harness import ZaloUser, last, number_of, zalo_webhook_settings

TG_MEMBER, ZALO_MEMBER, DESK = 2001, "z-member", -1001234567
NAME, PROFILE_NAME, PHONE = "Võ Thị Mỹ Duyên", "Duyên Mận Hậu", "0987654321"
TG_TIP = "Kẻ lạ mặt cạy cửa kho thóc nhà ông Sáu lúc nửa đêm."
ZALO_TIP = "Nhóm thanh niên lạ chở can xăng vào vườn điều ông Bảy."
TG_SECRET = "tg-webhook-secret-7f3a9c"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The log as `python -m bot run` writes it, at DEBUG, as JSON lines."""
    root = logging.getLogger()
    saved = root.level, {n: logging.getLogger(n).level for n in (*PAYLOAD_LOGGERS, *SQL_LOGGERS)}
    stream = io.StringIO()
    handler = None
    try:
        yield stream
    finally:
        for handler in [h for h in root.handlers if h.get_name() == "binhyen"]:
            root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
async def org(db: Database, settings: Settings) -> Org:
    org = await small_commune(db)
    cipher = FieldCipher.of(settings)
    async with db.transaction() as session:
        await session.execute(
            update(Commune)
            .where(Commune.code == org.commune)
            .values(police_chat_channel="telegram", police_chat_id=str(DESK))
        )
        person = Person(
            full_name=NAME,
            commune_code=org.commune,
            consent_version=CONSENT_VERSION,
            phone_encrypted=cipher.encrypt(PHONE, PERSON_PHONE),
        )
        session.add(person)
        await session.flush()
        org.people["member"] = person.id
        session.add(
            RoleAssignment(
                person_id=person.id,
                role=Role.RESIDENT,
                scope_kind=ScopeKind.GROUP,
                scope_id=str(org.groups["Tổ 1"]),
            )
        )
        for channel, user in (("telegram", str(TG_MEMBER)), ("zalo", ZALO_MEMBER)):
            session.add(
                ChannelAccount(
                    channel=channel, external_user_id=user, chat_id=user, person_id=person.id
                )
            )
    return org


class TelegramMember:
    """The member writing to the bot on Telegram, through its webhook."""

    def __init__(self, api: FakeTelegramAPI, settings: Settings, http: aiohttp.ClientSession):
        self.api, self.settings, self.http = api, settings, http

    async def post(self, update: dict[str, Any]) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        url = local_webhook_url(self.settings)
        async with self.http.post(url, json=update, headers=headers) as response:
            assert response.status == 200

    async def says(self, text: str | None = None, **extra: Any) -> None:
        await self.post(
            self.api.user_message(text, user_id=TG_MEMBER, first_name=PROFILE_NAME, **extra)
        )

    async def picks(self, label: str, question: str) -> None:
        await self.api._wait(lambda: self.asked(question) is not None, 10.0, question)
        message = self.asked(question)
        assert message is not None
        await self.post(
            self.api.callback_query(
                button_data(message, label), user_id=TG_MEMBER, first_name=PROFILE_NAME
            )
        )

    def asked(self, fragment: str) -> dict[str, Any] | None:
        found = [m for m in self.api.sent_messages(TG_MEMBER) if fragment in (m.get("text") or "")]
        return found[-1] if found else None


async def named_tip_on_telegram(member: TelegramMember) -> None:
    await member.says("/baotin")
    await member.picks("Trộm cắp", "Bạn muốn báo về việc gì?")
    await member.says(TG_TIP)
    await member.picks("Xong", "Đã ghi lại")
    await member.picks("Hôm nay", "Việc xảy ra khi nào?")
    await member.says("Cuối hẻm 7")
    await member.picks(
        "Gửi kèm tên và số điện thoại cho công an xã",
        "Bạn có muốn công an xã biết bạn là ai không?",
    )
    await member.picks("Có, báo cho tôi", "Bạn có muốn nhận tin nhắn")
    await member.picks("Gửi", "Bạn hãy xem lại tin báo")
    await member.api._wait(lambda: member.asked("Mã tin: ") is not None, 10.0, "a tip code")


async def named_tip_on_zalo(member: ZaloUser) -> None:
    category = last(await member.says("/baotin"))
    await member.says(number_of(category, "Trộm cắp"))
    await member.says(ZALO_TIP)
    when = last(await member.says("xong"))
    await member.says(number_of(when, "Hôm nay"))
    anonymity = last(await member.says("Vườn điều sau chợ"))
    updates = last(await member.says(number_of(anonymity, "Gửi kèm tên")))
    summary = last(await member.says(number_of(updates, "Có, báo cho tôi")))
    assert "Mã tin: " in "\n".join(await member.says(number_of(summary, "Gửi")))


async def test_a_debug_log_of_named_tips_on_both_messengers_holds_no_secret_and_no_personal_data(
    captured: io.StringIO, settings: Settings, db: Database, org: Org
) -> None:
    async with FakeTelegramAPI() as telegram, FakeZaloAPI() as zalo:
        both = zalo_webhook_settings(webhook_settings(settings, telegram, TG_SECRET), zalo)
        both = both.model_copy(update={"log_level": "DEBUG", "telegram_private_chat_interval": 0.0})
        configure_logging(level="DEBUG", fmt="json", secrets=both.secrets(), stream=captured)
        zalo.add_chat(ZALO_MEMBER)
        telegram.user_message("hello", user_id=4001, chat_id=DESK, chat_type="supergroup")
        async with bot_running(both), aiohttp.ClientSession() as http:
            assert telegram.webhook is not None and telegram.webhook["secret_token"] == TG_SECRET
            await named_tip_on_telegram(TelegramMember(telegram, both, http))
            await telegram.wait_for_messages(DESK, 1)
            # 404: refused for good (a 400 is now kept and retried, and the dialog would wait).
            zalo.fail_next("sendMessage", status=404, description=f"cannot send: {ZALO_TIP}")
            await named_tip_on_zalo(ZaloUser(zalo, both, ZALO_MEMBER, name=PROFILE_NAME))
            await telegram.wait_for_messages(DESK, 2)
            logging.getLogger("tests").debug("the bot's own debug line")

        # A database error whose parameters hold a name and a tip's text.
        try:
            async with db.transaction() as session:
                session.add(Person(id=org.people["member"], full_name=f"{NAME} {TG_TIP}"))
        except IntegrityError:
            logging.getLogger("storage").exception("a write failed")

    log = captured.getvalue()
    entries = [json.loads(line) for line in log.splitlines()]
    assert any(e["message"] == "the bot's own debug line" for e in entries)  # DEBUG is on
    assert any("[parameters: …]" in e.get("exception", "") for e in entries)
    assert any(e["level"] == "WARNING" or e["level"] == "INFO" for e in entries)
    forbidden = {
        "Telegram token": telegram.token,
        "Telegram token's secret half": telegram.token.split(":")[1],
        "Zalo token": zalo.token,
        "Telegram webhook secret": TG_SECRET,
        "Zalo webhook secret": both.zalo_webhook_secret or "",
        "BOT_SECRET_KEY": both.bot_secret_key or "",
        "name": NAME,
        "messenger profile name": PROFILE_NAME,
        "phone": PHONE,
        "Telegram tip text": TG_TIP,
        "Zalo tip text": ZALO_TIP,
    }
    for what, value in forbidden.items():
        assert value and value not in log, f"the {what} is in the log"
        escaped = json.dumps(value)[1:-1]
        assert escaped not in log, f"the {what} is in the log (escaped)"


def test_redaction_of_urls_webhook_parameters_and_sql_parameters() -> None:
    redact = Redactor(["my-configured-secret"])
    assert (
        redact(
            "GET https://api.telegram.org/bot123456789:AAEhBOweik6ad9r_QXbD0ZZ7hjVbN2jYxTk/getMe"
        )
        == "GET https://api.telegram.org/bot[redacted]/getMe"
    )
    assert "s3cr3t-value" not in redact("setWebhook {'url': 'x', 'secret_token': 's3cr3t-value'}")
    assert "my-configured-secret" not in redact("header my-configured-secret seen")
    text = redact(
        "(sqlite3.IntegrityError) UNIQUE constraint failed\n"
        "[SQL: INSERT INTO persons (full_name) VALUES (?)]\n"
        "[parameters: ('Võ Thị Mỹ Duyên', '0987654321')]\n"
        "(Background on this error at: https://sqlalche.me/e/20/gkpj)"
    )
    assert "Duyên" not in text and "0987" not in text and "[parameters: …]" in text
    assert "nửa đêm" not in redact('{"ok": false, "description": "bad text: nửa đêm"}')
