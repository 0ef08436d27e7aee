"""Broadcasts: an announcement to an audience, queued at BROADCAST priority as outbox rows
`bc:<id>:<channel>:<chat>`. Progress is the count of those rows by status; when none is
pending any more the author gets a final report (`report_finished`, a scheduler job).

A crash mid-fan-out loses nothing and repeats nothing: the rows were queued in the transaction
that created the broadcast, and the outbox worker sends each once (leases, SKIP LOCKED).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar.audience import Recipient, resolve
from bot.config import Settings
from bot.i18n import N_, Translator
from bot.messages import OutboundMessage
from storage.db import Database
from storage.models import Broadcast, ChannelAccount, OutboxStatus, Priority
from storage.repos.broadcasts import (
    add_broadcast,
    broadcast_by_id,
    finished_key,
    mark_broadcast_done,
    message_counts,
    recipient_key,
    sending_broadcast_ids,
)
from storage.repos.org import commune_name, group_by_id
from storage.repos.outbox import queue_many, queue_once

# Who an announcement of the whole commune can go to (the chat and the console offer the same).
COMMUNE_AUDIENCES = (
    ("all", N_("All members and group chats")),
    # {unit}: the commune's word for its villages, "thôn" or "ấp"… (bot.vocabulary)
    ("leaders", N_("Leaders only (group leaders, {unit} heads)")),
    ("village", N_("One {unit}")),
    ("group_chats", N_("The group chats")),
)
MAX_TEXT = 3000


async def sender_label(session: AsyncSession, audience: str, commune_code: str, t: Translator):  # type: ignore[no-untyped-def]
    kind, _, arg = audience.partition(":")
    if kind == "group":
        group = await group_by_id(session, int(arg))
        return t.gettext(
            "📢 Message from the leader of {group}:", group=group.name if group else ""
        )
    return t.gettext(
        "📢 Announcement from the commune police of {commune}:",
        commune=await commune_name(session, commune_code),
    )


async def render(
    session: AsyncSession, broadcast: Broadcast, t: Translator, *, private: bool
) -> OutboundMessage:
    header = await sender_label(session, broadcast.audience, broadcast.commune_code, t)
    text = f"{header}\n\n{broadcast.text}"
    if private:
        text += "\n\n" + t.gettext("To receive no more campaign messages, send /tatnhacnho.")
    return OutboundMessage(text=text, photo=broadcast.photo)


async def start(
    session: AsyncSession,
    settings: Settings,
    *,
    commune_code: str,
    author_person_id: int,
    author: ChannelAccount,
    audience: str,
    text: str,
    photo: str | None,
    now: datetime,
) -> tuple[Broadcast, set[str]]:
    """The broadcast and the channels its messages were queued on."""
    recipients = await resolve(session, commune_code, audience, today=now.date())
    broadcast = Broadcast(
        commune_code=commune_code,
        author_person_id=author_person_id,
        author_channel=author.channel,
        author_chat_id=author.chat_id,
        author_language=author.language,
        audience=audience,
        text=text,
        photo=photo,
        total=len(recipients),
        created_at=now,
    )
    await add_broadcast(session, broadcast)
    # A photo is the author's messenger's file id: other messengers get the text alone.
    payloads: dict[tuple[str, bool, bool], dict[str, Any]] = {}
    for recipient in recipients:
        key = _payload_key(broadcast, recipient)
        if key not in payloads:
            t = Translator(recipient.language, settings.timezone)
            message = await render(session, broadcast, t, private=not recipient.is_group)
            if not key[2]:
                message = replace(message, photo=None)
            payloads[key] = message.to_payload()
    await queue_many(
        session,
        (
            (
                r.channel,
                r.chat_id,
                r.is_group,
                payloads[_payload_key(broadcast, r)],
                _key(broadcast, r),
            )
            for r in recipients
        ),
        priority=Priority.BROADCAST,
        not_before=now,
        now=now,
    )
    return broadcast, {r.channel for r in recipients}


def _payload_key(broadcast: Broadcast, recipient: Recipient) -> tuple[str, bool, bool]:
    same_messenger = recipient.channel == broadcast.author_channel
    return recipient.language, recipient.is_group, same_messenger


def _key(broadcast: Broadcast, recipient: Recipient) -> str:
    return recipient_key(broadcast.id, recipient.channel, recipient.chat_id)


@dataclass(frozen=True)
class Progress:
    sent: int
    failed: int
    remaining: int

    @property
    def done(self) -> bool:
        return self.remaining == 0


async def progress(session: AsyncSession, broadcast_id: int) -> Progress:
    counts = await message_counts(session, broadcast_id)
    return Progress(
        counts.get(OutboxStatus.SENT, 0),
        counts.get(OutboxStatus.FAILED, 0),
        counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0),
    )


def progress_text(t: Translator, broadcast: Broadcast, state: Progress) -> str:
    return t.gettext(
        "Announcement #{id} ({when}): {sent} sent, {failed} failed, {remaining} remaining, "
        "of {total}.",
        id=broadcast.id,
        when=t.datetime(broadcast.created_at),
        sent=state.sent,
        failed=state.failed,
        remaining=state.remaining,
        total=broadcast.total,
    )


async def report_finished(db: Database, settings: Settings, now: datetime) -> set[str]:
    """Broadcasts with nothing left to send: marked done, their author told the outcome once."""
    channels: set[str] = set()
    async with db.transaction() as session:
        ids = await sending_broadcast_ids(session)
    for broadcast_id in ids:
        async with db.transaction() as session:
            state = await progress(session, broadcast_id)
            if not state.done:
                continue
            if not await mark_broadcast_done(session, broadcast_id, now):
                continue  # another process reported it
            broadcast = await broadcast_by_id(session, broadcast_id)
            assert broadcast is not None
            t = Translator(broadcast.author_language, settings.timezone)
            text = t.gettext("✅ Announcement sent.") + "\n" + progress_text(t, broadcast, state)
            await queue_once(
                session,
                dedupe_key=finished_key(broadcast_id),
                channel=broadcast.author_channel,
                chat_id=broadcast.author_chat_id,
                payload=OutboundMessage(text=text).to_payload(),
                now=now,
                priority=Priority.NOTICE,
            )
            channels.add(broadcast.author_channel)
    return channels
