"""The leader's assisted pledge (/kythay, "ký thay").

A group leader opens "Sign the pledge for a household", picks a group (when they lead several)
→ a household of the group → how it confirmed (in person, by phone) → reads it the commitments
→ records the pledge, which shows the leader's name and is marked as assisted; the household's
members are told. A household that pledged already can be read or withdrawn, with a reason.
Every step re-checks, on the server, that the leader may do it (bot.authz).
"""

from __future__ import annotations

from bot.authz import POLICY, Action, Forbidden, groups_in_reach, load_actor, require
from bot.i18n import N_
from bot.messages import Choice
from bot.people.membership import group_label
from bot.pledges.coverage import natural_key, unit_of_group
from bot.pledges.service import (
    HOW_NAMES,
    current_year,
    day_text,
    describe,
    may_sign_on_behalf,
    record_pledge,
    tell_household,
    withdraw,
)
from bot.runtime.dialog.flows import MenuEntry
from bot.runtime.dialog.turn import Turn
from handlers.household_choice import household_or_ask_again
from handlers.pledge_pages import (
    CONFIRM,
    LATER,
    NOT_AVAILABLE,
    READ,
    WITHDRAW,
    PledgePages,
    Step,
    text_for,
)
from storage.models import Household, PledgeChannel
from storage.repos.people import resident_households
from storage.repos.pledges import households_with_pledge, pledge_in_force, pledge_text_by_id

MAX_HOUSEHOLD_BUTTONS = 30


class PledgeOnBehalf(PledgePages):
    name = "pledge_assist"
    draft_name = N_("pledge signed for a household")

    async def begin(self, turn: Turn) -> None:
        """Stores the pledge year; asks which group (or, with one group, which household)."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        groups = await groups_in_reach(turn.session, actor, Action.PLEDGE_ON_BEHALF)
        turn.update_data(year=current_year(turn.work))
        if not groups:
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
        elif len(groups) == 1:
            await self._ask_household(turn, groups[0].id)
        else:
            choices = [Choice(str(g.id), await group_label(turn.session, g.id)) for g in groups]
            turn.ask(Step.GROUP, turn._("Which group?"), choices)

    async def on_group(self, turn: Turn) -> None:
        """Stores the group picked and asks which of its households."""
        await self._ask_household(turn, int(turn.choice or 0))

    async def _allowed_group(self, turn: Turn, group_id: int) -> bool:
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        unit = await unit_of_group(turn.session, group_id)
        try:
            if unit is None:
                raise Forbidden("no such group")
            require(actor, Action.PLEDGE_ON_BEHALF, unit.scope)
        except Forbidden:
            return False
        return True

    async def _households(self, turn: Turn) -> list[Household]:
        rows = await resident_households(turn.session, turn.data["group_id"])
        return sorted(rows, key=lambda h: natural_key(h.address))

    async def _ask_household(self, turn: Turn, group_id: int) -> None:
        if not await self._allowed_group(turn, group_id):
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
            return
        turn.update_data(group_id=group_id)
        households = await self._households(turn)
        group = await group_label(turn.session, group_id)
        if not households:
            turn.say(turn._("{group} has no households on its list yet.", group=group))
            turn.leave()
            return
        year = turn.data["year"]
        pledged = await households_with_pledge(turn.session, [h.id for h in households], year)
        text = turn._(
            "{group}: {pledged} of {total} households have pledged for {year}. Which household? "
            "(✓ = already pledged)",
            group=group,
            pledged=len(pledged),
            total=len(households),
            year=year,
        )
        choices = [
            Choice(str(h.id), ("✓ " if h.id in pledged else "") + f"{h.address} ({h.head_name})")
            for h in households[:MAX_HOUSEHOLD_BUTTONS]
        ]
        if len(households) > MAX_HOUSEHOLD_BUTTONS:
            choices = []
            text += "\n" + turn._("Type the household's address (house number and street).")
        turn.ask(Step.HOUSEHOLD, text, choices, free_text=True)

    async def on_household(self, turn: Turn) -> None:
        """Stores the household picked or typed; asks how it confirmed, or shows its pledge."""
        household = household_or_ask_again(turn, await self._households(turn))
        if household is None:
            return
        if not await self._allowed_group(turn, household.group_id):
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
            return
        turn.update_data(household_id=household.id)
        pledge = await pledge_in_force(turn.session, household.id, turn.data["year"])
        if pledge is not None:
            turn.ask(
                Step.MANAGE,
                f"{household.address} ({household.head_name})\n"
                + await describe(turn.session, turn.t, pledge),
                [
                    Choice(READ, turn._("Read the commitments it signed")),
                    Choice(WITHDRAW, turn._("Withdraw the pledge")),
                ],
            )
            return
        turn.ask(
            Step.HOW,
            turn._(
                "How did the household at {address} confirm the commitments to you?",
                address=household.address,
            ),
            [
                Choice(PledgeChannel.IN_PERSON, turn._("In person")),
                Choice(PledgeChannel.PHONE, turn._("By phone")),
            ],
        )

    async def on_how(self, turn: Turn) -> None:
        """Stores how the household confirmed and shows the commitments' first page."""
        household = await self.household(turn)
        if household is None or turn.choice not in HOW_NAMES:
            turn.leave()
            return
        text = await text_for(turn, household, turn.data["year"])
        turn.update_data(how=turn.choice, text_id=text.id)
        await self.show_page(turn, 0)

    async def heading(self, turn: Turn, household: Household) -> str:
        return turn._(
            "Household: {address} ({head})", address=household.address, head=household.head_name
        )

    async def question(self, turn: Turn, household: Household) -> tuple[str, list[Choice]]:
        how = turn.data["how"]
        question = turn._(
            "Did {head} confirm all of the above to you ({how}), for the whole household? The "
            "pledge will show that you signed it for the household.",
            head=household.head_name,
            how=turn._(HOW_NAMES[how]),
        )
        return question, [
            Choice(CONFIRM, turn._("Yes, record the pledge")),
            Choice(LATER, turn._("No, not now")),
        ]

    async def on_confirm(self, turn: Turn) -> None:
        """Records the assisted pledge and tells the household's members."""
        if turn.choice != CONFIRM:
            turn.say(turn._("Nothing was recorded."))
            turn.leave()
            return
        household = await self.household(turn)
        text = await pledge_text_by_id(turn.session, turn.data.get("text_id"))
        leader = turn.person
        actor = await load_actor(turn.session, leader.id if leader else None)
        if (
            household is None
            or text is None
            or leader is None
            or not await may_sign_on_behalf(turn.session, actor, household)
        ):
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
            return
        year, how = turn.data["year"], turn.data["how"]
        pledge = await record_pledge(
            turn.session,
            household=household,
            year=year,
            text=text,
            person_id=leader.id,
            channel=turn.event.channel,
            now=turn.now,
            assisted_how=how,
        )
        if pledge is None:
            turn.say(turn._("This household has already pledged for {year}.", year=year))
            turn.leave()
            return
        households = await self._households(turn)
        pledged = await households_with_pledge(turn.session, [h.id for h in households], year)
        turn.say(
            turn._(
                "Recorded: the safety pledge of {address} for {year}, signed by you for the "
                "household ({how}). {group}: {pledged} of {total} households have pledged.",
                address=household.address,
                year=year,
                how=turn._(HOW_NAMES[how]),
                group=await group_label(turn.session, household.group_id),
                pledged=len(pledged),
                total=len(households),
            )
        )
        await tell_household(
            turn.work,
            household,
            lambda t: t.gettext(
                "{leader}, your group leader, recorded the safety pledge of your household for "
                "{year} on {date}, after your household confirmed it {how}. If this is not "
                "right, please tell your group leader. Type /camket to read it.",
                leader=leader.full_name,
                year=year,
                date=day_text(t, pledge.at),
                how=t.gettext(HOW_NAMES[how]),
            ),
            key=("pledge", "assisted", pledge.id),
            exclude=frozenset({leader.id}),
        )
        turn.leave()

    async def on_manage(self, turn: Turn) -> None:
        """Reads the household's signed commitments, or asks why the pledge is withdrawn."""
        household = await self.household(turn)
        if household is None:
            turn.leave()
            return
        if turn.choice == READ:
            await self.say_signed_text(turn, household)
            turn.leave()
        elif turn.choice == WITHDRAW:
            self.ask_reason(turn)

    async def on_reason(self, turn: Turn) -> None:
        """Stores the withdrawal with the typed reason and tells the household."""
        reason = self.typed_reason(turn)
        if reason is None:
            return
        household = await self.household(turn)
        leader = turn.person
        actor = await load_actor(turn.session, leader.id if leader else None)
        year = turn.data["year"]
        if (
            household is None
            or leader is None
            or not await may_sign_on_behalf(turn.session, actor, household)
        ):
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
            return
        pledge = await pledge_in_force(turn.session, household.id, year)
        if pledge is None:
            turn.say(turn._("This household has no pledge for {year}.", year=year))
            turn.leave()
            return
        withdraw(pledge, person_id=leader.id, reason=reason, now=turn.now)
        turn.say(
            turn._(
                "The safety pledge of {address} for {year} is withdrawn; the reason is recorded.",
                address=household.address,
                year=year,
            )
        )
        await tell_household(
            turn.work,
            household,
            lambda t: t.gettext(
                "{leader}, your group leader, withdrew the safety pledge of your household for "
                "{year}. Reason: {reason}",
                leader=leader.full_name,
                year=year,
                reason=reason,
            ),
            key=("pledge", "withdrawn", pledge.id),
            exclude=frozenset({leader.id}),
        )
        turn.leave()


def _signs_for_households(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.PLEDGE_ON_BEHALF])


pledge_on_behalf_entry = MenuEntry(
    key="pledgefor",
    label=N_("Sign the pledge for a household"),
    flow=PledgeOnBehalf.name,
    commands=("kythay", "pledgefor"),
    visible_to=_signs_for_households,
    order=54,
)
