"""The household safety pledge (/camket) and the leader's assisted pledge (/kythay, "ký thay").

A household member opens "Household safety pledge":
- the household has pledged this year: its pledge and date, the commitments it signed (the
  exact version stored), and for the head or a member the head lets sign: withdraw it, with a
  reason; for the head: choose who else may sign;
- it has not: the head (or a member the head lets sign) reads the commitments one page at a
  time (each page fits a Zalo message) and confirms them all; other members are told who can.

A group leader opens "Sign the pledge for a household", picks a household of the group, says how
it confirmed (in person, by phone), reads it the commitments and records the pledge, which shows
the leader's name and is marked as assisted; the household's members are told.

Every step re-checks, on the server, who may do it (bot.authz, bot.pledges.service).
"""

from __future__ import annotations

from enum import StrEnum

from bot.authz import POLICY, Action, Forbidden, groups_in_reach, load_actor, require
from bot.i18n import N_
from bot.messages import Choice, EventKind
from bot.people.membership import group_label
from bot.pledges.coverage import natural_key, unit_of_group
from bot.pledges.reminders import PLEDGE_NOW
from bot.pledges.service import (
    HOW_NAMES,
    MAX_REASON,
    Signer,
    current_year,
    day_text,
    describe,
    may_delegate,
    may_sign_on_behalf,
    may_view,
    member_household,
    record_pledge,
    signer,
    tell_household,
    withdraw,
)
from bot.pledges.texts import applicable_text, pages, version_label
from bot.runtime.dialog.flows import Flow, FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from storage.models import (
    Household,
    HouseholdStatus,
    PledgeChannel,
    PledgeDelegate,
    PledgeText,
)
from storage.repos.people import household_by_id, resident_households
from storage.repos.places import commune_by_code
from storage.repos.pledges import (
    delegate_ids,
    delegation,
    drop_delegation,
    households_with_pledge,
    members_living_in,
    pledge_in_force,
    pledge_text_by_id,
    pledges_before,
)

CONFIRM, LATER, DELEGATE, READ, WITHDRAW, NEXT = (
    "confirm",
    "later",
    "delegate",
    "read",
    "withdraw",
    "next",
)
MAX_HOUSEHOLD_BUTTONS = 30
NOT_AVAILABLE = N_("That option is not available to you.")


class Step(StrEnum):
    GROUP = "group"
    HOUSEHOLD = "household"
    HOW = "how"
    PAGE = "page"
    CONFIRM = "confirm"
    MANAGE = "manage"
    REASON = "reason"
    DELEGATE = "delegate"


async def _commune_name(turn: Turn, household: Household) -> str | None:
    unit = await unit_of_group(turn.session, household.group_id)
    commune = await commune_by_code(turn.session, unit.commune_code) if unit else None
    return commune.name if commune else None


async def _text_for(turn: Turn, household: Household, year: int) -> PledgeText:
    unit = await unit_of_group(turn.session, household.group_id)
    assert unit is not None
    return await applicable_text(turn.session, unit.commune_code, year)


class _PledgePages(Flow):
    """Reading the commitments page by page, then one question on the last page."""

    async def _household(self, turn: Turn) -> Household | None:
        household_id = turn.data.get("household_id")
        return await household_by_id(turn.session, household_id) if household_id else None

    async def _show_page(self, turn: Turn, index: int) -> None:
        household = await self._household(turn)
        text = await pledge_text_by_id(turn.session, turn.data.get("text_id"))
        if household is None or text is None:
            turn.leave()
            return
        all_pages = pages(turn.t, text, turn.data["year"], await self._heading(turn, household))
        index = max(0, min(index, len(all_pages) - 1))
        if index < len(all_pages) - 1:
            turn.ask(Step.PAGE, all_pages[index], [Choice(f"{NEXT}:{index + 1}", turn._("Next"))])
            return
        label = version_label(turn.t, text, await _commune_name(turn, household))
        question, choices = await self._question(turn, household)
        turn.ask(Step.CONFIRM, f"{all_pages[index]}\n\n({label})\n\n{question}", choices)

    async def on_page(self, turn: Turn) -> None:
        _, _, index = (turn.choice or "").partition(":")
        await self._show_page(turn, int(index) if index.isdigit() else 0)

    async def _heading(self, turn: Turn, household: Household) -> str:
        raise NotImplementedError

    async def _question(self, turn: Turn, household: Household) -> tuple[str, list[Choice]]:
        raise NotImplementedError

    async def _say_signed_text(self, turn: Turn, household: Household) -> None:
        """The commitments exactly as the household signed them (the version it confirmed)."""
        pledge = await pledge_in_force(turn.session, household.id, turn.data["year"])
        text = await pledge_text_by_id(turn.session, pledge.text_id) if pledge else None
        if pledge is None or text is None:
            turn.say(turn._("Your household has no pledge for {year}.", year=turn.data["year"]))
            return
        heading = turn._("Household: {address}", address=household.address)
        signed = pages(turn.t, text, pledge.year, heading)
        label = version_label(turn.t, text, await _commune_name(turn, household))
        for page in signed[:-1]:
            turn.say(page)
        turn.say(f"{signed[-1]}\n\n({label})\n\n" + await describe(turn.session, turn.t, pledge))

    def _ask_reason(self, turn: Turn) -> None:
        turn.ask(
            Step.REASON,
            turn._(
                "Why is the pledge withdrawn? Please type the reason in a few words. It is "
                "recorded with the withdrawal."
            ),
            free_text=True,
        )

    def _reason(self, turn: Turn) -> str | None:
        reason = " ".join(turn.event.text.split()) if turn.event.kind is EventKind.TEXT else ""
        if not 3 <= len(reason) <= MAX_REASON or sum(c.isalpha() for c in reason) < 2:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._(
                    "Please type the reason in words, at most {limit} characters.",
                    limit=MAX_REASON,
                ),
            )
            return None
        return reason


# --- the household's own pledge --------------------------------------------------------------


class HouseholdPledge(_PledgePages):
    name = "pledge"

    async def begin(self, turn: Turn) -> None:
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
        text = await _text_for(turn, household, year)
        turn.update_data(text_id=text.id)
        await self._show_page(turn, 0)

    async def _earlier(self, turn: Turn, household: Household) -> list[str]:
        """Earlier years' pledges stay readable after 1 January."""
        earlier = await pledges_before(turn.session, household.id, turn.data["year"])
        if not earlier:
            return []
        years = ", ".join(f"{p.year} ({day_text(turn.t, p.at)})" for p in earlier[:5])
        return [turn._("Earlier pledges: {years}", years=years)]

    async def _heading(self, turn: Turn, household: Household) -> str:
        return turn._("Household: {address}", address=household.address)

    async def _question(self, turn: Turn, household: Household) -> tuple[str, list[Choice]]:
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
        if turn.choice == DELEGATE:
            await self._ask_delegate(turn)
            return
        if turn.choice != CONFIRM:
            turn.say(turn._("Nothing was recorded. You can make the pledge at any time: /camket"))
            turn.leave()
            return
        household = await self._household(turn)
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
        household = await self._household(turn)
        if household is None or turn.person is None:
            turn.leave()
            return
        if turn.choice == READ:
            await self._say_signed_text(turn, household)
            turn.leave()
        elif turn.choice == WITHDRAW:
            actor = await load_actor(turn.session, turn.person.id)
            if await signer(turn.session, actor, turn.person, household) is None:
                turn.say(turn._(NOT_AVAILABLE))
                turn.leave()
                return
            self._ask_reason(turn)
        elif turn.choice == DELEGATE:
            await self._ask_delegate(turn)

    async def on_reason(self, turn: Turn) -> None:
        reason = self._reason(turn)
        if reason is None:
            return
        household = await self._household(turn)
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

    # --- who else may sign ---------------------------------------------------------------
    async def _ask_delegate(self, turn: Turn) -> None:
        household = await self._household(turn)
        person = turn.person
        actor = await load_actor(turn.session, person.id if person else None)
        if (
            household is None
            or person is None
            or not await may_delegate(turn.session, actor, person, household)
        ):
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
            return
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
        household = await self._household(turn)
        person = turn.person
        actor = await load_actor(turn.session, person.id if person else None)
        if (
            household is None
            or person is None
            or not await may_delegate(turn.session, actor, person, household)
        ):
            turn.say(turn._(NOT_AVAILABLE))
            turn.leave()
            return
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


# --- the leader's assisted pledge ("ký thay") ----------------------------------------------


class PledgeOnBehalf(_PledgePages):
    name = "pledge_assist"

    async def begin(self, turn: Turn) -> None:
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
        households = await self._households(turn)
        if turn.choice is not None:
            picked = [h for h in households if str(h.id) == turn.choice]
        else:
            typed = set(fold(turn.event.text).split())
            picked = [h for h in households if typed and typed <= set(fold(h.address).split())]
        if len(picked) != 1:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("I could not find exactly one household with that address."),
            )
            return
        household = picked[0]
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
        household = await self._household(turn)
        if household is None or turn.choice not in HOW_NAMES:
            turn.leave()
            return
        text = await _text_for(turn, household, turn.data["year"])
        turn.update_data(how=turn.choice, text_id=text.id)
        await self._show_page(turn, 0)

    async def _heading(self, turn: Turn, household: Household) -> str:
        return turn._(
            "Household: {address} ({head})", address=household.address, head=household.head_name
        )

    async def _question(self, turn: Turn, household: Household) -> tuple[str, list[Choice]]:
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
        if turn.choice != CONFIRM:
            turn.say(turn._("Nothing was recorded."))
            turn.leave()
            return
        household = await self._household(turn)
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
        household = await self._household(turn)
        if household is None:
            turn.leave()
            return
        if turn.choice == READ:
            await self._say_signed_text(turn, household)
            turn.leave()
        elif turn.choice == WITHDRAW:
            self._ask_reason(turn)

    async def on_reason(self, turn: Turn) -> None:
        reason = self._reason(turn)
        if reason is None:
            return
        household = await self._household(turn)
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


def _household_member(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_HOUSEHOLD_PLEDGE])


def _signs_for_households(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.PLEDGE_ON_BEHALF])


pledge_entry = MenuEntry(
    key="pledge",
    label=N_("Household safety pledge"),
    flow=HouseholdPledge.name,
    commands=("camket", "pledge"),
    visible_to=_household_member,
    order=40,
)
pledge_on_behalf_entry = MenuEntry(
    key="pledgefor",
    label=N_("Sign the pledge for a household"),
    flow=PledgeOnBehalf.name,
    commands=("kythay", "pledgefor"),
    visible_to=_signs_for_households,
    order=54,
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
