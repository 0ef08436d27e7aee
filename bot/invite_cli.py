"""`python -m bot invite …`: create invitations with their QR poster, revoke them, list them.

    python -m bot invite create --commune 30073 --group "to 1" --role resident
    python -m bot invite create --commune 30073 --village "ap my thanh" --role village_head
    python -m bot invite revoke KX7M4PQ2
    python -m bot invite list --commune 30073

Villages and groups are named as people type them: diacritics and case do not matter, a
unique part of the name is enough ("my thanh" for "Ấp Mỹ Thạnh"), a number is an id. A name
that matches nothing or several things stops with one line saying so, and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.authz import PRIVILEGED_ROLES
from bot.config import Settings
from bot.invite_poster import PosterContent, last_full_day, render_poster, scope_place
from bot.invite_targets import (
    CreateRequest,
    InviteCliError,
    resolve_target,
)
from bot.people.invites import (
    PRIVILEGED_MAX_AGE,
    create_invite,
    normalise_code,
    revoke,
    telegram_link,
)
from bot.people.personal_invites import listed_person
from storage.base import utcnow
from storage.db import Database
from storage.models import Invite, Role
from storage.repos.invite_lists import invites_of_commune
from storage.repos.org import commune_by_code

DEFAULT_POSTER_DIR = Path("data/posters")


# --- argparse ---------------------------------------------------------------------------------
def add_invite_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    invite = commands.add_parser("invite", help="invitations: create (with a poster), revoke, list")
    invite_commands = invite.add_subparsers(dest="invite_command", required=True)

    create = invite_commands.add_parser(
        "create",
        help="a new invite: prints the Telegram link and the code, writes the QR poster",
        description="Group roles (resident, household_head, group_leader, group_deputy) need "
        "--group; village roles (village_head, security_team) need --village; commune roles "
        "(commune_police, commune_admin) neither. Invites for leaders, police and admins are "
        "single-use and expire within 7 days.",
    )
    create.add_argument("--commune", required=True, help="the commune's official code")
    create.add_argument("--village", help="the village's name (diacritics optional) or id")
    create.add_argument("--group", help="the group's name (diacritics optional) or id")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--days", type=_positive, help="valid for this many days (default 90)")
    create.add_argument("--max-uses", type=_positive, help="how many people may use it")
    create.add_argument(
        "--person", help="a person of the commune (full name or id): only they may use it"
    )
    create.add_argument(
        "--out", type=Path, help=f"the poster's file (default {DEFAULT_POSTER_DIR}/<code>.png)"
    )
    create.set_defaults(run=_run_create)

    revoke_parser = invite_commands.add_parser("revoke", help="stop a code from working")
    revoke_parser.add_argument("code")
    revoke_parser.set_defaults(run=_run_revoke)

    list_parser = invite_commands.add_parser("list", help="a commune's invites, newest first")
    list_parser.add_argument("--commune", required=True, help="the commune's official code")
    list_parser.set_defaults(run=_run_list)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


async def _run_create(settings: Settings, args: argparse.Namespace) -> int:
    request = CreateRequest(
        commune=args.commune,
        role=args.role,
        village=args.village,
        group=args.group,
        days=args.days,
        max_uses=args.max_uses,
        out=args.out,
        person=args.person,
    )
    username, note = await bot_username(settings)
    async with _database(settings) as db:
        return await create_command(db, settings, request, username=username, username_note=note)


async def _run_revoke(settings: Settings, args: argparse.Namespace) -> int:
    async with _database(settings) as db:
        return await revoke_command(db, args.code)


async def _run_list(settings: Settings, args: argparse.Namespace) -> int:
    async with _database(settings) as db:
        return await list_command(db, settings, args.commune)


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    """The database, closed afterwards (migrated by `db upgrade` and at every start)."""
    db = Database(settings.database_url)
    try:
        yield db
    finally:
        await db.close()


# --- the commands -----------------------------------------------------------------------------
async def create_command(
    db: Database,
    settings: Settings,
    request: CreateRequest,
    *,
    username: str | None,
    username_note: str | None = None,
    now: datetime | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Creates the invite and its poster, and prints what to hand out. 0, or 2 on bad input."""
    out, err = out or sys.stdout, err or sys.stderr
    now = now or utcnow()
    try:
        async with db.transaction() as session:
            target = await resolve_target(session, request)
            invite = await create_invite(
                session,
                commune_code=target.commune.code,
                role=request.role,
                scope_kind=target.scope_kind,
                scope_id=target.scope_id,
                now=now,
                valid_for=timedelta(days=request.days) if request.days else None,
                max_uses=request.max_uses,
            )
            if request.person:
                person = await listed_person(session, target.commune.code, request.person)
                if person is None:
                    raise InviteCliError(
                        f"No single person {request.person!r} in commune {target.commune.code}; "
                        "give their id or full name."
                    )
                invite.person_id = person.id
    except InviteCliError as exc:
        print(exc, file=err)
        return 2
    link = telegram_link(username, invite.code) if username else None
    path = request.out or DEFAULT_POSTER_DIR / f"{invite.code}.png"
    content = PosterContent(
        code=invite.code,
        place=target.place,
        link=link,
        expires_on=last_full_day(invite.expires_at, settings.timezone),
        role=invite.role,
        max_uses=invite.max_uses,
        zalo_link=settings.zalo_bot_link,
        unit_word=target.commune.unit_word,
    )
    await asyncio.to_thread(render_poster, content, path)

    print(f"Invite for {target.place}, role {invite.role}", file=out)
    if invite.person_id is not None:
        print(f"Only for:      person {invite.person_id} ({request.person})", file=out)
    if link:
        print(f"Telegram link: {link}", file=out)
    else:
        why = f"; {username_note}" if username_note else ""
        print(
            "Telegram link: needs the bot's username: set TELEGRAM_BOT_USERNAME "
            f"(or TELEGRAM_BOT_TOKEN to ask Telegram){why}",
            file=out,
        )
    print(f"Code:          {invite.code}  (on Zalo: /join {invite.code})", file=out)
    if settings.zalo_bot_link:
        print(f"Zalo link:     {settings.zalo_bot_link}", file=out)
    print(f"Expires:       {_when(invite.expires_at, settings)}", file=out)
    print(f"Uses:          {_uses(invite)}", file=out)
    print(f"Poster:        {path}", file=out)
    if invite.role in PRIVILEGED_ROLES:
        capped = request.days is not None and timedelta(days=request.days) > PRIVILEGED_MAX_AGE
        print(
            f"Note: an invite for {invite.role} works once and for 7 days at most"
            f"{' (--days was capped)' if capped else ''}. "
            "Hand it to that person; do not put it on a notice board.",
            file=out,
        )
    return 0


async def revoke_command(
    db: Database, code: str, *, now: datetime | None = None, out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    async with db.transaction() as session:
        done = await revoke(session, code, now or utcnow())
    if not done:
        print(f"No invite {code!r} to revoke: unknown, or revoked already.", file=out)
        return 2
    print(f"Revoked {normalise_code(code)}: it no longer works.", file=out)
    return 0


async def list_command(
    db: Database,
    settings: Settings,
    commune_code: str,
    *,
    now: datetime | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    now = now or utcnow()
    async with db.transaction() as session:
        commune = await commune_by_code(session, commune_code)
        if commune is None:
            print(f"No commune with the code {commune_code!r}.", file=out)
            return 2
        invites = await invites_of_commune(session, commune_code)
        places = {
            invite.id: await scope_place(session, invite.scope_kind, invite.scope_id)
            for invite in invites
        }
    if not invites:
        print(f"{commune.name} has no invites yet.", file=out)
        return 0
    print(f"Invites of {commune.name} ({len(invites)}), newest first:", file=out)
    header = f"{'code':<10} {'status':<8} {'role':<15} {'uses':<6} {'created':<10} {'expires':<16}"
    print(f"{header} place", file=out)
    for invite in invites:
        created = invite.created_at.astimezone(settings.timezone)
        print(
            f"{invite.code:<10} {invite_status(invite, now):<8} {invite.role:<15} "
            f"{_uses(invite, short=True):<6} {created:%d/%m/%Y} "
            f"{_when(invite.expires_at, settings, zone=False):<16} {places[invite.id]}",
            file=out,
        )
    return 0


def invite_status(invite: Invite, now: datetime) -> str:
    """active, expired, revoked or used up: the order check_invite reports them in."""
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at is not None and invite.expires_at <= now:
        return "expired"
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return "used up"
    return "active"


def _uses(invite: Invite, *, short: bool = False) -> str:
    if short:
        return f"{invite.uses}/{invite.max_uses if invite.max_uses is not None else '∞'}"
    limit = "unlimited" if invite.max_uses is None else f"at most {invite.max_uses}"
    return f"{limit} (used {invite.uses} times so far)"


def _when(moment: datetime | None, settings: Settings, *, zone: bool = True) -> str:
    if moment is None:
        return "never"
    local = moment.astimezone(settings.timezone)
    return f"{local:%d/%m/%Y %H:%M}" + (f" ({settings.bot_timezone})" if zone else "")


# --- the bot's username -----------------------------------------------------------------------
async def bot_username(settings: Settings) -> tuple[str | None, str | None]:
    """The bot's username for t.me links: configured, or asked from Telegram with the token.

    Returns (username, None), or (None, why not) when it cannot be had.
    """
    if settings.telegram_bot_username:
        return settings.telegram_bot_username, None
    if not settings.telegram_bot_token:
        return None, None
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(
            settings.telegram_bot_token, base_url=f"{settings.telegram_api_url}/bot"
        ) as telegram_bot:  # initialising is the getMe call
            me = telegram_bot.bot
    except TelegramError as exc:  # never print the exception: its text may hold the token
        return None, f"Telegram did not say it ({type(exc).__name__})"
    return me.username, None
