"""A tip's life on the server side: submitted (durable before its code is shown), delivered
to commune police as cards, moved through its statuses by police buttons (re-authorised, cards
edited in place), and the reporter told in plain words when they asked for updates."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import Action, Scope, load_actor, require
from bot.config import Settings
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.i18n import Translator
from bot.messages import OutboundMessage
from bot.messengers import DECLARED
from bot.runtime.dialog.turn import Turn
from bot.scams.service import record_tip_items
from bot.tips.cards import police_card, reporter_update
from bot.tips.media import attachment_ref
from bot.tips.own_tips import remember_own_tip
from bot.tips.vault import Identity, Route, route_to_reporter, seal
from bot.work import Work
from storage.models import (
    CLOSED_STATUSES,
    ChannelAccount,
    Commune,
    Priority,
    Role,
    RoleAssignment,
    ScopeKind,
    Tip,
    TipAttachment,
    TipCard,
    TipCategory,
    TipEvent,
    TipEventKind,
    TipStatus,
)
from storage.repos.outbox import queue_message

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CARD_QUEUE = "cards"  # in `turn.queued`: wakes the card watcher (bot.tips.card_delivery)
CODE_PREFIX = "TB-"


@dataclass(frozen=True)
class DraftAttachment:
    kind: str
    file_ref: str
    size: int | None = None
    mime_type: str | None = None


@dataclass
class TipDraft:
    commune_code: str
    category_key: str
    description: str
    anonymous: bool = True
    wants_updates: bool = True
    occurred_at: datetime | None = None
    occurred_text: str | None = None
    place_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    village_id: int | None = None
    group_id: int | None = None
    attachments: list[DraftAttachment] = field(default_factory=list)


def cipher_of(settings: Settings) -> FieldCipher:
    return FieldCipher.of(settings)


async def new_tip_code(session: AsyncSession) -> str:
    while True:
        code = CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
        if await session.scalar(select(Tip.id).where(Tip.code == code)) is None:
            return code


def tip_dedupe_key(settings: Settings, tip_id: int, *parts: str) -> str:
    """An outbox dedupe key about a tip: keyed-hashed, so that it does not put a tip next to a
    chat id in clear (docs/PRIVACY_ANONYMITY.md)."""
    message = ":".join(["tip", str(tip_id), *parts]).encode()
    return "tip:" + hmac.new(settings.secret_key_bytes(), message, hashlib.sha256).hexdigest()[:40]


def normalise_tip_code(typed: str) -> str:
    bare = "".join(ch for ch in typed.upper() if ch.isalnum())
    return CODE_PREFIX + bare.removeprefix("TB")


async def category(session: AsyncSession, commune_code: str, key: str) -> TipCategory | None:
    """The commune's own category of that key, else the national default."""
    rows = await session.scalars(
        select(TipCategory).where(
            TipCategory.key == key,
            (TipCategory.commune_code == commune_code) | TipCategory.commune_code.is_(None),
        )
    )
    found = sorted(rows, key=lambda c: c.commune_code is None)
    return found[0] if found else None


async def categories_for(session: AsyncSession, commune_code: str | None) -> list[TipCategory]:
    """What reporters of this commune choose from: its own rows override the defaults of the
    same key; an inactive row hides the category."""
    rows = list(
        await session.scalars(
            select(TipCategory).where(
                (TipCategory.commune_code == commune_code) | TipCategory.commune_code.is_(None)
            )
        )
    )
    by_key: dict[str, TipCategory] = {}
    for row in sorted(rows, key=lambda c: c.commune_code is not None):
        by_key[row.key] = row  # the commune's own row comes last and wins
    return sorted((c for c in by_key.values() if c.active), key=lambda c: (c.position, c.id))


def first_deadline(settings: Settings, urgent: bool, now: datetime) -> datetime:
    minutes = settings.tip_ack_minutes_urgent if urgent else settings.tip_ack_minutes
    return now + timedelta(minutes=minutes)


async def submit_tip(turn: Turn, draft: TipDraft) -> Tip:
    """Store the tip, its vault row and attachments, and queue the police cards, all in the
    turn's transaction: when the reporter sees the code, the tip and its delivery are durable."""
    session, settings, event = turn.session, turn.settings, turn.event
    cipher = cipher_of(settings)
    kind = await category(session, draft.commune_code, draft.category_key)
    urgent = bool(kind and kind.urgent)
    tip = Tip(
        code=await new_tip_code(session),
        commune_code=draft.commune_code,
        village_id=draft.village_id,
        group_id=draft.group_id,
        channel=event.channel,
        category_key=draft.category_key,
        urgent=urgent,
        description=draft.description,
        occurred_at=draft.occurred_at,
        occurred_text=draft.occurred_text,
        place_text=draft.place_text,
        latitude=draft.latitude,
        longitude=draft.longitude,
        anonymous=draft.anonymous,
        wants_updates=draft.wants_updates,
        status=TipStatus.NEW,
        created_at=turn.now,
        next_escalation_at=first_deadline(settings, urgent, turn.now),
    )
    session.add(tip)
    await session.flush()
    route = Route(event.channel, event.user_id, turn.account.chat_id, turn.account.language)
    vault = seal(cipher, route, None if draft.anonymous else _identity(turn, cipher))
    vault.tip_id = tip.id
    session.add(vault)
    await remember_own_tip(session, cipher, account_id=turn.account.id, tip_id=tip.id)
    for item in draft.attachments:
        session.add(
            TipAttachment(
                tip_id=tip.id,
                kind=item.kind,
                file_ref=item.file_ref,
                size=item.size,
                mime_type=item.mime_type,
                created_at=turn.now,
            )
        )
    session.add(TipEvent(tip_id=tip.id, at=turn.now, kind=TipEventKind.CREATED, status=tip.status))
    await record_tip_items(session, settings.secret_key_bytes(), tip)  # before its card
    await session.flush()
    queued = await deliver_to_police(session, settings, tip, now=turn.now)
    turn.queued.update(queued)
    turn.queued.add(CARD_QUEUE)
    return tip


def _identity(turn: Turn, cipher: FieldCipher) -> Identity | None:
    person = turn.person
    if person is None:
        return None
    phone = cipher.decrypt_optional(person.phone_encrypted, PERSON_PHONE)
    return Identity(name=person.full_name, phone=phone, person_id=person.id)


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
    commune = await session.get(Commune, commune_code)
    chats: list[PoliceChat] = []
    if commune is not None and commune.police_chat_id and commune.police_chat_channel:
        chats.append(PoliceChat(commune.police_chat_channel, commune.police_chat_id, "vi", True))
    if not chats or everyone:
        chats += await _officer_chats(session, commune_code, Role.COMMUNE_POLICE)
    return chats


async def _officer_chats(session: AsyncSession, commune_code: str, role: str) -> list[PoliceChat]:
    rows = await session.scalars(
        select(ChannelAccount)
        .join(RoleAssignment, RoleAssignment.person_id == ChannelAccount.person_id)
        .where(
            RoleAssignment.role == role,
            RoleAssignment.scope_kind == ScopeKind.COMMUNE,
            RoleAssignment.scope_id == commune_code,
            ChannelAccount.blocked_at.is_(None),
        )
        .order_by(ChannelAccount.id)
    )
    return [PoliceChat(a.channel, a.chat_id, a.language, False) for a in rows]


async def officer_chats(session: AsyncSession, commune_code: str) -> list[PoliceChat]:
    """Every account of every officer of the commune (private chats)."""
    return await _officer_chats(session, commune_code, Role.COMMUNE_POLICE)


async def admin_chats(session: AsyncSession, commune_code: str) -> list[PoliceChat]:
    return await _officer_chats(session, commune_code, Role.COMMUNE_ADMIN)


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
    attachments = list(
        await session.scalars(select(TipAttachment).where(TipAttachment.tip_id == tip.id))
    )
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
    attachments = list(
        await session.scalars(select(TipAttachment).where(TipAttachment.tip_id == tip.id))
    )
    channels: set[str] = set()
    for card in await session.scalars(select(TipCard).where(TipCard.tip_id == tip.id)):
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
    language = await session.scalar(
        select(ChannelAccount.language).where(
            ChannelAccount.channel == card.channel, ChannelAccount.chat_id == card.chat_id
        )
    )
    return language or "vi"


class TipNotFound(Exception):
    pass


async def tip_for_police(
    turn: Turn, tip_id: int | str, action: Action = Action.RECEIVE_TIPS
) -> Tip:
    """The tip, if the person pressing or typing is commune police of its commune; raises
    Forbidden (bot.authz) or TipNotFound otherwise."""
    if isinstance(tip_id, str):
        tip = await turn.session.scalar(select(Tip).where(Tip.code == normalise_tip_code(tip_id)))
    else:
        tip = await turn.session.get(Tip, tip_id)
    if tip is None:
        raise TipNotFound
    actor = await load_actor(turn.session, turn.person.id if turn.person else None)
    require(actor, action, Scope(tip.commune_code))
    return tip


async def change_status(
    turn: Turn | Work, tip: Tip, status: TipStatus, *, note: str | None = None
) -> bool:
    """Move a tip to `status` (False if it is there already), record who and when, edit the
    cards, and tell the reporter if they asked for updates."""
    if tip.status == status:
        return False
    tip.status = status
    if status != TipStatus.NEW and tip.acknowledged_at is None:
        tip.acknowledged_at = turn.now
        tip.next_escalation_at = None
    if status in CLOSED_STATUSES:
        tip.closed_at = turn.now
    else:
        tip.closed_at = None
    turn.session.add(
        TipEvent(
            tip_id=tip.id,
            at=turn.now,
            kind=TipEventKind.STATUS,
            status=status,
            actor_person_id=turn.person.id if turn.person else None,
            text=note,
        )
    )
    turn.queued.update(await refresh_cards(turn.session, turn.settings, tip))
    if status not in (TipStatus.RESOLVED, TipStatus.NO_GROUNDS):  # those wait for a closing note
        await tell_reporter(turn, tip, reporter_update(status))
    return True


async def tell_reporter(
    turn: Turn | Work,
    tip: Tip,
    text: str | None,
    *,
    choices: tuple = (),  # type: ignore[type-arg]
    always: bool = False,
    values: dict[str, str] | None = None,
    msgid_values: dict[str, str] | None = None,
) -> bool:
    """A message to the reporter through the vault route, in their language; `text` is an
    N_ msgid. Updates go only to reporters who asked; questions (`always`) go to everyone."""
    if text is None or not (tip.wants_updates or always):
        return False
    route = await route_to_reporter(turn.session, cipher_of(turn.settings), tip)
    if route is None:
        return False
    t = Translator(route.language, turn.settings.timezone)
    translated = {key: t.gettext(msgid) for key, msgid in (msgid_values or {}).items()}
    message = OutboundMessage(
        text=t.gettext(text, code=tip.code, **(values or {}), **translated),
        choices=tuple(type(c)(c.key, t.gettext(c.label)) for c in choices),
    )
    await turn.notify(
        channel=route.channel, chat_id=route.chat_id, message=message, priority=Priority.TIP
    )
    return True
