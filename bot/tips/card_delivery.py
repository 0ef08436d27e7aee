"""A tip's card never vanishes: it is watched until a police chat has accepted it.

The reporter is first told the tip is saved and on its way; only when a card was accepted (its
outbox row sent) by the desk or an officer's chat are they told police have it. A card the desk
refuses (any error: Zalo's 400, 403 or 429, a Telegram error) or leaves unanswered for a minute
is sent on: to every officer of the commune in their private chats (on every messenger they
use, so a Zalo quota spent does not stop a Telegram account), then to the commune admins. A
message to police that can never go (failed for good) raises an alert to the commune admins.

Safe on several processes: a tip is marked delivered, or moved a level, by a guarded UPDATE
before anything is queued, and alerts carry dedupe keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import N_, Translator
from bot.messages import OutboundMessage
from bot.messengers import DECLARED
from bot.tips.delivery import (
    CARD_QUEUE,
    PoliceChat,
    admin_chats,
    deliver_to_police,
    notify_chat_once,
    officer_chats,
)
from bot.tips.vault import cipher_of, route_to_reporter
from storage.base import utcnow
from storage.db import Database
from storage.models import OutboxStatus, Priority, Tip, TipEvent, TipEventKind, TipStatus
from storage.repos.outbox import dedupe_key, queue_message
from storage.repos.tip_delivery import (
    card_rows,
    channels_resting_for_quota,
    chats_with_card,
    failed_police_messages,
    mark_delivered,
    move_delivery_level,
    tips_with_failed_card,
    undelivered_tip_ids,
)
from storage.repos.tips import tip_by_id

log = logging.getLogger(__name__)

__all__ = ["CARD_QUEUE", "CardWatcher", "check_cards"]

CARD_WAIT = timedelta(minutes=1)  # a level that has not accepted the card by then is skipped
CHECK_EVERY = 1.0  # seconds between looks while a card is on its way
IDLE_WAIT = 30.0
LAST_LEVEL = 2
ALERT_WINDOW = timedelta(days=2)  # failed messages to police looked at for alerts

DELIVERED = N_("Your tip {code} has reached commune police.")
TO_ADMIN = N_(
    "⚠️ Tip {code} could not reach the commune's police desk nor any officer (the messenger "
    "refused it or did not answer). It is sent to you so that it is not lost: please pass it "
    "to commune police at once."
)
UNDELIVERED_ALERT = N_(
    "⚠️ A message about tip {code} could not be delivered to commune police on {messenger} "
    "({reason}). Please check that the police desk and the officers can still be reached, and "
    "tell them about tip {code}."
)


async def check_cards(db: Database, settings: Settings, now: datetime) -> set[str]:
    """Look at every tip on its way to police, and at failed messages to police; returns the
    channels that got outbox rows."""
    async with db.transaction() as session:
        waiting = await undelivered_tip_ids(session)
    channels: set[str] = set()
    for tip_id in waiting:
        async with db.transaction() as session:
            channels |= await check_tip(session, settings, tip_id, now)
    async with db.transaction() as session:
        channels |= await alert_undelivered(session, settings, now)
    return channels


async def check_tip(
    session: AsyncSession, settings: Settings, tip_id: int, now: datetime
) -> set[str]:
    """Delivered → tell the reporter; in trouble or too slow → the next level."""
    tip = await tip_by_id(session, tip_id)
    if tip is None or tip.delivered_at is not None:
        return set()
    cards = await card_rows(session, tip_id)
    sent = [row.sent_at or now for row in cards if row.status == OutboxStatus.SENT]
    if sent:
        # To the minute, and never before the tip's own (minute) time: a time of its own,
        # shared with nothing of the reporter's (docs/PRIVACY_ANONYMITY.md).
        return await _delivered(session, settings, tip, max(min(sent), tip.created_at))
    # The outbox's own times, to the second: the tip's are kept to the minute only.
    current = [row for row in cards if row.delivery_level == tip.delivery_level]
    since = min((row.created_at for row in current), default=now)
    # The desk in trouble is reason enough; of many officers' chats, all must be.
    refusing = await channels_resting_for_quota(session, {row.channel for row in current}, now)
    erring = [bool(row.last_error) or row.channel in refusing for row in current]
    trouble = not current or (any(erring) if tip.delivery_level == 0 else all(erring))
    if tip.delivery_level >= LAST_LEVEL or not (trouble or now - since >= CARD_WAIT):
        return set()
    return await _reroute(session, settings, tip, now)


async def _delivered(session: AsyncSession, settings: Settings, tip: Tip, at: datetime) -> set[str]:
    if not await mark_delivered(session, tip.id, at):
        return set()
    session.add(TipEvent(tip_id=tip.id, at=at, kind=TipEventKind.DELIVERED))
    if not tip.wants_updates or tip.status != TipStatus.NEW:
        return set()  # police acted already: the reporter was told that, which says more
    route = await route_to_reporter(session, cipher_of(settings), tip)
    if route is None:
        return set()
    t = Translator(route.language, settings.timezone)
    await queue_message(
        session,
        channel=route.channel,
        chat_id=route.chat_id,
        payload=OutboundMessage(text=t.gettext(DELIVERED, code=tip.code)).to_payload(),
        priority=Priority.TIP,  # no dedupe key: it would tie the tip to the reporter's chat
    )
    return {route.channel}


async def _reroute(session: AsyncSession, settings: Settings, tip: Tip, now: datetime) -> set[str]:
    """The next level that has somewhere to send; several at once when one has nobody."""
    level = tip.delivery_level
    channels: set[str] = set()
    while level < LAST_LEVEL and not channels:
        if not await move_delivery_level(session, tip.id, from_level=level, now=now):
            return set()  # another process got there first
        level += 1
        chats = await _new_chats(session, tip, level)
        if level == LAST_LEVEL:
            for chat in chats:
                t = Translator(chat.language, settings.timezone)
                note = OutboundMessage(text=t.gettext(TO_ADMIN, code=tip.code))
                key = dedupe_key("tip", tip.id, "toadmin")
                await notify_chat_once(session, chat, note, key)
        channels = await deliver_to_police(
            session, settings, tip, now=now, chats=chats, reason=f"reroute{level}", level=level
        )
        session.add(TipEvent(tip_id=tip.id, at=now, kind=TipEventKind.REROUTED, text=str(level)))
        log.warning("tip %s: card not accepted yet; sent on to level %s", tip.code, level)
    await session.refresh(tip)
    return channels


async def _new_chats(session: AsyncSession, tip: Tip, level: int) -> list[PoliceChat]:
    """The level's chats that have no card of this tip yet."""
    chats = await (
        officer_chats(session, tip.commune_code)
        if level == 1
        else admin_chats(session, tip.commune_code)
    )
    has_card = await chats_with_card(session, tip.id)
    return [chat for chat in chats if (chat.channel, chat.chat_id) not in has_card]


async def alert_undelivered(session: AsyncSession, settings: Settings, now: datetime) -> set[str]:
    """A message to a police chat of a tip (its card, an answer, a note) that failed for good:
    the commune admins are told once per message."""
    failed = await failed_police_messages(session, since=now - ALERT_WINDOW)
    channels: set[str] = set()
    done: set[int] = set()
    for row_id, channel, error, tip in failed:
        if row_id in done:
            continue  # the newest tip of that chat stands for the chat
        done.add(row_id)
        for chat in await admin_chats(session, tip.commune_code):
            t = Translator(chat.language, settings.timezone)
            text = t.gettext(
                UNDELIVERED_ALERT,
                code=tip.code,
                messenger=DECLARED.title(channel),
                reason=(error or "?")[:80],
            )
            message = OutboundMessage(text=text)
            key = dedupe_key("police-lost", row_id)
            if await notify_chat_once(session, chat, message, key):
                channels.add(chat.channel)
    return channels


NOT_RECEIVED = N_("⚠️ not yet received by police")
LOST = N_("⚠️ a message to police could not be delivered")


async def delivery_marks(session: AsyncSession, tips: list[Tip]) -> dict[int, str]:
    """For `/tips`: the msgid of a warning for tips not yet received, or with a message to
    police that failed for good."""
    ids = [tip.id for tip in tips]
    failed = await tips_with_failed_card(session, ids)
    marks = {tip.id: NOT_RECEIVED for tip in tips if tip.delivered_at is None}
    return marks | {tip_id: LOST for tip_id in failed}


class CardWatcher:
    """Runs `check_cards` every second while a card is on its way, else when woken (a tip was
    filed) or every half minute."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        wake_channel: Callable[[str], None],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        self.wake_channel = wake_channel
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            waiting = False
            try:
                for channel in await check_cards(self.db, self.settings, self.clock()):
                    self.wake_channel(channel)
                async with self.db.transaction() as session:
                    waiting = bool(await undelivered_tip_ids(session))
            except Exception:
                log.exception("checking tip cards failed")
            timeout = CHECK_EVERY if waiting else IDLE_WAIT
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
