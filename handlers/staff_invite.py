"""Personal codes in the chat (/moicanbo): a commune admin picks a leader, village head,
officer or admin of the commune's list who is not on the bot yet, and gets that person's
personal code with the message that hands it over (bot.people.personal_invites). Checked on
the server against the admin's commune, whatever the button said; each code issued is audited.
"""

from __future__ import annotations

from enum import StrEnum

from bot.authz import POLICY, PRIVILEGED_ROLES, Action, Scope, allowed, load_actor
from bot.i18n import N_
from bot.messages import Choice
from bot.people.personal_data import audit
from bot.people.personal_invites import handout_text, personal_invite
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from storage.models import Person, ScopeKind
from storage.repos.grants import unclaimed_staff


class Step(StrEnum):
    PERSON = "person"


def is_admin(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.INVITE_PRIVILEGED])


class StaffInvite(Flow):
    name = "staff_invite"

    async def _communes(self, turn: Turn) -> list[str]:
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        return [
            g.scope_id
            for g in actor.grants
            if g.scope_kind == ScopeKind.COMMUNE
            and allowed(actor, Action.INVITE_PRIVILEGED, Scope(g.scope_id))
        ]

    async def _candidates(self, turn: Turn) -> list[Person]:
        found = []
        for commune in await self._communes(turn):
            found += await unclaimed_staff(
                turn.session, commune_code=commune, roles=PRIVILEGED_ROLES
            )
        return found

    async def begin(self, turn: Turn) -> None:
        """Stores nothing; asks which listed leader, officer or admin not yet on the bot gets a
        code."""
        if not await self._communes(turn):
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        people = await self._candidates(turn)
        if not people:
            turn.say(
                turn._(
                    "Every leader, officer and admin of your commune's list is on Bình Yên "
                    "already. New ones come with the commune's list (org import)."
                )
            )
            turn.leave()
            return
        turn.ask(
            Step.PERSON,
            turn._("Personal code for whom? Only people of the list not on Bình Yên yet:"),
            [Choice(str(p.id), p.full_name) for p in people[:30]],
        )

    async def on_person(self, turn: Turn) -> None:
        """Issues (or repeats) the picked person's code, if they are still in reach."""
        person = next((p for p in await self._candidates(turn) if str(p.id) == turn.choice), None)
        turn.leave()
        actor = turn.person
        code = (
            await personal_invite(turn.session, person, now=turn.now, created_by=actor.id)
            if person is not None and actor is not None
            else None
        )
        if code is None or actor is None:
            turn.say(turn._("That option is not available to you."))
            return
        audit(
            turn.session,
            actor=actor.id,
            action="invite.personal",
            subject_kind="person",
            subject_id=code.person.id,
            at=turn.now,
            detail=f"invite:{code.invite.id}",
        )
        turn.say(
            turn._(
                "Send this to {name} privately, or print it for them:", name=code.person.full_name
            )
        )
        # The code gives a role to whoever types it: sealed in the outbox until sent.
        handout = handout_text(turn.t, code, bot_username=turn.settings.telegram_bot_username)
        turn.say(handout, private=True)


staff_invite_entry = MenuEntry(
    key="staffinv",
    label=N_("Personal code for a leader or officer"),
    flow=StaffInvite.name,
    commands=("moicanbo", "staffinvite"),
    visible_to=is_admin,
    order=77,
)
