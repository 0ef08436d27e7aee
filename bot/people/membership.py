"""Belonging to a group: a person asks, the group's leader confirms or rejects with one button.

Confirming makes the person a resident of the group (and head of their household when the
household is theirs), links them to the household, and confirms a household they added
themselves. Each decision is checked against the decider's roles and scope, on the server.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import Action, allowed, group_scope
from bot.i18n import N_, Translator
from bot.messages import Choice, OutboundMessage, action_key
from bot.people.listed_match import listed_label, merge_into_listed
from bot.people.personal_data import audit
from bot.text_match import fold
from bot.work import Work
from storage.base import utcnow
from storage.models import (
    Group,
    Household,
    Membership,
    MembershipStatus,
    Person,
    Priority,
    Role,
    RoleAssignment,
    ScopeKind,
)
from storage.repos.accounts import reachable_accounts as accounts_of
from storage.repos.org import group_by_id
from storage.repos.outbox import dedupe_key
from storage.repos.people import (
    drop_household,
    holds_role,
    household_by_id,
    membership_to_decide,
    pending_memberships,
    person_by_id,
    roles_around_group,
)
from storage.repos.places import group_and_village_names

CONFIRM, REJECT, CONFIRM_LISTED = "mem_ok", "mem_no", "mem_as"


class Decision(StrEnum):
    DONE = "done"
    ALREADY_DECIDED = "already_decided"
    FORBIDDEN = "forbidden"
    GONE = "gone"
    LISTED_TAKEN = "listed_taken"


async def deciders_of(session: AsyncSession, group_id: int) -> list[int]:
    """The persons who decide on this group's members: its leader and deputies, else the
    village head, else the commune's admins."""
    scope = await group_scope(session, group_id)
    if scope is None:
        return []
    by_role: dict[str, set[int]] = {}
    for person_id, role in await roles_around_group(
        session, group_id=group_id, village_id=scope.village_id, commune_code=scope.commune_code
    ):
        by_role.setdefault(role, set()).add(person_id)
    for roles in (
        (Role.GROUP_LEADER, Role.GROUP_DEPUTY),
        (Role.VILLAGE_HEAD,),
        (Role.COMMUNE_ADMIN,),
    ):
        found = set().union(*(by_role.get(role, set()) for role in roles))
        if found:
            return sorted(found)
    return []


async def request_membership(
    work: Work,
    *,
    person: Person,
    group: Group,
    household: Household | None,
    invite_id: int | None,
    suggested: Person | None = None,
) -> Membership:
    membership = Membership(
        person_id=person.id,
        group_id=group.id,
        household_id=household.id if household else None,
        invite_id=invite_id,
        status=MembershipStatus.PENDING,
        created_at=work.now,
        suggested_person_id=suggested.id if suggested else None,
    )
    work.session.add(membership)
    await work.session.flush()
    listed = await listed_label(work.session, membership)
    for account in await accounts_of(work.session, await deciders_of(work.session, group.id)):
        t = Translator(account.language, work.settings.timezone)
        await work.notify(
            channel=account.channel,
            chat_id=account.chat_id,
            message=request_notice(t, membership, person, group, household, listed=listed),
            priority=Priority.ALERT,
            dedupe_key=dedupe_key("membership", membership.id, account.id),
        )
    return membership


def request_notice(
    t: Translator,
    membership: Membership,
    person: Person,
    group: Group,
    household: Household | None,
    *,
    listed: str | None = None,
) -> OutboundMessage:
    if household is None:
        where = t.gettext("no household given")
    elif household.confirmed:
        where = t.gettext("household at {address}", address=household.address)
    else:
        where = t.gettext(
            "a household NOT on your list, at {address}: please check it", address=household.address
        )
    text = t.gettext(
        "New member for {group}: {name}, {where}. Do you confirm?",
        group=group.name,
        name=person.full_name,
        where=where,
    )
    choices = [
        Choice(action_key(CONFIRM, membership.id), t.gettext("Confirm")),
        Choice(action_key(REJECT, membership.id), t.gettext("Reject")),
    ]
    if listed:
        text += "\n\n" + t.gettext(
            "The name typed was “{typed}”. The commune's list has “{listed}”, not on Bình Yên "
            "yet. If it is the same person, confirm as the listed one.",
            typed=person.full_name,
            listed=listed,
        )
        choices.insert(
            0, Choice(action_key(CONFIRM_LISTED, membership.id), t.gettext("Confirm as listed"))
        )
    return OutboundMessage(text=text, choices=tuple(choices))


async def decide(
    work: Work, membership_id: int, *, accept: bool, as_listed: bool = False
) -> Decision:
    """Confirm or reject one request, if the acting person may decide for that group."""
    session = work.session
    membership = await membership_to_decide(session, membership_id)
    if membership is None:
        return Decision.GONE
    scope = await group_scope(session, membership.group_id)
    actor = await work.acting()
    if scope is None or not allowed(actor, Action.DECIDE_MEMBERSHIP, scope):
        return Decision.FORBIDDEN
    if membership.status != MembershipStatus.PENDING:
        return Decision.ALREADY_DECIDED
    membership.status = MembershipStatus.CONFIRMED if accept else MembershipStatus.REJECTED
    membership.decided_by = actor.person_id
    membership.decided_at = work.now
    person = await person_by_id(session, membership.person_id)
    group = await group_by_id(session, membership.group_id)
    household = await household_by_id(session, membership.household_id)
    if person is None or group is None:
        return Decision.GONE
    if as_listed:
        listed = await merge_into_listed(
            session, membership, person, actor=actor.person_id, at=work.now
        )
        if listed is None:
            membership.status = MembershipStatus.PENDING
            return Decision.LISTED_TAKEN
        person = listed
        if listed.household_id and (household is None or not household.confirmed):
            # The list knows their household: one they added while joining is not needed.
            if household is not None:
                await _drop_unconfirmed_household(session, membership, household)
            household = await household_by_id(session, listed.household_id)
            membership.household_id = listed.household_id
    if accept:
        await _admit(session, person, group, household, actor=actor.person_id, at=work.now)
    elif household is not None and not household.confirmed:
        await _drop_unconfirmed_household(session, membership, household)
    await _tell_member(work, person, group, accepted=accept)
    return Decision.DONE


async def _admit(
    session: AsyncSession,
    person: Person,
    group: Group,
    household: Household | None,
    *,
    actor: int | None,
    at: datetime,
) -> None:
    roles = [Role.RESIDENT]
    if household is not None:
        household.confirmed = True
        person.household_id = household.id
        if fold(household.head_name) == fold(person.full_name):
            roles.append(Role.HOUSEHOLD_HEAD)
    for role in roles:
        await grant_role(
            session, person.id, role, ScopeKind.GROUP, str(group.id), actor=actor, at=at
        )


async def _drop_unconfirmed_household(
    session: AsyncSession, membership: Membership, household: Household
) -> None:
    membership.household_id = None
    await session.flush()
    await drop_household(session, household)


async def grant_role(
    session: AsyncSession,
    person_id: int,
    role: str,
    scope_kind: str,
    scope_id: str,
    *,
    actor: int | None = None,
    at: datetime | None = None,
    detail: str | None = None,
) -> None:
    """Give a role in a scope, once; every new grant is written to the audit log."""
    if not await holds_role(session, person_id, role, scope_kind, scope_id):
        session.add(
            RoleAssignment(person_id=person_id, role=role, scope_kind=scope_kind, scope_id=scope_id)
        )
        audit(
            session,
            actor=actor,
            action="role.grant",
            subject_kind="person",
            subject_id=person_id,
            at=at or utcnow(),
            detail=f"{role}@{scope_kind}:{scope_id}" + (f" {detail}" if detail else ""),
        )
        await session.flush()


ACCEPTED = N_(
    "Good news: {group} confirmed you as a member. Your menu now has everything for residents."
)
REJECTED = N_(
    "The leader of {group} could not confirm your membership. If you think this is a mistake, "
    "please talk to your group leader."
)


async def _tell_member(work: Work, person: Person, group: Group, *, accepted: bool) -> None:
    for account in await accounts_of(work.session, [person.id]):
        t = Translator(account.language, work.settings.timezone)
        text = t.gettext(ACCEPTED if accepted else REJECTED, group=group.name)
        await work.notify(
            channel=account.channel,
            chat_id=account.chat_id,
            message=OutboundMessage(text=text),
            priority=Priority.ALERT,
        )


async def pending_requests(session: AsyncSession, group_ids: list[int]) -> list[Membership]:
    """Requests waiting for a leader's decision in these groups, oldest first."""
    return await pending_memberships(session, group_ids)


async def group_label(session: AsyncSession, group_id: int) -> str:
    """ "Tổ 1, Ấp Mỹ Thạnh"."""
    names = await group_and_village_names(session, group_id)
    return f"{names[0]}, {names[1]}" if names else ""
