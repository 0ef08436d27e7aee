"""Where a tip goes on the police side: the commune's desk chat or its officers' chats, each
given the card (and the attachments, and the location pin), and the cards edited in place
when the tip moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translator
from bot.messages import OutboundMessage
from bot.messengers import DECLARED
from bot.tips.cards import police_card
from bot.tips.codes import tip_dedupe_key
from bot.tips.media import attachment_ref
from storage.base import utcnow
from storage.models import Priority, Role, Tip, TipAttachment, TipCard
from storage.repos.org import commune_by_code
from storage.repos.outbox import dedupe_key, queue_message, queue_once
from storage.repos.tips import accounts_with_role, attachments_of, cards_of, chat_language

CARD_QUEUE = "cards"  # in `work.queued`: wakes the card watcher (bot.tips.card_delivery)


@dataclass(frozen=True)
class PoliceChat:
    channel: str
    chat_id: str
    language: str
    is_group: bool


async def police_chats(
    session: AsyncSession, commune_code: str, *, everyone: bool = False
) -> list[PoliceChat]:
    """Where a tip goes: the commune's police desk chat; each officer's own chat when there
    is no desk, or when `everyone` (an escalation)."""
    commune = await commune_by_code(session, commune_code)
    chats: list[PoliceChat] = []
    if commune is not None and commune.police_chat_id and commune.police_chat_channel:
        chats.append(PoliceChat(commune.police_chat_channel, commune.police_chat_id, "vi", True))
    if not chats or everyone:
        chats += await officer_chats(session, commune_code)
    return chats


async def _chats_of_role(session: AsyncSession, commune_code: str, role: str) -> list[PoliceChat]:
    accounts = await accounts_with_role(session, commune_code, role)
    return [PoliceChat(a.channel, a.chat_id, a.language, False) for a in accounts]


async def officer_chats(session: AsyncSession, commune_code: str) -> list[PoliceChat]:
    """Every account of every officer of the commune (private chats)."""
    return await _chats_of_role(session, commune_code, Role.COMMUNE_POLICE)


async def admin_chats(session: AsyncSession, commune_code: str) -> list[PoliceChat]:
    return await _chats_of_role(session, commune_code, Role.COMMUNE_ADMIN)


async def notify_chat_once(
    session: AsyncSession,
    chat: PoliceChat,
    message: OutboundMessage,
    key: str,
    *,
    priority: Priority = Priority.TIP,
) -> bool:
    """Queue `message` to a police chat once under `key` and the chat, whatever runs again;
    the database decides between two processes (storage.repos.outbox.queue_once). The row is
    due by the outbox's own clock, as every queued row, not by the caller's `now`."""
    return await queue_once(
        session,
        dedupe_key=dedupe_key(key, chat.channel, chat.chat_id),
        channel=chat.channel,
        chat_id=chat.chat_id,
        payload=message.to_payload(),
        now=utcnow(),
        priority=priority,
        is_group_chat=chat.is_group,
    )


async def deliver_to_police(
    session: AsyncSession,
    settings: Settings,
    tip: Tip,
    *,
    now: datetime,
    chats: list[PoliceChat] | None = None,
    reason: str = "new",
    level: int = 0,
) -> set[str]:
    """Queue a card (and the attachments, and the location pin) to each police chat; returns
    the channels that got rows. The dedupe key makes a repeated call harmless."""
    chats = chats if chats is not None else await police_chats(session, tip.commune_code)
    attachments = await attachments_of(session, tip.id)
    channels: set[str] = set()
    for chat in chats:
        t = Translator(chat.language, settings.timezone)
        card = await police_card(session, t, tip, attachments)
        row = await queue_message(
            session,
            channel=chat.channel,
            chat_id=chat.chat_id,
            payload=card.to_payload(),
            priority=Priority.TIP,
            is_group_chat=chat.is_group,
            dedupe_key=tip_dedupe_key(settings, tip.id, reason, chat.channel, chat.chat_id),
        )
        if row is None:
            continue
        session.add(
            TipCard(
                tip_id=tip.id,
                channel=chat.channel,
                chat_id=chat.chat_id,
                is_group_chat=chat.is_group,
                outbox_id=row.id,
                delivery_level=level,
            )
        )
        for index, item in enumerate(attachments):
            message = _attachment_message(tip, item, chat.channel)
            if message is not None:
                await queue_message(
                    session,
                    channel=chat.channel,
                    chat_id=chat.chat_id,
                    payload=message.to_payload(),
                    priority=Priority.TIP,
                    is_group_chat=chat.is_group,
                    dedupe_key=tip_dedupe_key(
                        settings, tip.id, reason, chat.channel, chat.chat_id, f"att{index}"
                    ),
                )
        channels.add(chat.channel)
    return channels


def _attachment_message(tip: Tip, item: TipAttachment, channel: str) -> OutboundMessage | None:
    """A messenger's file id works only on that messenger; elsewhere the local copy is sent.
    Zalo fetches pictures by URL: it is given the attachment, resolved when sent to our copy
    (a reporter's Zalo URL may expire)."""
    if DECLARED.of(channel).photos_by_url and item.kind == "photo":
        return OutboundMessage(text=tip.code, photo=attachment_ref(item.id))
    source = item.file_ref if tip.channel == channel else item.local_path
    if not source:
        return None
    if item.kind == "photo":
        return OutboundMessage(text=tip.code, photo=source)
    return OutboundMessage(text=tip.code, document=source)


async def refresh_cards(session: AsyncSession, settings: Settings, tip: Tip) -> set[str]:
    """Edit every card of this tip in place, so no officer acts on a stale status."""
    attachments = await attachments_of(session, tip.id)
    channels: set[str] = set()
    for card in await cards_of(session, tip.id):
        language = "vi" if card.is_group_chat else await _language_of(session, card)
        t = Translator(language, settings.timezone)
        fresh = await police_card(session, t, tip, attachments)
        edit = OutboundMessage(text=fresh.text, choices=fresh.choices, edit_of=card.outbox_id)
        await queue_message(
            session,
            channel=card.channel,
            chat_id=card.chat_id,
            payload=edit.to_payload(),
            priority=Priority.REPLY,
            is_group_chat=card.is_group_chat,
        )
        channels.add(card.channel)
    return channels


async def _language_of(session: AsyncSession, card: TipCard) -> str:
    return await chat_language(session, card.channel, card.chat_id) or "vi"
