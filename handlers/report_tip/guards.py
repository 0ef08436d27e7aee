"""The tip report's guards and shared sentences: emergency numbers, private chats only, the
hourly limit, what evidence fits, and how the reporter is reached."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from bot.messages import Media
from bot.runtime.dialog.turn import Turn
from bot.tips.own_tips import tips_since
from bot.tips.vault import Route, cipher_of
from handlers.report_tip.texts import EVIDENCE_KINDS, MAX_PART


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


def in_sentence(commune_name: str) -> str:
    """ "Xã Thanh Mỹ" as it reads inside a sentence: "công an xã Thanh Mỹ"."""
    for kind in ("Xã ", "Phường ", "Đặc khu "):
        if commune_name.startswith(kind):
            return kind.lower() + commune_name.removeprefix(kind)
    return commune_name


def description_of(data: dict[str, Any]) -> str:
    """ "What happened" as stored in the conversation, its parts joined."""
    parts = data.get("parts") or data.get("old_parts") or []
    return "\n".join(parts)


def reporter_route(turn: Turn) -> Route:
    """How to reach whoever reports in this turn: the vault seals it with the tip."""
    return Route(
        turn.event.channel, turn.event.user_id, turn.account.chat_id, turn.account.language
    )
