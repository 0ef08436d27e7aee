"""What the commune admins are told about the Zalo plan, in words they can act on: how much of
the month's messages is used, and when Zalo stopped accepting them (its 429, "quota exceeded").
The plan is the server's, so the admin is sent to the server administrator, not to a setting.

Each notice goes once per month and admin (a dedupe key), to every messenger account the admin
has: a notice that Zalo stopped accepting messages must not wait behind Zalo.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import N_, Translator
from bot.messages import OutboundMessage
from bot.people.membership import accounts_of
from storage.models import OutboxMessage, Priority, Role, RoleAssignment
from storage.repos.outbox import queue_message

QUOTA_WARNING = N_(
    "The commune's Zalo plan has used {percent} percent of this month's messages ({used} of "
    "{quota}). When little is left, announcements and reminders wait so that replies and tips "
    "still go out. To send more, contact the server administrator to upgrade the plan."
)
QUOTA_USED_UP = N_(
    "Zalo has stopped accepting the bot's messages: the Zalo plan's messages for this month "
    "are used up. Tips are still received and saved; replies and cards wait and go out as soon "
    "as Zalo accepts them again, and officers with a Telegram account get tips there. Contact "
    "the server administrator to upgrade the Zalo plan."
)


async def tell_admins(
    session: AsyncSession, settings: Settings, msgid: str, key: str, **values: Any
) -> set[str]:
    """Queue `msgid` to every commune admin's accounts, once per `key`; returns the channels."""
    admins = list(
        await session.scalars(
            select(RoleAssignment.person_id)
            .where(RoleAssignment.role == Role.COMMUNE_ADMIN)
            .distinct()
        )
    )
    channels: set[str] = set()
    for account in await accounts_of(session, admins):
        dedupe_key = f"{key}:{account.id}"
        if await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        ):
            continue
        t = Translator(account.language, settings.timezone)
        await queue_message(
            session,
            channel=account.channel,
            chat_id=account.chat_id,
            payload=OutboundMessage(text=t.gettext(msgid, **values)).to_payload(),
            priority=Priority.TIP,
            dedupe_key=dedupe_key,
        )
        channels.add(account.channel)
    return channels
