"""Emergency numbers: shows 113/114/115/111, then offers the commune police duty phone:
asks the commune's name → which of several matches → shows its duty phone, if it has one."""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import N_
from bot.messages import Choice
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from handlers.report_tip import in_sentence
from storage.models import Commune
from storage.repos.org import commune_by_code, find_communes

SKIP = "skip"


class Step(StrEnum):
    COMMUNE_NAME = "commune_name"
    PICK_COMMUNE = "pick_commune"


def emergency_text(turn: Turn) -> str:
    return turn._(
        "Emergency numbers, free of charge from any phone:\n"
        "• 113: police, a crime is happening now\n"
        "• 114: fire, rescue\n"
        "• 115: ambulance, someone is injured or ill\n"
        "• 111: child protection hotline"
    )


class EmergencyNumbers(Flow):
    name = "emergency_numbers"

    async def begin(self, turn: Turn) -> None:
        """Says the emergency numbers; shows the member's duty phone, else asks the commune."""
        turn.say(emergency_text(turn))
        commune = (
            await commune_by_code(turn.session, turn.person.commune_code) if turn.person else None
        )
        if commune is not None:
            self._show_duty_phone(turn, commune)
            return
        turn.ask(
            Step.COMMUNE_NAME,
            turn._(
                "To see the duty phone of your commune police, type the name of your commune "
                "or ward (for example: Thanh Mỹ)."
            ),
            [Choice(SKIP, turn._("No, thank you"))],
            free_text=True,
        )

    async def on_commune_name(self, turn: Turn) -> None:
        """Looks the typed name up; asks which one when several communes share it."""
        if turn.choice == SKIP:
            turn.leave()
            return
        matches = await find_communes(turn.session, turn.event.text)
        if not matches:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._(
                    "I found no commune or ward with that name. Please check the spelling."
                ),
            )
            return
        if len(matches) == 1:
            self._show_duty_phone(turn, matches[0][0])
            return
        choices = [Choice(c.code, f"{c.name}, {p.name}") for c, p in matches]
        turn.ask(Step.PICK_COMMUNE, turn._("Which commune or ward do you mean?"), choices)

    async def on_pick_commune(self, turn: Turn) -> None:
        """Shows the duty phone of the picked commune."""
        commune = await commune_by_code(turn.session, turn.choice or "")
        if commune is not None:
            self._show_duty_phone(turn, commune)
        else:
            turn.leave()

    def _show_duty_phone(self, turn: Turn, commune: Commune) -> None:
        if commune.duty_phone:
            turn.say(
                turn._(
                    "Duty phone of the police of {commune}: {phone}",
                    commune=in_sentence(commune.name),
                    phone=commune.duty_phone,
                )
            )
        else:
            turn.say(
                turn._(
                    "{commune} has not registered a police duty phone with Bình Yên yet. "
                    "In an emergency call 113.",
                    commune=commune.name,
                )
            )
        turn.leave()


emergency_numbers_entry = MenuEntry(
    key="emergency",
    label=N_("Emergency numbers"),
    flow=EmergencyNumbers.name,
    commands=("khancap", "sos", "emergency"),
    order=10,
)
