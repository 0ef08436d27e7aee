"""Queueing, claiming and settling outgoing messages."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.direct import Direct
from storage.models import OutboxMessage, OutboxStatus, Priority

_OUTBOX = OutboxMessage.__table__
# In a session's `info`: the rows queued for others in its transaction, which the handling path
# sends itself once it commits (bot.runtime.outbox.OutboxWorker.send_soon).
_QUEUED_KEY = "queued_outbox_ids"


def take_queued(session: AsyncSession) -> dict[str, list[int]]:
    """The rows queued in this session since the last take, due now and not born claimed:
    ids by channel."""
    return dict(session.info.pop(_QUEUED_KEY, {}))


def _remember(session: AsyncSession, channel: str, row_id: int) -> None:
    session.info.setdefault(_QUEUED_KEY, {}).setdefault(channel, []).append(row_id)


async def queue_message(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    priority: int = Priority.NOTICE,
    is_group_chat: bool = False,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    claimed_until: datetime | None = None,
) -> OutboxMessage:
    """Queue a message; with `claimed_until` it is born claimed by the caller, who sends it
    right away (a reply), and falls to the worker only if the caller dies first."""
    row = OutboxMessage(
        channel=channel,
        chat_id=chat_id,
        payload=payload,
        priority=int(priority),
        is_group_chat=is_group_chat,
        dedupe_key=dedupe_key,
    )
    if not_before is not None:
        row.next_attempt_at = not_before
    if claimed_until is not None:
        row.status, row.claimed_until, row.attempts = OutboxStatus.SENDING, claimed_until, 1
    session.add(row)
    await session.flush()
    if claimed_until is None and not_before is None:
        _remember(session, channel, row.id)
    return row


_KEY_LIMIT = 160  # the column's width


def dedupe_key(kind: str, *parts: object) -> str:
    """The one way to name a message that must be queued once: `kind:part:part…`; a key
    longer than the column is shortened to its kind and a digest of the rest."""
    key = ":".join([kind, *(str(part) for part in parts)])
    if len(key) <= _KEY_LIMIT:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"{kind[: _KEY_LIMIT - 42]}:#{digest}"


def insert_ignoring_duplicates(session: AsyncSession, table, conflict: list[str]):  # type: ignore[no-untyped-def]
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL, INSERT OR IGNORE on SQLite."""
    return insert_ignoring_duplicates_in(session.bind.dialect.name, table, conflict)


def insert_ignoring_duplicates_in(dialect: str, table, conflict: list[str]):  # type: ignore[no-untyped-def]
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=conflict)
    return sqlite.insert(table).on_conflict_do_nothing()


async def queue_once(
    session: AsyncSession,
    *,
    dedupe_key: str,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    now: datetime,
    priority: int = Priority.NOTICE,
    is_group_chat: bool = False,
    not_before: datetime | None = None,
) -> bool:
    """Queue a message unless one with the same key was ever queued (a re-run, a second
    process, a resumed crash); True when this call queued it. The database decides, so two
    processes racing queue it once."""
    statement = insert_ignoring_duplicates(session, _OUTBOX, ["dedupe_key"]).values(
        channel=channel,
        chat_id=chat_id,
        is_group_chat=is_group_chat,
        payload=payload,
        priority=int(priority),
        status=OutboxStatus.PENDING,
        dedupe_key=dedupe_key,
        attempts=0,
        next_attempt_at=not_before or now,
        created_at=now,
    )
    row_id = await session.scalar(statement.returning(_OUTBOX.c.id))
    if row_id is not None and (not_before is None or not_before <= now):
        _remember(session, channel, row_id)
    return row_id is not None


_BATCH = 1000


async def queue_many(
    session: AsyncSession,
    rows: Iterable[tuple[str, str, bool, dict[str, Any], str]],
    *,
    priority: int,
    not_before: datetime,
    now: datetime,
) -> int:
    """Queue (channel, chat id, is group chat, payload, dedupe key) rows, one INSERT per
    thousand, those already queued skipped by the database; returns how many were offered."""
    statement = insert_ignoring_duplicates(session, _OUTBOX, ["dedupe_key"])
    batch: list[dict[str, Any]] = []
    offered = 0
    for channel, chat_id, is_group, payload, key in rows:
        batch.append(
            {
                "channel": channel,
                "chat_id": chat_id,
                "is_group_chat": is_group,
                "payload": payload,
                "priority": priority,
                "status": OutboxStatus.PENDING,
                "dedupe_key": key,
                "attempts": 0,
                "next_attempt_at": not_before,
                "created_at": now,
            }
        )
        if len(batch) >= _BATCH:
            await session.execute(statement, batch)
            offered += len(batch)
            batch = []
    if batch:
        await session.execute(statement, batch)
        offered += len(batch)
    return offered


async def queue_each_once(
    session: AsyncSession,
    rows: Iterable[tuple[str, str, bool, dict[str, Any], str, int]],
    *,
    now: datetime,
) -> set[str]:
    """Queue (channel, chat id, is group chat, payload, dedupe key, priority) rows, each unless
    its key was ever queued, a thousand to an INSERT; returns the channels of the rows this
    call queued. The database decides, as in `queue_once`, at a batch's cost (a re-run of a
    drive's 10,000 reminders is a few statements, not 10,000)."""
    channels: set[str] = set()
    batch: list[dict[str, Any]] = []

    async def insert() -> None:
        statement = insert_ignoring_duplicates(session, _OUTBOX, ["dedupe_key"])
        channels.update(await session.scalars(statement.returning(_OUTBOX.c.channel), batch))
        batch.clear()

    for channel, chat_id, is_group, payload, key, priority in rows:
        batch.append(
            {
                "channel": channel,
                "chat_id": chat_id,
                "is_group_chat": is_group,
                "payload": payload,
                "priority": int(priority),
                "status": OutboxStatus.PENDING,
                "dedupe_key": key,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
        if len(batch) >= _BATCH:
            await insert()
    if batch:
        await insert()
    return channels


async def claim_messages(
    session: AsyncSession,
    *,
    channel: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    ids: Sequence[int] | None = None,
    chat_id: str | None = None,
    excluding: Collection[int] = (),
) -> list[OutboxMessage]:
    """Take due messages for sending: pending ones, and ones whose sender died mid-lease;
    not those `excluding` names (rows about to be claimed by id).

    On PostgreSQL the rows are locked with SKIP LOCKED, so several processes claim disjoint sets.
    """
    due = or_(
        (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_until < now),
    )
    query = select(OutboxMessage).where(OutboxMessage.channel == channel, due)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id)
    if excluding:
        query = query.where(OutboxMessage.id.not_in(list(excluding)))
    query = (
        query.order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(await session.scalars(query))
    for row in rows:
        row.status = OutboxStatus.SENDING
        row.claimed_until = now + lease
        row.attempts += 1
    await session.flush()
    return rows


# What a row keeps once sent or given up: no text, and no private chat id. Delivery needs
# nothing more (an edit names the row only for its external_message_id), and a copy kept
# would tie a reporter's chat to the tip code in it (docs/PRIVACY_ANONYMITY.md).
SPENT_PAYLOAD: dict[str, Any] = {"text": ""}
_KEPT_CHAT = case((_OUTBOX.c.is_group_chat, _OUTBOX.c.chat_id), else_=literal(""))


_MARK_SENT = Direct(
    lambda _dialect: (
        update(_OUTBOX)
        .where(_OUTBOX.c.id == bindparam("row_id"))
        .values(
            status=OutboxStatus.SENT,
            sent_at=bindparam("settled_at"),
            claimed_until=None,
            external_message_id=bindparam("external_id"),
            payload=SPENT_PAYLOAD,
            chat_id=_KEPT_CHAT,
        )
    )
)


async def mark_all_sent(
    session: AsyncSession, *, sent: Sequence[tuple[int, str | None]], at: datetime
) -> None:
    """Settle several sent messages in one statement: (outbox id, messenger's message id)."""
    if not sent:
        return
    # Core executemany (not the ORM's bulk update by id), so the chat id can be an expression.
    await _MARK_SENT.run(
        session,
        [
            {"row_id": message_id, "external_id": external_id, "settled_at": at}
            for message_id, external_id in sent
        ],
    )


async def sent_message_id(session: AsyncSession, message_id: int) -> str | None:
    """The messenger's id of the message this outbox row sent; None if it never went out."""
    row = await session.get(OutboxMessage, message_id)
    return row.external_message_id if row else None


async def mark_retry(
    session: AsyncSession, *, message_id: int, at: datetime, error: str, chat_id: str | None = None
) -> None:
    values: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "next_attempt_at": at,
        "claimed_until": None,
        "last_error": error,
    }
    if chat_id is not None:
        values["chat_id"] = chat_id
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
    )


async def release_claims(session: AsyncSession, *, ids: list[int]) -> None:
    """Give claimed rows back untouched: due as they were, for the next pass to take."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING, claimed_until=None)
        )


async def mark_failed(session: AsyncSession, *, message_id: int, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status=OutboxStatus.FAILED, claimed_until=None, last_error=error, payload=SPENT_PAYLOAD
        )
    )


async def move_outbox_chat(
    session: AsyncSession, *, channel: str, old_chat_id: str, new_chat_id: str
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == old_chat_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(chat_id=new_chat_id)
    )


async def count_by_status(session: AsyncSession, *, channel: str | None = None) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    return {status: count for status, count in (await session.execute(query)).all()}


async def next_due_at(session: AsyncSession, *, channel: str) -> datetime | None:
    return await session.scalar(
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.PENDING)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(1)
    )


async def unsent_payloads(session: AsyncSession) -> list[tuple[int, str, dict[str, Any]]]:
    """(id, chat id, payload) of every row still to send or given up with its text."""
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.payload).where(
            OutboxMessage.status != OutboxStatus.SENT
        )
    )
    return [(row.id, row.chat_id, row.payload) for row in rows if row.payload != SPENT_PAYLOAD]


async def withdraw_messages(session: AsyncSession, *, ids: Sequence[int], reason: str) -> None:
    """Never send these, and keep nothing of them but the bookkeeping (a card's edit may
    still name the row)."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)))
            .values(
                status=OutboxStatus.FAILED,
                claimed_until=None,
                payload=SPENT_PAYLOAD,
                last_error=reason,
            )
        )
