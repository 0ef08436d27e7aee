"""The police desk: a group chat where every tip of the commune arrives at once.

In a private chat, a commune police officer picks "Register the police desk group" (/bantruc)
and gets a one-time code valid for a day. In the group, "/bantruc CODE" from a police officer
of that commune (checked again there) makes the group the commune's desk, says so in the group,
tells the previous desk it no longer is one, and writes the change to the audit log.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from bot.authz import POLICY, Action, Forbidden, Scope, require
from bot.i18n import N_, Translator
from bot.messages import Choice, OutboundMessage
from bot.people import one_time_codes
from bot.people.invites import normalise_code
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.tips.police_chat import set_police_desk
from bot.tips.reach import communes_in_reach
from storage.models import Priority
from storage.models.org import PoliceDeskCode
from storage.repos.org import commune_by_code
from storage.repos.tips import communes_named

CODE_VALID_FOR = timedelta(days=1)
COMMAND = "bantruc"
NO_LONGER_DESK = N_(
    "This group is no longer the police desk of {commune}: tips now arrive in another group."
)


class Step(StrEnum):
    COMMUNE = "commune"


def is_police(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.REGISTER_POLICE_DESK])


class PoliceDesk(Flow):
    name = "police_desk"

    async def begin(self, turn: Turn) -> None:
        """Registers this group as the desk with a typed code, or gives an officer a code."""
        if turn.event.is_group:
            await self._register_here(turn, turn.event.args)
            return
        if turn.event.args.strip():
            turn.say(
                turn._(
                    "Please send this command in the police desk group, not here: "
                    "/{command} {code}",
                    command=COMMAND,
                    code=normalise_code(turn.event.args),
                )
            )
            turn.leave()
            return
        communes = communes_in_reach(await turn.work.acting(), Action.REGISTER_POLICE_DESK)
        if not communes:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
        elif len(communes) == 1:
            await self._give_code(turn, communes[0])
        else:
            names = await communes_named(turn.session, communes)
            choices = [Choice(code, names.get(code, code)) for code in communes]
            turn.ask(Step.COMMUNE, turn._("For which commune?"), choices)

    async def on_commune(self, turn: Turn) -> None:
        """The commune picked, checked again on the server."""
        await self._give_code(turn, turn.choice or "")

    async def _give_code(self, turn: Turn, commune_code: str) -> None:
        actor = await turn.work.acting()
        commune = await commune_by_code(turn.session, commune_code)
        try:
            if commune is None:
                raise Forbidden("no such commune")
            require(actor, Action.REGISTER_POLICE_DESK, Scope(commune_code))
        except Forbidden:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        assert actor.person_id is not None  # `require` let a person through
        desk_code = await one_time_codes.issue(
            turn.session,
            PoliceDeskCode,
            now=turn.now,
            valid_for=CODE_VALID_FOR,
            commune_code=commune_code,
            created_by=actor.person_id,
        )
        steps = ZALO_STEPS if turn.capabilities.group_mention_only else TELEGRAM_STEPS
        text = turn._(
            steps,
            commune=commune.name,
            code=desk_code.code,
            command=COMMAND,
            until=turn.t.datetime(desk_code.expires_at),
        )
        if commune.police_chat_id:
            text += "\n\n" + turn._(
                "The commune already has a police desk group; the new one will replace it."
            )
        turn.say(text)
        turn.leave()

    async def _register_here(self, turn: Turn, typed: str) -> None:
        """`/bantruc CODE` in a group: the code must be valid and the sender police of its
        commune; then this group becomes the desk. Answered in the group, without a menu."""
        turn.leave()
        desk_code = await one_time_codes.find_valid(turn.session, PoliceDeskCode, typed, turn.now)
        if desk_code is None:
            turn.say(
                turn._(
                    "This code is not valid, was used already or has expired. A police officer "
                    "of the commune gets a new one in a private chat with Bình Yên: "
                    "menu → “Register the police desk group”."
                ),
            )
            return
        actor = await turn.work.acting()
        try:
            require(actor, Action.REGISTER_POLICE_DESK, Scope(desk_code.commune_code))
        except Forbidden:
            turn.say(turn._("Only a police officer of the commune can register its desk."))
            return
        if not await one_time_codes.use(turn.session, PoliceDeskCode, desk_code, turn.now):
            turn.say(turn._("This code was used already."))
            return
        commune, previous = await set_police_desk(
            turn.session,
            desk_code.commune_code,
            channel=turn.event.channel,
            chat_id=turn.event.chat_id,
            actor=actor.person_id,
            now=turn.now,
        )
        if previous is not None:
            t = Translator("vi", turn.settings.timezone)  # desk groups are written to in vi
            await turn.notify(
                channel=previous[0],
                chat_id=previous[1],
                message=OutboundMessage(text=t.gettext(NO_LONGER_DESK, commune=commune.name)),
                is_group_chat=True,
                priority=Priority.ALERT,
            )
        registered = (
            ZALO_REGISTERED if turn.capabilities.group_mention_only else TELEGRAM_REGISTERED
        )
        turn.say(turn._(registered, commune=commune.name))


TELEGRAM_STEPS = N_(
    "Police desk code for {commune}: {code}\n\n"
    "1. Add Bình Yên to the Telegram group of the commune's police desk.\n"
    "2. Send this message in that group:\n/{command} {code}\n\n"
    "The code works once, until {until}. From then on every new tip of the commune "
    "arrives in that group. Only police officers of the commune should be members of it."
)
TELEGRAM_REGISTERED = N_(
    "This group is now the police desk of {commune}. Every new tip of the commune "
    "arrives here with buttons to acknowledge it; a tip nobody acknowledges in time "
    "is sent again to every officer. Only police officers should be members of "
    "this group."
)
ZALO_REGISTERED = N_(
    "This group is now the police desk of {commune}. Every new tip of the commune arrives "
    "here with the commands to type to acknowledge it (mention the bot first); a tip nobody "
    "acknowledges in time is sent again to every officer. Only police officers should be "
    "members of this group."
)
# Zalo hands a group message to a bot only when it mentions the bot or replies to it, and
# its groups for bots are still an internal trial: without a desk, officers' private chats.
ZALO_STEPS = N_(
    "Police desk code for {commune}: {code}\n\n"
    "1. Invite the bot to the Zalo group of the commune's police desk (its link, “Invite the "
    "bot to a group”, is in Zalo Bot Creator).\n"
    "2. In that group, mention the bot (type @ and choose its name), then type:\n"
    "/{command} {code}\n\n"
    "The code works once, until {until}. From then on every new tip of the commune arrives in "
    "that group. Only police officers of the commune should be members of it.\n\n"
    "If Zalo does not let you add the bot to a group, there is nothing to do: every new tip "
    "goes to each officer's private chat with the bot."
)


police_desk_entry = MenuEntry(
    key="desk",
    label=N_("Register the police desk group"),
    flow=PoliceDesk.name,
    commands=(COMMAND, "desk"),
    visible_to=is_police,
    order=75,
)
