"""A fixed number of places, with a way to the front for what is urgent.

A channel lets a fixed number of sends await their answer at once (`PacingRules.max_in_flight`):
under load every place is busy with replies, and a tip's police card waited behind them. On
SQLite, the one connection is a single place (`storage.db.Database`), where a send's sent mark
waited behind the updates being handled while its send held a place in flight. What is urgent
takes the next free place before anything else waiting; among equals, first come, first served.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Places:
    def __init__(self, count: int) -> None:
        self._free = count
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._others: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def held(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold a place while the block runs."""
        await self._take(urgent)
        try:
            yield
        finally:
            self._give_back()

    async def _take(self, urgent: bool) -> None:
        if self._free > 0 and not self._urgent and (urgent or not self._others):
            self._free -= 1
            return
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line = self._urgent if urgent else self._others
        line.append(handed)
        try:
            await handed
        except asyncio.CancelledError:
            if handed.done() and not handed.cancelled():
                self._give_back()  # handed a place as it was cancelled: the next one takes it
            elif handed in line:  # else passed over already, as done
                line.remove(handed)
            raise

    def _give_back(self) -> None:
        """The place goes to the first urgent send waiting, else the first other one."""
        for line in (self._urgent, self._others):
            while line:
                handed = line.popleft()
                if not handed.done():
                    handed.set_result(None)
                    return
        self._free += 1
