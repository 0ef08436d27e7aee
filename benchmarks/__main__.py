"""`make bench`: every benchmark, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL."""

import asyncio
import sys

from benchmarks import fanout, org_import, pledges, reports, tips, zalo
from benchmarks.inbound import main as inbound


async def main() -> int:
    status = await inbound()
    print()
    status = await zalo.main() or status
    print()
    status = await org_import.main() or status
    print()
    status = await tips.main() or status
    print()
    status = await fanout.main() or status
    print()
    status = await pledges.main() or status
    print()
    return await reports.main() or status


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
