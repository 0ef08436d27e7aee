"""Role and scope, checked on the server: a rule per role, and crafted buttons refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.authz import Action, Actor, Grant, Scope, allowed, group_scope, groups_in_reach, load_actor
from bot.messages import EventKind
from bot.people.membership import CONFIRM
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.dialog.flows import action_key
from storage.db import Database
from storage.models import Group, Membership, MembershipStatus, Role, ScopeKind, Village
from tests.conversation import Chat
from tests.org_fixtures import Org, invite_for, small_commune

A = Scope("30073", village_id=1, group_id=10)  # group A, in village 1 of commune X
B = Scope("30073", village_id=1, group_id=11)  # group B, same village
C = Scope("30073", village_id=2, group_id=20)  # another village of commune X
Y = Scope("99999", village_id=9, group_id=90)  # a group of commune Y


def actor(role: str, kind: str, scope_id: str) -> Actor:
    return Actor(person_id=1, grants=(Grant(role, kind, scope_id),))


LEADER_OF_A = actor(Role.GROUP_LEADER, ScopeKind.GROUP, "10")
DEPUTY_OF_A = actor(Role.GROUP_DEPUTY, ScopeKind.GROUP, "10")
HEAD_OF_VILLAGE_1 = actor(Role.VILLAGE_HEAD, ScopeKind.VILLAGE, "1")
RESIDENT_OF_A = actor(Role.RESIDENT, ScopeKind.GROUP, "10")
HOUSEHOLD_HEAD_OF_A = actor(Role.HOUSEHOLD_HEAD, ScopeKind.GROUP, "10")
SECURITY_TEAM_OF_X = actor(Role.SECURITY_TEAM, ScopeKind.COMMUNE, "30073")
POLICE_OF_X = actor(Role.COMMUNE_POLICE, ScopeKind.COMMUNE, "30073")
ADMIN_OF_X = actor(Role.COMMUNE_ADMIN, ScopeKind.COMMUNE, "30073")


@pytest.mark.parametrize(
    ("who", "action", "where", "expected"),
    [
        (LEADER_OF_A, Action.LIST_MEMBERS, A, True),
        (LEADER_OF_A, Action.LIST_MEMBERS, B, False),
        (LEADER_OF_A, Action.DECIDE_MEMBERSHIP, B, False),
        (LEADER_OF_A, Action.INVITE_RESIDENT, A, True),
        (LEADER_OF_A, Action.INVITE_PRIVILEGED, A, False),
        (LEADER_OF_A, Action.READ_REPORTER_IDENTITY, A, False),
        (DEPUTY_OF_A, Action.DECIDE_MEMBERSHIP, A, True),
        (DEPUTY_OF_A, Action.DECIDE_MEMBERSHIP, C, False),
        (HEAD_OF_VILLAGE_1, Action.LIST_MEMBERS, B, True),
        (HEAD_OF_VILLAGE_1, Action.LIST_MEMBERS, C, False),
        (RESIDENT_OF_A, Action.LIST_MEMBERS, A, False),
        (RESIDENT_OF_A, Action.INVITE_RESIDENT, A, False),
        (HOUSEHOLD_HEAD_OF_A, Action.LIST_MEMBERS, A, False),
        (SECURITY_TEAM_OF_X, Action.LIST_MEMBERS, A, False),
        (SECURITY_TEAM_OF_X, Action.READ_REPORTER_IDENTITY, A, False),
        (POLICE_OF_X, Action.LIST_MEMBERS, C, True),
        (POLICE_OF_X, Action.LIST_MEMBERS, Y, False),
        (POLICE_OF_X, Action.RECEIVE_TIPS, Scope("30073"), True),
        (POLICE_OF_X, Action.RECEIVE_TIPS, Scope("99999"), False),
        (POLICE_OF_X, Action.DECIDE_MEMBERSHIP, A, False),
        (ADMIN_OF_X, Action.INVITE_PRIVILEGED, Scope("30073"), True),
        (ADMIN_OF_X, Action.INVITE_PRIVILEGED, Scope("99999"), False),
        (ADMIN_OF_X, Action.READ_REPORTER_IDENTITY, Scope("30073"), False),
    ],
)
def test_the_policy(who: Actor, action: Action, where: Scope, expected: bool) -> None:
    assert allowed(who, action, where) is expected


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:  # a group in commune Y
        village = Village(commune_code=org.other_commune, name="Thôn Khác")
        session.add(village)
        await session.flush()
        group = Group(village_id=village.id, name="Tổ 9")
        session.add(group)
        await session.flush()
        org.groups["Tổ 9"] = group.id
    return org


async def pending_request_for(db: Database, engine: DialogEngine, org: Org, group: str) -> int:
    invite = await invite_for(db, org, group=group)
    chat = Chat(engine, user_id=f"new-{group}", name="Người Mới")
    await chat.says(f"/start {invite.code}")
    await chat.picks("Đồng ý")
    await chat.picks("Người Mới")
    await chat.picks("Bỏ qua")
    await chat.picks("Hộ của tôi không có trong danh sách")
    await chat.says("1 đường Mới")
    async with db.transaction() as session:
        membership = await session.scalar(
            select(Membership).where(Membership.group_id == org.groups[group])
        )
        assert membership is not None
        return membership.id


async def test_a_leader_cannot_confirm_a_member_of_another_group(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    request = await pending_request_for(db, engine, org, "Tổ 3")
    leader_of_1 = Chat(engine, user_id="leader1")
    # A button the leader of Tổ 1 was never sent, crafted with the id of Tổ 3's request.
    await leader_of_1.send(kind=EventKind.CHOICE, choice_key=action_key(CONFIRM, request))
    leader_of_1.sees("Mục này không dành cho bạn.")
    async with db.transaction() as session:
        membership = await session.get(Membership, request)
        assert membership is not None and membership.status == MembershipStatus.PENDING


async def test_a_leader_sees_only_their_own_group(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    await pending_request_for(db, engine, org, "Tổ 3")
    leader_of_1 = Chat(engine, user_id="leader1")
    await leader_of_1.says("/thanhvien")
    leader_of_1.sees("Thành viên Tổ 1, Ấp Mỹ Thạnh: 0")
    leader_of_1.does_not_see("Người Mới")
    async with db.transaction() as session:
        reach = await groups_in_reach(
            session, await load_actor(session, org.people["leader1"]), Action.LIST_MEMBERS
        )
        assert [g.name for g in reach] == ["Tổ 1"]


async def test_a_resident_cannot_list_members(db: Database, engine: DialogEngine, org: Org) -> None:
    request = await pending_request_for(db, engine, org, "Tổ 1")
    leader = Chat(engine, user_id="leader1")
    await leader.send(kind=EventKind.CHOICE, choice_key=action_key(CONFIRM, request))
    resident = Chat(engine, user_id="new-Tổ 1")
    await resident.says("menu")
    assert "Thành viên trong tổ" not in resident.choices()
    await resident.says("/thanhvien")
    resident.sees("Xin lỗi, tôi chưa hiểu.")
    resident.does_not_see("Người Mới")


async def test_police_see_their_commune_and_not_another(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    police = Chat(engine, user_id="police")
    await police.says("/thanhvien")
    police.sees("Tổ nào?")
    assert "Tổ 9, Thôn Khác" not in police.choices()
    # A crafted answer naming commune Y's group, on the current question's token.
    message, _ = police.button("Tổ 1, Ấp Mỹ Thạnh")
    await police.send(
        kind=EventKind.CHOICE, choice_key=str(org.groups["Tổ 9"]), choice_token=message.token
    )
    police.does_not_see("Thành viên Tổ 9")

    police_y = Chat(engine, user_id="police_y")
    await police_y.says("/thanhvien")
    police_y.sees("Thành viên Tổ 9, Thôn Khác: 0")  # their own commune's only group
    police_y.does_not_see("Tổ 1")
    async with db.transaction() as session:
        scope = await group_scope(session, org.groups["Tổ 1"])
        assert scope is not None
        assert not allowed(
            await load_actor(session, org.people["police_y"]), Action.LIST_MEMBERS, scope
        )
