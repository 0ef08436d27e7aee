"""Who may do what, where: the one place every action's role and scope is checked.

A role is held in a scope: a group, a village or a commune. An action on something inside a
commune (a group's member list, a membership decision, an invite) is allowed when the actor holds
one of the action's roles in a scope that contains it: the group itself, its village, or its
commune. Handlers never decide this themselves; they call `require` (or `allowed` to hide a
menu line) with the scope of the thing they are about to touch, loaded from the database, never
taken from button data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Group, Role, ScopeKind
from storage.repos.scopes import (
    commune_and_village_of_group,
    commune_of_village,
    grants_of,
    groups_within,
)


class Action(StrEnum):
    LIST_MEMBERS = "group.list_members"
    DECIDE_MEMBERSHIP = "group.decide_membership"
    INVITE_RESIDENT = "group.invite_resident"
    INVITE_PRIVILEGED = "commune.invite_privileged"
    RECEIVE_TIPS = "commune.receive_tips"
    READ_REPORTER_IDENTITY = "commune.read_reporter_identity"
    REGISTER_POLICE_DESK = "commune.register_police_desk"
    VIEW_TIP_AUDIT = "commune.view_tip_audit"
    SET_LEADER_TIP_COUNTS = "commune.set_leader_tip_counts"
    VIEW_TIP_COUNTS = "village.view_tip_counts"
    VIEW_HOUSEHOLD_PLEDGE = "household.view_pledge"
    SIGN_PLEDGE = "household.sign_pledge"
    DELEGATE_PLEDGE = "household.delegate_pledge"
    PLEDGE_ON_BEHALF = "group.pledge_on_behalf"
    VIEW_COVERAGE = "group.view_pledge_coverage"
    SCHEDULE_MEETING = "group.schedule_meeting"
    RECORD_MINUTES = "group.record_minutes"
    CLOSE_MEETING_TASK = "group.close_meeting_task"
    REGISTER_GROUP_CHAT = "group.register_group_chat"
    VIEW_MEETING_BOOK = "group.view_meeting_book"
    VIEW_MEETING_SUMMARY = "village.view_meeting_summary"
    RECEIVE_MINUTES_SUMMARY = "commune.receive_minutes_summary"
    SEND_BROADCAST = "commune.send_broadcast"
    MESSAGE_GROUP = "group.message_group"
    ADD_LOCAL_EVENT = "commune.add_local_event"
    VIEW_REPORT = "report.view"
    VIEW_REPORT_TIP_ROWS = "report.view_tip_rows"
    SET_REPORT_SETTINGS = "report.set_settings"
    IMPORT_LISTS = "commune.import_lists"
    LIST_FRAUD = "commune.list_fraud"


LEADERS = frozenset({Role.GROUP_LEADER, Role.GROUP_DEPUTY, Role.VILLAGE_HEAD})
POLICE = frozenset({Role.COMMUNE_POLICE})
ADMIN = frozenset({Role.COMMUNE_ADMIN})
GROUP_LEADERS = frozenset({Role.GROUP_LEADER, Role.GROUP_DEPUTY})

POLICY: dict[Action, frozenset[str]] = {
    Action.LIST_MEMBERS: LEADERS | POLICE | ADMIN,
    Action.DECIDE_MEMBERSHIP: LEADERS | ADMIN,
    Action.INVITE_RESIDENT: LEADERS | ADMIN,
    Action.INVITE_PRIVILEGED: ADMIN,
    Action.RECEIVE_TIPS: POLICE,
    Action.READ_REPORTER_IDENTITY: POLICE,
    Action.REGISTER_POLICE_DESK: POLICE,
    Action.VIEW_TIP_AUDIT: ADMIN,
    Action.SET_LEADER_TIP_COUNTS: ADMIN,
    # Counts by category only, and only where the commune turned it on (handlers check that).
    Action.VIEW_TIP_COUNTS: LEADERS,
    # A member sees their own household's pledge (their household, checked with the role).
    Action.VIEW_HOUSEHOLD_PLEDGE: frozenset({Role.RESIDENT, Role.HOUSEHOLD_HEAD}),
    # The household's own pledge: its head, in the household's group; a member the head lets
    # sign is not a role but a PledgeDelegate row (bot.pledges.service.may_sign checks both).
    Action.SIGN_PLEDGE: frozenset({Role.HOUSEHOLD_HEAD}),
    Action.DELEGATE_PLEDGE: frozenset({Role.HOUSEHOLD_HEAD}),
    # "Ký thay": a leader records the pledge a household confirmed in person or by phone.
    Action.PLEDGE_ON_BEHALF: LEADERS,
    Action.VIEW_COVERAGE: LEADERS | POLICE | ADMIN,
    # Meetings: the group's own leader and deputy run them; a task's owner may also close it
    # (bot.meetings.tasks checks that, it is not a role); village head and police read.
    Action.SCHEDULE_MEETING: GROUP_LEADERS,
    Action.RECORD_MINUTES: GROUP_LEADERS,
    Action.CLOSE_MEETING_TASK: GROUP_LEADERS,
    Action.REGISTER_GROUP_CHAT: GROUP_LEADERS,
    Action.VIEW_MEETING_BOOK: LEADERS | POLICE,
    Action.VIEW_MEETING_SUMMARY: frozenset({Role.VILLAGE_HEAD}) | POLICE,
    Action.RECEIVE_MINUTES_SUMMARY: POLICE,
    # Campaigns: commune police and admins announce to the commune; leaders to their group.
    Action.SEND_BROADCAST: POLICE | ADMIN,
    Action.MESSAGE_GROUP: GROUP_LEADERS,
    Action.ADD_LOCAL_EVENT: POLICE | ADMIN,
    # Periodic reports: aggregates of the reader's group, village or commune; tip counts for
    # leaders only where VIEW_TIP_COUNTS is on, the annex of tip rows for police and admins.
    Action.VIEW_REPORT: LEADERS | POLICE | ADMIN,
    Action.VIEW_REPORT_TIP_ROWS: POLICE | ADMIN,
    Action.SET_REPORT_SETTINGS: ADMIN,
    # The commune's household list from a spreadsheet (the web console; the CLI is the operator's).
    Action.IMPORT_LISTS: ADMIN,
    # The commune's fraud warning list, which residents' checks answer from.
    Action.LIST_FRAUD: POLICE,
}

# Roles whose invitations are single-use and expire within 7 days.
PRIVILEGED_ROLES = frozenset(
    {
        Role.GROUP_LEADER,
        Role.GROUP_DEPUTY,
        Role.VILLAGE_HEAD,
        Role.SECURITY_TEAM,
        Role.COMMUNE_POLICE,
        Role.COMMUNE_ADMIN,
    }
)


class Forbidden(Exception):
    """The actor may not do this here. Handlers answer politely; nothing is changed."""


@dataclass(frozen=True)
class Scope:
    """Where something lives: always a commune, maybe a village, maybe a group in it."""

    commune_code: str
    village_id: int | None = None
    group_id: int | None = None


@dataclass(frozen=True)
class Grant:
    role: str
    scope_kind: str
    scope_id: str

    def covers(self, scope: Scope) -> bool:
        if self.scope_kind == ScopeKind.COMMUNE:
            return self.scope_id == scope.commune_code
        if self.scope_kind == ScopeKind.VILLAGE:
            return scope.village_id is not None and self.scope_id == str(scope.village_id)
        if self.scope_kind == ScopeKind.GROUP:
            return scope.group_id is not None and self.scope_id == str(scope.group_id)
        return False


@dataclass(frozen=True)
class Actor:
    person_id: int | None
    grants: tuple[Grant, ...] = ()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.grants)


NOBODY = Actor(person_id=None)


def allowed(actor: Actor, action: Action, scope: Scope) -> bool:
    roles = POLICY[action]
    return any(grant.role in roles and grant.covers(scope) for grant in actor.grants)


def require(actor: Actor, action: Action, scope: Scope) -> None:
    if not allowed(actor, action, scope):
        raise Forbidden(f"{action} denied")


async def load_actor(session: AsyncSession, person_id: int | None) -> Actor:
    if person_id is None:
        return NOBODY
    return Actor(person_id, tuple(Grant(*row) for row in await grants_of(session, person_id)))


async def group_scope(session: AsyncSession, group_id: int) -> Scope | None:
    found = await commune_and_village_of_group(session, group_id)
    return Scope(found[0], found[1], group_id) if found else None


async def village_scope(session: AsyncSession, village_id: int) -> Scope | None:
    commune_code = await commune_of_village(session, village_id)
    return Scope(commune_code, village_id) if commune_code else None


async def groups_in_reach(session: AsyncSession, actor: Actor, action: Action) -> list[Group]:
    """The groups where `actor` may do `action`, for menus that offer a choice of group."""
    grants = [g for g in actor.grants if g.role in POLICY[action]]
    return await groups_within(
        session,
        group_ids=[int(g.scope_id) for g in grants if g.scope_kind == ScopeKind.GROUP],
        village_ids=[int(g.scope_id) for g in grants if g.scope_kind == ScopeKind.VILLAGE],
        commune_codes=[g.scope_id for g in grants if g.scope_kind == ScopeKind.COMMUNE],
    )
