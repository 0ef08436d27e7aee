"""`python -m bot tips list --commune CODE` and `python -m bot tips ack TB-XXXX --as "NAME"`:
the police desk's door from a terminal, through the same domain functions as the chat.

`list` shows a commune's open tips, oldest first (code, category, status, age), and nothing
about who reported them. `ack` acknowledges a tip as the officer named: the same check as the
card's button (commune police of the tip's commune), the cards edited in place, and the
reporter told through the outbox exactly as from the chat.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.authz import Action, Forbidden
from bot.config import Settings
from bot.i18n import Translator, compile_catalogs
from bot.tips.cards import STATUS_NAMES
from bot.tips.categories import category_labels
from bot.tips.clock import tip_line
from bot.tips.status import TipNotFound, change_status, tip_for_police
from bot.work import Work
from storage.base import utcnow
from storage.db import Database
from storage.models import TipStatus
from storage.repos.org import commune_by_code
from storage.repos.tips import open_tips_of, persons_named

REFUSED = 3  # the exit status of a refusal: not allowed, or nobody of that name


def add_tip_commands(commands: Any) -> None:
    tips = commands.add_parser("tips", help="a commune's open tips, as commune police")
    tip_commands = tips.add_subparsers(dest="tips_command", required=True)
    listed = tip_commands.add_parser("list", help="open tips, oldest first; no reporter shown")
    listed.add_argument("--commune", required=True, help="the commune's code, e.g. 30073")
    listed.set_defaults(run=run_list)
    ack = tip_commands.add_parser("ack", help="acknowledge a tip as a commune police officer")
    ack.add_argument("code", help="the tip's code, e.g. TB-7K3Q")
    ack.add_argument("--as", dest="officer", required=True, help="the officer's full name")
    ack.set_defaults(run=run_ack)


async def run_list(settings: Settings, args: argparse.Namespace) -> int:
    compile_catalogs()
    t = Translator(settings.bot_locale, settings.timezone)
    now = utcnow()
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            commune = await commune_by_code(session, args.commune)
            if commune is None:
                print(f"No commune with code {args.commune}.", file=sys.stderr)
                return 2
            tips = await open_tips_of(session, commune.code, oldest_first=True)
            labels = await category_labels(session, t, commune.code)
            lines = [
                t.gettext("Open tips of {commune}: {count}", commune=commune.name, count=len(tips))
            ]
            lines += [tip_line(t, tip, labels, now) for tip in tips]
    finally:
        await db.close()
    print("\n".join(lines))
    return 0


async def run_ack(settings: Settings, args: argparse.Namespace) -> int:
    compile_catalogs()
    t = Translator(settings.bot_locale, settings.timezone)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            officers = await persons_named(session, args.officer)
            if len(officers) != 1:
                print(f"{len(officers)} people are listed as {args.officer!r}.", file=sys.stderr)
                return REFUSED
            work = Work(session=session, settings=settings, now=utcnow(), person=officers[0])
            try:
                tip = await tip_for_police(work, args.code, Action.RECEIVE_TIPS)
            except (Forbidden, TipNotFound):
                print(t.gettext("That option is not available to you."), file=sys.stderr)
                return REFUSED
            status = t.gettext(STATUS_NAMES[TipStatus.ACKNOWLEDGED])
            if not await change_status(work, tip, TipStatus.ACKNOWLEDGED):
                print(t.gettext("{code} is already: {status}.", code=tip.code, status=status))
                return 0
    finally:
        await db.close()
    print(
        t.gettext(
            "{code}: {status} ({officer}).", code=tip.code, status=status, officer=args.officer
        )
    )
    return 0
