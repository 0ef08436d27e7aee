"""Coverage and lists in the web console: pledge coverage with the households still missing,
and the household list uploaded, previewed without writing anything, then applied by the same
import code as the CLI (audited); only the commune's admins may upload."""

from __future__ import annotations

import csv
import io

import pytest
from aiohttp import FormData
from sqlalchemy import func, select

from bot.config import Settings
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import (
    AuditEntry,
    ChannelAccount,
    Household,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
)
from tests.console_harness import console_client, csrf_of, sign_in
from tests.conversation import Chat
from tests.org_fixtures import CHANNEL, Org, small_commune
from tests.tip_fixtures import engine_with_test_tips

HEADER = ["Thôn/Ấp", "Tổ", "Địa chỉ", "Chủ hộ", "Điện thoại", "Số nhân khẩu", "Tình trạng"]
ROWS = [
    ["Ấp Mỹ Thạnh", "Tổ 1", "12 đường Cây Dương", "Nguyễn Văn Hùng", "", "5", ""],
    ["Ấp Mỹ Phú", "Tổ 3", "47 đường Mỹ Phú", "Phạm Thị Mai", "0912 345 678", "4", ""],
]


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


def households_csv() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *ROWS])
    return out.getvalue().encode()


async def household_count(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count(Household.id))) or 0


async def test_police_see_coverage_with_the_missing_households(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="police"))
        page = await (await client.get("/console/coverage")).text()
        assert "0 trên 4 hộ đã cam kết (0 %)" in page
        assert "Hộ chưa cam kết: 4" in page
        assert "Ấp Mỹ Phú · Tổ 3 · 45 đường Mỹ Phú · Huỳnh Văn Năm" in page
        assert (await client.get("/console/households")).status == 403  # admins' work


async def test_an_admin_previews_then_applies_the_household_list(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with console_client(db, settings) as client:
        desk = await sign_in(client, Chat(engine, user_id="admin"))
        form = FormData()
        form.add_field("csrf", csrf_of(desk))
        form.add_field("file", households_csv(), filename="ho.csv", content_type="text/csv")
        preview = await (await client.post("/console/households/preview", data=form)).text()
        assert "Xem trước: chưa ghi gì" in preview
        assert (
            "<dt>Hộ mới</dt><dd>1</dd>" in preview and "<dt>Hộ thay đổi</dt><dd>1</dd>" in preview
        )
        assert await household_count(db) == 4  # nothing written yet
        upload = preview.split('name="upload" value="')[1].split('"')[0]
        applied = await client.post(
            "/console/households/apply", data={"csrf": csrf_of(preview), "upload": upload}
        )
        assert "Đã nhập" in await applied.text()
        assert await household_count(db) == 5
        again = await client.post(
            "/console/households/apply", data={"csrf": csrf_of(preview), "upload": upload}
        )
        assert "Bạn hãy chọn danh sách hộ" in await again.text()  # an upload is applied once
        assert await household_count(db) == 5
    async with db.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "console.households_import")
        )
        assert entry is not None and entry.detail == "+1 ~1"


async def test_a_rejected_row_is_explained_in_the_readers_language(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, [*ROWS[0][:4], "0912 345", *ROWS[0][5:]]])
    async with console_client(db, settings) as client:
        desk = await sign_in(client, Chat(engine, user_id="admin"))
        form = FormData()
        form.add_field("csrf", csrf_of(desk))
        form.add_field("file", out.getvalue().encode(), filename="ho.csv", content_type="text/csv")
        preview = await (await client.post("/console/households/preview", data=form)).text()
    assert ", dòng 2: số điện thoại &#39;0912 345&#39; không phải số Việt Nam" in preview
    assert await household_count(db) == 4


async def test_an_admin_previews_sends_and_follows_an_announcement(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    from storage.models import OutboxMessage

    woken: list[str] = []
    async with console_client(db, settings, woken=woken) as client:
        await sign_in(client, Chat(engine, user_id="admin"))
        page = await (await client.get("/console/announcements")).text()
        preview = await client.post(
            "/console/announcements/preview",
            data={"csrf": csrf_of(page), "audience": "leaders", "text": "Họp dân tối thứ Bảy."},
        )
        html = await preview.text()
        assert "Xem trước: 2 người nhận" in html
        assert "📢 Thông báo của Công an" in html and "Họp dân tối thứ Bảy." in html
        async with db.transaction() as session:
            queued = select(func.count(OutboxMessage.id)).where(
                OutboxMessage.dedupe_key.like("bc:%")
            )
            assert await session.scalar(queued) == 0  # a preview sends nothing
        sent = await client.post(
            "/console/announcements/send",
            data={"csrf": csrf_of(html), "audience": "leaders", "text": "Họp dân tối thứ Bảy."},
        )
        progress = await sent.text()
        assert "Thông báo đang được gửi" in progress and "còn lại 2, trên tổng 2" in progress
    assert woken == [CHANNEL]
    async with db.transaction() as session:
        chats = set(
            await session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.dedupe_key.like("bc:%"))
            )
        )
    assert chats == {"leader1", "leader3"}


async def test_an_admin_invites_revokes_and_removes_a_role(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    from storage.models import Invite

    async with console_client(db, settings) as client, console_client(db, settings) as police:
        await sign_in(police, Chat(engine, user_id="police"))
        assert (await police.get("/console/people")).status == 403

        page = await sign_in(client, Chat(engine, user_id="admin"))
        people = await (await client.get("/console/people")).text()
        assert "Nguyễn Văn Hùng</strong> <span>tổ trưởng · Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ" in people
        wrong = await client.post(
            "/console/people/invites",
            data={"csrf": csrf_of(page), "role": "group_leader", "place": f"commune:{org.commune}"},
        )
        assert "Vai trò đó không thuộc nơi ấy" in await wrong.text()
        made = await client.post(
            "/console/people/invites",
            data={
                "csrf": csrf_of(page),
                "role": "commune_police",
                "place": f"commune:{org.commune}",
            },
        )
        listed = await made.text()
        async with db.transaction() as session:
            invite = await session.scalar(select(Invite))
            assert invite is not None and invite.max_uses == 1 and invite.created_by
        assert f"<strong>{invite.code}</strong> <span>công an xã · Xã Thanh Mỹ" in listed
        poster = await client.get(f"/console/people/invites/{invite.code}/poster")
        assert poster.content_type == "image/png" and (await poster.read())[:4] == b"\x89PNG"
        revoked = await client.post(
            f"/console/people/invites/{invite.code}/revoke", data={"csrf": csrf_of(page)}
        )
        assert "đã thu hồi" in await revoked.text()

        leader_role = listed.split('action="/console/people/roles/')[1].split("/")[0]
        await client.post(
            f"/console/people/roles/{leader_role}/remove", data={"csrf": csrf_of(page)}
        )
    async with db.transaction() as session:
        roles = await session.scalar(
            select(func.count(RoleAssignment.id)).where(RoleAssignment.id == int(leader_role))
        )
        assert roles == 0
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"console.invite_created", "console.invite_revoked", "console.role_removed"} <= actions


async def test_coverage_downloads_as_the_chats_spreadsheet_and_is_audited(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    from openpyxl import load_workbook

    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="police"))
        page = await (await client.get("/console/coverage")).text()
        link = page.split('href="/console/coverage/file?')[1].split('"')[0].replace("&amp;", "&")
        file = await client.get("/console/coverage/file?" + link)
        assert file.status == 200
        assert file.headers["Content-Disposition"].startswith('attachment; filename="camket-')
        book = load_workbook(io.BytesIO(await file.read()))
        assert {"Ấp Mỹ Thạnh", "Ấp Mỹ Phú"} <= set(book.sheetnames)
        cells = [c for row in book["Ấp Mỹ Phú"].iter_rows(values_only=True) for c in row]
        assert "Huỳnh Văn Năm" in cells  # the household still missing, by name
    async with db.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "console.coverage_export")
        )
        assert entry is not None and entry.subject_id == f"commune:{org.commune}"


async def test_a_village_head_reads_their_village_only_and_changes_nothing(
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
    village, commune = f"village:{org.villages['Ấp Mỹ Phú']}", f"commune:{org.commune}"
    async with console_client(db, settings) as client:
        home = await sign_in(client, Chat(engine, user_id="leader3"))
        page = await (await client.get("/console/coverage")).text()
        assert "Huỳnh Văn Năm" in page and "Ấp Mỹ Thạnh" not in page
        assert (await client.get("/console/coverage/file", params={"unit": village})).status == 200
        for path in ("/console/coverage", "/console/coverage/file"):
            assert (await client.get(path, params={"unit": commune})).status == 403
        for path in ("/console/households", "/console/people", "/console/audit"):
            assert (await client.get(path)).status == 403
        form = FormData()
        form.add_field("csrf", csrf_of(home))
        form.add_field("file", households_csv(), filename="ho.csv", content_type="text/csv")
        assert (await client.post("/console/households/preview", data=form)).status == 403
        invite = {"csrf": csrf_of(home), "role": "village_head", "scope": village}
        assert (await client.post("/console/people/invites", data=invite)).status == 403
    assert await household_count(db) == 4
