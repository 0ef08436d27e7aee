"""The host household rotates fairly: nobody hosts twice before everyone hosted once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.meetings.rotation import next_host, propose_host
from bot.meetings.schedule import quarter_of
from storage.db import Database
from storage.models import (
    Group,
    HostingSkip,
    Household,
    HouseholdStatus,
    Meeting,
    MeetingMinutes,
    MeetingStatus,
    Village,
)
from tests.org_fixtures import THANH_MY

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_next_host_prefers_never_then_longest_ago() -> None:
    t0 = datetime(2025, 1, 1, tzinfo=TZ)
    assert next_host([], {}) is None
    assert next_host([1, 2, 3], {}) == 1
    assert next_host([1, 2, 3], {1: t0}) == 2
    assert next_host([1, 2, 3], {1: t0, 2: t0 + timedelta(days=1), 3: t0 - timedelta(days=1)}) == 3


async def ten_households(db: Database) -> tuple[int, list[int]]:
    async with db.transaction() as session:
        village = Village(commune_code=THANH_MY, name="Ấp Rotation")
        session.add(village)
        await session.flush()
        group = Group(village_id=village.id, name="Tổ 9")
        session.add(group)
        await session.flush()
        ids = []
        for n in range(1, 11):
            household = Household(
                group_id=group.id, address=f"{n} đường Sao", head_name=f"Chủ hộ {n}", members=3
            )
            session.add(household)
            await session.flush()
            ids.append(household.id)
        return group.id, ids


async def hold_meeting(
    db: Database, group_id: int, when: datetime, *, as_recorded: bool
) -> int | None:
    """Schedule the proposed host; record half of the meetings as held (minutes)."""
    async with db.transaction() as session:
        host = await propose_host(session, group_id)
        year, quarter = quarter_of(when.date())
        meeting = Meeting(
            group_id=group_id,
            year=year,
            quarter=quarter,
            scheduled_at=when,
            host_household_id=host.id if host else None,
            status=MeetingStatus.HELD if as_recorded else MeetingStatus.SCHEDULED,
        )
        session.add(meeting)
        await session.flush()
        if as_recorded:
            session.add(
                MeetingMinutes(
                    meeting_id=meeting.id,
                    held_at=when,
                    host_household_id=meeting.host_household_id,
                    households_present=8,
                    households_total=10,
                    recorded_at=when,
                )
            )
        return host.id if host else None


async def test_twelve_quarters_in_a_group_of_ten(db: Database) -> None:
    group_id, households = await ten_households(db)
    start = datetime(2025, 1, 12, 19, 30, tzinfo=TZ)
    hosts: list[int | None] = []
    for n in range(12):
        if n == 4:  # before the 5th meeting, household 6 moves away and 8 asks to be skipped
            async with db.transaction() as session:
                await session.execute(
                    update(Household)
                    .where(Household.id == households[5])
                    .values(status=HouseholdStatus.MOVED_AWAY)
                )
                session.add(HostingSkip(household_id=households[7]))
        when = start + timedelta(days=91 * n)
        hosts.append(await hold_meeting(db, group_id, when, as_recorded=n % 2 == 0))
    active = [h for i, h in enumerate(households) if i not in (5, 7)]
    assert households[5] not in hosts and households[7] not in hosts
    # Every eligible household hosts once before any hosts twice.
    first_round = hosts[: len(active)]
    assert sorted(first_round) == sorted(active)
    # The round after repeats the same order.
    assert hosts[len(active) :] == first_round[: 12 - len(active)]


async def test_a_held_meeting_counts_for_the_household_that_really_hosted(db: Database) -> None:
    group_id, households = await ten_households(db)
    when = datetime(2025, 1, 12, 19, 30, tzinfo=TZ)
    async with db.transaction() as session:
        meeting = Meeting(
            group_id=group_id,
            year=2025,
            quarter=1,
            scheduled_at=when,
            host_household_id=households[0],
            status=MeetingStatus.HELD,
        )
        session.add(meeting)
        await session.flush()
        session.add(
            MeetingMinutes(
                meeting_id=meeting.id,
                held_at=when,
                host_household_id=households[2],  # moved to household 3 on the day
                households_present=9,
                households_total=10,
                recorded_at=when,
            )
        )
    async with db.transaction() as session:
        proposal = await propose_host(session, group_id)
    assert proposal is not None and proposal.id == households[0]


async def test_a_cancelled_meeting_does_not_use_up_a_turn(db: Database) -> None:
    group_id, households = await ten_households(db)
    async with db.transaction() as session:
        session.add(
            Meeting(
                group_id=group_id,
                year=2025,
                quarter=1,
                scheduled_at=datetime(2025, 1, 12, 19, 30, tzinfo=TZ),
                host_household_id=households[0],
                status=MeetingStatus.CANCELLED,
            )
        )
    async with db.transaction() as session:
        proposal = await propose_host(session, group_id)
    assert proposal is not None and proposal.id == households[0]
