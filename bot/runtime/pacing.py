"""Send pacing: an overall rate, a minimum gap per chat, and a pause when the messenger says so.

Each send reserves the earliest slot that respects all three; waiting is an asyncio sleep, so a
slow chat never holds up the others. Slots missed because the event loop woke late are made up,
a little at a time, and a sliding window checked at the moment of sending keeps the overall rate
in every second: late wake-ups bunch sends, and a messenger counts what arrives, not what was
booked (the fan-out benchmark saw 429s from exactly that).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.places import Places


class PacerStopped(Exception):
    """The worker is stopping: the send did not happen, and will not here."""


class ChannelResting(Exception):
    """The channel rests longer than a claimed message may wait (Zalo's quota pause is 15
    minutes, an outbox lease 5): the send did not happen; the message is due again in
    `seconds`, rather than held past its lease for another process to claim and send too."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the channel rests for {seconds:.0f}s")
        self.seconds = seconds


@dataclass
class PacingRules:
    overall_per_second: float = 30.0
    private_chat_interval: float = 1.0  # seconds between messages to one person
    group_chat_interval: float = 3.0  # 20 per minute
    # Sends awaiting their answer at once: rate x round trip is 30/s x 0.3 s from Vietnam.
    max_in_flight: int = 16
    # The longest a send waits out a pause: under the outbox lease (5 minutes) with a minute
    # to spare for the rest of its pass.
    max_rest: float = 240.0


# How far behind the clock the overall schedule may fall and still be made up, in seconds.
CATCH_UP = 0.1
# After the messenger fails (5xx, no answer) several times in a row: the channel rests this
# long, doubling up to the last, each with jitter so that several processes do not return
# together.
LONG_REST = 1.0  # seconds; a longer wait for a slot ends early when the pacer stops
FIRST_BACKOFF = 0.5
LAST_BACKOFF = 30.0


@dataclass
class Pacer:
    rules: PacingRules
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _next_overall: float = 0.0
    _next_by_chat: dict[str, float] = field(default_factory=dict)
    _paused_until: float = 0.0
    _sent_at: deque[float] = field(default_factory=deque)  # the last second's sends
    _failures: int = 0  # the messenger's failures in a row
    _stopped: asyncio.Event = field(default_factory=asyncio.Event)
    _window_turns: asyncio.Lock = field(default_factory=asyncio.Lock)
    _in_flight: Places = field(init=False)

    def __post_init__(self) -> None:
        self._in_flight = Places(self.rules.max_in_flight)

    def reserve(self, chat_id: str, *, is_group: bool, ignore_chat_gap: bool = False) -> float:
        """Book the next slot for this chat; returns the delay in seconds until it."""
        now = self.clock()
        at = max(now - CATCH_UP, self._next_overall, self._paused_until)
        chat_at = 0.0 if ignore_chat_gap else self._next_by_chat.get(chat_id, 0.0)
        if chat_at > at:
            # Held by its own chat's gap: it books no slot of the overall schedule, which would
            # hold every other chat behind it (a reporter's second message pushed the desk's
            # cards back a second); the window of the second counts it when it goes.
            at = chat_at
        else:
            self._next_overall = at + 1.0 / self.rules.overall_per_second
        gap = self.rules.group_chat_interval if is_group else self.rules.private_chat_interval
        self._next_by_chat[chat_id] = max(at, now) + gap  # a made-up slot keeps the full gap
        self._forget_old(now)
        return at - now

    @asynccontextmanager
    async def turn(
        self,
        chat_id: str,
        *,
        is_group: bool,
        ignore_chat_gap: bool = False,
        urgent: bool = False,
    ) -> AsyncIterator[None]:
        """Wait for this chat's slot, then hold one of the places in flight while sending;
        an `urgent` send (about a tip) takes the next free place before the others waiting.

        Counting sends in flight, not only their starts: when the messenger stalls, sends the
        pacer let go would otherwise pile up in the connection pool and arrive together.
        """
        self._check_rest()
        delay = self.reserve(chat_id, is_group=is_group, ignore_chat_gap=ignore_chat_gap)
        if delay > 0:
            await self._rest(delay)
        async with self._in_flight.held(urgent=urgent):
            await self._within_the_second()
            yield

    async def _within_the_second(self) -> None:
        """Never more than the overall rate in any one second, counted when sending; and
        nothing while the channel is paused, even for a send whose slot was booked before the
        pause began (a retry_after is a wall: Telegram punishes sends inside it)."""
        limit = max(1, int(self.rules.overall_per_second))
        async with self._window_turns:  # in order, and only the first in line watches the clock
            while True:
                now = self.clock()
                if now < self._paused_until:
                    self._check_rest()
                    await self._rest(self._paused_until - now)
                    continue
                while self._sent_at and self._sent_at[0] <= now - 1.0:
                    self._sent_at.popleft()
                if len(self._sent_at) < limit:
                    self._sent_at.append(now)
                    return
                await self.sleep(self._sent_at[0] + 1.0 - now)

    def _check_rest(self) -> None:
        if (resting := self.paused_for()) > self.rules.max_rest:
            raise ChannelResting(resting)

    async def _rest(self, seconds: float) -> None:
        """Sleep; a long rest (a pause, a slot far ahead) ends early when the pacer stops, so
        that a worker stopping does not wait out a retry_after first."""
        if self._stopped.is_set():
            raise PacerStopped
        if seconds <= LONG_REST:
            await self.sleep(seconds)
        else:
            stopped = asyncio.ensure_future(self._stopped.wait())
            slept = asyncio.ensure_future(self.sleep(seconds))
            await asyncio.wait((stopped, slept), return_when=asyncio.FIRST_COMPLETED)
            for task in (stopped, slept):
                task.cancel()
        if self._stopped.is_set():
            raise PacerStopped

    def stop(self) -> None:
        """Nothing more goes out: whoever waits for a slot gets PacerStopped."""
        self._stopped.set()

    def chat_ready_in(self, chat_id: str) -> float:
        return max(0.0, self._next_by_chat.get(chat_id, 0.0) - self.clock())

    def paused_for(self) -> float:
        """Seconds until the channel may send again after a pause; 0 when it may now."""
        return max(0.0, self._paused_until - self.clock())

    def pause(self, seconds: float) -> None:
        """Telegram's retry_after: nothing goes out on this channel until it has passed."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def failed(self) -> float:
        """The messenger failed (5xx, no answer): rest the channel, longer each time in a row,
        with jitter. Returns the rest in seconds."""
        now = self.clock()
        if now < self._paused_until and self._failures:
            # Sends that were in flight together fail together: one failure, not sixteen.
            return self._paused_until - now
        self._failures += 1
        base = min(LAST_BACKOFF, FIRST_BACKOFF * 2.0 ** (self._failures - 1))
        seconds = base * random.uniform(0.5, 1.5)
        self.pause(seconds)
        return seconds

    def succeeded(self) -> None:
        self._failures = 0

    def _forget_old(self, now: float) -> None:
        if len(self._next_by_chat) > 10_000:
            self._next_by_chat = {c: t for c, t in self._next_by_chat.items() if t > now}
