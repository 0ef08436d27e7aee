"""Group commit: the updates handled at the same time share one transaction.

On PostgreSQL every statement is a round trip to the server, and a transaction of its own per
update adds two more (BEGIN, COMMIT) and the session's setup and teardown, a fifth of an
update's work in a burst. Here each update's handling still runs in its own task, but the
updates arriving while a transaction is open join it: they take turns on its session, one whole
handling at a time, and the last one to finish commits for all. None of them is told it is done
(its replies are not sent) before that commit.

If one fails, none is kept: the transaction is rolled back, the one that failed gets its error,
and every other gets `GroupRolledBack` and is run again on its own; in steady traffic a group is
a single update, and nothing changes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

GROUP_SIZE = 8  # updates in one transaction at most: each waits for the group's last


class GroupRolledBack(Exception):
    """Another update in this one's transaction failed: nothing of this one was kept."""


@dataclass(eq=False)
class _Group:
    members: int = 1  # joined, including those waiting for their turn
    finished: int = 0
    failed: bool = False
    closing: bool = False
    session: AsyncSession | None = None
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    outcome: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupedTransactions:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], most: int = GROUP_SIZE) -> None:
        self._sessions = sessions
        self._most = most
        self._open: list[_Group] = []
        self._finishing: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction shared with the others open at the same time; ends once it is
        committed (or raises GroupRolledBack)."""
        group = self._join()
        try:
            await group.turn.acquire()
        except BaseException:  # cancelled while waiting: not a member after all
            group.members -= 1
            self._finish_if_done(group)
            raise
        try:
            if group.failed:
                raise GroupRolledBack
            if group.session is None:
                group.session = self._sessions()
                await group.session.begin()
            yield group.session
        except BaseException:
            group.failed = True
            raise
        finally:
            group.finished += 1
            group.turn.release()
            self._finish_if_done(group)
        await asyncio.shield(group.outcome)

    def _join(self) -> _Group:
        for group in self._open:
            if group.members < self._most:
                group.members += 1
                return group
        group = _Group()
        self._open.append(group)
        return group

    def _finish_if_done(self, group: _Group) -> None:
        if group.closing or group.finished < group.members:
            return
        group.closing = True
        self._open.remove(group)
        # A task of its own: a member cancelled while waiting must not cancel the commit.
        task = asyncio.create_task(self._finish(group))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    @staticmethod
    async def _finish(group: _Group) -> None:
        session = group.session
        try:
            if session is not None:
                await (session.rollback() if group.failed else session.commit())
        except Exception as error:
            group.failed = True
            group.outcome.set_exception(GroupRolledBack(type(error).__name__))
        else:
            if group.failed:
                group.outcome.set_exception(GroupRolledBack())
            else:
                group.outcome.set_result(None)
        finally:
            if session is not None:
                await session.close()
            if group.outcome.done() and group.outcome.exception() is not None:
                group.outcome.exception()  # retrieved: no "never retrieved" warning
