"""What the Zalo Bot API's answers mean, as its documentation's error table says (cited in
docs/ZALO.md), and what the outbox should do about each.

| code | Zalo's words                               | here                                  |
|------|--------------------------------------------|---------------------------------------|
| 400  | Bad request: wrong path or invalid API name | kept and retried; logged as an error |
| 401  | Unauthorized: token expired or invalid      | kept and retried; logged as an error |
| 403  | Internal server error                       | retried like a 5xx; never "blocked"  |
| 404  | Not found: invalid access request           | undeliverable (the chat is unknown)  |
| 408  | Request timeout                             | an idle getUpdates; else retried     |
| 429  | Quota exceeded                              | the monthly quota is used up         |

Zalo's 403 is not Telegram's "the user blocked the bot": treating it so would take a person out
of every notice after one hiccup of Zalo's servers. A 400 says our request is wrong; dropping
the message would hide the bug, so it stays in the outbox (a message to police that still
cannot go is reported to the commune admin by `bot.tips.card_delivery`).
"""

from __future__ import annotations

import logging

from bot.runtime.channels.base import DeliveryError, TryLater, Undeliverable

log = logging.getLogger(__name__)

QUOTA_PAUSE = 900.0  # seconds the channel rests after "quota exceeded"
MEANINGS = {
    400: "bad request (wrong path or API name)",
    401: "unauthorized (token expired or invalid)",
    403: "internal server error",
    404: "not found",
    408: "request timeout",
    429: "quota exceeded",
}


class ZaloApiError(Exception):
    """Zalo answered `ok: false` (or an HTTP error): status, error_code and description."""

    def __init__(self, status: int, error_code: int, description: str) -> None:
        # The description stays out of the message (and so out of logs and outbox rows):
        # Zalo may echo what was sent in it.
        super().__init__(f"zalo {status}/{error_code}")
        self.status = status
        self.error_code = error_code
        self.description = description

    def means(self, code: int) -> bool:
        return code in (self.status, self.error_code)

    @property
    def idle(self) -> bool:
        """An idle long poll: normal, not an error. Zalo says so by HTTP 408, or by a body
        `{"ok": false, "error_code": 408, "description": "Request timeout"}` under any status."""
        return self.means(408) or "request timeout" in self.description.lower()

    @property
    def quota_exceeded(self) -> bool:
        """Zalo's 429 is always "quota exceeded", whatever the description says."""
        return self.means(429)


def delivery_error(exc: ZaloApiError) -> DeliveryError:
    """The outbox's verdict on a refused send."""
    code = next((c for c in (exc.error_code, exc.status) if c in MEANINGS), exc.status)
    meaning = MEANINGS.get(code, f"HTTP {exc.status}")
    if exc.quota_exceeded:
        return TryLater("zalo 429: quota exceeded", retry_after=QUOTA_PAUSE)
    if exc.means(404):
        return Undeliverable(f"zalo 404: {meaning}")
    if exc.means(400) or exc.means(401):
        # Our request or token is wrong: someone must look, and the message waits for them.
        log.error("Zalo refused a message: %s %s", code, meaning)
    return TryLater(f"zalo {code}: {meaning}")
