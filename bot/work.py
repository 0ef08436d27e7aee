"""A unit of work (issue #16): what a domain function needs to act, from any front.

Each front builds one per event: the chat engine (inside its `Turn`, as `turn.work`), the web
console per request, scheduler jobs and CLIs on their own. It holds the database session of one
transaction, the clock, the settings, the acting person and their grants, and `notify`, which
queues messages for others and remembers which channels' workers to wake once the transaction
has committed. Domain functions take a `Work` (or plain arguments), never a chat `Turn`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import Action, Actor, Scope, load_actor, require
from bot.config import Settings
from bot.messages import OutboundMessage
from bot.sealed_messages import outbox_payload
from storage.models import Person, Priority
from storage.repos.outbox import queue_message, queue_once


@dataclass
class Work:
    session: AsyncSession
    settings: Settings
    now: datetime
    person: Person | None
    # Loaded on first use in the chat (most updates need no grants); the console passes it.
    actor: Actor | None = None
    queued: set[str] = field(default_factory=set)  # channels with new outbox rows

    async def acting(self) -> Actor:
        """The acting person's grants, loaded once per unit."""
        if self.actor is None:
            self.actor = await load_actor(self.session, self.person.id if self.person else None)
        return self.actor

    async def check(self, action: Action, scope: Scope) -> None:
        """Raises bot.authz.Forbidden unless the acting person may do `action` there."""
        require(await self.acting(), action, scope)

    def require(self, action: Action, scope: Scope) -> None:
        """`check` for a unit whose grants are already loaded (the console loads them first)."""
        if self.actor is None:
            raise RuntimeError("grants not loaded: use `await work.check(...)`")
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
    ) -> bool:
        """Queue a message to someone; it goes out if this unit's transaction commits.

        With a `dedupe_key` it is queued once whatever runs again (see `dedupe_key()` in
        storage.repos.outbox); returns whether this call queued it. A message that shows
        decrypted data waits sealed (bot.sealed_messages)."""
        payload = outbox_payload(message, self.settings)
        if dedupe_key is None:
            await queue_message(
                self.session,
                channel=channel,
                chat_id=chat_id,
                payload=payload,
                priority=priority,
                is_group_chat=is_group_chat,
            )
            queued = True
        else:
            queued = await queue_once(
                self.session,
                dedupe_key=dedupe_key,
                channel=channel,
                chat_id=chat_id,
                payload=payload,
                now=self.now,
                priority=priority,
                is_group_chat=is_group_chat,
            )
        if queued:
            self.queued.add(channel)
        return queued
