"""The group's own chat: a Telegram group of the tổ where meeting announcements are posted too.

In a private chat, the group's leader (or deputy) picks "Group chat" (/nhomto) and gets a
one-time code valid for a day. In the group chat, "/nhomto CODE" from a leader of that group
(checked again there) makes it the group's chat, says so there, tells the previous chat it no
longer is one, and writes the change to the audit log. Like the police desk (police_desk.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import POLICY, Action, groups_in_reach, load_actor
from bot.i18n import N_, Translator
from bot.meetings.service import GROUP_CHAT_LOCALE, group_title
from bot.messages import Choice, OutboundMessage
from bot.people import one_time_codes
from bot.people.invites import normalise_code
from bot.people.personal_data import audit
from bot.runtime.dialog.flows import Flow, FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from handlers.meetings import may, not_available
from storage.models import GroupChatCode, Priority
from storage.repos.group_chats import group_chat_of, save_group_chat

CODE_VALID_FOR = timedelta(days=1)
COMMAND = "nhomto"
NO_LONGER = N_(
    "This chat is no longer the group chat of {group}: meeting announcements now go to "
    "another chat."
)


TELEGRAM_STEPS = N_(
    "Group chat code for {group}: {code}\n\n"
    "1. Add Bình Yên to your group's Telegram chat.\n"
    "2. Send this message in that chat:\n/{command} {code}\n\n"
    "The code works once, until {until}. From then on meeting announcements and "
    "summaries are posted there too."
)
# Zalo hands a group message to a bot only when it mentions the bot or replies to it.
ZALO_STEPS = N_(
    "Group chat code for {group}: {code}\n\n"
    "1. Invite the bot to your group's Zalo chat (its link, “Invite the bot to a group”, is in "
    "Zalo Bot Creator).\n"
    "2. In that chat, mention the bot (type @ and choose its name), then type:\n"
    "/{command} {code}\n\n"
    "The code works once, until {until}. From then on meeting announcements and summaries are "
    "posted there too. If Zalo does not let you add the bot to a group, members still get "
    "every announcement in their private chat with the bot."
)


class Step(StrEnum):
    GROUP = "group"


class GroupChatSetup(Flow):
    name = "group_chat"

    async def begin(self, turn: Turn) -> None:
        """Registers this group chat, or gives the leader a code; asks which group if several."""
        if turn.event.is_group:
            await self._register_here(turn, turn.event.args)
            return
        if turn.event.args.strip():
            turn.say(
                turn._(
                    "Please send this command in your group's chat, not here: /{command} {code}",
                    command=COMMAND,
                    code=normalise_code(turn.event.args),
                )
            )
            turn.leave()
            return
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        groups = await groups_in_reach(turn.session, actor, Action.REGISTER_GROUP_CHAT)
        if not groups:
            not_available(turn)
        elif len(groups) == 1:
            await self._give_code(turn, groups[0].id)
        else:
            choices = [Choice(str(g.id), await group_title(turn.session, g.id)) for g in groups]
            turn.ask(Step.GROUP, turn._("Which group?"), choices)

    async def on_group(self, turn: Turn) -> None:
        """Gives the code for the group picked."""
        await self._give_code(turn, int(turn.choice or 0))

    async def _give_code(self, turn: Turn, group_id: int) -> None:
        if turn.person is None or not await may(turn, Action.REGISTER_GROUP_CHAT, group_id):
            not_available(turn)
            return
        code = await one_time_codes.issue(
            turn.session,
            GroupChatCode,
            now=turn.now,
            valid_for=CODE_VALID_FOR,
            group_id=group_id,
            created_by=turn.person.id,
        )
        steps = ZALO_STEPS if turn.capabilities.group_mention_only else TELEGRAM_STEPS
        text = turn._(
            steps,
            group=await group_title(turn.session, group_id),
            code=code.code,
            command=COMMAND,
            until=turn.t.datetime(code.expires_at),
        )
        if await group_chat_of(turn.session, group_id) is not None:
            text += "\n\n" + turn._("The group already has a chat; the new one will replace it.")
        turn.say(text)
        turn.leave()

    async def _register_here(self, turn: Turn, typed: str) -> None:
        """`/nhomto CODE` in a group chat, by the group's leader or deputy. Answered in the
        chat, without a menu."""
        turn.leave()
        row = await one_time_codes.find_valid(turn.session, GroupChatCode, typed, turn.now)
        if row is None:
            turn.say(
                turn._(
                    "This code is not valid, was used already or has expired. The group leader "
                    "gets a new one in a private chat with Bình Yên: menu → “Group chat”."
                ),
            )
            return
        if not await may(turn, Action.REGISTER_GROUP_CHAT, row.group_id):
            turn.say(turn._("Only the group's leader or deputy can register its chat."))
            return
        if not await one_time_codes.use(turn.session, GroupChatCode, row, turn.now):
            turn.say(turn._("This code was used already."))
            return
        previous = await set_group_chat(
            turn.session,
            row.group_id,
            channel=turn.event.channel,
            chat_id=turn.event.chat_id,
            actor=turn.person.id if turn.person else None,
            now=turn.now,
        )
        title = await group_title(turn.session, row.group_id)
        if previous is not None:
            t = Translator(GROUP_CHAT_LOCALE, turn.settings.timezone)
            await turn.notify(
                channel=previous[0],
                chat_id=previous[1],
                message=OutboundMessage(text=t.gettext(NO_LONGER, group=title)),
                is_group_chat=True,
                priority=Priority.ALERT,
            )
        turn.say(
            turn._(
                "This chat is now the group chat of {group}. Meeting announcements and "
                "summaries will be posted here. Answers to invitations are given in a private "
                "chat with the bot.",
                group=title,
            ),
        )


async def set_group_chat(
    session: AsyncSession,
    group_id: int,
    *,
    channel: str,
    chat_id: str,
    actor: int | None,
    now: datetime,
) -> tuple[str, str] | None:
    """Make this chat the group's chat, audited; returns the chat it had before, if another."""
    previous = await save_group_chat(
        session, group_id, channel=channel, chat_id=chat_id, registered_by=actor, now=now
    )
    audit(
        session,
        actor=actor,
        action="group_chat.register",
        subject_kind="group",
        subject_id=str(group_id),
        at=now,
        detail=f"{channel}:{chat_id}",
    )
    return previous if previous and previous != (channel, chat_id) else None


def leads_a_group(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.REGISTER_GROUP_CHAT])


group_chat_entry = MenuEntry(
    key="grpchat",
    label=N_("Group chat"),
    flow=GroupChatSetup.name,
    commands=(COMMAND, "groupchat"),
    visible_to=leads_a_group,
    order=56,
)


def register(registry: FlowRegistry) -> None:
    registry.add(GroupChatSetup(), group_chat_entry)
