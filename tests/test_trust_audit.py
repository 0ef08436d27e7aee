"""The commune admin's view of trust: a staff member's new messenger account is told to them,
/audit (or /nhatky) lists role grants, links and unlinks, /moicanbo issues a personal code;
"Dữ liệu của tôi" lists linked accounts and unlinks one (issue #12)."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.demo import SAMPLE
from bot.invite_cli import CreateRequest, create_command
from bot.organisation.commands import run_import
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import (
    AuditEntry,
    ChannelAccount,
    Invite,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
)
from tests.conversation import Chat
from tests.org_fixtures import Org, invite_for, notices_to, small_commune


@pytest.fixture
async def org(db: Database) -> Org:
    """The small commune with its admin ("admin"), and an officer of its list not on the bot."""
    org = await small_commune(db)
    async with db.transaction() as session:
        for key, name, role, account in (
            ("admin", "Võ Thị Hạnh", Role.COMMUNE_ADMIN, True),
            ("listed", "Phan Văn Tâm", Role.COMMUNE_POLICE, False),
        ):
            person = Person(full_name=name, commune_code=org.commune)
            session.add(person)
            await session.flush()
            org.people[key] = person.id
            session.add(
                RoleAssignment(
                    person_id=person.id,
                    role=role,
                    scope_kind=ScopeKind.COMMUNE,
                    scope_id=org.commune,
                )
            )
            if account:
                session.add(
                    ChannelAccount(
                        channel="test", external_user_id=key, chat_id=key, person_id=person.id
                    )
                )
    return org


def link_code(chat: Chat) -> str:
    return chat.last_text().split("/lienket ")[1].split()[0]


async def test_a_leaders_link_is_told_to_the_admin_and_audited_then_unlinked(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    leader = Chat(engine, user_id="leader1")
    await leader.says("/lienket")
    zalo = Chat(engine, user_id="z-new", channel="zalo", name="Hùng Zalo")
    await zalo.says(f"/lienket {link_code(leader)}")
    leader.receives(await notices_to(db, "leader1"))
    await leader.picks("Đồng ý")
    told = await notices_to(db, "admin")
    assert "Nguyễn Văn Hùng, người giữ vai trò trong xã, vừa liên kết một tài khoản Zalo" in (
        told[-1].text
    )

    await leader.says("/dulieu")
    leader.sees("• Tài khoản liên kết: Zalo, từ ")
    await leader.picks("Hủy liên kết một tài khoản nhắn tin")
    await leader.picks("Zalo")
    leader.sees("Xong: tài khoản Zalo của bạn không còn được liên kết.")
    assert "không còn liên kết" in (await notices_to(db, "z-new"))[-1].text
    await zalo.says("menu")
    zalo.does_not_see("Thành viên trong tổ")

    admin = Chat(engine, user_id="admin")
    for command in ("/audit", "/nhatky"):
        await admin.says(command)
        admin.sees("Nhật ký của xã, mới nhất trước:")
        admin.sees("Nguyễn Văn Hùng · hủy liên kết tài khoản nhắn tin: Nguyễn Văn Hùng")
        admin.sees("Nguyễn Văn Hùng · liên kết tài khoản nhắn tin: Nguyễn Văn Hùng")
    async with db.transaction() as session:
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"account.link", "account.unlink", "audit.view"} <= actions
    resident = Chat(engine, user_id="5009")
    await resident.says("/audit")
    resident.does_not_see("Nhật ký của xã")


async def test_a_role_given_by_the_leaders_confirmation_is_in_the_admins_log(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    invite = await invite_for(db, org)
    thu = Chat(engine, user_id="5001", name="Phạm Thị Thu")
    await thu.says(f"/start {invite.code}")
    await thu.picks("Đồng ý")
    await thu.picks("Phạm Thị Thu")
    await thu.picks("Bỏ qua")
    await thu.says("21 cay duong")
    leader = Chat(engine, user_id="leader1")
    leader.receives(await notices_to(db, "leader1"))
    await leader.picks("Xác nhận")
    admin = Chat(engine, user_id="admin")
    await admin.says("/audit")
    admin.sees("Nguyễn Văn Hùng · cấp vai trò: Phạm Thị Thu (resident@group:")


async def test_the_admin_issues_a_personal_code_in_the_chat(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    admin = Chat(engine, user_id="admin")
    await admin.says("/moicanbo")
    admin.sees("Mã riêng cho ai?")
    assert admin.choices()[0] == "Phan Văn Tâm"  # the only listed staff not on the bot
    await admin.picks("Phan Văn Tâm")
    admin.sees("Gửi riêng nội dung này cho Phan Văn Tâm")
    async with db.transaction() as session:
        invite = await session.scalar(
            select(Invite).where(Invite.person_id == org.people["listed"])
        )
        issued = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invite.personal")
        )
    assert invite is not None and invite.role == Role.COMMUNE_POLICE and invite.max_uses == 1
    admin.sees(f"/join {invite.code}")
    assert issued is not None and issued.subject_id == str(org.people["listed"])

    tam = Chat(engine, user_id="tam-zalo", channel="zalo", name="Tâm")
    await tam.says(f"/join {invite.code}")
    await tam.picks("Đồng ý")
    tam.sees("Chào mừng Phan Văn Tâm. Bạn đã được ghi nhận là cán bộ công an xã.")
    leader = Chat(engine, user_id="leader1")
    await leader.says("/moicanbo")
    leader.does_not_see("Mã riêng cho ai?")


async def test_the_cli_makes_a_personal_invite_for_one_person(
    db: Database, settings: Settings, org: Org, tmp_path: Path
) -> None:
    out, err = io.StringIO(), io.StringIO()
    request = CreateRequest(
        commune=org.commune,
        role=Role.COMMUNE_POLICE,
        person="phan van tam",
        out=tmp_path / "tam.png",
    )
    assert await create_command(db, settings, request, username=None, out=out, err=err) == 0
    async with db.transaction() as session:
        invite = await session.scalar(select(Invite).where(Invite.person_id.is_not(None)))
    assert invite is not None and invite.person_id == org.people["listed"]
    assert "Only for:" in out.getvalue()
    nobody = CreateRequest(
        commune=org.commune, role=Role.COMMUNE_POLICE, person="Ai Đó", out=tmp_path / "x.png"
    )
    assert await create_command(db, settings, nobody, username=None, out=out, err=err) == 2
    assert "No single person" in err.getvalue()


async def test_org_import_prints_each_staff_members_personal_code(
    db: Database, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(file=SAMPLE, commune=None, verbose=False, lang="en")
    assert await run_import(settings, args) == 0
    printed = capsys.readouterr().out
    # The sample's staff (issue #13: every role): leader, village head, officer, admin; not the
    # resident.
    assert "Personal codes (4)" in printed
    async with db.transaction() as session:
        invites = {
            name: code
            for name, code in await session.execute(
                select(Person.full_name, Invite.code).join(Invite, Invite.person_id == Person.id)
            )
        }
    assert set(invites) == {"Nguyễn Văn Hùng", "Lê Văn Tư", "Lâm Quốc Bảo", "Võ Thị Kim"}
    assert f"--- Lâm Quốc Bảo: {invites['Lâm Quốc Bảo']}" in printed
    assert f"/join {invites['Lâm Quốc Bảo']}" in printed
    assert await run_import(settings, args) == 0  # again: the same codes while they work
    assert f"--- Lâm Quốc Bảo: {invites['Lâm Quốc Bảo']}" in capsys.readouterr().out
