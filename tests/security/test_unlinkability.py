"""Anonymous means unlinkable: after a member sends a named tip and an anonymous one, answers a
police question about the anonymous one and erases their account, a dump of every table of
the database holds nothing that ties the anonymous tip to the account, the person or the named
tip: no row mentions both, no non-trivial value and no time is shared, and the name, the phone
and the chat id are nowhere in clear. End to end over the fake Telegram Bot API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select, text, update

from bot.config import Settings
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.people.consent import CONSENT_VERSION
from bot.text_match import fold
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Commune,
    Membership,
    MembershipStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    Tip,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running, button_data, buttons, telegram_settings

DESK, OFFICER = -1007777777, 4001
REPORTER = 555000111
NAME, PHONE = "Phạm Thị Ngọc Diệp", "0912345678"
# Columns whose values are categories shared by many rows (a channel, a status, a commune).
CATEGORICAL = {
    "channel",
    "status",
    "kind",
    "category_key",
    "commune_code",
    "language",
    "role",
    "scope_kind",
    "decision",
    "text_version",
    "action",
    "subject_kind",
}


class SteppingClock:
    """The bot's clock, moved on between the scenes as a real reporter's day would be; never
    on a whole minute, so a time kept to the minute cannot equal one kept exactly."""

    def __init__(self) -> None:
        self.now = utcnow().replace(second=17, microsecond=123456)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes, seconds=3, microseconds=4321)


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def org(db: Database, settings: Settings, api: FakeTelegramAPI) -> Org:
    """Thanh Mỹ with a police desk on Telegram, its officer, and a member who agreed to the
    notice and gave her phone."""
    org = await small_commune(db)
    async with db.transaction() as session:
        await session.execute(
            update(Commune)
            .where(Commune.code == org.commune)
            .values(police_chat_channel="telegram", police_chat_id=str(DESK))
        )
        session.add(
            ChannelAccount(
                channel="telegram",
                external_user_id=str(OFFICER),
                chat_id=str(OFFICER),
                person_id=org.people["police"],
            )
        )
        member = Person(
            full_name=NAME,
            commune_code=org.commune,
            consent_version=CONSENT_VERSION,
            phone_encrypted=FieldCipher(settings.secret_key_bytes()).encrypt(PHONE, PERSON_PHONE),
        )
        session.add(member)
        await session.flush()
        org.people["member"] = member.id
        session.add(
            Membership(
                person_id=member.id,
                group_id=org.groups["Tổ 1"],
                status=MembershipStatus.CONFIRMED,
            )
        )
        session.add(
            ChannelAccount(
                channel="telegram",
                external_user_id=str(REPORTER),
                chat_id=str(REPORTER),
                person_id=member.id,
            )
        )
    # The desk group and the officer's private chat exist on Telegram.
    api.user_message("hello", user_id=OFFICER, chat_id=DESK, chat_type="supergroup")
    api.user_message("hello", user_id=OFFICER)
    return org


async def said(api: FakeTelegramAPI, chat_id: int, fragment: str, since: int = 0) -> dict[str, Any]:
    """The newest message to `chat_id` containing `fragment` (among those after the first
    `since`), once it has been sent."""

    def matching() -> list[dict[str, Any]]:
        return [
            p
            for p in api.sent_messages(chat_id)[since:]
            if fragment in (p.get("text") or p.get("caption") or "")
        ]

    await api._wait(lambda: bool(matching()), 10.0, f"{fragment!r} to {chat_id}")
    return matching()[-1]


async def offered(api: FakeTelegramAPI, chat_id: int, label: str) -> dict[str, Any]:
    """The newest message to `chat_id` with a button labelled `label`, once it has been sent
    (for a question whose words, like the menu's, are asked in other places too)."""

    def matching() -> list[dict[str, Any]]:
        return [p for p in api.sent_messages(chat_id) if label in dict(buttons(p))]

    await api._wait(lambda: bool(matching()), 10.0, f"a {label!r} button to {chat_id}")
    return matching()[-1]


def press(api: FakeTelegramAPI, message: dict[str, Any], label: str, user: int) -> None:
    api.push_update(
        api.callback_query(button_data(message, label), user_id=user, chat_id=message["chat_id"])
    )


def say(api: FakeTelegramAPI, words: str, user: int = REPORTER, **extra: Any) -> None:
    api.push_update(api.user_message(words, user_id=user, **extra))


async def send_tip(api: FakeTelegramAPI, what: str, *, named: bool) -> str:
    """A member's tip over Telegram, from "/baotin" to its code."""
    start = len(api.sent_messages(REPORTER))
    say(api, "/baotin")
    press(api, await said(api, REPORTER, "Bạn muốn báo về việc gì?", start), "Trộm cắp", REPORTER)
    await said(api, REPORTER, "Chuyện gì đã xảy ra?", start)
    say(api, what)
    press(api, await said(api, REPORTER, "Đã ghi lại", start), "Xong", REPORTER)
    when = "Vừa xảy ra" if named else "Hôm nay"
    press(api, await said(api, REPORTER, "Việc xảy ra khi nào?", start), when, REPORTER)
    await said(api, REPORTER, "Việc xảy ra ở đâu?", start)
    say(api, "Đầu hẻm đường Cây Dương" if named else "Bờ kênh sau chợ")
    who = "Gửi kèm tên và số điện thoại cho công an xã" if named else "Ẩn danh"
    press(
        api,
        await said(api, REPORTER, "Bạn có muốn công an xã biết bạn là ai không?", start),
        who,
        REPORTER,
    )
    press(
        api,
        await said(api, REPORTER, "Bạn có muốn nhận tin nhắn", start),
        "Có, báo cho tôi",
        REPORTER,
    )
    before = len(api.sent_messages(REPORTER))
    press(api, await said(api, REPORTER, "Bạn hãy xem lại tin báo", start), "Gửi", REPORTER)
    await api._wait(
        lambda: any(
            "Mã tin: " in (p.get("text") or "") for p in api.sent_messages(REPORTER)[before:]
        ),
        10.0,
        "a tip code",
    )
    sent = [p["text"] for p in api.sent_messages(REPORTER)[before:] if "Mã tin: " in p["text"]]
    return sent[-1].split("Mã tin: ")[1][:7]


async def settled(db: Database) -> None:
    """Wait until no queued message is still to go out (sent and marked, or withdrawn)."""
    for _ in range(400):
        async with db.transaction() as session:
            waiting = await session.scalar(
                select(OutboxMessage.id)
                .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
                .limit(1)
            )
        if waiting is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("outbox rows still waiting to be sent")


# --- the dump -----------------------------------------------------------------------------


Row = dict[str, Any]


async def dump(db: Database) -> dict[str, list[Row]]:
    """Every column of every row of every table the database has (found by introspection)."""
    async with db.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        return {
            table: [
                dict(row._mapping)
                for row in await connection.execute(text(f'SELECT * FROM "{table}"'))
            ]
            for table in tables
        }


def leaves(value: Any) -> Iterator[Any]:
    """A cell's values as the database reader sees them: JSON opened, text of bytes decoded,
    times made comparable across SQLite (text) and PostgreSQL (aware datetimes)."""
    if isinstance(value, bytes | memoryview):
        try:
            yield bytes(value).decode()
        except UnicodeDecodeError:
            return  # ciphertext
        return
    if isinstance(value, datetime):
        yield value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return
    if isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from leaves(item)
        return
    if isinstance(value, str):
        if value[:1] in "{[":
            try:
                yield from leaves(json.loads(value))
                return
            except ValueError:
                pass
        try:
            yield datetime.fromisoformat(value).replace(tzinfo=None)
            return
        except ValueError:
            pass
    yield value


def values_of(row: Row, keep: Callable[[str], bool] = lambda column: True) -> set[Any]:
    return {leaf for column, cell in row.items() if keep(column) for leaf in leaves(cell)}


def non_trivial(row: Row) -> set[Any]:
    """What could identify: texts and times, not flags, counts, ids or categories."""
    return {
        v
        for v in values_of(row, lambda column: column not in CATEGORICAL and column != "id")
        if isinstance(v, str | datetime) and v not in ("", "—", str(DESK))  # every tip's card
    }


def rows_of_tip(tables: dict[str, list[Row]], tip: Tip) -> list[Row]:
    """The tip's row, the rows that name it by id, and the outbox rows that show its code."""
    return [
        row
        for table, rows in tables.items()
        for row in rows
        if (table == "tips" and row["id"] == tip.id)
        or (table != "tips" and row.get("tip_id") == tip.id)
        or any(isinstance(v, str) and tip.code in v for v in values_of(row))
    ]


def rows_of_reporter(tables: dict[str, list[Row]], person_id: int) -> list[Row]:
    """The member's person row, their account and conversations, and every row naming the
    person by id (memberships, consent, the audit of their erasure)."""
    person_columns = ("person_id", "actor_person_id", "confirmed_by", "decided_by", "created_by")
    return [
        row
        for table, rows in tables.items()
        for row in rows
        if (table == "persons" and row["id"] == person_id)
        or any(row.get(column) == person_id for column in person_columns)
        or str(REPORTER) in {str(row.get(c)) for c in ("external_user_id", "user_id", "chat_id")}
    ]


async def test_an_anonymous_tip_is_tied_to_nobody_once_the_reporter_erased_their_account(
    api: FakeTelegramAPI, settings: Settings, db: Database, org: Org
) -> None:
    fast = telegram_settings(
        settings, api, telegram_private_chat_interval=0.01, telegram_group_per_minute=6000
    )
    clock = SteppingClock()
    async with bot_running(fast) as app:
        app.engine.clock = clock
        named = await send_tip(api, "Có người lạ dòm ngó nhà kho số 12.", named=True)
        card = await said(api, DESK, f"Tin báo {named}")
        press(api, card, "Xem người báo", OFFICER)
        await said(api, OFFICER, NAME)  # the officer learns who sent the named tip

        clock.advance(minutes=47)
        anonymous = await send_tip(api, "Hai thanh niên bẻ khóa xe máy ở bờ kênh.", named=False)
        card = await said(api, DESK, f"Tin báo {anonymous}")
        assert "Người báo: ẩn danh" in card["text"]

        clock.advance(minutes=6)
        press(api, card, "Tiếp nhận", OFFICER)
        press(api, card, "Hỏi thêm người báo", OFFICER)
        await said(api, DESK, f"Bạn nhập câu hỏi cho người báo tin {anonymous}")
        say(api, "Xe máy màu gì?", user=OFFICER, chat_id=DESK, chat_type="supergroup")
        question = await said(api, REPORTER, "Xe máy màu gì?")

        clock.advance(minutes=9)
        press(api, question, "Trả lời", REPORTER)
        await said(api, REPORTER, "Bạn gõ câu trả lời")
        say(api, "Màu đỏ, xe Wave.")
        await said(api, DESK, f"Người báo tin {anonymous} trả lời: Màu đỏ, xe Wave.")

        clock.advance(minutes=13)
        start = len(api.sent_messages(REPORTER))
        say(api, "/dulieu")
        await said(api, REPORTER, PHONE, start)  # "my data" shows the phone, decrypted for her
        press(
            api,
            await offered(api, REPORTER, "Xóa tài khoản của tôi"),
            "Xóa tài khoản của tôi",
            REPORTER,
        )
        press(api, await said(api, REPORTER, "Bạn chắc chắn chứ?", start), "Có, xóa", REPORTER)
        await said(api, REPORTER, "Xong: dữ liệu cá nhân của bạn đã được xóa", start)

        clock.advance(minutes=2)
        say(api, "/tincuatoi")  # the erased account lists nothing any more
        await said(api, REPORTER, "Bạn chưa gửi tin báo nào")
        await settled(db)

    async with db.transaction() as session:
        tips = {t.code: t for t in await session.scalars(select(Tip))}
    tables = await dump(db)
    anonymous_rows = rows_of_tip(tables, tips[anonymous])
    linked_rows = rows_of_tip(tables, tips[named]) + rows_of_reporter(tables, org.people["member"])

    assert {"tips", "tip_events", "tip_reporters", "tip_cards"} <= {
        table for table, rows in tables.items() for row in rows if row in anonymous_rows
    }
    assert len(tables["outbox"]) > 20  # every message of the story, none showing the code
    # No row speaks of both.
    assert not [row for row in anonymous_rows if any(row is other for other in linked_rows)]
    # No identifying value, and no time, is shared.
    shared = set().union(*map(non_trivial, anonymous_rows)) & set().union(
        *map(non_trivial, linked_rows)
    )
    assert not shared, f"the anonymous tip shares {shared!r} with its reporter or named tip"
    anonymous_times = {
        v for row in anonymous_rows for v in values_of(row) if isinstance(v, datetime)
    }
    other_times = {
        v
        for rows in tables.values()
        for row in rows
        if not any(row is mine for mine in anonymous_rows)
        for v in values_of(row)
        if isinstance(v, datetime)
    }
    assert not anonymous_times & other_times
    # Her name and phone are nowhere, and her chat id only on her account and conversation.
    for table, rows in tables.items():
        for row in rows:
            found = " | ".join(str(v) for v in values_of(row))
            for secret in (NAME, fold(NAME), PHONE, "0912 345 678"):
                assert secret not in found, f"{table} keeps {secret!r}"
            if str(REPORTER) in found:
                assert table in ("channel_accounts", "conversations"), f"{table}: {row!r}"
