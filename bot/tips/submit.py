"""A tip submitted: stored with its sealed reporter row, its attachments and its police
cards in one transaction, so that when the reporter sees the code, the tip and its delivery
are durable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Settings
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.scams.service import record_tip_items
from bot.tips.categories import category
from bot.tips.codes import new_tip_code
from bot.tips.delivery import CARD_QUEUE, deliver_to_police
from bot.tips.own_tips import remember_own_tip
from bot.tips.vault import Identity, Route, cipher_of, seal
from bot.work import Work
from storage.models import (
    ChannelAccount,
    Person,
    Tip,
    TipAttachment,
    TipEvent,
    TipEventKind,
    TipStatus,
)


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


def first_deadline(settings: Settings, urgent: bool, now: datetime) -> datetime:
    minutes = settings.tip_ack_minutes_urgent if urgent else settings.tip_ack_minutes
    return now + timedelta(minutes=minutes)


async def submit_tip(work: Work, draft: TipDraft, *, route: Route, account: ChannelAccount) -> Tip:
    """Store the tip sent from `route` (the reporter's messenger `account`), its
    vault row and attachments, and queue the police cards, all in the unit's transaction."""
    session, settings, now = work.session, work.settings, work.now
    cipher = cipher_of(settings)
    kind = await category(session, draft.commune_code, draft.category_key)
    urgent = bool(kind and kind.urgent)
    tip = Tip(
        code=await new_tip_code(session),
        commune_code=draft.commune_code,
        village_id=draft.village_id,
        group_id=draft.group_id,
        channel=route.channel,
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
        created_at=now,
        next_escalation_at=first_deadline(settings, urgent, now),
    )
    session.add(tip)
    await session.flush()
    vault = seal(cipher, route, None if draft.anonymous else _identity(work.person, cipher))
    vault.tip_id = tip.id
    session.add(vault)
    await remember_own_tip(session, cipher, account_id=account.id, tip_id=tip.id)
    for item in draft.attachments:
        session.add(
            TipAttachment(
                tip_id=tip.id,
                kind=item.kind,
                file_ref=item.file_ref,
                size=item.size,
                mime_type=item.mime_type,
                created_at=now,
            )
        )
    session.add(TipEvent(tip_id=tip.id, at=now, kind=TipEventKind.CREATED, status=tip.status))
    await record_tip_items(session, settings.secret_key_bytes(), tip)  # before its card
    await session.flush()
    work.queued.update(await deliver_to_police(session, settings, tip, now=now))
    work.queued.add(CARD_QUEUE)
    return tip


def _identity(person: Person | None, cipher: FieldCipher) -> Identity | None:
    if person is None:
        return None
    phone = cipher.decrypt_optional(person.phone_encrypted, PERSON_PHONE)
    return Identity(name=person.full_name, phone=phone, person_id=person.id)
