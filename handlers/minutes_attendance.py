"""The minutes' attendance: the secretary (the group's last one is proposed), the host
household or another place, the households present (a number or ticked), the guests."""

from __future__ import annotations

from bot.meetings.minutes import GUESTS
from bot.messages import Choice
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from handlers.household_choice import pick_household
from handlers.minutes_steps import (
    DONE,
    KEEP,
    LIST,
    MAX_BUTTONS,
    MAX_NAME,
    NO_HOST,
    PRESENT_NUMBER,
    TOGGLE,
    MinutesSteps,
    Step,
    draft_of,
    set_draft,
)
from storage.models import Household
from storage.repos.meeting_people import invitees
from storage.repos.meetings import household_by_id, resident_households


class MinutesAttendance(MinutesSteps):
    """Who was there: the host household or place, the households present, the secretary,
    the guests."""

    async def _ask_secretary(self, turn: Turn) -> None:
        if draft_of(turn).get("secretary") and not turn.data.get("editing"):
            await self._next(turn, Step.SECRETARY)  # the group's last one, shown in the summary
            return
        people = await invitees(turn.session, turn.data["group_id"])
        choices = [Choice(str(pid), name) for pid, name in list(people.items())[:MAX_BUTTONS]]
        turn.ask(
            Step.SECRETARY,
            turn._(
                "Who was the secretary (who wrote down the minutes)? Press a name, or type one."
            ),
            choices,
            free_text=True,
        )

    async def on_secretary(self, turn: Turn) -> None:
        """Stores the secretary pressed or typed; asks the guests."""
        people = await invitees(turn.session, turn.data["group_id"])
        if turn.choice and turn.choice.isdigit() and int(turn.choice) in people:
            name = people[int(turn.choice)]
        else:
            name = " ".join(turn.event.text.split())
            if not 2 <= len(name) <= MAX_NAME:
                self._retry(turn, turn._("Please type a name, at most 120 characters."))
                return
        set_draft(turn, secretary=name)
        await self._next(turn, Step.SECRETARY)

    # --- host and place ----------------------------------------------------------------------
    async def _households(self, turn: Turn) -> list[Household]:
        return await resident_households(turn.session, turn.data["group_id"])

    async def _ask_host(self, turn: Turn) -> None:
        draft = draft_of(turn)
        choices = []
        host = await household_by_id(turn.session, draft.get("host"))
        if host is not None:
            choices.append(Choice(KEEP, turn._("{address} (as planned)", address=host.address)))
        households = [h for h in await self._households(turn) if host is None or h.id != host.id]
        choices += [Choice(str(h.id), h.address) for h in households[:MAX_BUTTONS]]
        choices.append(Choice(NO_HOST, turn._("Not at a household")))
        turn.ask(
            Step.HOST,
            turn._("Which household hosted the meeting? Press it, or type its address."),
            choices,
            free_text=True,
        )

    async def on_host(self, turn: Turn) -> None:
        """Stores the host and its address as the place; asks the place, or who was present."""
        draft = draft_of(turn)
        if turn.choice == KEEP:
            host = await household_by_id(turn.session, draft.get("host"))
        elif turn.choice == NO_HOST:
            set_draft(turn, host=None)
            turn.ask(
                Step.PLACE,
                turn._("Where was the meeting held? Type the place."),
                free_text=True,
            )
            return
        else:
            host = pick_household(turn, await self._households(turn))
            if host is None:
                self._retry(
                    turn, turn._("I could not find exactly one household with that address.")
                )
                return
        place = draft.get("place") if host and host.id == draft.get("host") else None
        set_draft(
            turn, host=host.id if host else None, place=place or (host.address if host else "")
        )
        await self._next(turn, Step.HOST)

    async def on_place(self, turn: Turn) -> None:
        """Stores the place typed; asks the households present."""
        place = " ".join(turn.event.text.split())
        if not 2 <= len(place) <= 300:
            self._retry(turn, turn._("Please type the place in words, at most 300 characters."))
            return
        set_draft(turn, place=place)
        await self._next(turn, Step.HOST)

    # --- attendance --------------------------------------------------------------------------
    async def _ask_attendance(self, turn: Turn) -> None:
        draft = draft_of(turn)
        turn.ask(
            Step.ATTENDANCE,
            turn._(
                "How many of the {total} households were present? Type the number followed "
                "by “hộ” (for example “8 hộ”), or tick them in the list.",
                total=draft["total"],
            ),
            [Choice(LIST, turn._("Tick from the list"))],
            free_text=True,
            numbered=False,
        )

    async def on_attendance(self, turn: Turn) -> None:
        """Stores how many households were present, or opens the list; asks the secretary."""
        if turn.choice == LIST:
            await self._ask_present_list(turn)
            return
        match = PRESENT_NUMBER.match(fold(turn.event.text))
        total = int(draft_of(turn)["total"])
        if match is None or int(match.group(1)) > max(total, 0):
            self._retry(
                turn,
                turn._(
                    "Please type a number of households from 0 to {total}, e.g. “8 hộ”.",
                    total=total,
                ),
            )
            return
        set_draft(turn, present=int(match.group(1)), present_ids=[])
        await self._next(turn, Step.ATTENDANCE)

    async def _ask_present_list(self, turn: Turn) -> None:
        draft = draft_of(turn)
        ticked = set(draft.get("present_ids") or [])
        households = await self._households(turn)
        choices = [
            Choice(f"{TOGGLE}{h.id}", ("✅ " if h.id in ticked else "") + h.address)
            for h in households[:MAX_BUTTONS]
        ]
        choices.append(Choice(DONE, turn._("Done ({n} present)", n=len(ticked))))
        turn.ask(
            Step.PRESENT_LIST,
            turn._("Press each household that was present, then “Done”."),
            choices,
        )

    async def on_present_list(self, turn: Turn) -> None:
        """Ticks or unticks the household pressed, shows the list; “Done” asks the secretary."""
        draft = draft_of(turn)
        if turn.choice == DONE:
            set_draft(turn, present=None)
            await self._next(turn, Step.ATTENDANCE)
            return
        household = int((turn.choice or "").removeprefix(TOGGLE) or 0)
        ticked = list(draft.get("present_ids") or [])
        if household in ticked:
            ticked.remove(household)
        else:
            ticked.append(household)
        set_draft(turn, present_ids=ticked, present=None)
        await self._ask_present_list(turn)

    async def _ask_guests(self, turn: Turn) -> None:
        self._ask_ticks(
            turn,
            Step.GUESTS,
            turn._(
                "Guests at the meeting? Press each one, type any other guest, then press "
                "“Done” (also when there were none)."
            ),
            GUESTS,
            "guests",
        )

    async def on_guests(self, turn: Turn) -> None:
        """Ticks a standard guest or adds a typed one; on “Done” asks the topics."""
        if await self._on_ticks(turn, Step.GUESTS, "guests"):
            await self._next(turn, Step.GUESTS)
