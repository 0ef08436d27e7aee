"""A unit of work without a chat turn (issue #16): what a domain function needs to act.

The web console (and later scheduler jobs and CLIs) builds one per request: the database
session of one transaction, the clock, the settings, the acting person and their grants, and
`notify`, which queues messages for others and remembers which channels' workers to wake once
the transaction has committed. It has the same names as `bot.dialog.turn.Turn` for these, so
the tip functions that take either (`bot.tips.service.change_status`, `tell_reporter`) work
from the chat and from the console alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import Action, Actor, Scope, require
from bot.config import Settings
from bot.dialog.messages import OutboundMessage
from storage.models import Person, Priority
from storage.repos.outbox import queue_message


@dataclass
class Work:
    session: AsyncSession
    settings: Settings
    now: datetime
    person: Person | None
    actor: Actor
    queued: set[str] = field(default_factory=set)  # channels with new outbox rows

    def require(self, action: Action, scope: Scope) -> None:
        """Raises bot.authz.Forbidden unless the acting person may do `action` there."""
        require(self.actor, action, scope)

    async def notify(
        self,
        *,
        channel: str,
        chat_id: str,
        message: OutboundMessage,
        priority: Priority = Priority.NOTICE,
        is_group_chat: bool = False,
        dedupe_key: str | None = None,
    ) -> None:
        """Queue a message to someone; it goes out if this unit's transaction commits."""
        await queue_message(
            self.session,
            channel=channel,
            chat_id=chat_id,
            payload=message.to_payload(),
            priority=priority,
            is_group_chat=is_group_chat,
            dedupe_key=dedupe_key,
        )
        self.queued.add(channel)
