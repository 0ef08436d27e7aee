"""What the commune admins are told about the Zalo plan, in words they can act on: how much of
the month's messages is used, and when Zalo stopped accepting them (its 429, "quota exceeded").
The plan is the server's, so the admin is sent to the server administrator, not to a setting.

Each notice goes once per month and admin (a dedupe key), to every messenger account the admin
has: a notice that Zalo stopped accepting messages must not wait behind Zalo.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import N_, Translator
from bot.messages import OutboundMessage
from storage.base import utcnow
from storage.models import Priority
from storage.repos.accounts import reachable_accounts
from storage.repos.outbox import queue_once
from storage.repos.zalo_quota import commune_admin_ids

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
    channels: set[str] = set()
    for account in await reachable_accounts(session, await commune_admin_ids(session)):
        t = Translator(account.language, settings.timezone)
        queued = await queue_once(
            session,
            dedupe_key=f"{key}:{account.id}",
            channel=account.channel,
            chat_id=account.chat_id,
            payload=OutboundMessage(text=t.gettext(msgid, **values)).to_payload(),
            priority=Priority.TIP,
            now=utcnow(),
        )
        if queued:
            channels.add(account.channel)
    return channels
