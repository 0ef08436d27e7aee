"""The web console and the runtime modules around it build no SQL: their queries live in
storage/repos (issue #16), and the runtime imports no domain package for them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    *sorted((ROOT / "bot" / "web").glob("*.py")),
    ROOT / "handlers" / "web_login.py",
    ROOT / "bot" / "runtime" / "channels" / "console.py",
    ROOT / "bot" / "runtime" / "channels" / "zalo_media.py",
    ROOT / "bot" / "runtime" / "quota_notices.py",
    ROOT / "bot" / "runtime" / "outbox.py",
]
SQL = re.compile(r"session\.(get|execute|scalar|scalars)\(|^from sqlalchemy import", re.M)


def test_no_sql_built_outside_storage() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in FILES
        for match in SQL.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_quota_notices_import_no_domain_package() -> None:
    text = (ROOT / "bot" / "runtime" / "quota_notices.py").read_text(encoding="utf-8")
    assert "bot.people" not in text
