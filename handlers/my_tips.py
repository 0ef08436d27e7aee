"""My tips (/tincuatoi): the tips sent from this messenger account, with their status, and
adding information to one that is still open.

The reporter's tips are the encrypted list kept on their messenger account (bot.tips.own_tips),
never anything stored on the tips: anonymous tips and people who never joined find theirs the
same way.
What they add is stored on the tip (TipEvent ADDED, attachments) and passed to the commune's
police chats under the tip's code only.
"""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import N_, Translator
from bot.messages import Choice, EventKind, Media, OutboundMessage
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from bot.tips.categories import category_label
from bot.tips.delivery import police_chats, refresh_cards
from bot.tips.media import MEDIA_QUEUE
from bot.tips.own_tips import own_tip_ids
from bot.tips.vault import cipher_of
from handlers.report_tip import (
    ADD_TO_TIP,
    ATTACHMENT_NAMES,
    DONE,
    DONE_WORDS,
    MAX_PART,
    SEND_WHAT,
    attachment_problem,
    takes_voice,
    too_long,
)
from storage.models import (
    CLOSED_STATUSES,
    Priority,
    Tip,
    TipAttachment,
    TipEvent,
    TipEventKind,
    TipStatus,
)
from storage.repos.own_tips import count_attachments, latest_tips
from storage.repos.tips import tip_by_id

SHOWN = 10  # the most recent tips listed
ADDED_TO_POLICE = N_("The reporter of {code} adds: {text}")
ADDED_FILE_TO_POLICE = N_("The reporter of {code} adds a {kind}.")

# What the reporter reads about their tip's status: plain words, no police jargon.
STATUS_FOR_REPORTER = {
    TipStatus.NEW: N_("sent, waiting for commune police"),
    TipStatus.ACKNOWLEDGED: N_("received by commune police"),
    TipStatus.VERIFYING: N_("being checked by commune police"),
    TipStatus.FORWARDED: N_("passed on to the investigating police"),
    TipStatus.RESOLVED: N_("closed: dealt with"),
    TipStatus.NO_GROUNDS: N_("closed: nothing found to act on"),
    TipStatus.DUPLICATE: N_("closed: already reported by someone else"),
}


async def _own_ids(turn: Turn) -> set[int]:
    return await own_tip_ids(turn.session, cipher_of(turn.settings), account=turn.account)


class Step(StrEnum):
    PICK = "pick"
    ADD = "add"


class MyTips(Flow):
    name = "my_tips"

    async def begin(self, turn: Turn) -> None:
        """Lists the reporter's own tips; asks which open one to add to."""
        if turn.event.is_group:
            turn.say(
                turn._(
                    "For your safety, your tips are shown only in a private chat with the bot, "
                    "never in a group."
                )
            )
            turn.leave()
            return
        tips = await latest_tips(turn.session, ids=await _own_ids(turn), limit=SHOWN)
        if not tips:
            turn.say(
                turn._(
                    "You have not sent any tip from this account yet. To send one, choose "
                    "“Report a tip” in the menu."
                )
            )
            turn.leave()
            return
        lines = [turn._("Your tips, most recent first:")]
        for tip in tips:
            lines.append(await self._line(turn, tip))
        turn.say("\n".join(lines))
        open_tips = [tip for tip in tips if tip.status not in CLOSED_STATUSES]
        if not open_tips:
            turn.say(
                turn._("All of them are closed. If something new happens, please send a new tip.")
            )
            turn.leave()
            return
        turn.ask(
            Step.PICK,
            turn._("To add information to a tip that is still open, choose it:"),
            [Choice(str(tip.id), tip.code) for tip in open_tips],
        )

    async def _line(self, turn: Turn, tip: Tip) -> str:
        label = await category_label(turn.session, turn.t, tip)
        return turn._(
            "• {code}, {category}, {date}: {status}",
            code=tip.code,
            category=label,
            date=turn.t.date(tip.created_at),
            status=turn._(STATUS_FOR_REPORTER[TipStatus(tip.status)]),
        )

    async def _own_open_tip(self, turn: Turn, raw_id: object) -> Tip | None:
        """The tip, if it was sent from this account and is still open; re-checked each time."""
        tip = await tip_by_id(turn.session, int(raw_id)) if str(raw_id).isdigit() else None
        if tip is None or tip.id not in await _own_ids(turn) or tip.purged_at is not None:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return None
        if tip.status in CLOSED_STATUSES:
            turn.say(
                turn._(
                    "Tip {code} has been closed in the meantime. If something new happens, "
                    "please send a new tip.",
                    code=tip.code,
                )
            )
            turn.leave()
            return None
        return tip

    async def on_pick(self, turn: Turn) -> None:
        """Stores the tip picked; asks what to add."""
        tip = await self._own_open_tip(turn, turn.choice)
        if tip is None:
            return
        turn.update_data(tip_id=tip.id, code=tip.code)
        self._ask_add(
            turn,
            turn._(ADD_TO_TIP[takes_voice(turn)], code=tip.code),
        )

    def _ask_add(self, turn: Turn, text: str) -> None:
        turn.ask(Step.ADD, text, [Choice(DONE, turn._("Done"))], free_text=True, numbered=False)

    async def on_add(self, turn: Turn) -> None:
        """Passes each text or file to police under the code; "Done" ends."""
        event = turn.event
        if turn.choice == DONE or (event.kind is EventKind.TEXT and fold(event.text) in DONE_WORDS):
            turn.say(turn._("Thank you. Commune police have what you added."))
            turn.leave()
            return
        tip = await self._own_open_tip(turn, turn.data.get("tip_id"))
        if tip is None:
            return
        if event.kind is EventKind.MEDIA and event.media is not None:
            problem = await self._add_file(turn, tip, event.media)
            if problem is None and event.text.strip():
                problem = await self._add_text(turn, tip, event.text)
        elif event.kind is EventKind.TEXT and event.text.strip():
            problem = await self._add_text(turn, tip, event.text)
        else:
            problem = turn._(SEND_WHAT[takes_voice(turn)])
        if problem is not None:
            turn.show(turn.prompt, prefix=problem)  # type: ignore[arg-type]
            return
        self._ask_add(
            turn,
            turn._(
                "Added to {code} and passed to commune police. Send more, or press “Done”.",
                code=tip.code,
            ),
        )

    async def _add_text(self, turn: Turn, tip: Tip, raw: str) -> str | None:
        text = raw.strip()
        if len(text) > MAX_PART:
            return too_long(turn, text)
        turn.session.add(TipEvent(tip_id=tip.id, at=turn.now, kind=TipEventKind.ADDED, text=text))
        await self._tell_police(turn, tip, ADDED_TO_POLICE, text=text)
        return None

    async def _add_file(self, turn: Turn, tip: Tip, media: Media) -> str | None:
        already = await count_attachments(turn.session, tip_id=tip.id)
        problem = attachment_problem(turn, media, already, turn.settings.tip_max_attachments)
        if problem is not None:
            return problem
        turn.session.add(
            TipAttachment(
                tip_id=tip.id,
                kind=media.kind,
                file_ref=media.ref,
                size=media.size,
                mime_type=media.mime_type,
                created_at=turn.now,
            )
        )
        turn.session.add(
            TipEvent(tip_id=tip.id, at=turn.now, kind=TipEventKind.ADDED, text=f"[{media.kind}]")
        )
        turn.queued.add(MEDIA_QUEUE)
        await turn.session.flush()
        # The card's "Attached: …" line counts the new file too.
        turn.queued.update(await refresh_cards(turn.session, turn.settings, tip))
        await self._tell_police(turn, tip, ADDED_FILE_TO_POLICE, media=media)
        return None

    async def _tell_police(
        self, turn: Turn, tip: Tip, msgid: str, *, text: str = "", media: Media | None = None
    ) -> None:
        """To the commune's police chats, under the code only: never who the reporter is."""
        for chat in await police_chats(turn.session, tip.commune_code):
            t = Translator(chat.language, turn.settings.timezone)
            kind = t.gettext(ATTACHMENT_NAMES.get(media.kind, media.kind)) if media else ""
            messages = [OutboundMessage(text=t.gettext(msgid, code=tip.code, text=text, kind=kind))]
            if media is not None and chat.channel == tip.channel:
                # The file itself, apart from the notice; a file id works on its messenger only.
                field = "photo" if media.kind == "photo" else "document"
                messages.append(OutboundMessage(text=tip.code, **{field: media.ref}))
            for message in messages:
                await turn.notify(
                    channel=chat.channel,
                    chat_id=chat.chat_id,
                    message=message,
                    priority=Priority.TIP,
                    is_group_chat=chat.is_group,
                )


my_tips_entry = MenuEntry(
    key="mytips",
    label=N_("My tips"),
    flow=MyTips.name,
    commands=("tincuatoi", "mytips"),
    order=15,  # after the emergency numbers
)
