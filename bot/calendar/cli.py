"""`python -m bot calendar …` (a commune's events) and `python -m bot reminders …` (the plan)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import Any

from bot.config import Settings


def add_calendar_commands(commands: Any) -> None:
    calendar = commands.add_parser("calendar", help="the campaign calendar of a commune")
    sub = calendar.add_subparsers(dest="calendar_command", required=True)
    listing = sub.add_parser("list", help="the commune's events: national and its own")
    listing.add_argument("--commune", required=True)
    listing.set_defaults(run=run_list)

    add = sub.add_parser("add", help="add a local event, or change a national one (same key)")
    add.add_argument("--commune", required=True)
    add.add_argument("--key", required=True, help="short name, e.g. village_festival")
    add.add_argument("--rule", help="e.g. date:26/6, month:9, window:1/7-19/8, lunar:15/7")
    add.add_argument("--audience", help="all, members, group_chats, leaders, police, …")
    add.add_argument("--leads", help="e.g. 7d,1d,0d or 0d@18:00")
    add.add_argument("--title", help="the event's name (a new event needs it)")
    add.add_argument("--text-vi", help="the message in Vietnamese (a new event needs it)")
    add.add_argument("--text-en", help="the message in English")
    add.set_defaults(run=run_add)

    for name, enabled in (("off", False), ("on", True)):
        switch = sub.add_parser(name, help=f"switch an event {name} in a commune")
        switch.add_argument("--commune", required=True)
        switch.add_argument("--key", required=True)
        switch.set_defaults(run=run_switch, enabled=enabled)

    settings = sub.add_parser("settings", help="quiet hours and catch-up window of a commune")
    settings.add_argument("--commune", required=True)
    settings.add_argument("--quiet", help="e.g. 21:00-06:30")
    settings.add_argument("--grace-hours", type=float)
    settings.set_defaults(run=run_settings)

    reminders = commands.add_parser("reminders", help="campaign reminders: preview, run a tick")
    rsub = reminders.add_subparsers(dest="reminders_command", required=True)
    preview = rsub.add_parser("preview", help="what would be sent, without sending")
    preview.add_argument("--from", dest="first", required=True, type=date.fromisoformat)
    preview.add_argument("--to", dest="last", required=True, type=date.fromisoformat)
    preview.add_argument("--commune")
    preview.set_defaults(run=run_preview)
    run_due = rsub.add_parser("run-due", help="queue what is due now (or --now), once")
    run_due.add_argument("--now", type=_instant, help="ISO-8601, e.g. 2027-06-25T07:00+07:00")
    run_due.add_argument("--commune")
    run_due.set_defaults(run=run_run_due)


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone, e.g. 2027-06-25T07:00+07:00")
    return moment


async def _database(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.i18n import compile_catalogs
    from storage.db import Database
    from storage.migrate import upgrade_async

    compile_catalogs()
    await upgrade_async(settings.database_url)
    return Database(settings.database_url)


async def run_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.calendar.events import NATIONAL, events_of
    from bot.i18n import Translator

    db = await _database(settings)
    t = Translator("vi", settings.timezone)
    try:
        async with db.transaction() as session:
            events = await events_of(session, args.commune)
    finally:
        await db.close()
    active = {event.key for event in events}
    for event in events:
        leads = ",".join(lead.key for lead in event.leads)
        origin = "local" if event.local else "national"
        print(
            f"{event.key:20} {event.rule.spec:26} {event.audience:12} {leads:10} {origin:8} "
            f"{event.render_title(t)}"
        )
    for event in NATIONAL:
        if event.key not in active:
            hint = f"(off: example, `calendar on --key {event.key}`)" if event.example else "(off)"
            print(f"{event.key:20} {hint}")
    return 0


async def run_add(settings: Settings, args: argparse.Namespace) -> int:
    from bot.calendar.audience import check_audience
    from bot.calendar.events import NATIONAL_KEYS
    from bot.calendar.rules import RuleError, parse_leads, parse_rule
    from storage.base import utcnow
    from storage.models import CalendarEvent
    from storage.repos.calendar import event_row
    from storage.repos.org import commune_by_code

    national = NATIONAL_KEYS.get(args.key)
    db = await _database(settings)
    try:
        async with db.transaction() as session:
            if await commune_by_code(session, args.commune) is None:
                print(f"No commune with code {args.commune}.", file=sys.stderr)
                return 2
            row = await event_row(session, args.commune, args.key)
            if row is None:
                if national is None and not (args.rule and args.title and args.text_vi):
                    print("A new event needs --rule, --title and --text-vi.", file=sys.stderr)
                    return 2
                row = CalendarEvent(
                    commune_code=args.commune,
                    key=args.key,
                    title=national.title if national else args.title,
                    rule=national.rule.spec if national else args.rule,
                    audience=national.audience if national else "all",
                    leads=",".join(x.key for x in national.leads) if national else "1d,0d",
                )
                session.add(row)
            for field in ("rule", "audience", "leads", "title", "text_vi", "text_en"):
                value = getattr(args, field)
                if value is not None:
                    setattr(row, field, value)
            try:
                parse_rule(row.rule)
                parse_leads(row.leads)
                check_audience(row.audience)
            except (RuleError, ValueError) as exc:
                print(exc, file=sys.stderr)
                return 2
            row.enabled, row.updated_at = True, utcnow()
    finally:
        await db.close()
    print(f"Saved {args.key} for commune {args.commune}.")
    return 0


async def run_switch(settings: Settings, args: argparse.Namespace) -> int:
    from bot.calendar.events import NATIONAL_KEYS
    from storage.base import utcnow
    from storage.models import CalendarEvent
    from storage.repos.calendar import event_row

    national = NATIONAL_KEYS.get(args.key)
    db = await _database(settings)
    try:
        async with db.transaction() as session:
            row = await event_row(session, args.commune, args.key)
            if row is None and national is None:
                print(f"No event {args.key} in commune {args.commune}.", file=sys.stderr)
                return 2
            if row is None and national is not None:
                row = CalendarEvent(
                    commune_code=args.commune,
                    key=args.key,
                    title=national.title,
                    rule=national.rule.spec,
                    audience=national.audience,
                    leads=",".join(x.key for x in national.leads),
                )
                session.add(row)
            row.enabled, row.updated_at = args.enabled, utcnow()
    finally:
        await db.close()
    print(f"{args.key}: {'on' if args.enabled else 'off'} in commune {args.commune}.")
    return 0


async def run_settings(settings: Settings, args: argparse.Namespace) -> int:
    from bot.calendar.rules import RuleError, parse_time
    from storage.models import CalendarSettings
    from storage.repos.calendar import calendar_settings

    db = await _database(settings)
    try:
        async with db.transaction() as session:
            row = await calendar_settings(session, args.commune)
            if row is None:
                row = CalendarSettings(
                    commune_code=args.commune,
                    quiet_from="21:00",
                    quiet_until="06:30",
                    grace_minutes=720,
                )
                session.add(row)
            if args.quiet:
                start, _, end = args.quiet.partition("-")
                try:
                    row.quiet_from = f"{parse_time(start):%H:%M}"
                    row.quiet_until = f"{parse_time(end):%H:%M}"
                except RuleError as exc:
                    print(exc, file=sys.stderr)
                    return 2
            if args.grace_hours is not None:
                row.grace_minutes = int(args.grace_hours * 60)
            print(
                f"Commune {args.commune}: quiet {row.quiet_from}-{row.quiet_until}, "
                f"grace {row.grace_minutes / 60:g} h."
            )
    finally:
        await db.close()
    return 0


async def run_preview(settings: Settings, args: argparse.Namespace) -> int:
    from bot.calendar.service import preview
    from bot.i18n import Translator

    db = await _database(settings)
    t = Translator("vi", settings.timezone)
    try:
        lines = await preview(db, settings, args.first, args.last, commune=args.commune)
    finally:
        await db.close()
    print(f"{'first send (local)':18} {'commune':8} {'event':20} {'date':10} lead  recipients")
    for line in lines:
        local = line.first_send.astimezone(settings.timezone)
        print(
            f"{local:%Y-%m-%d %H:%M}   {line.commune_code:8} {line.event.key:20} "
            f"{line.occurrence.start.isoformat()} {line.lead.key:5} {line.audience_size:>6}  "
            f"{line.event.render_title(t)}"
        )
    print(f"{len(lines)} reminders, {sum(line.audience_size for line in lines)} messages.")
    return 0


async def run_run_due(settings: Settings, args: argparse.Namespace) -> int:
    from bot.calendar.service import run_due
    from storage.base import utcnow

    db = await _database(settings)
    try:
        result = await run_due(db, settings, args.now or utcnow(), commune=args.commune)
    finally:
        await db.close()
    print(
        f"{result.runs} reminders queued ({result.queued} messages), {result.missed} missed. "
        "The running bot sends them."
    )
    return 0
