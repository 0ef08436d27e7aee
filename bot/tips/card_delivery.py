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

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import N_, Translator
from bot.messages import OutboundMessage
from bot.messengers import DECLARED
from bot.tips.clock import queue_once
from bot.tips.service import (
    CARD_QUEUE,
    PoliceChat,
    admin_chats,
    cipher_of,
    deliver_to_police,
    officer_chats,
)
from bot.tips.vault import route_to_reporter
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    OutboxMessage,
    OutboxStatus,
    Priority,
    Tip,
    TipCard,
    TipEvent,
    TipEventKind,
    TipStatus,
)
from storage.repos.outbox import queue_message

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
        waiting = list(
            await session.scalars(
                select(Tip.id).where(Tip.delivered_at.is_(None), Tip.purged_at.is_(None))
            )
        )
    channels: set[str] = set()
    for tip_id in waiting:
        async with db.transaction() as session:
            channels |= await check_tip(session, settings, tip_id, now)
    async with db.transaction() as session:
        channels |= await alert_undelivered(session, settings, now)
    return channels


async def undelivered_tip_ids(session: AsyncSession) -> set[int]:
    return set(
        await session.scalars(
            select(Tip.id).where(Tip.delivered_at.is_(None), Tip.purged_at.is_(None))
        )
    )


async def check_tip(
    session: AsyncSession, settings: Settings, tip_id: int, now: datetime
) -> set[str]:
    """Delivered → tell the reporter; in trouble or too slow → the next level."""
    tip = await session.get(Tip, tip_id)
    if tip is None or tip.delivered_at is not None:
        return set()
    cards = (
        await session.execute(
            select(
                OutboxMessage.channel,
                OutboxMessage.status,
                OutboxMessage.sent_at,
                OutboxMessage.last_error,
                OutboxMessage.created_at,
                TipCard.delivery_level,
            )
            .join(TipCard, TipCard.outbox_id == OutboxMessage.id)
            .where(TipCard.tip_id == tip_id)
        )
    ).all()
    sent = [row.sent_at or now for row in cards if row.status == OutboxStatus.SENT]
    if sent:
        # To the minute, and never before the tip's own (minute) time: a time of its own,
        # shared with nothing of the reporter's (docs/PRIVACY_ANONYMITY.md).
        return await _delivered(session, settings, tip, max(min(sent), tip.created_at))
    # The outbox's own times, to the second: the tip's are kept to the minute only.
    current = [row for row in cards if row.delivery_level == tip.delivery_level]
    since = min((row.created_at for row in current), default=now)
    # The desk in trouble is reason enough; of many officers' chats, all must be.
    refusing = await _refusing_channels(session, {row.channel for row in current}, now)
    erring = [bool(row.last_error) or row.channel in refusing for row in current]
    trouble = not current or (any(erring) if tip.delivery_level == 0 else all(erring))
    if tip.delivery_level >= LAST_LEVEL or not (trouble or now - since >= CARD_WAIT):
        return set()
    return await _reroute(session, settings, tip, now)


async def _refusing_channels(session: AsyncSession, channels: set[str], now: datetime) -> set[str]:
    """Channels resting after the messenger refused for its quota (Zalo's 429): a card queued
    there will not even be tried before the pause ends."""
    if not channels:
        return set()
    return set(
        await session.scalars(
            select(OutboxMessage.channel)
            .where(
                OutboxMessage.channel.in_(channels),
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at > now,
                OutboxMessage.last_error.like("%429%"),
            )
            .distinct()
        )
    )


async def _delivered(session: AsyncSession, settings: Settings, tip: Tip, at: datetime) -> set[str]:
    marked = await session.execute(
        update(Tip)
        .where(Tip.id == tip.id, Tip.delivered_at.is_(None))
        .values(delivered_at=at)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
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
        moved = await session.execute(
            update(Tip)
            .where(Tip.id == tip.id, Tip.delivery_level == level, Tip.delivered_at.is_(None))
            .values(delivery_level=level + 1, delivery_level_at=now)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            return set()  # another process got there first
        level += 1
        chats = await _new_chats(session, tip, level)
        if level == LAST_LEVEL:
            for chat in chats:
                t = Translator(chat.language, settings.timezone)
                note = OutboundMessage(text=t.gettext(TO_ADMIN, code=tip.code))
                await queue_once(session, chat, note, f"tip:{tip.id}:toadmin")
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
    has_card = set(
        (
            await session.execute(
                select(TipCard.channel, TipCard.chat_id).where(TipCard.tip_id == tip.id)
            )
        ).all()
    )
    return [chat for chat in chats if (chat.channel, chat.chat_id) not in has_card]


async def alert_undelivered(session: AsyncSession, settings: Settings, now: datetime) -> set[str]:
    """A message to a police chat of a tip (its card, an answer, a note) that failed for good:
    the commune admins are told once per message."""
    failed = (
        await session.execute(
            select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.last_error, Tip)
            .join(
                TipCard,
                (TipCard.channel == OutboxMessage.channel)
                & (TipCard.chat_id == OutboxMessage.chat_id),
            )
            .join(Tip, Tip.id == TipCard.tip_id)
            .where(
                OutboxMessage.status == OutboxStatus.FAILED,
                OutboxMessage.priority == Priority.TIP,
                OutboxMessage.created_at >= now - ALERT_WINDOW,
                OutboxMessage.created_at >= Tip.created_at,
            )
            .order_by(OutboxMessage.id, Tip.created_at.desc())
        )
    ).all()
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
            if await queue_once(session, chat, OutboundMessage(text=text), f"police-lost:{row_id}"):
                channels.add(chat.channel)
    return channels


NOT_RECEIVED = N_("⚠️ not yet received by police")
LOST = N_("⚠️ a message to police could not be delivered")


async def delivery_marks(session: AsyncSession, tips: list[Tip]) -> dict[int, str]:
    """For `/tips`: the msgid of a warning for tips not yet received, or with a message to
    police that failed for good."""
    ids = [tip.id for tip in tips]
    failed = set(
        await session.scalars(
            select(TipCard.tip_id)
            .join(OutboxMessage, OutboxMessage.id == TipCard.outbox_id)
            .where(TipCard.tip_id.in_(ids), OutboxMessage.status == OutboxStatus.FAILED)
        )
    )
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
