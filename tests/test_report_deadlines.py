"""Report deadlines differ by locality: the three of one 2022 district plan ship switched off,
as examples a commune switches on (and may change) with the calendar command."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.calendar.events import NATIONAL_KEYS
from bot.calendar.service import preview
from bot.cli import main as cli_main
from tests.test_reminders_tick import commune_with_members

DEADLINES = ("report_quarter", "report_half_year", "report_year")


async def test_report_deadlines_are_examples_switched_on_by_a_commune(
    db, settings, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    org = await commune_with_members(db)
    assert all(NATIONAL_KEYS[key].example for key in DEADLINES)
    lines = await preview(db, settings, date(2027, 6, 1), date(2027, 6, 30))
    assert not [line for line in lines if line.event.key in DEADLINES]

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BOT_SECRET_KEY", settings.bot_secret_key)
    code = await asyncio.to_thread(cli_main, ["calendar", "list", "--commune", org.commune])
    assert code == 0
    assert "report_year          (off: example, `calendar on --key report_year`)" in (
        capsys.readouterr().out
    )
    code = await asyncio.to_thread(
        cli_main, ["calendar", "on", "--commune", org.commune, "--key", "report_quarter"]
    )
    assert code == 0
    lines = await preview(db, settings, date(2027, 6, 1), date(2027, 6, 30))
    by_key = {(line.event.key, line.lead.key): line for line in lines}
    assert by_key[("report_quarter", "1d")].audience_size == 2  # the two group leaders
    assert ("report_half_year", "1d") not in by_key
