"""Where a joining person belongs: the commune by name (without a code), or the invite's
group and the household (picked, typed, or added as not listed)."""

from __future__ import annotations

from bot.authz import PRIVILEGED_ROLES
from bot.messages import Choice
from bot.runtime.dialog.turn import Turn
from handlers.household_choice import household_or_ask_again
from handlers.joining_code import CodeSteps
from handlers.joining_steps import MAX_HOUSEHOLD_BUTTONS, NOT_LISTED, Step
from storage.models import Group, Household, Invite, ScopeKind, Village
from storage.repos.org import commune_by_code, find_communes, groups_with_villages
from storage.repos.people import household_at, resident_households


class PlaceSteps(CodeSteps):
    """Joining's steps about where the person belongs; they end in `finish`."""

    async def after_contact(self, turn: Turn) -> None:
        invite = await self.invite(turn)
        if invite is None:
            turn.ask(
                Step.COMMUNE_NAME,
                turn._("Which commune or ward do you live in? Type its name, e.g. Thanh Mỹ."),
                free_text=True,
            )
        elif invite.role in PRIVILEGED_ROLES:
            await self.finish(turn, invite=invite)
        elif invite.scope_kind == ScopeKind.GROUP:
            turn.update_data(group_id=int(invite.scope_id))
            await self.ask_household(turn)
        else:
            await self.ask_group(turn, invite)

    async def on_commune_name(self, turn: Turn) -> None:
        """Finds the commune typed: joins it, or asks which of several was meant."""
        matches = await find_communes(turn.session, turn.event.text)
        if not matches:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._(
                    "I found no commune or ward with that name. Please check the spelling."
                ),
            )
        elif len(matches) == 1:
            await self.finish(turn, commune_code=matches[0][0].code)
        else:
            choices = [Choice(c.code, f"{c.name}, {p.name}") for c, p in matches]
            turn.ask(Step.PICK_COMMUNE, turn._("Which commune or ward do you mean?"), choices)

    async def on_pick_commune(self, turn: Turn) -> None:
        """Joins the commune picked (as a resident without a group yet)."""
        if await commune_by_code(turn.session, turn.choice) is None:
            turn.leave()
            return
        await self.finish(turn, commune_code=turn.choice)

    async def groups_of_invite(self, turn: Turn, invite: Invite) -> list[tuple[Group, Village]]:
        in_village = invite.scope_kind == ScopeKind.VILLAGE
        return await groups_with_villages(
            turn.session,
            invite.commune_code,
            village_id=int(invite.scope_id) if in_village else None,
        )

    async def ask_group(self, turn: Turn, invite: Invite) -> None:
        groups = await self.groups_of_invite(turn, invite)
        if not groups:
            await self.finish(turn, invite=invite)
            return
        choices = [Choice(str(g.id), f"{g.name}, {v.name}") for g, v in groups]
        turn.ask(Step.GROUP, turn._("Which group (tổ) does your household belong to?"), choices)

    async def on_group(self, turn: Turn) -> None:
        """Stores the group picked (one of the invite's) and asks for the household."""
        invite = await self.invite(turn)
        # The choice came from the user: it must be one of the invite's groups.
        allowed = (
            {str(g.id) for g, _ in await self.groups_of_invite(turn, invite)} if invite else set()
        )
        if turn.choice not in allowed:
            turn.leave()
            return
        turn.update_data(group_id=int(turn.choice or 0))
        await self.ask_household(turn)

    async def households(self, turn: Turn) -> list[Household]:
        return await resident_households(turn.session, turn.data["group_id"])

    async def ask_household(self, turn: Turn) -> None:
        households = await self.households(turn)
        choices = [Choice(str(h.id), h.address) for h in households[:MAX_HOUSEHOLD_BUTTONS]]
        text = turn._("Which household do you live in? Press its address, or type it.")
        if len(households) > MAX_HOUSEHOLD_BUTTONS:
            text = turn._(
                "Which household do you live in? Type the address (house number and street)."
            )
            choices = []
        turn.ask(
            Step.HOUSEHOLD,
            text,
            [*choices, Choice(NOT_LISTED, turn._("My household is not listed"))],
            free_text=True,
        )

    async def on_household(self, turn: Turn) -> None:
        """Sends the request for the household picked or typed, or asks for an address."""
        if turn.choice == NOT_LISTED:
            turn.ask(
                Step.ADDRESS,
                turn._("Please type your address (house number and street, or hamlet)."),
                free_text=True,
            )
            return
        household = household_or_ask_again(turn, await self.households(turn))
        if household is None:
            return
        await self.finish(turn, invite=await self.invite(turn), household=household)

    async def on_address(self, turn: Turn) -> None:
        """Adds the typed address as an unconfirmed household and sends the request."""
        address = " ".join(turn.event.text.split())
        if not 3 <= len(address) <= 200:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("Please type the address in words, at most 200 characters."),
            )
            return
        group_id = turn.data["group_id"]
        existing = await household_at(turn.session, group_id=group_id, address=address)
        household = existing or Household(
            group_id=group_id,
            address=address,
            head_name=turn.data.get("name") or (turn.person.full_name if turn.person else ""),
            members=1,
            confirmed=False,
            created_at=turn.now,
        )
        turn.session.add(household)
        await turn.session.flush()
        await self.finish(turn, invite=await self.invite(turn), household=household)
