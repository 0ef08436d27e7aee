"""Reporting a tip (/baotin, "Báo tin"): the resident's side.

emergency numbers first → the commune (only for someone who has not joined: by name) →
category (an urgent one repeats the number to call) → what happened (several messages, photos
and voice messages, until "Xong") → when (quick choices or typed: "tối qua", "8h sáng nay") →
where (typed, a shared location, or the member's village) → anonymous or with name and phone
(only members who agreed to the data notice can give their name) → updates or not → summary,
"Gửi" or "Sửa" → the tip is stored with its police cards in this turn's transaction, and only
then is its code shown.

Nothing is sent before "Gửi": the draft lives in the conversation; leaving it keeps it as a
draft for a while, or discards it when the reporter says so (bot/runtime/dialog/drafts.py).
Tips are made in a private chat only (a group would see who reports), and at most
`tips_per_hour` per reporter (their messenger accounts), counted from the encrypted list of
their own tips (bot.tips.own_tips).
"""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import PERSON_PHONE, FieldCipher
from bot.i18n import N_
from bot.messages import SHARE_LOCATION, SHARE_PHONE, Choice, EventKind, Media
from bot.people.consent import consent_text, has_current_consent, record_consent
from bot.people.phone import normalise_phone
from bot.runtime.dialog.engine import NOT_UNDERSTOOD
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold, is_number, match_choice, split_text
from bot.tips.media import MEDIA_QUEUE
from bot.tips.own_tips import tips_since
from bot.tips.service import DraftAttachment, TipDraft, categories_for, cipher_of, submit_tip
from bot.tips.when import parse_when_detail
from storage.models import (
    Commune,
    ConsentDecision,
    Group,
    Household,
    Membership,
    Person,
    TipCategory,
    Village,
)
from storage.repos.org import find_communes

MAX_PART = 2000  # characters in one stored part of "what happened"; longer messages are split
MAX_DESCRIPTION = 10000  # all of them together (docs/GLOSSARY.md: far above one message)
MAX_PLACE = 300  # Tip.place_text
MAX_WHEN_TEXT = 100  # Tip.occurred_text
DATE_PATTERN = "dd/MM/yyyy"  # docs/GLOSSARY.md
EVIDENCE_KINDS = ("photo", "voice")


def takes_voice(turn: Turn) -> bool:
    """The Zalo Bot API never hands bots voice messages: no question there asks for one."""
    return turn.capabilities.voice


# By takes_voice(turn): what a question says it takes.
WHAT = {
    True: N_(
        "What happened? Tell it in your own words: who, what, how many people, vehicles, "
        "anything you noticed. You can send several messages, photos and voice messages. "
        "Press “Done” when you have finished."
    ),
    False: N_(
        "What happened? Tell it in your own words: who, what, how many people, vehicles, "
        "anything you noticed. You can send several messages and photos. "
        "Press “Done” when you have finished."
    ),
}
WHAT_AGAIN = {
    True: N_(
        "Type what happened again; it replaces the text you gave before. Photos and voice "
        "messages you sent are kept, and you can add more. Press “Done” when finished."
    ),
    False: N_(
        "Type what happened again; it replaces the text you gave before. Photos you sent are "
        "kept, and you can add more. Press “Done” when finished."
    ),
}
WHAT_IN = {
    True: N_(
        "Please tell what happened in text, photos or voice messages. You can share "
        "a location at the question “where”."
    ),
    False: N_("Please tell what happened in text or photos."),
}
EVIDENCE_LATER = {
    True: N_(
        "Photos and voice messages can be sent when you tell what happened. "
        "Please answer the question first."
    ),
    False: N_("Photos can be sent when you tell what happened. Please answer the question first."),
}
ADD_TO_TIP = {
    True: N_(
        "Type what you want to add to {code}, or send photos or voice messages. Each "
        "message goes to commune police at once, under the code only. Press “Done” "
        "when you have finished."
    ),
    False: N_(
        "Type what you want to add to {code}, or send photos. Each message goes to commune "
        "police at once, under the code only. Press “Done” when you have finished."
    ),
}
SEND_WHAT = {
    True: N_("Please send text, photos or voice messages."),
    False: N_("Please send text or photos."),
}


DONE, SEND, EDIT, MORE = "done", "send", "edit", "more"
MAX_PAGE = 9  # lines of a numbered list (issue #13)
COMMON_CATEGORIES = 7  # shown first, then "Something else…"
NOW, TODAY, YESTERDAY, UNKNOWN, KEEP_TYPED = "now", "today", "yesterday", "unknown", "typed"
MY_VILLAGE, NO_PLACE = "village", "noplace"
ANONYMOUS, NAMED, NO_PHONE = "anon", "named", "nophone"
YES, NO = "yes", "no"
# Words that end "what happened" when typed rather than pressed, besides the button's label.
DONE_WORDS = {"xong", "xong roi", "het", "het roi", "vay thoi", "done", "finished"}

SERVICES = {
    "113": N_("113 (police)"),
    "114": N_("114 (fire and rescue)"),
    "115": N_("115 (ambulance)"),
    "111": N_("111 (child protection)"),
}
ATTACHMENT_NAMES = {"photo": N_("photo"), "voice": N_("voice message")}


class Step(StrEnum):
    COMMUNE_NAME = "commune_name"
    PICK_COMMUNE = "pick_commune"
    CATEGORY = "category"
    WHAT = "what"
    WHEN = "when"
    WHERE = "where"
    ANONYMITY = "anonymity"
    NAME_CONSENT = "name_consent"
    PHONE = "phone"
    UPDATES = "updates"
    SUMMARY = "summary"
    EDIT = "edit"


# The order of the questions after the commune; "Sửa" jumps to one and comes back to the summary.
ORDER = (Step.CATEGORY, Step.WHAT, Step.WHEN, Step.WHERE, Step.ANONYMITY, Step.UPDATES)
# Where a photo or voice message sent out of turn is still taken as evidence.
TAKES_EVIDENCE = {Step.WHAT, Step.WHEN, Step.WHERE}


def emergency_line(turn: Turn, duty_phone: str | None = None) -> str:
    text = turn._(
        "This is not an emergency line. If a crime is happening now, call 113; fire: 114; "
        "someone injured: 115; a child being abused: 111."
    )
    if duty_phone:
        text += " " + turn._("Commune police duty phone: {phone}.", phone=duty_phone)
    return text


async def tips_in_last_hour(turn: Turn) -> int:
    since = turn.now - timedelta(hours=1)
    return await tips_since(
        turn.session, cipher_of(turn.settings), account=turn.account, since=since
    )


def private_chat_only(turn: Turn) -> bool:
    """In a group chat everyone would see who reports: say where to do it instead."""
    if not turn.event.is_group:
        return False
    username = turn.settings.telegram_bot_username
    text = turn._(
        "For your safety, tips are sent only in a private chat with the bot, never in a group. "
        "Open a private chat with the bot and choose “Report a tip”."
    )
    if username and turn.capabilities.private_links:
        text += f"\nhttps://t.me/{username}"
    turn.say(text)
    turn.leave()
    return True


async def rate_limited(turn: Turn) -> bool:
    if await tips_in_last_hour(turn) < turn.settings.tips_per_hour:
        return False
    turn.say(
        turn._(
            "You have sent {count} tips in the last hour, which is as many as the bot accepts. "
            "Please wait a little before sending another, or add to a tip you sent with "
            "/tincuatoi. If it is urgent, call 113.",
            count=turn.settings.tips_per_hour,
        )
    )
    return True


async def member_village(session: AsyncSession, person: Person | None) -> Village | None:
    """The village of the member's household, else of the group they asked to join."""
    if person is None:
        return None
    group_id = None
    if person.household_id is not None:
        group_id = await session.scalar(
            select(Household.group_id).where(Household.id == person.household_id)
        )
    if group_id is None:
        group_id = await session.scalar(
            select(Membership.group_id)
            .where(Membership.person_id == person.id)
            .order_by(Membership.id.desc())
            .limit(1)
        )
    if group_id is None:
        return None
    group = await session.get(Group, group_id)
    return await session.get(Village, group.village_id) if group else None


def attachment_problem(turn: Turn, media: Media, already: int, limit: int) -> str | None:
    """Why this photo or voice message cannot be added, in a sentence; None if it can."""
    if media.kind not in EVIDENCE_KINDS:
        return turn._(
            "Only photos and voice messages can be added to a tip; this was not added. "
            "What you sent before is kept."
        )
    if already >= limit:
        return turn._(
            "A tip can hold at most {limit} photos and voice messages; this one was not added. "
            "What you sent before is kept.",
            limit=limit,
        )
    max_mb = turn.settings.tip_max_attachment_mb
    if media.size is not None and media.size > max_mb * 1024 * 1024:
        return turn._(
            "That file is too large ({size} MB; at most {limit} MB). It was not added; "
            "what you sent before is kept.",
            size=f"{media.size / 1024 / 1024:.0f}",
            limit=max_mb,
        )
    return None


def attachment_counts(turn: Turn, kinds: list[str]) -> str:
    counts = Counter(kinds)
    pieces = []
    if counts["photo"]:
        pieces.append(turn.ngettext("{n} photo", "{n} photos", counts["photo"]))
    if counts["voice"]:
        pieces.append(turn.ngettext("{n} voice message", "{n} voice messages", counts["voice"]))
    return ", ".join(pieces)


def too_long(turn: Turn, text: str) -> str:
    return turn._(
        "That message is too long ({length} characters; at most {limit} at a time). Please "
        "send it in shorter parts. What you sent before is kept.",
        length=len(text),
        limit=MAX_PART,
    )


class ReportTip(Flow):
    name = "report_tip"
    draft_name = N_("tip")

    def holds_typed_content(self, data: dict[str, Any]) -> bool:
        typed = ("parts", "old_parts", "attachments", "typed_when", "occurred_text", "place")
        return any(data.get(key) for key in typed)

    # --- start ---------------------------------------------------------------------------
    async def begin(self, turn: Turn) -> None:
        if private_chat_only(turn) or await rate_limited(turn):
            turn.leave()
            return
        person = turn.person
        commune = (
            await turn.session.get(Commune, person.commune_code)
            if person is not None and person.commune_code and has_current_consent(person)
            else None
        )
        turn.say(emergency_line(turn, commune.duty_phone if commune else None))
        if commune is None:
            turn.ask(
                Step.COMMUNE_NAME,
                turn._(
                    "Which commune or ward is this about? Type its name (for example: Thanh Mỹ). "
                    "The tip goes to its police."
                ),
                free_text=True,
            )
            return
        await self._take_commune(turn, commune, announce=False)

    async def on_commune_name(self, turn: Turn) -> None:
        if turn.event.kind is not EventKind.TEXT:
            self._reask(turn, turn._("Please type the name of the commune or ward."))
            return
        matches = await find_communes(turn.session, turn.event.text)
        if not matches:
            self._reask(
                turn,
                turn._("I found no commune or ward with that name. Please check the spelling."),
            )
            return
        if len(matches) == 1:
            await self._take_commune(turn, matches[0][0], announce=True)
            return
        choices = [Choice(c.code, f"{c.name}, {p.name}") for c, p in matches]
        turn.ask(Step.PICK_COMMUNE, turn._("Which commune or ward do you mean?"), choices)

    async def on_pick_commune(self, turn: Turn) -> None:
        commune = await turn.session.get(Commune, turn.choice)
        if commune is None:
            turn.leave()
            return
        await self._take_commune(turn, commune, announce=True)

    async def _take_commune(self, turn: Turn, commune: Commune, *, announce: bool) -> None:
        turn.update_data(commune=commune.code, commune_name=commune.name)
        if announce and commune.duty_phone:
            turn.say(
                turn._(
                    "Duty phone of the police of {commune}: {phone}",
                    commune=in_sentence(commune.name),
                    phone=commune.duty_phone,
                )
            )
        await self._ask(turn, Step.CATEGORY)

    # --- asking --------------------------------------------------------------------------
    async def _ask(self, turn: Turn, step: Step, prefix: str | None = None) -> None:
        await getattr(self, f"_ask_{step}")(turn, prefix)

    async def _next(self, turn: Turn, after: Step) -> None:
        """The question after `after`, or the summary again when correcting from it."""
        if turn.data.get("editing"):
            turn.update_data(editing=False)
            await self._ask(turn, Step.SUMMARY)
            return
        position = ORDER.index(after)
        await self._ask(turn, ORDER[position + 1] if position + 1 < len(ORDER) else Step.SUMMARY)

    def _reask(self, turn: Turn, prefix: str) -> None:
        prompt = turn.prompt
        if prompt is None:
            turn.leave()
            return
        turn.show(prompt, prefix=prefix)

    async def _categories(self, turn: Turn) -> list[TipCategory]:
        return await categories_for(turn.session, turn.data.get("commune"))

    def _label(self, turn: Turn, category: TipCategory) -> str:
        return category.label_en if turn.t.locale == "en" else category.label_vi

    # --- category ------------------------------------------------------------------------
    async def _ask_category(self, turn: Turn, prefix: str | None, *, more: bool = False) -> None:
        """The most common categories, then "Something else…" for the rest: no page of more
        than 9 lines; any category's words are understood on either page."""
        categories = [Choice(c.key, self._label(turn, c)) for c in await self._categories(turn)]
        if len(categories) <= MAX_PAGE:
            choices = categories
        elif more:
            choices = categories[COMMON_CATEGORIES:]
        else:
            choices = [*categories[:COMMON_CATEGORIES], Choice(MORE, turn._("Something else…"))]
        turn.ask(Step.CATEGORY, turn._("What is it about?"), choices, free_text=True)
        self._prefix_last(turn, prefix)

    async def on_category(self, turn: Turn) -> None:
        if turn.choice == MORE:
            await self._ask_category(turn, None, more=True)
            return
        categories = await self._categories(turn)
        category = next((c for c in categories if c.key == turn.choice), None)
        if (
            category is None
            and turn.event.kind is EventKind.TEXT
            and not is_number(turn.event.text)
        ):
            typed = match_choice(
                turn.event.text, [Choice(c.key, self._label(turn, c)) for c in categories]
            )
            category = next((c for c in categories if typed and c.key == typed.key), None)
        if category is None:
            self._reask(turn, turn._(NOT_UNDERSTOOD))
            return
        turn.update_data(category=category.key, category_label=self._label(turn, category))
        if category.urgent and category.emergency_number:
            service = SERVICES.get(category.emergency_number)
            number = turn._(service) if service else category.emergency_number
            commune = await turn.session.get(Commune, turn.data.get("commune"))
            text = turn._("If this is happening now, call {number} right away.", number=number)
            if commune is not None and commune.duty_phone:
                phone = commune.duty_phone
                text += " " + turn._("Commune police duty phone: {phone}.", phone=phone)
            turn.say(text)
        await self._next(turn, Step.CATEGORY)

    # --- what happened -------------------------------------------------------------------
    async def _ask_what(self, turn: Turn, prefix: str | None) -> None:
        if turn.data.get("editing"):
            parts = turn.data.get("parts") or []
            if parts:  # typed anew replaces; the old text stays until something new comes
                turn.update_data(old_parts=parts, parts=[])
            text = turn._(WHAT_AGAIN[takes_voice(turn)])
        else:
            text = turn._(WHAT[takes_voice(turn)])
        turn.ask(Step.WHAT, text, [Choice(DONE, turn._("Done"))], free_text=True, numbered=False)
        self._prefix_last(turn, prefix)

    def _ask_more(self, turn: Turn, prefix: str | None = None) -> None:
        turn.ask(
            Step.WHAT,
            turn._("Noted. Send more, or press “Done”."),
            [Choice(DONE, turn._("Done"))],
            free_text=True,
            numbered=False,
        )
        self._prefix_last(turn, prefix)

    def _prefix_last(self, turn: Turn, prefix: str | None) -> None:
        if prefix and turn.replies:
            last = turn.replies[-1]
            turn.replies[-1] = replace(last, text=f"{prefix}\n\n{last.text}")

    async def on_what(self, turn: Turn) -> None:
        event = turn.event
        if turn.choice == DONE or (event.kind is EventKind.TEXT and fold(event.text) in DONE_WORDS):
            await self._what_done(turn)
            return
        if event.kind is EventKind.MEDIA:
            return  # taken in handle()
        if event.kind is not EventKind.TEXT:
            self._reask(
                turn,
                turn._(WHAT_IN[takes_voice(turn)]),
            )
            return
        added, note = self._add_text(turn, event.text)
        if not added:
            self._reask(turn, note or "")
            return
        self._ask_more(turn, note)

    def _add_text(self, turn: Turn, text: str) -> tuple[bool, str | None]:
        """Append to "what happened", a long message as several parts, up to MAX_DESCRIPTION;
        whether anything was added, and a sentence saying what was kept when not all of it."""
        text = text.strip()
        if not text:
            return True, None
        parts = list(turn.data.get("parts") or [])
        room = MAX_DESCRIPTION - sum(len(p) for p in parts)
        if room <= 0:
            return False, turn._(
                "Your description is already very long; this part was not added. "
                "Press “Done” to go on."
            )
        kept = text[:room]
        new_parts = split_text(kept, MAX_PART)
        turn.update_data(parts=[*parts, *new_parts])
        if len(kept) < len(text):
            return True, turn._(
                "Your message was long: its first {kept} of {length} characters were kept "
                "(a tip holds at most {limit}). Press “Done” to go on.",
                kept=len(kept),
                length=len(text),
                limit=MAX_DESCRIPTION,
            )
        if len(new_parts) > 1:
            return True, turn._(
                "Your long message was kept whole: {length} characters, in {n} parts.",
                length=len(text),
                n=len(new_parts),
            )
        return True, None

    async def _what_done(self, turn: Turn) -> None:
        if not _description(turn.data) and not turn.data.get("attachments"):
            self._reask(turn, turn._("Please tell in a few words what happened first."))
            return
        if not turn.data.get("parts") and turn.data.get("old_parts"):
            turn.update_data(parts=turn.data["old_parts"])
        turn.update_data(old_parts=None)
        await self._next(turn, Step.WHAT)

    # --- evidence ------------------------------------------------------------------------
    async def handle(self, turn: Turn) -> None:
        event = turn.event
        if event.kind is EventKind.MEDIA and turn.choice is None and event.media is not None:
            if turn.step in TAKES_EVIDENCE:
                self._take_evidence(turn, event.media, event.text)
            else:
                self._reask(
                    turn,
                    turn._(EVIDENCE_LATER[takes_voice(turn)]),
                )
            return
        await super().handle(turn)

    def _take_evidence(self, turn: Turn, media: Media, caption: str) -> None:
        attachments = list(turn.data.get("attachments") or [])
        limit = turn.settings.tip_max_attachments
        problem = attachment_problem(turn, media, len(attachments), limit)
        if problem is None and caption:
            added, note = self._add_text(turn, caption)
            problem = None if added else note
        if problem is None:
            attachments.append(
                {"kind": media.kind, "ref": media.ref, "size": media.size, "mime": media.mime_type}
            )
            turn.update_data(attachments=attachments)
            done = turn._(
                "Added: {kind} ({n} of at most {limit}).",
                kind=turn._(ATTACHMENT_NAMES[media.kind]),
                n=len(attachments),
                limit=limit,
            )
            if turn.step == Step.WHAT:
                self._ask_more(turn, done)
            else:
                self._reask(turn, done)
            return
        self._reask(turn, problem)

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

    # --- anonymity and updates -----------------------------------------------------------
    def _may_give_name(self, turn: Turn) -> bool:
        person = turn.person
        return (
            person is not None
            and has_current_consent(person)
            and person.commune_code == turn.data.get("commune")
        )

    def _may_be_asked_name(self, turn: Turn) -> bool:
        """A person of the commune's list may give their name once they agree to the notice."""
        person = turn.person
        return person is not None and person.commune_code == turn.data.get("commune")

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
        if turn.choice == NAMED and not self._may_give_name(turn):
            # Their name goes with a tip: the residents' notice first (issue #12).
            commune = await turn.session.get(Commune, turn.data.get("commune"))
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
        turn.update_data(updates=turn.choice == YES)
        await self._next(turn, Step.UPDATES)

    # --- summary, corrections, sending ---------------------------------------------------
    async def _ask_summary(self, turn: Turn, prefix: str | None) -> None:
        turn.ask(
            Step.SUMMARY,
            self._summary(turn),
            [Choice(SEND, turn._("Send")), Choice(EDIT, turn._("Edit"))],
        )
        self._prefix_last(turn, prefix)

    def _summary(self, turn: Turn) -> str:
        data = turn.data
        description = _description(data)
        if len(description) > 1000:
            description = description[:1000] + "…"
        lines = [
            turn._("Please check your tip before sending it:"),
            turn._("• Commune: {commune}", commune=data.get("commune_name", "")),
            turn._("• About: {category}", category=data.get("category_label", "")),
            turn._("• What happened: {text}", text=description or "—"),
        ]
        kinds = [a["kind"] for a in data.get("attachments") or []]
        if kinds:
            lines.append(turn._("• Attached: {items}", items=attachment_counts(turn, kinds)))
        lines.append(turn._("• When: {when}", when=self._when_text(turn) or turn._("not sure")))
        lines.append(turn._("• Where: {place}", place=self._place_text(turn)))
        if data.get("anonymous", True):
            lines.append(turn._("• Sent: anonymously"))
        elif data.get("phone") or (turn.person and turn.person.phone_encrypted):
            lines.append(turn._("• Sent: with your name and phone, seen only by commune police"))
        else:
            lines.append(
                turn._("• Sent: with your name, seen only by commune police; no phone number")
            )
        lines.append(turn._("• Updates: yes") if data.get("updates") else turn._("• Updates: no"))
        lines.append("")
        lines.append(
            turn._(
                "Report only what you saw or know. Knowingly false reports are punished by law; "
                "an honest report that turns out to be wrong is not."
            )
        )
        return "\n".join(lines)

    def _when_text(self, turn: Turn) -> str | None:
        data = turn.data
        if data.get("occurred_at"):
            moment = datetime.fromisoformat(data["occurred_at"])
            return f"{data.get('occurred_text') or ''} ({turn.t.datetime(moment)})".strip()
        return data.get("occurred_text")

    def _place_text(self, turn: Turn) -> str:
        data = turn.data
        if data.get("latitude") is not None:
            return turn._("the location you shared")
        return data.get("place") or turn._("no particular place")

    async def on_summary(self, turn: Turn) -> None:
        if turn.choice == EDIT:
            choices = [
                Choice(Step.CATEGORY, turn._("What it is about")),
                Choice(Step.WHAT, turn._("What happened")),
                Choice(Step.WHEN, turn._("When")),
                Choice(Step.WHERE, turn._("Where")),
            ]
            if self._may_be_asked_name(turn):
                choices.append(Choice(Step.ANONYMITY, turn._("Anonymous or with my name")))
            choices.append(Choice(Step.UPDATES, turn._("Updates")))
            turn.ask(Step.EDIT, turn._("What would you like to change?"), choices)
            return
        await self._send(turn)

    async def on_edit(self, turn: Turn) -> None:
        turn.update_data(editing=True)
        await self._ask(turn, Step(turn.choice))

    async def _send(self, turn: Turn) -> None:
        if await rate_limited(turn):
            turn.leave()
            return
        data = turn.data
        commune = await turn.session.get(Commune, data["commune"])
        draft = TipDraft(
            commune_code=data["commune"],
            category_key=data["category"],
            description=_description(data),
            anonymous=bool(data.get("anonymous", True)) or not self._may_give_name(turn),
            wants_updates=bool(data.get("updates")),
            occurred_at=(
                datetime.fromisoformat(data["occurred_at"]) if data.get("occurred_at") else None
            ),
            occurred_text=data.get("occurred_text"),
            place_text=data.get("place"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            village_id=data.get("village_id"),
            attachments=[
                DraftAttachment(a["kind"], a["ref"], a.get("size"), a.get("mime"))
                for a in data.get("attachments") or []
            ],
        )
        if not draft.anonymous and data.get("phone") and turn.person is not None:
            # Given for this tip: kept as the member's number (shown and erasable in /dulieu).
            turn.person.phone_encrypted = base64.b64decode(data["phone"])
        tip = await submit_tip(turn, draft)
        if draft.attachments:
            turn.queued.add(MEDIA_QUEUE)  # the evidence files are fetched once this commits
        lines = [
            turn._("Your tip has been sent. Its code is {code}.", code=tip.code),
            # Not "police have it" yet: that is said once a police chat accepted the card
            # (bot.tips.card_delivery).
            turn._(
                "It is saved and being passed to commune police of {commune}.",
                commune=in_sentence(commune.name) if commune else "",
            ),
            turn._("You will get a message here when they have it, and when they act on it.")
            if draft.wants_updates
            else turn._("You chose not to get updates; you can still look at it with /tincuatoi."),
            turn._("To add information later, use /tincuatoi (My tips) and the code."),
            turn._("If it is happening now or someone is in danger, call 113."),
        ]
        turn.say("\n".join(lines))
        turn.leave()


def in_sentence(commune_name: str) -> str:
    """ "Xã Thanh Mỹ" as it reads inside a sentence: "công an xã Thanh Mỹ"."""
    for kind in ("Xã ", "Phường ", "Đặc khu "):
        if commune_name.startswith(kind):
            return kind.lower() + commune_name.removeprefix(kind)
    return commune_name


def _description(data: dict[str, Any]) -> str:
    parts = data.get("parts") or data.get("old_parts") or []
    return "\n".join(parts)


report_tip_entry = MenuEntry(
    key="tip",
    label=N_("Report a tip"),
    flow=ReportTip.name,
    commands=("baotin",),  # "/tip CODE" is the police's look-up (handlers/police_tips.py)
    order=5,
)
