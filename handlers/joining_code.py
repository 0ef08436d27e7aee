"""Joining's invitation code: asked for (or given with /start, /join), checked, and what it
invites to said; and whether a word typed outside a conversation is an invitation code."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Choice
from bot.people.invites import ALPHABET, CODE_LENGTH, InviteProblem, check_invite, normalise_code
from bot.people.personal_invites import ROLE_NAMES
from bot.runtime.dialog.flows import Flow
from bot.runtime.dialog.turn import Turn
from handlers.joining_steps import INVITE_PROBLEMS, NO_CODE, NOT_YOURS, Step
from storage.models import Invite, Role, ScopeKind
from storage.repos.invites import invite_by_id, invite_code_exists
from storage.repos.org import commune_by_code, group_by_id
from storage.repos.places import village_by_id


class CodeSteps(Flow):
    """Joining's code steps; the flow itself is handlers.joining.Joining."""

    def ask_code(self, turn: Turn) -> None:
        turn.ask(
            Step.CODE,
            turn._(
                "Please type the code from your group's poster or from your group leader, "
                "for example: ABC12345"
            ),
            [Choice(NO_CODE, turn._("I have no code"))],
            free_text=True,
        )

    async def on_code(self, turn: Turn) -> None:
        """A typed code; or none, and then joining goes on with the commune alone."""
        if turn.choice == NO_CODE:
            await self.ask_consent(turn)
            return
        if await self.take_code(turn, turn.event.text):
            await self.ask_consent(turn)
        else:
            self.ask_code(turn)

    async def take_code(self, turn: Turn, code: str) -> bool:
        check = await check_invite(turn.session, code, turn.now)
        if not check.ok or check.invite is None:
            problem = check.problem or InviteProblem.UNKNOWN
            turn.say(turn._(INVITE_PROBLEMS[problem], code=code.strip()[:20]))
            return False
        invite = check.invite
        mine = turn.person is None or turn.person.id == invite.person_id
        if invite.person_id is not None and not mine:
            turn.say(turn._(NOT_YOURS, code=invite.code))
            return False
        turn.update_data(invite_id=invite.id)
        turn.say(await self.invite_text(turn, invite))
        return True

    async def invite_text(self, turn: Turn, invite: Invite) -> str:
        commune = await commune_by_code(turn.session, invite.commune_code)
        place = commune.name if commune else ""
        if invite.scope_kind == ScopeKind.GROUP:
            group = await group_by_id(turn.session, int(invite.scope_id))
            village = await village_by_id(turn.session, group.village_id) if group else None
            if group and village:
                place = f"{group.name}, {village.name}, {place}"
        elif invite.scope_kind == ScopeKind.VILLAGE:
            village = await village_by_id(turn.session, int(invite.scope_id))
            if village:
                place = f"{village.name}, {place}"
        return turn._(
            "You are invited to join {place} as {role}.",
            place=place,
            role=turn._(ROLE_NAMES.get(Role(invite.role), invite.role)),
        )

    async def invite(self, turn: Turn) -> Invite | None:
        invite_id = turn.data.get("invite_id")
        return await invite_by_id(turn.session, invite_id)


async def is_invite_code(session: AsyncSession, text: str) -> bool:
    """Whether a typed text is the code of an invitation (valid or not: joining then says what
    is wrong with it); only an existing code counts, so no word is ever taken for one."""
    code = normalise_code(text)
    if len(text.strip()) > 2 * CODE_LENGTH or len(code) != CODE_LENGTH:
        return False
    if any(ch not in ALPHABET for ch in code):
        return False
    return await invite_code_exists(session, code)
