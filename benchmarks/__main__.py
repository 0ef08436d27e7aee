"""`make bench`: every benchmark, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL.

Each runs in a process of its own, so the peak RSS it prints is its bot's alone (one process
running them all in turn printed the largest of all of them so far, over 200 MB, while no
bot's own peak passes 175 MB), and no benchmark warms or burdens the next one.
"""

import subprocess
import sys

BENCHMARKS = ("inbound", "zalo", "org_import", "tips", "fanout", "pledges", "reports")


def main() -> int:
    status = 0
    for index, name in enumerate(BENCHMARKS):
        if index:
            print(flush=True)
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], check=False)
        status = status or done.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
