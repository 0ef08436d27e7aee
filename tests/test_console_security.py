"""The web console's door and walls: sign-in links that work once, in time, for police, admins
and village heads of their own commune only; sessions that end; CSRF on every form; security
headers; no tip of another commune; nothing that identifies an anonymous reporter."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    AuditEntry,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    Tip,
    TipStatus,
    WebLoginLink,
    WebSession,
)
from storage.repos.web_sessions import issue_login_link
from tests.console_harness import (
    Clock,
    console_client,
    csrf_of,
    link_for,
    press_sign_in,
    sign_in,
)
from tests.conversation import Chat
from tests.org_fixtures import CHANNEL, Org, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips

REPORTER, REPORTER_NAME = "98765432101", "Ngọc Ẩn Danh"


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
        from storage.models import ChannelAccount

        session.add(
            ChannelAccount(
                channel=CHANNEL, external_user_id="admin", chat_id="admin", person_id=person.id
            )
        )
    return org


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


def officer(engine: DialogEngine, key: str = "police") -> Chat:
    return Chat(engine, user_id=key)


async def file_tip(engine: DialogEngine, commune: str, **values: object) -> str:
    DRAFTS[REPORTER] = draft(commune, **values)
    reporter = Chat(engine, user_id=REPORTER, name=REPORTER_NAME)
    await reporter.says("/testtip")
    return next(m.text for m in reporter.received if m.text.startswith("code=")).removeprefix(
        "code="
    )


async def test_an_officer_signs_in_with_the_chat_link_and_it_works_only_once(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    chat = officer(engine)
    async with console_client(db, settings) as client:
        path = await link_for(chat)
        sent = next(m.text for m in chat.received if path in m.text)
        assert "trong 10 phút" in sent and "một lần" in sent
        page = await client.get(path)
        assert "Đăng nhập" in await page.text()
        signed_in = await press_sign_in(client, path)
        assert signed_in.status == 303
        cookie = signed_in.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
        assert "Secure" not in cookie  # plain HTTP on the server itself
        desk = await client.get("/console/tips")
        assert desk.status == 200
        assert "Tin báo" in await desk.text()

    async with console_client(db, settings) as other_browser:
        again = await press_sign_in(other_browser, path)
        assert again.status == 403
        assert "chỉ dùng được một lần" in await again.text()
        assert "Set-Cookie" not in again.headers
    async with db.transaction() as session:
        stored = await session.scalar(select(WebLoginLink.token_hash))
        assert stored is not None and stored not in path  # only the hash is kept


async def test_over_https_the_cookie_is_secure(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    https = settings.model_copy(update={"web_console_url": "https://binhyen.example.vn/console"})
    chat = officer(engine_with_test_tips(db, https))
    async with console_client(db, https) as client:
        path = await link_for(chat)
        assert any("https://binhyen.example.vn/console/login/" in m.text for m in chat.received)
        signed_in = await press_sign_in(client, path)
        assert "Secure" in signed_in.headers["Set-Cookie"]


async def test_an_expired_link_does_not_work(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    clock = Clock()
    async with console_client(db, settings, clock=clock) as client:
        path = await link_for(officer(engine))

        def ten_minutes_later() -> None:
            clock.offset = timedelta(minutes=10, seconds=1)

        response = await press_sign_in(client, path, before_pressing=ten_minutes_later)
        assert response.status == 403
        assert (await client.get("/console/tips", allow_redirects=False)).status == 401


async def test_leaders_and_residents_get_no_link_and_a_forged_one_does_not_open(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    leader = Chat(engine, user_id="leader1")
    replies = await leader.says("/web")
    assert all("/console/login/" not in m.text for m in replies)
    resident = Chat(engine, user_id="someone-new")
    replies = await resident.says("/web")
    assert all("/console/login/" not in m.text for m in replies)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count(WebLoginLink.id))) == 0
        # A link made for a leader some other way is refused when it is used.
        token = await issue_login_link(
            session,
            person_id=org.people["leader1"],
            commune_code=org.commune,
            language="vi",
            now=utcnow(),
        )
    async with console_client(db, settings) as client:
        response = await press_sign_in(client, f"/console/login/{token}")
        assert response.status == 403
    async with db.transaction() as session:
        assert await session.scalar(select(func.count(WebSession.id))) == 0


async def test_a_village_head_gets_in_but_not_to_the_tip_desk(
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
    code = await file_tip(engine, org.commune)
    async with console_client(db, settings) as client:
        home = await sign_in(client, Chat(engine, user_id="leader3"))
        assert "Huỳnh Văn Năm" in home and code not in home
        assert (await client.get("/console/tips")).status == 403
        assert (await client.get(f"/console/tips/{code}")).status == 403


async def test_an_officer_of_another_commune_cannot_open_a_tip_of_this_one(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org.commune)
    async with console_client(db, settings) as client:
        desk = await sign_in(client, officer(engine, "police_y"))
        assert code not in desk
        for path in ("", "/timeline", "/reporter"):
            response = await client.get(f"/console/tips/{code}{path}")
            assert response.status == 404
            assert "bẻ khóa" not in await response.text()
        token = csrf_of(desk)
        forged = await client.post(
            f"/console/tips/{code}/status", data={"csrf": token, "op": "ack"}
        )
        assert forged.status == 404
    async with db.transaction() as session:
        assert await session.scalar(select(Tip.status).where(Tip.code == code)) == TipStatus.NEW


async def test_a_form_without_the_csrf_token_changes_nothing(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org.commune)
    async with console_client(db, settings) as client:
        await sign_in(client, officer(engine))
        for data in ({"op": "ack"}, {"op": "ack", "csrf": "0" * 64}):
            response = await client.post(f"/console/tips/{code}/status", data=data)
            assert response.status == 403
        page = await (await client.get(f"/console/tips/{code}")).text()
        good = await client.post(
            f"/console/tips/{code}/status", data={"op": "ack", "csrf": csrf_of(page)}
        )
        assert good.status == 200 and "Đã đổi trạng thái." in await good.text()
    async with db.transaction() as session:
        status = await session.scalar(select(Tip.status).where(Tip.code == code))
        assert status == TipStatus.ACKNOWLEDGED  # by the good form only, once


async def test_a_forged_sign_in_form_is_refused_and_leaves_the_link_unused(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    """Login CSRF: a page elsewhere posts someone's sign-in link from a victim's browser."""
    path = await link_for(officer(engine))
    async with console_client(db, settings) as attacker:
        page = await (await attacker.get(path)).text()
        attackers_token = csrf_of(page)  # bound to the attacker's own browser cookie
    async with console_client(db, settings) as victim:
        for data in ({}, {"csrf": "0" * 64}, {"csrf": attackers_token}):
            forged = await victim.post(path, data=data, allow_redirects=False)
            assert forged.status == 403
            assert "Set-Cookie" not in forged.headers
            assert "Biểu mẫu này đã hết hạn" in await forged.text()
        assert (await victim.get("/console/tips", allow_redirects=False)).status == 401
    async with db.transaction() as session:
        assert await session.scalar(select(func.count(WebSession.id))) == 0
        assert await session.scalar(select(WebLoginLink.used_at)) is None
    async with console_client(db, settings) as officers_browser:
        signed_in = await press_sign_in(officers_browser, path)
        assert signed_in.status == 303  # the forged posts did not use the link up


async def test_every_post_of_the_console_wants_the_token(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    """Every form, present and future: each POST route refuses a request without the token."""
    from bot.web.app import ConsoleConfig, build_console

    console = build_console(ConsoleConfig(db=db, settings=settings))
    paths = sorted(
        route.resource.canonical
        for route in console.router.routes()
        if route.method == "POST" and route.resource is not None
    )
    assert len(paths) >= 12 and "/login/{token}" in paths
    filled = {"{token}": await link_for(officer(engine)), "{code}": "TB-AAAA"}
    async with console_client(db, settings) as client:
        await sign_in(client, officer(engine))
        for path in paths:
            url = "/console" + path
            for key, value in filled.items():
                url = url.replace(key, value.rsplit("/", 1)[-1])
            url = re.sub(r"\{[a-z_]+\}", "1", url)
            response = await client.post(url, data={"op": "ack"}, allow_redirects=False)
            assert response.status == 403, (path, response.status)
            assert "Biểu mẫu này đã hết hạn" in await response.text(), path


async def test_pages_carry_the_security_headers(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with console_client(db, settings) as client:
        for response in (
            await client.get("/console/tips", allow_redirects=False),
            await client.get(await link_for(officer(engine))),
        ):
            csp = response.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert response.headers["X-Frame-Options"] == "DENY"


async def test_sessions_end_when_idle_at_logout_and_from_another_browser(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    clock = Clock()
    chat = officer(engine)
    async with (
        console_client(db, settings, clock=clock) as office,
        console_client(db, settings, clock=clock) as phone,
    ):
        await sign_in(office, chat)
        await sign_in(phone, chat)
        sessions = await (await office.get("/console/sessions")).text()
        assert sessions.count("Kết thúc") == 1  # the other browser; this one is marked
        ended = await office.post(
            _end_action(sessions),
            data={"csrf": csrf_of(sessions)},
        )
        assert ended.status == 200
        assert (await phone.get("/console/tips", allow_redirects=False)).status == 401

        page = await (await office.get("/console/tips")).text()
        out = await office.post("/console/logout", data={"csrf": csrf_of(page)})
        assert "Bạn đã đăng xuất" in await out.text()
        assert (await office.get("/console/tips", allow_redirects=False)).status == 401

        await sign_in(office, chat)
        clock.offset = timedelta(minutes=settings.web_session_idle_minutes, seconds=1)
        assert (await office.get("/console/tips", allow_redirects=False)).status == 401
    async with db.transaction() as session:
        still_open = await session.scalar(
            select(func.count(WebSession.id)).where(WebSession.ended_at.is_(None))
        )
        assert still_open == 0
        logins = await session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "console.login")
        )
        assert logins == 3


def _end_action(html: str) -> str:
    start = html.index("/sessions/")
    return "/console" + html[start : html.index('"', start)]
