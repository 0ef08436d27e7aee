"""Pledge coverage of a commune of 10,000 households (`/baocao camket`, `pledge report`).

For SQLite (a fresh file) and, with TEST_DATABASE_URL, PostgreSQL: 10 villages of 10 groups of
100 households, 2 % moved away, 70 % pledged (one in five through the leader), 3 % withdrawn.
Measured, the median of 5 runs each, in one transaction as the bot does it:
- coverage: the numbers per group, village and commune, and the text the police read;
- missing: the list of the commune's households without a pledge;
- spreadsheet: the whole .xlsx (coverage, every household's line, written to disk).
Run alone with `python -m benchmarks.pledges`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select

from bot.i18n import Translator, compile_catalogs
from bot.pledges.coverage import Unit, UnitKind, coverage, missing_households, summary_text
from bot.pledges.report import write_coverage_workbook
from bot.pledges.texts import applicable_text
from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import (
    Group,
    Household,
    HouseholdStatus,
    Person,
    Pledge,
    PledgeChannel,
    PledgeDelegate,
    Village,
)

# Xã Phan Ngọc Hiển, Cà Mau: a commune neither the tests nor the other benchmarks use.
COMMUNE = "32244"
VILLAGES, GROUPS_PER_VILLAGE, HOUSEHOLDS_PER_GROUP = 10, 10, 100
HOUSEHOLDS = VILLAGES * GROUPS_PER_VILLAGE * HOUSEHOLDS_PER_GROUP
YEAR = 2026
RUNS = 5
TARGET_SECONDS = 1.0
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BENCH_PERSON = "Benchmark Người Ký"


async def main() -> int:
    compile_catalogs()
    print(
        f"Pledge coverage of a commune of {HOUSEHOLDS:,} households "
        f"({VILLAGES} villages x {GROUPS_PER_VILLAGE} groups), median of {RUNS} runs"
    )
    print(f"target: < {TARGET_SECONDS:.0f} s")
    with tempfile.TemporaryDirectory() as workdir:
        urls = [f"sqlite+aiosqlite:///{Path(workdir) / 'pledges.db'}"]
        if os.environ.get("TEST_DATABASE_URL"):
            urls.append(os.environ["TEST_DATABASE_URL"])
        for url in urls:
            backend = url.split(":", 1)[0].split("+", 1)[0]
            await upgrade_async(url)
            db = Database(url)
            try:
                await _empty_commune(db)
                pledged = await _seed(db)
                for name, measure in _measures(db, Path(workdir)):
                    seconds, outcome = await _median(measure)
                    verdict = "meets" if seconds < TARGET_SECONDS else "MISSES"
                    print(
                        f"{backend + ', ' + name:<24} {seconds * 1000:8.1f} ms   ({outcome})"
                        f"   {verdict} the target"
                    )
                print(f"{'':<24} ({pledged:,} pledges in force)")
                await _empty_commune(db)
            finally:
                await db.close()
    return 0


def _measures(db: Database, workdir: Path) -> list[tuple[str, Callable[[], Awaitable[str]]]]:
    unit = Unit(UnitKind.COMMUNE, COMMUNE)
    t = Translator("vi", TIMEZONE)

    async def numbers() -> str:
        async with db.transaction() as session:
            report = await coverage(session, unit, YEAR)
            summary_text(t, report, "Xã Phan Ngọc Hiển")
        total = report.counts
        return f"{total.pledged:,}/{total.resident:,} households, {total.percent}%"

    async def missing() -> str:
        async with db.transaction() as session:
            households = await missing_households(session, unit, YEAR)
        return f"{len(households):,} households listed"

    async def spreadsheet() -> str:
        path = workdir / "camket.xlsx"
        async with db.transaction() as session:
            await write_coverage_workbook(session, t, unit, YEAR, path, now=datetime.now(UTC))
        return f"{path.stat().st_size // 1024:,} kB"

    return [("coverage", numbers), ("missing list", missing), ("spreadsheet", spreadsheet)]


async def _median(measure: Callable[[], Awaitable[str]]) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(RUNS):
        started = time.perf_counter()
        outcome = await measure()
        times.append(time.perf_counter() - started)
    return statistics.median(times), outcome


async def _seed(db: Database) -> int:
    """The commune's villages, groups, households and pledges; returns the pledges in force."""
    at = datetime(YEAR, 2, 1, 2, 0, tzinfo=UTC)
    async with db.transaction() as session:
        signer = Person(full_name=BENCH_PERSON, commune_code=COMMUNE)
        session.add(signer)
        await session.flush()
        text = await applicable_text(session, COMMUNE, YEAR)
        group_ids = []
        for v in range(1, VILLAGES + 1):
            village = Village(commune_code=COMMUNE, name=f"Ấp Rạch Gốc {v}")
            session.add(village)
            await session.flush()
            for g in range(1, GROUPS_PER_VILLAGE + 1):
                group = Group(village_id=village.id, name=f"Tổ {g}")
                session.add(group)
                await session.flush()
                group_ids.append(group.id)
        rows = [
            {
                "group_id": group_id,
                "address": f"{n} đường Rạch Gốc {index + 1}",
                "head_name": f"Chủ hộ {index + 1}-{n}",
                "members": 1 + n % 6,
                "status": HouseholdStatus.MOVED_AWAY if n % 50 == 0 else HouseholdStatus.ACTIVE,
                "confirmed": True,
                "created_at": at,
            }
            for index, group_id in enumerate(group_ids)
            for n in range(1, HOUSEHOLDS_PER_GROUP + 1)
        ]
        await session.execute(insert(Household), rows)
        household_ids = list(
            await session.scalars(
                select(Household.id).where(Household.group_id.in_(group_ids)).order_by(Household.id)
            )
        )
        pledges, in_force = [], 0
        for i, household_id in enumerate(household_ids):
            if i % 10 >= 7:
                continue  # 30 % have not pledged
            withdrawn = i % 33 == 0
            in_force += not withdrawn
            pledges.append(
                {
                    "household_id": household_id,
                    "year": YEAR,
                    "text_id": text.id,
                    "confirmed_by": signer.id,
                    "assisted": i % 5 == 0,
                    "assisted_how": PledgeChannel.IN_PERSON if i % 5 == 0 else None,
                    "channel": "zalo",
                    "at": at + timedelta(minutes=i),
                    "withdrawn_at": at + timedelta(days=3) if withdrawn else None,
                    "withdrawn_by": signer.id if withdrawn else None,
                    "withdraw_reason": "Benchmark" if withdrawn else None,
                }
            )
        await session.execute(insert(Pledge), pledges)
    return in_force


async def _empty_commune(db: Database) -> None:
    """Remove the benchmark commune's data left by an earlier run."""
    async with db.transaction() as session:
        villages = select(Village.id).where(Village.commune_code == COMMUNE)
        groups = select(Group.id).where(Group.village_id.in_(villages))
        households = select(Household.id).where(Household.group_id.in_(groups))
        await session.execute(delete(Pledge).where(Pledge.household_id.in_(households)))
        await session.execute(
            delete(PledgeDelegate).where(PledgeDelegate.household_id.in_(households))
        )
        await session.execute(delete(Household).where(Household.group_id.in_(groups)))
        await session.execute(delete(Group).where(Group.village_id.in_(villages)))
        await session.execute(delete(Village).where(Village.commune_code == COMMUNE))
        await session.execute(
            delete(Person).where(Person.commune_code == COMMUNE, Person.full_name == BENCH_PERSON)
        )


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
