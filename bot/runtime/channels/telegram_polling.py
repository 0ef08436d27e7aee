"""Long polling for Telegram that confirms an update only once the inbox has stored it.

PTB's own Updater confirms every fetched update (the next getUpdates' offset) before it is
handled, so a crash lost whatever was fetched and not yet handled. Here the offset moves past
an update only after `store` returned: an update is either in the database or still Telegram's.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot
from telegram.error import Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30  # seconds Telegram holds a getUpdates open
READ_MARGIN = 10.0  # seconds beyond the poll's own for the answer to arrive
MAX_BACKOFF = 60.0

Store = Callable[[Sequence[dict[str, Any]]], Awaitable[None]]


async def poll_forever(bot: Bot, *, store: Store, allowed_updates: list[str]) -> None:
    """Fetch, store, confirm; until cancelled. `store` gets the raw updates, in order."""
    offset: int | None = None
    failures = 0
    while True:
        try:
            updates = await _fetch(bot, offset=offset, allowed_updates=allowed_updates)
        except TimedOut:
            continue  # a long poll that outlived the read timeout: simply ask again
        except RetryAfter as exc:
            await asyncio.sleep(_seconds(exc.retry_after))
            continue
        except (Conflict, InvalidToken, Forbidden, NetworkError) as exc:
            # Another poller, a revoked token, Telegram or the network down: wait and retry.
            failures += 1
            pause = _backoff(failures)
            log.warning("telegram getUpdates: %s, retrying in %.0fs", type(exc).__name__, pause)
            await asyncio.sleep(pause)
            continue
        failures = 0
        if not updates:
            continue
        try:
            await store(updates)
        except Exception as exc:  # not confirmed: Telegram gives them again
            failures += 1
            pause = _backoff(failures)
            log.warning(
                "could not store Telegram updates (%s); fetching them again in %.0fs",
                type(exc).__name__,
                pause,
            )
            await asyncio.sleep(pause)
            continue
        offset = max(int(u["update_id"]) for u in updates) + 1


async def _fetch(
    bot: Bot, *, offset: int | None, allowed_updates: list[str]
) -> list[dict[str, Any]]:
    # The raw JSON, not PTB's objects: what is stored is what Telegram sent, and an update
    # PTB cannot parse is skipped here rather than failing the whole batch forever (and
    # PTB's get_updates would log the raw updates, personal data, when one fails to parse).
    result = await bot._post(
        "getUpdates",
        {"timeout": POLL_TIMEOUT, "offset": offset, "allowed_updates": allowed_updates},
        read_timeout=POLL_TIMEOUT + READ_MARGIN,
    )
    if not isinstance(result, list):
        return []
    valid = [u for u in result if isinstance(u, dict) and is_update_id(u.get("update_id"))]
    if len(valid) < len(result):
        skipped = len(result) - len(valid)
        log.warning("telegram getUpdates: %d item(s) without an update id ignored", skipped)
    return valid


def is_update_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _seconds(retry_after: Any) -> float:
    if isinstance(retry_after, int | float):
        return float(retry_after)
    return float(retry_after.total_seconds())


def _backoff(failures: int) -> float:
    return min(MAX_BACKOFF, 2.0**failures) * random.uniform(0.8, 1.2)
