"""Importing a commune's list of 5,000 households from .xlsx (`python -m bot org import`).

For SQLite (a fresh file) and, with TEST_DATABASE_URL, PostgreSQL it measures
- the first import: every household, village and group created;
- the same file again: every row matched and unchanged, nothing written.

Each import runs in a child process of its own, so that its peak resident memory (what
getrusage reports for the child) is that import's alone; the time is the import's, from
opening the file to the commit, without the interpreter's start.
Run alone with `python -m benchmarks.org_import`.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, select

from bot.config import decode_secret_key, generate_secret_key
from bot.crypto import FieldCipher
from bot.organisation import import_path
from bot.organisation.households import HouseholdRow, write_households
from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import Group, Household, HouseholdStatus, Village

HOUSEHOLDS = 5000
VILLAGES, GROUPS_PER_VILLAGE = 10, 10
TARGET_SECONDS, TARGET_MB = 10.0, 200.0
# Xã Đất Mũi, Cà Mau: a commune the tests do not use, so a shared PostgreSQL keeps its data.
COMMUNE = "32248"
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Đặng", "Bùi", "Đỗ")
GIVEN = ("Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Minh Đức", "Thị Hoa", "Quốc Bảo")


def household_rows(count: int = HOUSEHOLDS) -> list[HouseholdRow]:
    """A realistic list: 10 villages of 10 groups, two households in three with a phone."""
    per_group = count // (VILLAGES * GROUPS_PER_VILLAGE)
    return [
        HouseholdRow(
            row=0,
            village=f"Ấp Đất Mũi {1 + i // (GROUPS_PER_VILLAGE * per_group)}",
            group=f"Tổ {1 + i // per_group}",
            address=f"{1 + i % per_group} đường Rạch Tàu {1 + i // per_group}",
            head=f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[i % len(GIVEN)]}",
            phone=f"09{i:08d}" if i % 3 else None,
            members=1 + i % 7,
            status=HouseholdStatus.MOVED_AWAY if i % 50 == 0 else HouseholdStatus.ACTIVE,
        )
        for i in range(count)
    ]


async def main() -> int:
    print(
        f"Commune list import (`org import`): {HOUSEHOLDS} households from .xlsx, each import "
        "in a child process; time from opening the file to the commit"
    )
    print(f"target: < {TARGET_SECONDS:.0f} s and < {TARGET_MB:.0f} MB peak RSS")
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "households.xlsx"
        await asyncio.to_thread(write_households, path, household_rows())
        urls = [f"sqlite+aiosqlite:///{Path(workdir) / 'org.db'}"]
        if os.environ.get("TEST_DATABASE_URL"):
            urls.append(os.environ["TEST_DATABASE_URL"])
        for url in urls:
            await _empty_commune(url)
            key = generate_secret_key()
            backend = url.split(":", 1)[0].split("+", 1)[0]
            for run in ("first import", "same file again"):
                result = await asyncio.to_thread(_run_child, url, path, key)
                print(_line(f"{backend}, {run}", result))
            await _empty_commune(url)
    return 0


async def _empty_commune(url: str) -> None:
    """Migrate, and remove the benchmark commune's lists left by an earlier run."""
    await upgrade_async(url)
    db = Database(url)
    try:
        async with db.transaction() as session:
            villages = select(Village.id).where(Village.commune_code == COMMUNE)
            groups = select(Group.id).where(Group.village_id.in_(villages))
            await session.execute(delete(Household).where(Household.group_id.in_(groups)))
            await session.execute(delete(Group).where(Group.village_id.in_(villages)))
            await session.execute(delete(Village).where(Village.commune_code == COMMUNE))
    finally:
        await db.close()


def _run_child(url: str, path: Path, key: str) -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.org_import", "--child", url, str(path)]
    done = subprocess.run(
        command,
        env={**os.environ, "BOT_SECRET_KEY": key},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _line(name: str, result: dict[str, float]) -> str:
    seconds, megabytes = result["seconds"], result["max_rss_kb"] / 1024
    verdict = "meets" if seconds < TARGET_SECONDS and megabytes < TARGET_MB else "MISSES"
    outcome = f"{result['created']:.0f} created, {result['unchanged']:.0f} unchanged"
    return (
        f"{name:<34} {seconds:6.2f} s   peak RSS {megabytes:6.1f} MB   ({outcome})"
        f"   {verdict} the target"
    )


async def _child(url: str, path: Path) -> dict[str, float]:
    cipher = FieldCipher(decode_secret_key(os.environ["BOT_SECRET_KEY"]))
    db = Database(url)
    try:
        started = time.perf_counter()
        report = await import_path(db, cipher, path, COMMUNE)
        seconds = time.perf_counter() - started
    finally:
        await db.close()
    if not report.ok:
        raise SystemExit(report.render())
    return {
        "seconds": seconds,
        "created": report.households.created,
        "unchanged": report.households.unchanged,
        # Kilobytes on Linux: the most this process ever held in memory.
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(asyncio.run(_child(sys.argv[2], Path(sys.argv[3])))))
    else:
        sys.exit(asyncio.run(main()))
