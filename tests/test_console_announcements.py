"""Announcements in the web console go through the broadcast service `/thongbao` uses: written,
previewed with the audience count (nothing sent), sent, followed on the page while the outbox
delivers them, seen by `/tiendo` in the chat, and reported to the author's chat at the end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from bot.calendar.broadcast import report_finished
from bot.config import Settings
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    Broadcast,
    ChannelAccount,
    OutboxMessage,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
)
from tests.console_harness import console_client, csrf_of, sign_in
from tests.conversation import Chat
from tests.org_fixtures import CHANNEL, Org, small_commune
from tests.test_broadcast import worker
from tests.test_outbox import Clock, RecordingSender
from tests.tip_fixtures import engine_with_test_tips

TEXT = "Họp dân tối thứ Bảy tại nhà văn hóa ấp."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"web_console": True})


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        person = Person(
            full_name="Võ Thị Hạnh", commune_code=org.commune, consent_version=CONSENT_VERSION
        )
        session.add(person)
        await session.flush()
        org.people["admin"] = person.id
        session.add(
            RoleAssignment(
                person_id=person.id,
                role=Role.COMMUNE_ADMIN,
                scope_kind=ScopeKind.COMMUNE,
                scope_id=org.commune,
            )
        )
        session.add(
            ChannelAccount(
                channel=CHANNEL, external_user_id="admin", chat_id="admin", person_id=person.id
            )
        )
    return org


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def submit(client: TestClient, path: str, **data: str) -> str:
    page = await (await client.get("/console/announcements")).text()
    response = await client.post(path, data={"csrf": csrf_of(page), **data})
    assert response.status == 200, await response.text()
    return await response.text()


async def broadcasts(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count(Broadcast.id))) or 0


async def test_written_previewed_sent_and_followed_as_the_outbox_delivers(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    admin = Chat(engine, user_id="admin")
    async with console_client(db, settings) as client:
        await sign_in(client, admin)
        page = await (await client.get("/console/announcements")).text()
        assert "Ấp Mỹ Phú" in page  # one village is an audience too
        shown = await submit(
            client, "/console/announcements/preview", audience="leaders", text=TEXT
        )
        assert "Xem trước: 2 người nhận" in shown and TEXT in shown
        assert await broadcasts(db) == 0  # a preview sends nothing
        followed = await submit(
            client, "/console/announcements/send", audience="leaders", text=TEXT
        )
        assert "còn lại 2, trên tổng 2" in followed
        assert 'data-refresh="/console/announcements/progress"' in followed
        assert '<progress value="0" max="2">' in followed

        clock, sender = Clock(), RecordingSender()
        clock.now = utcnow() + timedelta(seconds=1)
        await worker(db, sender, clock).send_due()
        assert sorted(chat for chat, _ in sender.sent) == ["leader1", "leader3"]
        part = await client.get("/console/announcements/progress")
        progress = await part.text()
        assert (
            "đã gửi 2, lỗi 0, còn lại 0" in progress and '<progress value="2" max="2">' in progress
        )
        assert "<html" not in progress  # the part alone, for the page's script

    await admin.says("/tiendo")
    admin.sees("đã gửi 2, lỗi 0, còn lại 0")  # the chat sees what the console sent
    assert await report_finished(db, settings, clock()) == {CHANNEL}
    async with db.transaction() as session:
        report = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("bcdone:%"))
        )
    assert report is not None and report.chat_id == "admin"


async def test_a_bad_audience_or_an_empty_text_is_refused_and_nothing_goes(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="admin"))
        for audience, text in (("village:999", TEXT), ("group:1", TEXT), ("leaders", " ")):
            shown = await submit(
                client, "/console/announcements/preview", audience=audience, text=text
            )
            assert "Bạn hãy gõ nội dung thông báo." in shown
            await submit(client, "/console/announcements/send", audience=audience, text=text)
    assert await broadcasts(db) == 0


async def test_without_a_chat_to_report_to_nothing_is_sent_and_the_page_says_why(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="admin"))
        async with db.transaction() as session:  # the admin has since blocked the bot
            await session.execute(update(ChannelAccount).values(blocked_at=utcnow()))
        after = await submit(client, "/console/announcements/send", audience="all", text=TEXT)
        assert "Chưa gửi gì" in after
    assert await broadcasts(db) == 0


async def test_a_village_head_cannot_announce(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with db.transaction() as session:
        session.add(
            RoleAssignment(
                person_id=org.people["leader3"],
                role=Role.VILLAGE_HEAD,
                scope_kind=ScopeKind.VILLAGE,
                scope_id=str(org.villages["Ấp Mỹ Phú"]),
            )
        )
    async with console_client(db, settings) as client:
        home = await sign_in(client, Chat(engine, user_id="leader3"))
        assert "/console/announcements" not in home
        for path in ("/console/announcements", "/console/announcements/progress"):
            assert (await client.get(path)).status == 403
        forged = await client.post(
            "/console/announcements/send",
            data={"csrf": csrf_of(home), "audience": "all", "text": TEXT},
        )
        assert forged.status == 403
    assert await broadcasts(db) == 0
