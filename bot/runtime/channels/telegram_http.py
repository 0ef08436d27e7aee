"""PTB's HTTP transport on aiohttp instead of httpx.

PTB lets the HTTP layer be swapped (`BaseRequest`): it builds each request and reads each
answer itself, and wants only "send this, give me the status and the body". We use aiohttp,
already ours for the webhooks and for Zalo. Measured on the fan-out benchmark, httpx and its
connection pool took more than half of the bot's CPU per message sent; see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.logging_setup import redact_urls

# (Bot API method, HTTP status or None when no answer came), for the metrics.
ApiObserver = Callable[[str, int | None], None]


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        *,
        connections: int = 16,
        connect_timeout: float = 5.0,
        read_timeout: float | None = 5.0,
        pool_timeout: float = 30.0,
        observe: ApiObserver | None = None,
    ) -> None:
        """`connections`: at most this many requests in flight, as many as the pacer lets out
        (`PacingRules.max_in_flight`); the rest wait up to `pool_timeout`."""
        self._connections = connections
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._observe = observe or (lambda _method, _status: None)

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        """PTB's own, without its ERROR and traceback: a proxy's HTML page instead of JSON (502
        from nginx, as Telegram documents) is an outage the outbox retries, not a bug."""
        try:
            return json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("Invalid server response") from None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
                # HTTPS_PROXY and the like, as PTB's httpx default honoured; only when set, as
                # aiohttp then reads the environment and ~/.netrc again for every request.
                trust_env=bool({"http", "https", "all"} & urllib.request.getproxies().keys()),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        # aiohttp has no write timeout of its own: sending an upload counts against the read.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_given(pool_timeout, self._pool_timeout),
            sock_connect=_given(connect_timeout, self._connect_timeout),
            sock_read=_given(read_timeout, self._read_timeout),
        )
        try:
            if isinstance(request_data, JsonParameters):
                body: dict[str, Any] = {"json": request_data.values}
            else:
                body = {"data": _body(request_data)}
            async with self._session.request(method, url, timeout=timeout, **body) as response:
                self._observe(url.rsplit("/", 1)[-1], response.status)
                return response.status, await response.read()
        except TimeoutError as error:
            self._observe(url.rsplit("/", 1)[-1], None)
            raise TimedOut from error
        except aiohttp.ClientError as error:
            self._observe(url.rsplit("/", 1)[-1], None)
            # aiohttp's message may hold the URL, and the URL holds the token.
            raise NetworkError(
                f"aiohttp.{type(error).__name__}: {redact_urls(str(error))}"
            ) from None


class JsonParameters(RequestData):
    """A call's parameters sent as one JSON body (the Bot API takes application/json), for the
    calls made for every reply: PTB's per-parameter objects and the form encoding cost more."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        super().__init__()  # no PTB parameters, hence no files
        self.values = parameters


async def call_json(bot: Any, method: str, parameters: dict[str, Any]) -> Any:
    """One Bot API call with a JSON body, through PTB's request object: PTB still reads the
    answer and raises its exceptions for Telegram's errors (RetryAfter, Forbidden, …)."""
    return await bot.request.post(f"{bot.base_url}/{method}", JsonParameters(parameters))


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Parameters as a form, as PTB sends them; a multipart form when there are files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
