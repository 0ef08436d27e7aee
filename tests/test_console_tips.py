"""The tip desk in the web console: open tips by waiting time with the response clock's
colours and filters, a tip's page, the card's actions as forms (the reporter hears of them in
the chat, and their answers show on the page), "Xem người báo" with a reason and audited, and
nothing identifying an anonymous reporter in any response."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from bot.config import Settings
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    AuditEntry,
    ChannelAccount,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    Tip,
    TipStatus,
)
from tests.console_harness import console_client, csrf_of, sign_in
from tests.conversation import Chat
from tests.org_fixtures import CHANNEL, Org, notices_to, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips, tip_by_code

ANONYMOUS, ANONYMOUS_NAME = "98765432101", "Ngọc Ẩn Danh"
NAMED, NAME, PHONE = "resident1", "Trần Thị Lan", "0912345678"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"web_console": True})


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
                channel=CHANNEL, external_user_id=NAMED, chat_id=NAMED, person_id=person.id
            )
        )
    return org


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def file_tip(engine: DialogEngine, org: Org, user: str = ANONYMOUS, **values: object) -> str:
    DRAFTS[user] = draft(org.commune, **values)
    reporter = Chat(engine, user_id=user, name=ANONYMOUS_NAME if user == ANONYMOUS else NAME)
    await reporter.says("/testtip")
    return next(m.text for m in reporter.received if m.text.startswith("code=")).removeprefix(
        "code="
    )


async def post(client: TestClient, path: str, **data: str) -> str:
    """Submits the tip page's form to `path` as the officer would; returns the page after."""
    page = await (await client.get(path.rsplit("/", 1)[0])).text()
    response = await client.post(path, data={"csrf": csrf_of(page), **data})
    assert response.status == 200, await response.text()
    return await response.text()


def order_of(html: str, *codes: str) -> list[str]:
    return sorted(codes, key=html.index)


async def test_the_desk_lists_open_tips_longest_waiting_first_with_the_clocks_colours(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    late = await file_tip(engine, org, village_id=org.villages["Ấp Mỹ Phú"])
    waiting = await file_tip(engine, org, category_key="drugs")
    worked = await file_tip(engine, org)
    closed = await file_tip(engine, org)
    async with db.transaction() as session:
        await session.execute(
            update(Tip).where(Tip.code == late).values(created_at=utcnow() - timedelta(hours=2))
        )
        await session.execute(
            update(Tip)
            .where(Tip.code == worked)
            .values(status=TipStatus.ACKNOWLEDGED, created_at=utcnow() - timedelta(hours=1))
        )
        await session.execute(
            update(Tip).where(Tip.code == closed).values(status=TipStatus.RESOLVED)
        )
    async with console_client(db, settings) as client:
        desk = await sign_in(client, Chat(engine, user_id="police"))
        assert order_of(desk, late, worked, waiting) == [late, worked, waiting]
        assert closed not in desk
        for code, colour, words in (
            (late, "clock-late", "trễ: chưa tiếp nhận đúng hạn"),
            (waiting, "clock-waiting", "đang chờ tiếp nhận"),
            (worked, "clock-working", "đang xử lý"),
        ):
            item = re.search(rf'<li class="tip ([a-z-]+)">\s*<a href="/console/tips/{code}"', desk)
            assert item and item.group(1) == colour
            assert words in desk
        by_village = await (
            await client.get("/console/tips", params={"village": org.villages["Ấp Mỹ Phú"]})
        ).text()
        assert late in by_village and waiting not in by_village
        by_code = await (
            await client.get("/console/tips", params={"code": closed.lower()[3:]})
        ).text()
        assert closed in by_code and late not in by_code
        everything = await (await client.get("/console/tips", params={"status": "all"})).text()
        assert order_of(everything, late, closed) == [late, closed]  # closed ones come last
        older = await (await client.get("/console/tips", params={"age": "1d"})).text()
        assert late not in older
        drugs = await (await client.get("/console/tips", params={"category": "drugs"})).text()
        assert waiting in drugs and late not in drugs and worked not in drugs


async def test_an_officer_works_a_tip_and_the_reporter_is_in_the_chat(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org)
    woken: list[str] = []
    responses: list[str] = []
    async with console_client(db, settings, woken=woken) as client:
        responses.append(await sign_in(client, Chat(engine, user_id="police")))
        page = f"/console/tips/{code}"
        responses.append(await (await client.get(page)).text())
        assert "Hai người lạ bẻ khóa xe máy trước nhà số 21." in responses[-1]
        assert "Đầu hẻm đường Cây Dương" in responses[-1] and "tối qua" in responses[-1]

        responses.append(await post(client, page + "/status", op="ack") or "")
        assert "Đã đổi trạng thái." in responses[-1]
        assert woken == [CHANNEL]
        told = await notices_to(db, ANONYMOUS)
        assert told[-1].text == f"Công an xã đã tiếp nhận tin báo {code} của bạn."
        edits = [m for m in await notices_to(db, "police") if m.edit_of is not None]
        assert "Trạng thái: đã tiếp nhận" in edits[-1].text  # the chat's card follows

        responses.append(await post(client, page + "/assign", officer=str(org.people["police"])))
        assert "giao cho Lâm Quốc Bảo" in responses[-1]
        mine = await (
            await client.get("/console/tips", params={"officer": org.people["police"]})
        ).text()
        assert code in mine

        responses.append(await post(client, page + "/ask", question="Xe máy màu gì?"))
        assert "Câu hỏi đã được gửi cho người báo" in responses[-1]
        reporter = Chat(engine, user_id=ANONYMOUS, name=ANONYMOUS_NAME)
        reporter.receives((await notices_to(db, ANONYMOUS))[-1:])
        reporter.sees(f"Công an xã hỏi về tin báo {code}: Xe máy màu gì?")
        await reporter.picks("Trả lời")
        await reporter.says("Xe Wave màu đỏ")
        responses.append(await (await client.get(page + "/timeline")).text())
        assert "Xe Wave màu đỏ" in responses[-1] and "người báo" in responses[-1]

        # A change made in the chat shows on the page.
        police = Chat(engine, user_id="police")
        police.receives([m for m in await notices_to(db, "police") if m.choices][-1:])
        await police.picks("Đang xác minh")
        responses.append(await (await client.get(page)).text())
        assert "trạng thái: đang xác minh · <em>Lâm Quốc Bảo</em>" in responses[-1]

        responses.append(
            await post(client, page + "/close", outcome="resolve", note="Đã xử lý, cảm ơn bạn.")
        )
        assert "Tin báo đã kết thúc" in responses[-1]
        assert 'action="/console/tips/' + code + '/ask"' not in responses[-1]
        reporter.receives((await notices_to(db, ANONYMOUS))[-1:])
        reporter.sees(f"Tin báo {code} của bạn đã được công an xã kết thúc")
        reporter.sees("Đã xử lý, cảm ơn bạn.")
    tip = await tip_by_code(db, code)
    assert tip.status == TipStatus.RESOLVED and tip.assigned_person_id == org.people["police"]
    for html in responses:  # nothing in any page says who reported
        for secret in (ANONYMOUS_NAME, ANONYMOUS):
            assert secret not in html


async def test_a_tip_transferred_to_the_investigating_body_tells_the_reporter(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org)
    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="police"))
        page = await post(client, f"/console/tips/{code}/status", op="forward")
        assert "Đã đổi trạng thái." in page and "đã chuyển cơ quan điều tra" in page
        assert 'value="forward"' not in page  # no second transfer offered
    told = await notices_to(db, ANONYMOUS)
    assert told[-1].text.startswith(f"Tin báo {code} của bạn đã được chuyển tới cơ quan điều tra.")
    assert (await tip_by_code(db, code)).status == TipStatus.FORWARDED


async def test_a_duplicate_needs_another_tip_of_the_commune(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    first = await file_tip(engine, org)
    second = await file_tip(engine, org)
    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="police"))
        page = f"/console/tips/{second}"
        assert "Không có tin nào khác của xã mang mã đó." in await post(
            client, page + "/duplicate", original="ZZZZ"
        )
        assert "Đã đánh dấu là tin trùng." in await post(
            client, page + "/duplicate", original=first
        )
    tip = await tip_by_code(db, second)
    assert tip.status == TipStatus.DUPLICATE


async def test_showing_the_reporter_asks_a_reason_and_is_audited(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org, user=NAMED, anonymous=False)
    async with console_client(db, settings) as client:
        desk = await sign_in(client, Chat(engine, user_id="police"))
        page = await (await client.get(f"/console/tips/{code}")).text()
        for html in (desk, page):
            assert NAME not in html and PHONE not in html
        assert "Xem người báo" in page
        form = await (await client.get(f"/console/tips/{code}/reporter")).text()
        assert NAME not in form and "Vì sao bạn cần" in form
        shown = await client.post(
            f"/console/tips/{code}/reporter",
            data={"csrf": csrf_of(form), "reason": "Cần gặp để lấy lời khai"},
        )
        html = await shown.text()
        assert NAME in html and PHONE in html and "đã được ghi lại" in html
        history = await (await client.get(f"/console/tips/{code}/timeline")).text()
        assert "danh tính người báo đã được xem" in history and "Lâm Quốc Bảo" in history
        assert NAME not in history and PHONE not in history  # who looked, never what they saw
    async with db.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "tip.read_identity")
        )
        assert entry is not None and entry.actor_person_id == org.people["police"]
        assert entry.subject_id == code and entry.detail == "Cần gặp để lấy lời khai"


async def test_a_commune_admin_signs_in_but_does_not_work_tips(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org, user=NAMED, anonymous=False)
    async with db.transaction() as session:
        session.add(
            RoleAssignment(
                person_id=org.people["leader1"],
                role=Role.COMMUNE_ADMIN,
                scope_kind=ScopeKind.COMMUNE,
                scope_id=org.commune,
            )
        )
    async with console_client(db, settings) as client:
        home = await sign_in(client, Chat(engine, user_id="leader1"))
        assert "Xin chào Nguyễn Văn Hùng." in home
        for path in ("/console/tips", f"/console/tips/{code}", f"/console/tips/{code}/reporter"):
            response = await client.get(path)
            assert response.status == 403
            assert NAME not in await response.text()


async def test_the_admin_reads_who_viewed_a_reporter_and_why_in_the_audit_log(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org, user=NAMED, anonymous=False)
    async with db.transaction() as session:
        session.add(
            RoleAssignment(
                person_id=org.people["leader1"],
                role=Role.COMMUNE_ADMIN,
                scope_kind=ScopeKind.COMMUNE,
                scope_id=org.commune,
            )
        )
    async with console_client(db, settings) as police, console_client(db, settings) as admin:
        await sign_in(police, Chat(engine, user_id="police"))
        form = await (await police.get(f"/console/tips/{code}/reporter")).text()
        await police.post(
            f"/console/tips/{code}/reporter",
            data={"csrf": csrf_of(form), "reason": "Cần gặp để lấy lời khai"},
        )
        assert (await police.get("/console/audit")).status == 403  # admins only

        await sign_in(admin, Chat(engine, user_id="leader1"))
        log = await (await admin.get("/console/audit")).text()
        assert "Lâm Quốc Bảo</em> · xem người báo của tin báo · " + code in log
        assert "Cần gặp để lấy lời khai" in log
        assert "· đăng nhập trang quản lý</li>" in log
        assert NAME not in log and PHONE not in log
        only_views = await (
            await admin.get("/console/audit", params={"action": "tip.read_identity"})
        ).text()
        assert "· đăng nhập trang quản lý</li>" not in only_views and code in only_views
        async with db.transaction() as session:
            await session.execute(
                update(AuditEntry)
                .where(AuditEntry.action == "tip.read_identity")
                .values(at=utcnow() - timedelta(days=2))
            )
        today = await (await admin.get("/console/audit", params={"since": "1d"})).text()
        assert "· đăng nhập trang quản lý</li>" in today and code not in today
        week = await (await admin.get("/console/audit", params={"since": "7d"})).text()
        assert code in week


async def test_the_audit_log_names_role_grants_and_filters_on_them(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    from bot.people.membership import grant_role

    async with db.transaction() as session:
        await grant_role(
            session, org.people["leader1"], Role.COMMUNE_ADMIN, ScopeKind.COMMUNE, org.commune
        )
        await grant_role(
            session,
            org.people["leader3"],
            Role.VILLAGE_HEAD,
            ScopeKind.VILLAGE,
            str(org.villages["Ấp Mỹ Phú"]),
            actor=org.people["leader1"],
        )
    async with console_client(db, settings) as admin:
        await sign_in(admin, Chat(engine, user_id="leader1"))
        grants = await (await admin.get("/console/audit", params={"action": "role.grant"})).text()
    assert '<option value="role.grant" selected>cấp một vai trò</option>' in grants
    assert grants.count("· cấp một vai trò") == 2  # by the bot too: done to a person here
    assert "Nguyễn Văn Hùng</em> · cấp một vai trò" in grants
    assert "đăng nhập trang quản lý" not in grants.split("</form>")[-1]
