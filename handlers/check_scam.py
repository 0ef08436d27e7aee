"""Is this a scam? ("Kiểm tra lừa đảo", "kiểm tra 0912 345 678", /kiemtra): anyone, no joining.

the suspicious message (pasted, forwarded, or typed after "kiểm tra") → for each phone number,
bank account, link and username in it: known to police as fraud (with their warning), reported
before by residents ("someone reported it", the number only from 3 on, never who), or nothing
known → the standing advice → "send it to commune police as a tip?": members choose once;
others type their commune's name → an anonymous fraud tip holding the message.

Nothing checked is stored: while the offer is open the message waits encrypted in the
conversation, and is gone on "No", "Cancel" or anything else; the answers that show it wait
encrypted in the outbox (`OutboundMessage.private`) and, as every message, keep no text once
sent.
"""

from __future__ import annotations

import base64
from enum import StrEnum

from bot.crypto import DecryptionError, FieldCipher
from bot.i18n import N_
from bot.messages import Choice, EventKind
from bot.people.consent import has_current_consent
from bot.runtime.dialog.engine import NOT_UNDERSTOOD
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.scams.extract import extract_items
from bot.scams.service import (
    FRAUD_CATEGORY,
    SMALL_COUNT,
    Finding,
    capitalised,
    check_items,
    item_label,
)
from bot.text_match import fold
from bot.tips.submit import TipDraft, submit_tip
from handlers.report_tip import rate_limited, reporter_route
from storage.models import Commune
from storage.repos.org import commune_by_code, find_communes

SEND, NO = "send", "no"
SEALED = "scam.check"  # the purpose the waiting message is encrypted for
LEADING_WORDS = ("kiem tra", "check")
MAX_TEXT = 4000
MAX_ITEMS = 10  # answered in one check; a longer list is not a message someone received


class Step(StrEnum):
    MESSAGE = "message"
    OFFER = "offer"
    PICK_COMMUNE = "pick_commune"


def _given_text(turn: Turn) -> str:
    """What came with the words that started the check: "/kiemtra 0912…", "kiểm tra 0912…"."""
    event = turn.event
    if event.kind is EventKind.COMMAND:
        return event.args.strip()
    for leading in LEADING_WORDS:
        count = len(leading.split())
        parts = event.text.strip().split(None, count)
        if fold(" ".join(parts[:count])) == leading:
            return parts[count] if len(parts) > count else ""
    return ""


class CheckScam(Flow):
    name = "check_scam"

    async def begin(self, turn: Turn) -> None:
        """Checks the message given with the command at once; else asks for it."""
        text = _given_text(turn)
        if text and extract_items(text):
            await self._check(turn, text)
            return
        turn.ask(
            Step.MESSAGE,
            turn._(
                "Paste or forward the suspicious message here, or type the phone number, bank "
                "account or link, for example: 0912 345 678. Nothing you check is kept."
            ),
            free_text=True,
        )

    async def on_message(self, turn: Turn) -> None:
        """Takes the message to check; asks again when nothing to check is in it."""
        text = turn.event.text.strip()
        if turn.event.kind not in (EventKind.TEXT, EventKind.MEDIA) or not extract_items(text):
            prompt = turn.prompt
            problem = turn._(
                "I found no phone number, bank account, link or username in that. Please paste "
                "the message as text, or type the number, for example: 0912 345 678."
            )
            if prompt is not None:
                turn.show(prompt, prefix=problem)
            return
        await self._check(turn, text)

    async def _check(self, turn: Turn, text: str) -> None:
        text = text[:MAX_TEXT]
        items = extract_items(text)[:MAX_ITEMS]
        commune = await self._own_commune(turn)
        findings = await check_items(
            turn.session,
            turn.settings.all_secret_keys_bytes(),
            items,
            today=turn.now.astimezone(turn.settings.timezone).date(),
            commune_code=commune.code if commune else None,
        )
        listed_by = {
            f.warning.commune_code: await commune_by_code(turn.session, f.warning.commune_code)
            for f in findings
            if f.warning is not None
        }
        lines = [self._finding(turn, finding, listed_by) for finding in findings]
        turn.say("\n\n".join(lines), private=True)
        turn.say(self._advice(turn, commune))
        if turn.event.is_group:  # a tip is never made where a group would see who sends it
            turn.leave()
            return
        sealed = FieldCipher.of(turn.settings).encrypt(text, SEALED)
        turn.update_data(sealed=base64.b64encode(sealed).decode())
        if commune is not None:
            turn.update_data(commune=commune.code)
            turn.ask(
                Step.OFFER,
                turn._(
                    "Do you want to send this message to the police of {commune} as a tip? It "
                    "goes anonymously.",
                    commune=commune.name,
                ),
                [
                    Choice(SEND, turn._("Send it to commune police")),
                    Choice(NO, turn._("No, thank you")),
                ],
                free_text=True,  # another message to check may come instead
            )
            return
        turn.ask(
            Step.OFFER,
            turn._(
                "To send this message to commune police as an anonymous tip, type the name of "
                "your commune or ward (for example: Thanh Mỹ). Otherwise choose “No, thank you”."
            ),
            [Choice(NO, turn._("No, thank you"))],
            free_text=True,
        )

    def _finding(self, turn: Turn, finding: Finding, listed_by: dict[str, Commune | None]) -> str:
        label = capitalised(item_label(turn.t, finding.item))
        lines = []
        if finding.warning is not None:
            commune = listed_by.get(finding.warning.commune_code)
            lines.append(
                turn._(
                    "⚠️ {item}: the police of {commune} have listed it as FRAUD. Their warning: "
                    "{text}",
                    item=label,
                    commune=commune.name if commune else finding.warning.commune_code,
                    text=finding.warning.warning_text,
                )
            )
        if finding.reports >= SMALL_COUNT:
            lines.append(
                turn._(
                    "{item}: {count} residents have reported it to commune police as fraud.",
                    item=label,
                    count=finding.reports,
                )
            )
        elif finding.reports:
            lines.append(
                turn._(
                    "{item}: someone has already reported it to commune police as fraud.",
                    item=label,
                )
            )
        if not lines:
            lines.append(
                turn._(
                    "{item}: nothing is known about it yet. That does not mean it is safe.",
                    item=label,
                )
            )
        return "\n".join(lines)

    def _advice(self, turn: Turn, commune: Commune | None) -> str:
        text = turn._(
            "Whatever the answer: never transfer money to someone you know only by phone or "
            "online, never give a code (OTP) or a password, and do not install apps from links. "
            "Police never ask for money or codes by phone. If in doubt, call 113 or the commune "
            "police."
        )
        if commune is not None and commune.duty_phone:
            text += " " + turn._("Commune police duty phone: {phone}.", phone=commune.duty_phone)
        return text

    async def _own_commune(self, turn: Turn) -> Commune | None:
        person = turn.person
        if person is None or not person.commune_code or not has_current_consent(person):
            return None
        return await commune_by_code(turn.session, person.commune_code)

    async def on_offer(self, turn: Turn) -> None:
        """Sends the tip to the member's commune, or to the commune typed; or forgets it."""
        if turn.choice == NO:
            turn.say(turn._("All right. Nothing you checked has been kept."))
            turn.leave()
            return
        if turn.choice == SEND and turn.data.get("commune"):
            await self._send(turn, turn.data["commune"])
            return
        text = turn.event.text.strip() if turn.event.kind is EventKind.TEXT else ""
        if extract_items(text):  # the next message to check, not an answer
            await self._check(turn, _given_text(turn) or text)
            return
        if turn.data.get("commune"):
            if (prompt := turn.prompt) is not None:
                turn.show(prompt, prefix=turn._(NOT_UNDERSTOOD))
            return
        matches = await find_communes(turn.session, turn.event.text) if turn.event.text else []
        if len(matches) == 1:
            await self._send(turn, matches[0][0].code)
        elif matches:
            choices = [Choice(c.code, f"{c.name}, {p.name}") for c, p in matches]
            turn.ask(Step.PICK_COMMUNE, turn._("Which commune or ward do you mean?"), choices)
        elif (prompt := turn.prompt) is not None:
            turn.show(
                prompt,
                prefix=turn._(
                    "I found no commune or ward with that name. Please check the spelling."
                ),
            )

    async def on_pick_commune(self, turn: Turn) -> None:
        """Sends the tip to the commune picked from the list."""
        await self._send(turn, turn.choice or "")

    async def _send(self, turn: Turn, commune_code: str) -> None:
        commune = await commune_by_code(turn.session, commune_code)
        text = self._unsealed(turn)
        if commune is None or text is None or await rate_limited(turn):
            turn.leave()
            return
        tip = await submit_tip(
            turn.work,
            TipDraft(
                commune_code=commune.code,
                category_key=FRAUD_CATEGORY,
                description=text,
                anonymous=True,
                wants_updates=True,
            ),
            route=reporter_route(turn),
            account=turn.account,
        )
        turn.say(
            turn._(
                "Sent to the police of {commune} as tip {code}, anonymously. You will get a "
                "message here when they act on it; to add to it, use /tincuatoi.",
                commune=commune.name,
                code=tip.code,
            )
        )
        turn.leave()

    def _unsealed(self, turn: Turn) -> str | None:
        sealed = turn.data.get("sealed")
        if not sealed:
            return None
        try:
            return FieldCipher.of(turn.settings).decrypt(base64.b64decode(sealed), SEALED)
        except DecryptionError:
            return None


check_scam_entry = MenuEntry(
    key="scam",
    label=N_("Is this a scam?"),
    flow=CheckScam.name,
    commands=("kiemtra", "kiemtraluadao", "check"),
    order=95,  # after every other line: the lines above keep their numbers
    leading_words=LEADING_WORDS,
)
