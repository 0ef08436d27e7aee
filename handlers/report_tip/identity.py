"""Anonymous or with name and phone (after the data notice), and whether to get updates."""

from __future__ import annotations

import base64

from bot.crypto import PERSON_PHONE, FieldCipher
from bot.messages import SHARE_PHONE, Choice, EventKind
from bot.people.consent import consent_text, record_consent
from bot.people.phone import normalise_phone
from bot.runtime.dialog.turn import Turn
from handlers.report_tip.steps import ReportTipSteps
from handlers.report_tip.texts import ANONYMOUS, NAMED, NO, NO_PHONE, YES, Step
from storage.models import ConsentDecision
from storage.repos.org import commune_by_code


class IdentitySteps(ReportTipSteps):
    # --- anonymity and updates -----------------------------------------------------------
    async def _ask_anonymity(self, turn: Turn, prefix: str | None) -> None:
        if not self._may_be_asked_name(turn):
            turn.update_data(anonymous=True)
            turn.say(
                turn._(
                    "Your tip will be sent anonymously: commune police will not know who you "
                    "are. Only members who joined their group can add their name."
                )
            )
            if turn.data.get("editing"):
                turn.update_data(editing=False)
                await self._ask(turn, Step.SUMMARY)
            else:
                await self._ask(turn, Step.UPDATES)
            return
        turn.ask(
            Step.ANONYMITY,
            turn._(
                "Should commune police know who you are?\n"
                "• Anonymous: police do not see your name or phone number; you can still get "
                "updates and answer their questions here.\n"
                "• With my name and phone: only commune police see them, so they can call you "
                "back; your group leader and neighbours never do."
            ),
            [
                Choice(ANONYMOUS, turn._("Anonymous")),
                Choice(NAMED, turn._("Send my name and phone to commune police")),
            ],
        )
        self._prefix_last(turn, prefix)

    async def on_anonymity(self, turn: Turn) -> None:
        """Stores anonymous or named (data notice first); asks the phone if missing, or updates."""
        if turn.choice == NAMED and not self._may_give_name(turn):
            # Their name goes with a tip: the residents' notice first (issue #12).
            commune = await commune_by_code(turn.session, turn.data.get("commune"))
            turn.ask(
                Step.NAME_CONSENT,
                consent_text(turn.t, commune),
                [Choice(YES, turn._("I agree")), Choice(NO, turn._("I do not agree"))],
            )
            return
        turn.update_data(anonymous=turn.choice != NAMED)
        person = turn.person
        if turn.choice == NAMED and person is not None and person.phone_encrypted is None:
            self._ask_phone(turn)
            return
        await self._next(turn, Step.ANONYMITY)

    def _ask_phone(self, turn: Turn) -> None:
        """A named tip whose reporter has no phone with us: police could not call back."""
        how = (
            turn._("Type it, or share it with the button, or skip.")
            if turn.has_share_buttons
            else turn._("Type it, or skip.")
        )
        turn.ask(
            Step.PHONE,
            turn._(
                "Commune police may need to call you back about this tip, and we have no phone "
                "number of yours. It is optional; only commune police see it."
            )
            + " "
            + how,
            [Choice(NO_PHONE, turn._("Skip: no phone number"))],
            free_text=True,
            offer_share=SHARE_PHONE,
            share_label=turn._("Share my phone number"),
            numbered=False,
        )

    async def on_phone(self, turn: Turn) -> None:
        """Stores the typed or shared phone, sealed, or none; asks about updates."""
        if turn.choice != NO_PHONE:
            typed = turn.event.phone if turn.event.kind is EventKind.CONTACT else turn.event.text
            phone = normalise_phone(typed or "")
            if phone is None:
                self._reask(
                    turn,
                    turn._(
                        "That does not look like a Vietnamese phone number (for example "
                        "0912 345 678)."
                    ),
                )
                return
            sealed = FieldCipher(turn.settings.secret_key_bytes()).encrypt(phone, PERSON_PHONE)
            turn.update_data(phone=base64.b64encode(sealed).decode())
        await self._next(turn, Step.ANONYMITY)

    async def on_name_consent(self, turn: Turn) -> None:
        """Agreed: recorded, and the name goes with the tip; else the tip stays anonymous."""
        if turn.choice == YES and turn.person is not None:
            record_consent(
                turn.session,
                turn.person,
                decision=ConsentDecision.GIVEN,
                channel=turn.event.channel,
                at=turn.now,
            )
            turn.update_data(anonymous=False)
            if turn.person.phone_encrypted is None:
                self._ask_phone(turn)
                return
        else:
            turn.update_data(anonymous=True)
            turn.say(turn._("Understood: your tip will be sent anonymously."))
        await self._next(turn, Step.ANONYMITY)

    async def _ask_updates(self, turn: Turn, prefix: str | None) -> None:
        turn.ask(
            Step.UPDATES,
            turn._("Do you want a message here when commune police act on this tip?"),
            [Choice(YES, turn._("Yes, keep me informed")), Choice(NO, turn._("No, thank you"))],
        )
        self._prefix_last(turn, prefix)

    async def on_updates(self, turn: Turn) -> None:
        """Stores whether the reporter wants updates; shows the summary."""
        turn.update_data(updates=turn.choice == YES)
        await self._next(turn, Step.UPDATES)
