"""Our small aiohttp client of the Zalo Bot API: one session per channel, the token only in
the URL of each request, never in a log or an error (network errors carry their kind only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

from bot.files import FileTooLarge, FileUnavailable
from bot.runtime.channels.zalo_errors import ZaloApiError

SEND_TIMEOUT = 20.0


class ZaloNetworkError(Exception):
    """No answer: connection refused, reset, timed out. Carries the kind, never the URL."""


class ZaloClient:
    """`call(method, params)` → the `result`; raises ZaloApiError or ZaloNetworkError."""

    def __init__(
        self,
        *,
        token: str,
        api_url: str,
        observe: Callable[[str, int | None], None] | None = None,
    ) -> None:
        self._base = f"{api_url.rstrip('/')}/bot{token}"
        self._http: aiohttp.ClientSession | None = None
        # (method, HTTP status or None when no answer came), for the metrics.
        self._observe = observe or (lambda _method, _status: None)

    async def open(self) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100), raise_for_status=False
            )

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:  # stopping: what the outbox still sends is retried later
            raise ZaloNetworkError("client closed")
        return self._http

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the HTTP timeout; SEND_TIMEOUT)
    ) -> Any:
        timeout = timeout or SEND_TIMEOUT
        try:
            async with self.http.post(
                f"{self._base}/{method}",
                json=params or {},
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
        except TimeoutError:
            self._observe(method, None)
            raise ZaloNetworkError("timeout") from None
        except aiohttp.ClientError as exc:  # its text may hold the URL, hence the token
            self._observe(method, None)
            raise ZaloNetworkError(type(exc).__name__) from None
        if isinstance(body, dict) and body.get("ok") is True and status < 400:
            self._observe(method, status)
            return body.get("result")
        if not isinstance(body, dict):
            self._observe(method, status)
            raise ZaloApiError(status, status, f"HTTP {status}")
        code = body.get("error_code")
        error_code = code if isinstance(code, int) else status
        # Some errors come as HTTP 200 with ok=false: their error_code stands for the status.
        http_status = status if status >= 400 else error_code
        self._observe(method, http_status)
        raise ZaloApiError(http_status, error_code, str(body.get("description") or "")[:200])

    async def download(self, url: str, *, limit: int) -> bytes:
        """A picture a user sent, by its URL; at most `limit` bytes."""
        try:
            async with self.http.get(url, timeout=aiohttp.ClientTimeout(total=60)) as response:
                if response.status in (403, 404, 410):
                    raise FileUnavailable(f"HTTP {response.status}")
                if response.status >= 400:
                    raise ZaloNetworkError(f"HTTP {response.status}")
                if response.content_length is not None and response.content_length > limit:
                    raise FileTooLarge(f"{response.content_length} bytes")
                content = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    content += chunk
                    if len(content) > limit:
                        raise FileTooLarge(f"over {limit} bytes")
                return bytes(content)
        except TimeoutError:
            raise ZaloNetworkError("timeout") from None
        except aiohttp.ClientError as exc:
            raise ZaloNetworkError(type(exc).__name__) from None
