"""Who else may sign: the household head lets other members of the household make (and
withdraw) its pledge, or takes that back; the members concerned are told."""

from __future__ import annotations

from bot.authz import load_actor
from bot.messages import Choice
from bot.pledges.service import may_delegate, tell_household
from bot.runtime.dialog.turn import Turn
from handlers.pledge_pages import NOT_AVAILABLE, PledgePages, Step
from storage.models import Household, Person, PledgeDelegate
from storage.repos.pledges import delegate_ids, delegation, drop_delegation, members_living_in


class ChooseDelegates(PledgePages):
    """The head's steps to choose who else may sign (part of the household's pledge)."""

    async def _head_and_household(self, turn: Turn) -> tuple[Person, Household] | None:
        """The head and their household, when they may choose who signs; else says no."""
        household = await self.household(turn)
        person = turn.person
        actor = await load_actor(turn.session, person.id if person else None)
        if (
            household is None
            or person is None
            or not await may_delegate(turn.session, actor, person, household)
        ):
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
            return None
        return person, household

    async def ask_delegate(self, turn: Turn) -> None:
        if (allowed := await self._head_and_household(turn)) is None:
            return
        person, household = allowed
        members = await members_living_in(turn.session, household.id)
        others = [p for p in members if p.id != person.id]
        if not others:
            turn.say(
                turn._(
                    "No other member of your household has joined Bình Yên yet. Once they have "
                    "joined your group, you can let them sign."
                )
            )
            turn.leave()
            return
        delegates = await delegate_ids(turn.session, household.id)
        choices = [
            Choice(
                str(p.id),
                turn._("{name} ✓ may sign", name=p.full_name) if p.id in delegates else p.full_name,
            )
            for p in others
        ]
        turn.ask(
            Step.DELEGATE,
            turn._(
                "Who else may make or withdraw the pledge for your household? Press a name to "
                "let that person sign; press a name marked ✓ to take it back."
            ),
            choices,
        )

    async def on_delegate(self, turn: Turn) -> None:
        """Lets the member picked sign, or takes it back, and tells them."""
        if (allowed := await self._head_and_household(turn)) is None:
            return
        person, household = allowed
        # The name pressed must be a member of this household, as the database says now.
        members = {str(p.id): p for p in await members_living_in(turn.session, household.id)}
        other = members.get(turn.choice or "")
        if other is None or other.id == person.id:
            turn.leave()
            return
        existing = await delegation(turn.session, household.id, other.id)
        if existing is not None:
            await drop_delegation(turn.session, existing)
            turn.say(
                turn._(
                    "{name} may no longer sign the pledge for your household.",
                    name=other.full_name,
                )
            )
            turn.leave()
            return
        turn.session.add(
            PledgeDelegate(
                household_id=household.id,
                person_id=other.id,
                created_by=person.id,
                created_at=turn.now,
            )
        )
        await turn.session.flush()
        turn.say(turn._("{name} may now make the pledge for your household.", name=other.full_name))
        await tell_household(
            turn.work,
            household,
            lambda t: t.gettext(
                "{head} lets you make the safety pledge of your household ({address}). Type "
                "/camket to read the commitments and confirm them.",
                head=person.full_name,
                address=household.address,
            ),
            key=("pledge", "delegate", household.id, other.id, f"{turn.now.timestamp():.0f}"),
            exclude=frozenset(p.id for p in members.values() if p.id != other.id),
        )
        turn.leave()
