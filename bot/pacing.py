"""Send pacing: an overall rate, a minimum gap per chat, and a pause when the messenger says so.

Each send reserves the earliest slot that respects all three; waiting is an asyncio sleep, so a
slow chat never holds up the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class PacingRules:
    overall_per_second: float = 30.0
    private_chat_interval: float = 1.0  # seconds between messages to one person
    group_chat_interval: float = 3.0  # 20 per minute


@dataclass
class Pacer:
    rules: PacingRules
    clock: Callable[[], float] = time.monotonic
    _next_overall: float = 0.0
    _next_by_chat: dict[str, float] = field(default_factory=dict)
    _paused_until: float = 0.0

    def reserve(self, chat_id: str, *, is_group: bool, ignore_chat_gap: bool = False) -> float:
        """Book the next slot for this chat; returns the delay in seconds until it."""
        now = self.clock()
        at = max(now, self._next_overall, self._paused_until)
        if not ignore_chat_gap:
            at = max(at, self._next_by_chat.get(chat_id, 0.0))
        self._next_overall = at + 1.0 / self.rules.overall_per_second
        gap = self.rules.group_chat_interval if is_group else self.rules.private_chat_interval
        self._next_by_chat[chat_id] = at + gap
        self._forget_old(now)
        return at - now

    async def wait_turn(
        self, chat_id: str, *, is_group: bool, ignore_chat_gap: bool = False
    ) -> None:
        delay = self.reserve(chat_id, is_group=is_group, ignore_chat_gap=ignore_chat_gap)
        if delay > 0:
            await asyncio.sleep(delay)

    def chat_ready_in(self, chat_id: str) -> float:
        return max(0.0, self._next_by_chat.get(chat_id, 0.0) - self.clock())

    def pause(self, seconds: float) -> None:
        """Telegram's retry_after: nothing goes out on this channel until it has passed."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def _forget_old(self, now: float) -> None:
        if len(self._next_by_chat) > 10_000:
            self._next_by_chat = {c: t for c, t in self._next_by_chat.items() if t > now}
