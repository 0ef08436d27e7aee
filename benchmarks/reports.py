"""The yearly report of a commune of 10,000 households, 2,000 tips and 400 meetings
(`python -m bot report --period 2026`): numbers, three charts, the .docx and the .xlsx.

For SQLite (a fresh file) and, with TEST_DATABASE_URL, PostgreSQL: 10 villages of 10 groups of
100 households, 70 % pledged, 2,000 tips over the year (every category and status, 90 %
acknowledged), 4 meetings per group (400) with 2 tasks each. Measured, the median of 3 runs,
in one transaction as the bot does it. Run alone with `python -m benchmarks.reports`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select

from bot.pledges.coverage import Unit, UnitKind
from bot.pledges.texts import applicable_text
from bot.reports import make_report
from bot.reports.data import AckRule
from bot.reports.periods import parse_period
from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import (
    Group,
    Household,
    Meeting,
    MeetingMinutes,
    MeetingTask,
    Person,
    Pledge,
    Tip,
    TipEvent,
    Village,
)

# Xã Tân Ân, Cà Mau: a commune neither the tests nor the other benchmarks use.
COMMUNE = "32236"
VILLAGES, GROUPS_PER_VILLAGE, HOUSEHOLDS_PER_GROUP = 10, 10, 100
TIPS, MEETINGS_PER_GROUP = 2000, 4
YEAR = 2026
RUNS = 3
TARGET_SECONDS = 3.0
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BENCH_PERSON = "Benchmark Báo Cáo"
CATEGORIES = ("theft", "robbery", "drugs", "gambling", "fighting", "fraud", "fire", "traffic")
STATUSES = ("new", "acknowledged", "verifying", "forwarded", "resolved", "no_grounds")


async def main() -> int:
    households = VILLAGES * GROUPS_PER_VILLAGE * HOUSEHOLDS_PER_GROUP
    meetings = VILLAGES * GROUPS_PER_VILLAGE * MEETINGS_PER_GROUP
    print(
        f"Yearly report of a commune of {households:,} households, {TIPS:,} tips and "
        f"{meetings} meetings (.docx with 3 charts + .xlsx), median of {RUNS} runs"
    )
    print(f"target: < {TARGET_SECONDS:.0f} s")
    with tempfile.TemporaryDirectory() as workdir:
        urls = [f"sqlite+aiosqlite:///{Path(workdir) / 'reports.db'}"]
        if os.environ.get("TEST_DATABASE_URL"):
            urls.append(os.environ["TEST_DATABASE_URL"])
        for url in urls:
            backend = url.split(":", 1)[0].split("+", 1)[0]
            await upgrade_async(url)
            db = Database(url)
            try:
                await _empty_commune(db)
                await _seed(db)
                times, outcome = [], ""
                for _ in range(RUNS):
                    started = time.perf_counter()
                    outcome = await _measure(db, Path(workdir))
                    times.append(time.perf_counter() - started)
                seconds = statistics.median(times)
                verdict = "meets" if seconds < TARGET_SECONDS else "MISSES"
                print(
                    f"{backend + ', yearly report':<24} {seconds * 1000:8.1f} ms   ({outcome})"
                    f"   {verdict} the target"
                )
                await _empty_commune(db)
            finally:
                await db.close()
    return 0


async def _measure(db: Database, workdir: Path) -> str:
    async with db.transaction() as session:
        report, paths = await make_report(
            session,
            Unit(UnitKind.COMMUNE, COMMUNE),
            parse_period(str(YEAR)),
            workdir,
            actor=None,
            tz=TIMEZONE,
            now=datetime(YEAR + 1, 1, 10, tzinfo=UTC),
            ack=AckRule(),
        )
    assert report.tips is not None
    sizes = ", ".join(f"{p.suffix} {p.stat().st_size // 1024:,} kB" for p in paths)
    return f"{report.tips.received:,} tips, {report.meetings.held} meetings; {sizes}"


async def _seed(db: Database) -> None:
    start = datetime(YEAR, 1, 1, tzinfo=TIMEZONE).astimezone(UTC)
    async with db.transaction() as session:
        person = Person(full_name=BENCH_PERSON, commune_code=COMMUNE)
        session.add(person)
        await session.flush()
        text = await applicable_text(session, COMMUNE, YEAR)
        villages, groups = [], []
        for v in range(1, VILLAGES + 1):
            village = Village(commune_code=COMMUNE, name=f"Ấp Tân Ân {v}")
            session.add(village)
            await session.flush()
            villages.append(village.id)
            for g in range(1, GROUPS_PER_VILLAGE + 1):
                group = Group(village_id=village.id, name=f"Tổ {g}")
                session.add(group)
                await session.flush()
                groups.append((village.id, group.id))
        await session.execute(
            insert(Household),
            [
                {
                    "group_id": group_id,
                    "address": f"{n} đường Tân Ân {index}",
                    "head_name": f"Chủ hộ {index}-{n}",
                    "members": 3,
                    "created_at": start,
                }
                for index, (_, group_id) in enumerate(groups)
                for n in range(1, HOUSEHOLDS_PER_GROUP + 1)
            ],
        )
        household_ids = list(
            await session.scalars(
                select(Household.id).where(Household.group_id.in_([g for _, g in groups]))
            )
        )
        await session.execute(
            insert(Pledge),
            [
                {
                    "household_id": household_id,
                    "year": YEAR,
                    "text_id": text.id,
                    "confirmed_by": person.id,
                    "channel": "zalo",
                    "at": start + timedelta(days=i % 120),
                }
                for i, household_id in enumerate(household_ids)
                if i % 10 < 7
            ],
        )
        minutes_in_year = 365 * 24 * 60
        tips = []
        for i in range(TIPS):
            created = start + timedelta(minutes=i * minutes_in_year // TIPS)
            status = STATUSES[i % len(STATUSES)]
            village_id, group_id = groups[i % len(groups)]
            tips.append(
                {
                    "code": f"BR{i:06d}",
                    "commune_code": COMMUNE,
                    "village_id": village_id,
                    "group_id": group_id,
                    "channel": "zalo",
                    "category_key": CATEGORIES[i % len(CATEGORIES)],
                    "urgent": i % 7 == 0,
                    "status": status,
                    "satisfied": (i % 3 == 0) if status == "resolved" else None,
                    "created_at": created,
                    "acknowledged_at": None
                    if status == "new"
                    else created + timedelta(minutes=i % 50),
                    "closed_at": created + timedelta(days=3)
                    if status in ("resolved", "no_grounds")
                    else None,
                }
            )
        await session.execute(insert(Tip), tips)
        forwarded = await session.scalars(
            select(Tip.id).where(Tip.commune_code == COMMUNE, Tip.status == "forwarded")
        )
        await session.execute(
            insert(TipEvent),
            [
                {"tip_id": tip_id, "at": start, "kind": "status", "status": "forwarded"}
                for tip_id in forwarded
            ],
        )
        for _, group_id in groups:
            for quarter in range(1, MEETINGS_PER_GROUP + 1):
                held = start + timedelta(days=(quarter - 1) * 91 + 30)
                meeting = Meeting(
                    group_id=group_id,
                    year=YEAR,
                    quarter=quarter,
                    scheduled_at=held,
                    status="held",
                )
                session.add(meeting)
                await session.flush()
                session.add(
                    MeetingMinutes(
                        meeting_id=meeting.id,
                        held_at=held,
                        households_present=80 + quarter,
                        households_total=HOUSEHOLDS_PER_GROUP,
                    )
                )
                for n in range(2):
                    session.add(
                        MeetingTask(
                            meeting_id=meeting.id,
                            group_id=group_id,
                            text=f"Nhiệm vụ {n}",
                            created_at=held,
                            status="done" if n else "open",
                            done_at=held + timedelta(days=5) if n else None,
                        )
                    )


async def _empty_commune(db: Database) -> None:
    async with db.transaction() as session:
        villages = select(Village.id).where(Village.commune_code == COMMUNE)
        groups = select(Group.id).where(Group.village_id.in_(villages))
        households = select(Household.id).where(Household.group_id.in_(groups))
        meetings = select(Meeting.id).where(Meeting.group_id.in_(groups))
        tips = select(Tip.id).where(Tip.commune_code == COMMUNE)
        await session.execute(delete(TipEvent).where(TipEvent.tip_id.in_(tips)))
        await session.execute(delete(Tip).where(Tip.commune_code == COMMUNE))
        await session.execute(delete(MeetingTask).where(MeetingTask.group_id.in_(groups)))
        await session.execute(delete(MeetingMinutes).where(MeetingMinutes.meeting_id.in_(meetings)))
        await session.execute(delete(Meeting).where(Meeting.group_id.in_(groups)))
        await session.execute(delete(Pledge).where(Pledge.household_id.in_(households)))
        await session.execute(delete(Household).where(Household.group_id.in_(groups)))
        await session.execute(delete(Group).where(Group.village_id.in_(villages)))
        await session.execute(delete(Village).where(Village.commune_code == COMMUNE))
        await session.execute(
            delete(Person).where(Person.commune_code == COMMUNE, Person.full_name == BENCH_PERSON)
        )


if __name__ == "__main__":
    asyncio.run(main())
