"""When and where it happened: quick choices or typed words, a shared location, a village."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.messages import SHARE_LOCATION, Choice, EventKind
from bot.runtime.dialog.turn import Turn
from bot.tips.when import parse_when_detail
from handlers.report_tip.steps import ReportTipSteps
from handlers.report_tip.texts import (
    DATE_PATTERN,
    KEEP_TYPED,
    MAX_PLACE,
    MAX_WHEN_TEXT,
    MY_VILLAGE,
    NO_PLACE,
    NOW,
    TODAY,
    UNKNOWN,
    YESTERDAY,
    Step,
)
from storage.repos.tips import member_village


class WhenWhereSteps(ReportTipSteps):
    # --- when ----------------------------------------------------------------------------
    def _when_choices(self, turn: Turn) -> list[Choice]:
        """The same numbers at every asking: "4" is "I am not sure" after a re-ask too."""
        return [
            Choice(NOW, turn._("Just now")),
            Choice(TODAY, turn._("Today")),
            Choice(YESTERDAY, turn._("Yesterday")),
            Choice(UNKNOWN, turn._("I am not sure")),
        ]

    async def _ask_when(self, turn: Turn, prefix: str | None) -> None:
        turn.ask(
            Step.WHEN,
            turn._(
                "When did it happen? Choose below, or type it, for example: “tối qua”, "
                "“8h sáng nay”, “20/6 21h”."
            ),
            self._when_choices(turn),
            free_text=True,
        )
        self._prefix_last(turn, prefix)

    async def on_when(self, turn: Turn) -> None:
        """Stores when (a quick choice, or typed words and the date read from them); asks where."""
        local_now = turn.now.astimezone(turn.settings.timezone)
        words = {
            NOW: turn._("Just now"),
            TODAY: turn._("Today"),
            YESTERDAY: turn._("Yesterday"),
        }
        if turn.choice == UNKNOWN:
            self._set_when(turn, None, None)
        elif turn.choice == KEEP_TYPED:
            self._set_when(turn, None, turn.data.get("typed_when"))
        elif turn.choice in words:
            day = {NOW: None, TODAY: local_now, YESTERDAY: local_now - timedelta(days=1)}
            chosen = day[turn.choice]
            if chosen is None:
                self._set_when(turn, local_now, words[NOW])
            else:
                self._set_when(
                    turn, None, f"{words[turn.choice]} ({turn.t.date(chosen, DATE_PATTERN)})"
                )
        elif turn.event.kind is EventKind.TEXT:
            typed = " ".join(turn.event.text.split())[:80]
            found = parse_when_detail(typed, local_now)
            if found is None:
                turn.update_data(typed_when=typed)
                turn.ask(
                    Step.WHEN,
                    turn._(
                        "I could not tell the date or time from “{text}”. Choose below, type it "
                        "another way (for example “20/6 21h”), or keep your words as they are.",
                        text=typed,
                    ),
                    [*self._when_choices(turn), Choice(KEEP_TYPED, turn._("Keep what I wrote"))],
                    free_text=True,
                )
                return
            moment, exact = found
            if exact:
                self._set_when(turn, moment, typed)
            else:  # a day, or a part of it: the words and the date, never an invented hour
                self._set_when(turn, None, f"{typed} ({turn.t.date(moment, DATE_PATTERN)})")
        else:
            self._reask(turn, turn._("Please choose below or type the date and time."))
            return
        await self._next(turn, Step.WHEN)

    def _set_when(self, turn: Turn, moment: datetime | None, words: str | None) -> None:
        turn.update_data(
            occurred_at=moment.isoformat() if moment else None,
            occurred_text=words[:MAX_WHEN_TEXT] if words else None,
            typed_when=None,
        )

    # --- where ---------------------------------------------------------------------------
    async def _ask_where(self, turn: Turn, prefix: str | None) -> None:
        choices = []
        village = await member_village(turn.session, turn.person)
        if village is not None and village.commune_code == turn.data.get("commune"):
            turn.update_data(member_village=[village.id, village.name])
            choices.append(Choice(MY_VILLAGE, turn._("In {village}", village=village.name)))
        choices.append(Choice(NO_PLACE, turn._("No particular place / not sure")))
        if turn.has_share_buttons:
            question = turn._(
                "Where did it happen? Type the place (house number, street, landmark), or share "
                "your location with the button."
            )
        else:
            question = turn._(
                "Where did it happen? Type the place (house number, street, landmark)."
            )
        turn.ask(
            Step.WHERE,
            question,
            choices,
            free_text=True,
            offer_share=SHARE_LOCATION,
            share_label=turn._("Share my location"),
        )
        self._prefix_last(turn, prefix)

    async def on_where(self, turn: Turn) -> None:
        """Stores the place (typed, shared, the member's village, or none); asks about anonymity."""
        event = turn.event
        if turn.choice == MY_VILLAGE and turn.data.get("member_village"):
            village_id, village_name = turn.data["member_village"]
            self._set_place(turn, place=village_name, village_id=village_id)
        elif turn.choice == NO_PLACE:
            self._set_place(turn)
        elif event.kind is EventKind.LOCATION and event.location is not None:
            latitude, longitude = event.location
            self._set_place(turn, latitude=latitude, longitude=longitude)
        elif event.kind is EventKind.TEXT and event.text.strip():
            place = " ".join(event.text.split())
            if len(place) > MAX_PLACE:
                self._reask(
                    turn,
                    turn._(
                        "Please describe the place in at most {limit} characters; details "
                        "belong in “what happened”.",
                        limit=MAX_PLACE,
                    ),
                )
                return
            self._set_place(turn, place=place)
        else:
            if turn.has_share_buttons:
                self._reask(turn, turn._("Please type the place or share your location."))
            else:
                self._reask(turn, turn._("Please type the place."))
            return
        await self._next(turn, Step.WHERE)

    def _set_place(
        self,
        turn: Turn,
        *,
        place: str | None = None,
        village_id: int | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> None:
        turn.update_data(place=place, village_id=village_id, latitude=latitude, longitude=longitude)
