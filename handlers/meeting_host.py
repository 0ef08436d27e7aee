"""The host and the place of a meeting being planned: rotation proposes the household that
hosted longest ago; the leader keeps it, picks another (pressed or typed), or none."""

from __future__ import annotations

from bot.authz import Action
from bot.meetings import rotation
from bot.meetings.service import host_label
from bot.messages import Choice
from bot.runtime.dialog.flows import Flow
from bot.runtime.dialog.turn import Turn
from handlers.household_choice import household_or_ask_again
from handlers.meeting_parts import (
    AT_HOST,
    KEEP,
    MAX_HOUSEHOLD_BUTTONS,
    MAX_PLACE,
    NO_HOST,
    OTHER_HOST,
    SKIP_LIST,
    Step,
    actor_id,
    may,
    not_available,
)
from storage.models import Household, HouseholdStatus, Meeting
from storage.repos.meetings import (
    host_candidates,
    household_by_id,
    households_of,
    skipped_households,
    toggle_hosting_skip,
)


class MeetingHostSteps(Flow):
    """The meeting plan's host household (by rotation, another, or none; a household may ask
    to be passed over) and its place."""

    # --- the host ----------------------------------------------------------------------------
    async def _ask_host(self, turn: Turn) -> None:
        group_id = turn.data["group_id"]
        meeting = await self._meeting(turn)
        proposal = await rotation.propose_host(
            turn.session, group_id, excluding_meeting=meeting.id if meeting else None
        )
        choices = []
        current = (
            await household_by_id(turn.session, meeting.host_household_id) if meeting else None
        )
        if current is not None:
            text = turn._(
                "Host household: {host}. Keep it, or choose another?", host=current.address
            )
            choices.append(Choice(KEEP, turn._("Keep {address}", address=current.address)))
            turn.update_data(proposed_host=current.id)
        elif proposal is not None:
            text = turn._(
                "By rotation it is the turn of {host} to host (the household that hosted "
                "longest ago). Press it to agree, or choose another.",
                host=host_label(proposal, turn.t),
            )
            choices.append(Choice(KEEP, proposal.address))
            turn.update_data(proposed_host=proposal.id)
        else:
            text = turn._("No household of the group can host by rotation. Where is the meeting?")
            turn.update_data(proposed_host=None)
        choices += [
            Choice(OTHER_HOST, turn._("Another household")),
            Choice(NO_HOST, turn._("No host household")),
        ]
        turn.ask(Step.HOST, text, choices)

    async def on_host(self, turn: Turn) -> None:
        """Stores the host proposed (or none) and asks the place; “Another household” asks which."""
        if turn.choice == KEEP and turn.data.get("proposed_host"):
            await self._set_host(turn, turn.data["proposed_host"])
        elif turn.choice == OTHER_HOST:
            await self._ask_host_list(turn)
        else:
            await self._set_host(turn, None)

    async def _households(self, turn: Turn) -> list[Household]:
        return await host_candidates(turn.session, turn.data["group_id"])

    async def _ask_host_list(self, turn: Turn) -> None:
        households = await self._households(turn)
        choices = [Choice(str(h.id), h.address) for h in households[:MAX_HOUSEHOLD_BUTTONS]]
        choices.append(Choice(SKIP_LIST, turn._("A household asks not to host")))
        turn.ask(
            Step.HOST_LIST,
            turn._("Which household hosts? Press its address, or type it."),
            choices,
            free_text=True,
        )

    async def on_host_list(self, turn: Turn) -> None:
        """Stores the household picked as host, asks the place; or asks whom to pass over."""
        if turn.choice == SKIP_LIST:
            await self._ask_skip(turn)
            return
        picked = household_or_ask_again(turn, await self._households(turn))
        if picked is None:
            return
        await self._set_host(turn, picked.id)

    async def _ask_skip(self, turn: Turn) -> None:
        households = await households_of(turn.session, turn.data["group_id"])
        skipped = await skipped_households(turn.session)
        choices = [
            Choice(str(h.id), ("⛔ " if h.id in skipped else "") + h.address)
            for h in households[:MAX_HOUSEHOLD_BUTTONS]
            if h.status == HouseholdStatus.ACTIVE
        ]
        turn.ask(
            Step.SKIP,
            turn._(
                "Which household asks not to host meetings? Rotation will pass over it. "
                "Households marked ⛔ are already passed over: press one to take it back."
            ),
            choices,
            free_text=True,
        )

    async def on_skip(self, turn: Turn) -> None:
        """Passes over the household in the rotation, or takes it back; asks the host again."""
        households = await households_of(turn.session, turn.data["group_id"])
        picked = household_or_ask_again(turn, households)
        if picked is None:
            return
        if not await may(turn, Action.SCHEDULE_MEETING, turn.data["group_id"]):
            not_available(turn)
            return
        if await toggle_hosting_skip(turn.session, picked.id, by=actor_id(turn), now=turn.now):
            turn.say(turn._("{address} will not be asked to host.", address=picked.address))
        else:
            turn.say(turn._("{address} takes part in the rotation again.", address=picked.address))
        await self._ask_host(turn)

    async def _set_host(self, turn: Turn, household_id: int | None) -> None:
        turn.update_data(host=household_id)
        household = await household_by_id(turn.session, household_id)
        choices = []
        if household is not None:
            choices.append(
                Choice(AT_HOST, turn._("At the host's home: {address}", address=household.address))
            )
        meeting = await self._meeting(turn)
        if (
            meeting is not None
            and meeting.place
            and (household is None or meeting.place != household.address)
        ):
            choices.append(Choice(KEEP, meeting.place))
        turn.ask(
            Step.PLACE,
            turn._("Where does the group meet? Press the place, or type it."),
            choices,
            free_text=True,
        )

    async def on_place(self, turn: Turn) -> None:
        """Stores the place (the host's home, the one kept, or typed); asks to confirm and send."""
        if turn.choice == AT_HOST:
            household = await household_by_id(turn.session, turn.data.get("host"))
            place = household.address if household else ""
        elif turn.choice == KEEP:
            meeting = await self._meeting(turn)
            place = meeting.place if meeting else ""
        else:
            place = " ".join(turn.event.text.split())
        if not 2 <= len(place) <= MAX_PLACE:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("Please type the place in words, at most 300 characters."),
            )
            return
        turn.update_data(place=place)
        await self._ask_confirm(turn)

    async def _meeting(self, turn: Turn) -> Meeting | None:
        raise NotImplementedError  # handlers.meetings

    async def _ask_confirm(self, turn: Turn) -> None:
        raise NotImplementedError  # handlers.meetings
