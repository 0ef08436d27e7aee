"""Conversation state rows, keyed explicitly by channel, chat and user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Update, bindparam, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import get_history, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from storage.direct import Direct
from storage.models import Conversation

_KEPT = ("flow", "step", "data", "prompt", "history", "updated_at")
_WHOSE = ("channel", "chat_id", "user_id")
_TABLE = Conversation.__table__


def save_statement() -> Update:
    """The turn's conversation written, if still at the version loaded (`saving` its values)."""
    return (
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.version == bindparam("was"))
        .values(
            version=bindparam("now", type_=_TABLE.c.version.type),
            **{key: bindparam(f"new_{key}", type_=_TABLE.c[key].type) for key in _KEPT},
        )
    )


SAVE = Direct(lambda _dialect: save_statement())


async def save_conversation(session: AsyncSession, conversation: Conversation) -> None:
    """Write the turn's conversation, if it changed, in one statement on the driver's
    connection (the unit of work flushing it was a sixth of an update's CPU), and take it out
    of the session: the turn is over.

    The version check is the ORM's own (`version_id_col`): a conversation another process
    changed since it was loaded raises StaleDataError, and the engine runs the update again."""
    if (values := saving(conversation)) is not None:
        saved(session, conversation, (await SAVE.run(session, values)).rowcount)


def saving(conversation: Conversation) -> dict[str, Any] | None:
    """The values of `SAVE` for the turn's conversation; None if there is nothing to write,
    or if it moved to another chat or person (the unit of work writes all of it then)."""
    state = inspect(conversation)
    if not state.persistent or not state.modified:
        return None
    if any(get_history(conversation, key).has_changes() for key in _WHOSE):
        return None
    was = conversation.version
    values = {f"new_{key}": getattr(conversation, key) for key in _KEPT}
    return {**values, "row_id": conversation.id, "was": was, "now": was + 1}


def saved(session: AsyncSession, conversation: Conversation, rowcount: int) -> None:
    """After `SAVE` changed `rowcount` rows: none means another process changed it first."""
    if rowcount != 1:
        raise StaleDataError("the conversation changed since it was loaded")
    set_committed_value(conversation, "version", conversation.version + 1)
    # Written: out of the session, or its flush at the commit would go over it again.
    session.expunge(conversation)


async def move_chat(
    session: AsyncSession, *, channel: str, old_chat_id: str, new_chat_id: str
) -> None:
    """A Telegram group became a supergroup: its conversations follow it."""
    await session.execute(
        update(Conversation)
        .where(Conversation.channel == channel, Conversation.chat_id == old_chat_id)
        .values(chat_id=new_chat_id)
    )


async def private_conversation(
    session: AsyncSession, *, channel: str, chat_id: str, user_id: str
) -> Conversation:
    """The conversation of a person's private chat with the bot, created if new."""
    conversation = await session.scalar(
        select(Conversation).where(
            Conversation.channel == channel,
            Conversation.chat_id == chat_id,
            Conversation.user_id == user_id,
        )
    )
    if conversation is None:
        conversation = Conversation(
            channel=channel, chat_id=chat_id, user_id=user_id, data={}, history=[]
        )
        session.add(conversation)
    return conversation
