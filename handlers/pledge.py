"""The household safety pledge (/camket).

A household member opens "Household safety pledge":
- the household has pledged this year: its pledge and date, the commitments it signed (the
  exact version stored), and for the head or a member the head lets sign: withdraw it, with a
  reason; for the head: choose who else may sign (handlers/pledge_delegates.py);
- it has not: the head (or a member the head lets sign) reads the commitments one page at a
  time (handlers/pledge_pages.py) and confirms them all; other members are told who can.

The leader's assisted pledge is handlers/pledge_on_behalf.py. Every step re-checks, on the
server, who may do it (bot.authz, bot.pledges.service).
"""

from __future__ import annotations

from bot.authz import POLICY, Action, load_actor
from bot.i18n import N_
from bot.messages import Choice
from bot.pledges.reminders import PLEDGE_NOW
from bot.pledges.service import (
    Signer,
    current_year,
    day_text,
    describe,
    may_delegate,
    may_view,
    member_household,
    record_pledge,
    signer,
    tell_household,
    withdraw,
)
from bot.runtime.dialog.flows import FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from handlers.pledge_delegates import ChooseDelegates
from handlers.pledge_on_behalf import PledgeOnBehalf, pledge_on_behalf_entry
from handlers.pledge_pages import (
    CONFIRM,
    DELEGATE,
    LATER,
    NOT_AVAILABLE,
    READ,
    WITHDRAW,
    Step,
    text_for,
)
from storage.models import Household, HouseholdStatus
from storage.repos.pledges import (
    members_living_in,
    pledge_in_force,
    pledge_text_by_id,
    pledges_before,
)


class HouseholdPledge(ChooseDelegates):
    name = "pledge"
    draft_name = N_("household safety pledge")

    async def begin(self, turn: Turn) -> None:
        """Stores nothing yet; shows the household's pledge to read, or says why there is none."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        household = await member_household(turn.session, turn.person)
        if (
            household is None
            or turn.person is None
            or not await may_view(turn.session, actor, turn.person, household)
        ):
            if actor.roles & POLICY[Action.PLEDGE_ON_BEHALF]:
                turn.say(
                    turn._(
                        "Your account is not linked to a household. To record the pledge of a "
                        "household of your group, choose “Sign the pledge for a household” "
                        "(/kythay)."
                    )
                )
            else:
                turn.say(
                    turn._(
                        "The pledge is made by households. Your account is not linked to a "
                        "household yet: join your group with the code from your group leader, "
                        "and choose your household."
                    )
                )
            turn.leave()
            return
        turn.update_data(household_id=household.id, year=current_year(turn.work))
        await self._overview(turn, household)

    async def _overview(self, turn: Turn, household: Household) -> None:
        person = turn.person
        assert person is not None
        year = turn.data["year"]
        if household.status == HouseholdStatus.MOVED_AWAY:
            turn.say(
                turn._(
                    "Your household is listed as moved away, so it makes no pledge here. If "
                    "this is wrong, please tell your group leader."
                )
            )
            turn.leave()
            return
        actor = await load_actor(turn.session, person.id)
        who = await signer(turn.session, actor, person, household)
        pledge = await pledge_in_force(turn.session, household.id, year)
        earlier = await self._earlier(turn, household)
        if pledge is not None:
            lines = [await describe(turn.session, turn.t, pledge), *earlier]
            choices = [Choice(READ, turn._("Read the commitments we signed"))]
            if who is not None:
                choices.append(Choice(WITHDRAW, turn._("Withdraw the pledge")))
            if who is Signer.HEAD and len(await members_living_in(turn.session, household.id)) > 1:
                choices.append(Choice(DELEGATE, turn._("Choose who else may sign")))
            lines += ["", turn._("What would you like to do?")]
            turn.ask(Step.MANAGE, "\n".join(lines), choices)
            return
        if who is None:
            lines = [
                turn._(
                    "Your household ({address}) has not made its safety pledge for {year} yet. "
                    "The household head, {head}, can make it here with /camket, or let you "
                    "make it.",
                    address=household.address,
                    year=year,
                    head=household.head_name,
                ),
                *earlier,
            ]
            turn.say("\n".join(lines))
            turn.leave()
            return
        if earlier:
            turn.say("\n".join(earlier))
        text = await text_for(turn, household, year)
        turn.update_data(text_id=text.id)
        await self.show_page(turn, 0)

    async def _earlier(self, turn: Turn, household: Household) -> list[str]:
        """Earlier years' pledges stay readable after 1 January."""
        earlier = await pledges_before(turn.session, household.id, turn.data["year"])
        if not earlier:
            return []
        years = ", ".join(f"{p.year} ({day_text(turn.t, p.at)})" for p in earlier[:5])
        return [turn._("Earlier pledges: {years}", years=years)]

    async def heading(self, turn: Turn, household: Household) -> str:
        return turn._("Household: {address}", address=household.address)

    async def question(self, turn: Turn, household: Household) -> tuple[str, list[Choice]]:
        choices = [
            Choice(CONFIRM, turn._("Yes, we commit to all of them")),
            Choice(LATER, turn._("Not now")),
        ]
        assert turn.person is not None
        actor = await load_actor(turn.session, turn.person.id)
        members = await members_living_in(turn.session, household.id)
        if len(members) > 1 and await may_delegate(turn.session, actor, turn.person, household):
            choices.append(Choice(DELEGATE, turn._("Let another member of my household sign")))
        return turn._("Does your household commit to all of the above?"), choices

    async def on_confirm(self, turn: Turn) -> None:
        """Records the household's pledge and tells its members (or asks whom to let sign)."""
        if turn.choice == DELEGATE:
            await self.ask_delegate(turn)
            return
        if turn.choice != CONFIRM:
            turn.say(turn._("Nothing was recorded. You can make the pledge at any time: /camket"))
            turn.leave()
            return
        household = await self.household(turn)
        person = turn.person
        text = await pledge_text_by_id(turn.session, turn.data.get("text_id"))
        actor = await load_actor(turn.session, person.id if person else None)
        if (
            household is None
            or person is None
            or text is None
            or await signer(turn.session, actor, person, household) is None
        ):
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
            return
        year = turn.data["year"]
        pledge = await record_pledge(
            turn.session,
            household=household,
            year=year,
            text=text,
            person_id=person.id,
            channel=turn.event.channel,
            now=turn.now,
        )
        if pledge is None:
            existing = await pledge_in_force(turn.session, household.id, year)
            turn.say(
                turn._("Your household has already pledged.")
                + (
                    "\n" + await describe(turn.session, turn.t, existing)
                    if existing is not None
                    else ""
                )
            )
            turn.leave()
            return
        turn.say(
            turn._(
                "Thank you. The safety pledge of your household for {year} is recorded, dated "
                "{date}. The members of your household can see it under “Household safety "
                "pledge”.",
                year=year,
                date=day_text(turn.t, pledge.at),
            )
        )
        await tell_household(
            turn.work,
            household,
            lambda t: t.gettext(
                "{name} made the safety pledge of your household for {year} on {date}. "
                "Type /camket to read it.",
                name=person.full_name,
                year=year,
                date=day_text(t, pledge.at),
            ),
            key=("pledge", "made", pledge.id),
            exclude=frozenset({person.id}),
        )
        turn.leave()

    async def on_manage(self, turn: Turn) -> None:
        """Shows the signed commitments, asks why it is withdrawn, or asks who else may sign."""
        household = await self.household(turn)
        if household is None or turn.person is None:
            turn.leave()
            return
        if turn.choice == READ:
            await self.say_signed_text(turn, household)
            turn.leave()
        elif turn.choice == WITHDRAW:
            actor = await load_actor(turn.session, turn.person.id)
            if await signer(turn.session, actor, turn.person, household) is None:
                turn.say(turn._(NOT_AVAILABLE))
                turn.leave()
                return
            self.ask_reason(turn)
        elif turn.choice == DELEGATE:
            await self.ask_delegate(turn)

    async def on_reason(self, turn: Turn) -> None:
        """Stores the withdrawal with the typed reason and tells the household."""
        reason = self.typed_reason(turn)
        if reason is None:
            return
        household = await self.household(turn)
        person = turn.person
        actor = await load_actor(turn.session, person.id if person else None)
        year = turn.data["year"]
        if (
            household is None
            or person is None
            or await signer(turn.session, actor, person, household) is None
        ):
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
            return
        pledge = await pledge_in_force(turn.session, household.id, year)
        if pledge is None:
            turn.say(turn._("Your household has no pledge for {year}.", year=year))
            turn.leave()
            return
        withdraw(pledge, person_id=person.id, reason=reason, now=turn.now)
        turn.say(
            turn._(
                "The safety pledge of your household for {year} is withdrawn; the reason is "
                "recorded. Your household can pledge again at any time: /camket",
                year=year,
            )
        )
        await tell_household(
            turn.work,
            household,
            lambda t: t.gettext(
                "{name} withdrew the safety pledge of your household for {year}. Reason: {reason}",
                name=person.full_name,
                year=year,
                reason=reason,
            ),
            key=("pledge", "withdrawn", pledge.id),
            exclude=frozenset({person.id}),
        )
        turn.leave()


def _household_member(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_HOUSEHOLD_PLEDGE])


pledge_entry = MenuEntry(
    key="pledge",
    label=N_("Household safety pledge"),
    flow=HouseholdPledge.name,
    commands=("camket", "pledge"),
    visible_to=_household_member,
    order=40,
)


def register(registry: FlowRegistry) -> None:
    household = HouseholdPledge()
    registry.add(household, pledge_entry)
    registry.add(PledgeOnBehalf(), pledge_on_behalf_entry)

    async def pledge_now(turn: Turn, _argument: str) -> None:
        """The button under a reminder: the pledge, from its start (checked as from the menu)."""
        turn.enter(household.name)
        await household.begin(turn)

    registry.add_action(PLEDGE_NOW, pledge_now)
