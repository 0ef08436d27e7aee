"""Invite residents: a group's leader gets the group's invitation, a link, a code and a poster.

Asks which group when the leader may invite to several (a village head, a commune admin, a
leader of two groups); checks on the server that they may invite to the one picked, whatever
the button said; reuses the group's current invitation while it has a month or more left, so
every poster and message of a group shows the same code; otherwise makes a new one (90 days,
any number of uses).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import (
    POLICY,
    Action,
    Actor,
    Forbidden,
    group_scope,
    groups_in_reach,
    load_actor,
    require,
)
from bot.i18n import N_
from bot.invite_poster import PosterContent, last_full_day, render_poster, scope_place
from bot.messages import Choice
from bot.people.invites import create_invite, telegram_link
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from storage.models import Invite, Role, ScopeKind
from storage.repos.invites import lasting_group_invite
from storage.repos.places import village_names

RESIDENT_INVITE_AGE = timedelta(days=90)
REUSE_WHILE_LEFT = timedelta(days=30)


class Step(StrEnum):
    PICK_GROUP = "pick_group"


def may_invite(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.INVITE_RESIDENT])


class GroupInvite(Flow):
    name = "group_invite"

    async def begin(self, turn: Turn) -> None:
        """Stores nothing; makes the invitation of the one group the leader may invite to, or asks
        which group."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        groups = await groups_in_reach(turn.session, actor, Action.INVITE_RESIDENT)
        if not groups:
            turn.say(turn._("Sorry, there is no group you can invite residents to."))
            turn.leave()
            return
        if len(groups) == 1:
            await self._invite(turn, actor, groups[0].id)
            return
        villages = await village_names(turn.session, {group.village_id for group in groups})
        choices = [
            Choice(str(group.id), f"{group.name}, {villages.get(group.village_id, '')}")
            for group in groups
        ]
        turn.ask(
            Step.PICK_GROUP, turn._("Which group do you want to invite residents to?"), choices
        )

    async def on_pick_group(self, turn: Turn) -> None:
        """The picked group, checked again: the key came from the user, roles may have changed."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        choice = turn.choice or ""
        if not choice.isdigit():
            self._refuse(turn)
            return
        await self._invite(turn, actor, int(choice))

    async def _invite(self, turn: Turn, actor: Actor, group_id: int) -> None:
        scope = await group_scope(turn.session, group_id)
        try:
            if scope is None:
                raise Forbidden("no such group")
            require(actor, Action.INVITE_RESIDENT, scope)
        except Forbidden:
            self._refuse(turn)
            return
        invite = await current_invite(turn.session, group_id, turn.now)
        if invite is None:
            invite = await create_invite(
                turn.session,
                commune_code=scope.commune_code,
                role=Role.RESIDENT,
                scope_kind=ScopeKind.GROUP,
                scope_id=str(group_id),
                now=turn.now,
                created_by=turn.person.id if turn.person else None,
                valid_for=RESIDENT_INVITE_AGE,
                max_uses=None,
            )
        place = await scope_place(turn.session, ScopeKind.GROUP, str(group_id))
        username = turn.settings.telegram_bot_username
        link = telegram_link(username, invite.code) if username else None
        last_day = last_full_day(invite.expires_at, turn.settings.timezone)
        zalo_link = turn.settings.zalo_bot_link
        # A poster drawn before a link was configured lacks its QR code: not reused.
        file_name = f"{invite.code}{'' if link else '-code-only'}{'-zalo' if zalo_link else ''}.png"
        poster = await asyncio.to_thread(
            ensure_poster,
            turn.settings.media_dir / "posters" / file_name,
            PosterContent(
                code=invite.code,
                place=place,
                link=link,
                expires_on=last_day,
                zalo_link=zalo_link,
            ),
        )
        values = {"place": place, "code": invite.code, "link": link}
        if link:
            text = turn._(
                "Invitation to Bình Yên for {place}\n\n"
                "• On Telegram: open this link, or scan the QR code on the poster:\n{link}\n"
                "• On Zalo: send this message to Bình Yên: /join {code}",
                **values,
            )
        else:
            text = turn._(
                "Invitation to Bình Yên for {place}\n\n"
                "• On Zalo or Telegram: send this message to Bình Yên: /join {code}",
                **values,
            )
        if zalo_link:
            text += "\n" + turn._("• Bình Yên on Zalo: {zalo_link}", zalo_link=zalo_link)
        if last_day is not None:
            text += "\n\n" + turn._(
                "The code works until the end of {date}, for every household of the group.",
                date=f"{last_day:%d/%m/%Y}",
            )
        text += "\n\n" + turn._(
            "You can forward this message to the households, or print the poster below for "
            "the notice board."
        )
        turn.say(text)
        turn.say(turn._("Poster to print: {place}", place=place), photo=str(poster))
        turn.leave()

    def _refuse(self, turn: Turn) -> None:
        turn.say(turn._("Sorry, you cannot invite residents to that group."))
        turn.leave()


async def current_invite(session: AsyncSession, group_id: int, now: datetime) -> Invite | None:
    """The group's newest resident invitation made in the chat by one of its leaders, when it
    still works for everyone and for a month or more."""
    return await lasting_group_invite(session, group_id, valid_until=now + REUSE_WHILE_LEFT)


def ensure_poster(path: Path, content: PosterContent) -> Path:
    """The invite's poster, drawn once; an absolute path, as the outbox sends it later."""
    if not path.is_file():
        render_poster(content, path)
    return path.absolute()


group_invite_entry = MenuEntry(
    key="invite",
    label=N_("Invite residents"),
    flow=GroupInvite.name,
    commands=("moi", "invite"),
    visible_to=may_invite,
    order=60,
)
