"""What a person's data export reads, and what erasing a person deletes or empties."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ConsentRecord,
    Conversation,
    Group,
    Household,
    Meeting,
    MeetingRsvp,
    MeetingTask,
    Membership,
    MembershipStatus,
    Pledge,
    PledgeDelegate,
    ReminderOptOut,
    RoleAssignment,
    Village,
)


async def memberships_with_places(
    session: AsyncSession, person_id: int
) -> list[tuple[Membership, str, str]]:
    """(membership, group name, village name) of each request the person made, oldest first."""
    rows = await session.execute(
        select(Membership, Group.name, Village.name)
        .join(Group, Group.id == Membership.group_id)
        .join(Village, Village.id == Group.village_id)
        .where(Membership.person_id == person_id)
        .order_by(Membership.created_at)
    )
    return [(membership, group, village) for membership, group, village in rows]


async def roles_of(session: AsyncSession, person_id: int) -> list[RoleAssignment]:
    return list(
        await session.scalars(select(RoleAssignment).where(RoleAssignment.person_id == person_id))
    )


async def consents_of(session: AsyncSession, person_id: int) -> list[ConsentRecord]:
    return list(
        await session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.person_id == person_id)
            .order_by(ConsentRecord.at)
        )
    )


async def pledges_confirmed_by(session: AsyncSession, person_id: int) -> list[Pledge]:
    return list(
        await session.scalars(
            select(Pledge).where(Pledge.confirmed_by == person_id).order_by(Pledge.at)
        )
    )


async def households_delegating_to(session: AsyncSession, person_id: int) -> list[int]:
    """The households whose head lets this person sign the pledge."""
    return list(
        await session.scalars(
            select(PledgeDelegate.household_id).where(PledgeDelegate.person_id == person_id)
        )
    )


async def meeting_answers_of(
    session: AsyncSession, person_id: int
) -> list[tuple[MeetingRsvp, datetime]]:
    """(answer, meeting time) of each meeting the person answered, by meeting time."""
    rows = await session.execute(
        select(MeetingRsvp, Meeting.scheduled_at)
        .join(Meeting, Meeting.id == MeetingRsvp.meeting_id)
        .where(MeetingRsvp.person_id == person_id)
        .order_by(Meeting.scheduled_at)
    )
    return [(rsvp, scheduled) for rsvp, scheduled in rows]


async def tasks_owned_by(session: AsyncSession, person_id: int) -> list[MeetingTask]:
    return list(
        await session.scalars(select(MeetingTask).where(MeetingTask.owner_person_id == person_id))
    )


async def forget_activity(session: AsyncSession, person_id: int, *, erased_name: str) -> None:
    """The person's answers, permissions and preferences go; the group's tasks they owned stay,
    under `erased_name`."""
    await session.execute(delete(MeetingRsvp).where(MeetingRsvp.person_id == person_id))
    await session.execute(delete(PledgeDelegate).where(PledgeDelegate.person_id == person_id))
    await session.execute(delete(ReminderOptOut).where(ReminderOptOut.person_id == person_id))
    await session.execute(
        update(MeetingTask)
        .where(MeetingTask.owner_person_id == person_id)
        .values(owner_person_id=None, owner_name=erased_name)
    )


async def drop_roles(session: AsyncSession, person_id: int) -> None:
    await session.execute(delete(RoleAssignment).where(RoleAssignment.person_id == person_id))


async def reject_pending_requests(session: AsyncSession, person_id: int, *, at: datetime) -> None:
    await session.execute(
        update(Membership)
        .where(Membership.person_id == person_id, Membership.status == MembershipStatus.PENDING)
        .values(status=MembershipStatus.REJECTED, decided_at=at)
    )


async def conversations_of_user(
    session: AsyncSession, *, channel: str, user_id: str
) -> list[Conversation]:
    return list(
        await session.scalars(
            select(Conversation).where(
                Conversation.channel == channel, Conversation.user_id == user_id
            )
        )
    )


async def own_unconfirmed_households(
    session: AsyncSession, person_id: int
) -> list[tuple[int, Household]]:
    """(membership id, household) of each unconfirmed household the person's requests name."""
    rows = await session.execute(
        select(Membership.id, Household)
        .join(Household, Household.id == Membership.household_id)
        .where(Membership.person_id == person_id, Household.confirmed.is_(False))
    )
    return [(membership_id, household) for membership_id, household in rows]


async def detach_household(session: AsyncSession, membership_id: int) -> None:
    await session.execute(
        update(Membership).where(Membership.id == membership_id).values(household_id=None)
    )


async def household_requested(session: AsyncSession, household_id: int) -> bool:
    """Whether any membership request still names this household."""
    found = await session.scalar(
        select(Membership.id).where(Membership.household_id == household_id)
    )
    return found is not None
