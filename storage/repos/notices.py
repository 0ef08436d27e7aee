"""The buttons of notices a chat was sent lately, for their typed forms ("da xong", "hai long").

A sent outbox row keeps no text nor private chat id (storage.repos.outbox.mark_all_sent), so
the buttons are kept here: one row per chat and day, keyed by a keyed hash of channel, chat and
day, the buttons sealed with the field key. Rows older than `KEEP_DAYS` are deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, FieldCipher
from storage.models import NoticeActions
from storage.repos.outbox import insert_ignoring_duplicates

NOTICE_ACTIONS = "notice.actions"
KEEP_DAYS = 14
MAX_PER_DAY = 30  # notices with buttons one chat keeps per day; the oldest go first

Buttons = list[tuple[str, str]]  # (key, label) of one message's buttons


def _chat_keys(cipher: FieldCipher, channel: str, chat_id: str, day: date) -> list[str]:
    """The row keys of a chat's day: under the current key first, then the old keys."""
    return cipher.digests(f"{channel}:{chat_id}:{day.isoformat()}", NOTICE_ACTIONS)


def _day(now: datetime) -> date:
    """The day of `now` in UTC: nothing finer is kept."""
    return now.astimezone(UTC).date()


def _days(now: datetime) -> list[date]:
    today = _day(now)
    return [today - timedelta(days=back) for back in range(KEEP_DAYS + 1)]


def _open(cipher: FieldCipher, blob: bytes | None) -> list[Buttons]:
    try:
        messages = json.loads(cipher.decrypt_optional(blob, NOTICE_ACTIONS) or "[]")
    except DecryptionError:
        return []  # sealed under a key no longer configured: as if expired
    return [[(key, label) for key, label in buttons] for buttons in messages]


async def remember_notice_buttons(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    channel: str,
    sent: Sequence[tuple[str, Buttons]],
    now: datetime,
) -> None:
    """Keep the buttons of sent messages, (chat id, buttons) in the order they went."""
    today = _day(now)
    await session.execute(
        delete(NoticeActions).where(NoticeActions.day < today - timedelta(days=KEEP_DAYS))
    )
    by_chat: dict[str, list[Buttons]] = {}
    for chat_id, buttons in sent:
        by_chat.setdefault(chat_id, []).insert(0, buttons)  # newest first
    for chat_id, newest in by_chat.items():
        key = _chat_keys(cipher, channel, chat_id, today)[0]
        inserted = await session.execute(
            insert_ignoring_duplicates(session, NoticeActions.__table__, ["chat_key"]).values(
                chat_key=key,
                day=today,
                buttons_encrypted=cipher.encrypt(json.dumps(newest[:MAX_PER_DAY]), NOTICE_ACTIONS),
            )
        )
        if inserted.rowcount:
            continue
        row = await session.scalar(
            select(NoticeActions).where(NoticeActions.chat_key == key).with_for_update()
        )
        kept = [*newest, *_open(cipher, row.buttons_encrypted)][:MAX_PER_DAY]
        row.buttons_encrypted = cipher.encrypt(json.dumps(kept), NOTICE_ACTIONS)
    await session.flush()


async def recent_notice_choices(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    channel: str,
    chat_id: str,
    now: datetime,
    key_prefix: str,
) -> list[Buttons]:
    """(key, label) of the buttons starting with `key_prefix`, per message, newest first."""
    days = _days(now)
    keys = {key: day for day in days for key in _chat_keys(cipher, channel, chat_id, day)}
    rows = await session.execute(
        select(NoticeActions.chat_key, NoticeActions.buttons_encrypted).where(
            NoticeActions.chat_key.in_(keys), NoticeActions.day >= days[-1]
        )
    )
    found = []
    for _, blob in sorted(rows.all(), key=lambda row: keys[row[0]], reverse=True):
        for buttons in _open(cipher, blob):
            wanted = [(key, label) for key, label in buttons if key.startswith(key_prefix)]
            if wanted:
                found.append(wanted)
    return found


async def forget_notice_buttons(
    session: AsyncSession, cipher: FieldCipher, *, chats: Iterable[tuple[str, str]], now: datetime
) -> None:
    """Delete what is kept for these (channel, chat id): an erased person's chats."""
    keys = [
        key
        for channel, chat_id in chats
        for day in _days(now)
        for key in _chat_keys(cipher, channel, chat_id, day)
    ]
    if keys:
        await session.execute(delete(NoticeActions).where(NoticeActions.chat_key.in_(keys)))
