"""A fake Telegram Bot API server for tests: the real python-telegram-bot talks HTTP to it.

    async with FakeTelegramAPI() as api:
        bot = Bot(api.token, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot")
        api.push_update(api.user_message("/start"))  # served by getUpdates
        [reply] = await api.wait_for_messages(chat_id=1001, count=1)

Every call is checked against the Bot API description in ``telegram_api.json`` (unknown
method or parameter, missing parameter, text and caption lengths, HTML, keyboards, unknown
chats: see telegram_validation.py), answered from the state in telegram_state.py and recorded
in ``api.requests``. ``fail_next``, ``block_user`` and ``global_rate`` inject faults.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from .telegram_state import BotApiState, ChatId, Params
from .telegram_validation import ApiError, UploadedFile, bad_request, check_params

_MESSAGE_RESULTS = {"Message", "MessageId", "Array of Message", "Array of MessageId"}
_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
}
_NGINX_PAGES = {502: "502 Bad Gateway", 503: "503 Service Unavailable", 504: "504 Gateway Time-out"}
_NGINX = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>\r\n"
    "<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class ApiCall:
    """One request; ``status`` is 0 while it is still being answered (a getUpdates long poll),
    499 when the client hung up before the answer (PTB cancels its long poll when stopping).
    ``params`` are decoded (ints, booleans, parsed JSON objects) when the call was valid."""

    method: str
    params: Params
    status: int = 0
    time: float = 0.0  # loop.time() when the request arrived
    response: Any = None  # the JSON answer; None for plain-text ones (502)


@dataclass
class _Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    migrate_to_chat_id: int | None
    times: int
    chat_id: ChatId | None


class _PlainHttpError(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class FakeTelegramAPI(BotApiState):
    def __init__(
        self,
        *,
        token: str = "123456:TEST",
        bot_username: str = "binhyen_test_bot",
        global_rate: float | None = None,
    ) -> None:
        super().__init__(token, bot_username)
        self.global_rate = global_rate  # messages per second, over all chats
        self.url = ""
        self.requests: list[ApiCall] = []
        self.blocked: set[ChatId] = set()
        self.rate_limited = 0  # 429 answers, injected or from global_rate
        self._faults: list[_Fault] = []
        self._send_times: deque[float] = deque()
        self._runner: web.AppRunner | None = None
        self._message_methods = {
            name for name, returns in self.spec.returns.items() if _MESSAGE_RESULTS & set(returns)
        }

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_call)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def stop(self) -> None:
        self._closing = True  # answers waiting long polls at once
        self._signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- inspection ------------------------------------------------------------------------
    def calls(self, method: str) -> list[ApiCall]:
        return [call for call in self.requests if call.method == method]

    def sent_messages(self, chat_id: ChatId | None = None) -> list[Params]:
        """Parameters of the successful calls that send or edit messages, in order."""
        return [
            call.params
            for call in self.requests
            if call.status == 200
            and call.method in self._message_methods
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    async def wait_for_call(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 30.0,  # noqa: ASYNC109  (a cap for a failing test; waits end on the event)
        predicate: Callable[[ApiCall], bool] | None = None,
    ) -> list[ApiCall]:
        """The first ``count`` calls of ``method`` matching ``predicate``, once they exist
        (a call is recorded on arrival, so a waiting getUpdates counts)."""

        def matching() -> list[ApiCall]:
            return [c for c in self.calls(method) if predicate is None or predicate(c)]

        await self._wait(lambda: len(matching()) >= count, timeout, f"{count} {method} call(s)")
        return matching()[:count]

    async def wait_for_messages(
        self,
        chat_id: ChatId,
        count: int,
        timeout: float = 30.0,  # noqa: ASYNC109  (a cap for a failing test; waits end on the event)
    ) -> list[Params]:
        """The first ``count`` entries of ``sent_messages(chat_id)``, once they exist."""
        what = f"{count} message(s) to chat {chat_id}"
        await self._wait(lambda: len(self.sent_messages(chat_id)) >= count, timeout, what)
        return self.sent_messages(chat_id)[:count]

    async def _wait(self, ready: Callable[[], bool], seconds: float, what: str) -> None:
        try:
            await self._signal.wait_until(ready, seconds)
        except TimeoutError:
            seen = ", ".join(f"{c.method}→{c.status or '…'}" for c in self.requests[-20:])
            raise TimeoutError(f"waited {seconds}s for {what}; last calls: {seen}") from None

    # -- fault injection -------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
        chat_id: ChatId | None = None,
    ) -> None:
        """The next ``times`` valid calls of ``method`` ("*" for any), to ``chat_id`` if given,
        fail with ``status``: 429 carries retry_after (default 1); migrate_to_chat_id makes a
        "group upgraded" answer and the new chat known; 502/503/504 answer nginx's HTML page."""
        fault = _Fault(method, status, description, retry_after, migrate_to_chat_id, times, chat_id)
        self._faults.append(fault)

    def block_user(self, chat_id: ChatId) -> None:
        """Sends to ``chat_id`` answer 403 "Forbidden: bot was blocked by the user"."""
        self.blocked.add(chat_id)

    def unblock_user(self, chat_id: ChatId) -> None:
        self.blocked.discard(chat_id)

    # -- HTTP ------------------------------------------------------------------------------
    async def _handle_call(self, request: web.Request) -> web.StreamResponse:
        call = ApiCall(request.match_info["method"], {}, time=asyncio.get_running_loop().time())
        self.requests.append(call)
        try:
            call.params = await _read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            call.params = self.spec.decode(call.method, call.params)
            self._signal.notify()
            call.response = {"ok": True, "result": await self._execute(call.method, call.params)}
            call.status = 200
        except ApiError as error:
            call.status, call.response = error.status, error.payload()
            if error.status == 429:
                self.rate_limited += 1
        except _PlainHttpError as error:
            call.status = error.status
            self._signal.notify()
            page = _NGINX.format(_NGINX_PAGES[error.status])
            return web.Response(status=error.status, text=page, content_type="text/html")
        except Exception as error:  # a gap in the fake: answer it rather than hang the call
            call.status, call.response = 500, ApiError(500, f"fake crashed: {error!r}").payload()
        if request.transport is None:  # the client gave up, e.g. PTB cancelled a long poll
            call.status = 499  # nginx's "client closed request"
        self._signal.notify()
        return web.json_response(call.response, status=call.status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] == self.token:
            for stored in self.files.values():
                if stored.file_path == request.match_info["path"]:
                    return web.Response(body=stored.content)
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    async def _execute(self, method: str, params: Params) -> Any:
        check_params(method, params)
        chat_id = params.get("chat_id")
        if chat_id is not None and chat_id not in self.known_chats:
            raise bad_request("chat not found")
        self._raise_fault(method, chat_id)
        is_message = method in self._message_methods
        if (is_message or method == "sendChatAction") and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        counted = self.global_rate is not None and is_message and not method.startswith("edit")
        if counted:
            self._check_rate()
        if method == "getUpdates":
            return await self.get_updates(params)
        if method in self.handlers:
            result = self.handlers[method](params)
        elif is_message and method.startswith(("edit", "stop")):
            result = self.edit(method, params)
        elif is_message:
            result = self.send(method, params)
        elif self.spec.returns[method] == ["Boolean"]:
            result = True
        else:
            returns = " or ".join(self.spec.returns[method])
            raise ApiError(501, f"Not Implemented: the fake has no {returns} for {method}")
        if counted:
            self._send_times.append(asyncio.get_running_loop().time())
        return result

    def _raise_fault(self, method: str, chat_id: ChatId | None) -> None:
        matching = (
            f for f in self._faults if f.method in (method, "*") and f.chat_id in (None, chat_id)
        )
        fault = next(matching, None)
        if fault is None:
            return
        fault.times -= 1
        if fault.times <= 0:
            self._faults.remove(fault)
        if fault.status in _NGINX_PAGES:
            raise _PlainHttpError(fault.status)
        if fault.status == 429:
            retry = fault.retry_after or 1
            text = fault.description or f"Too Many Requests: retry after {retry}"
            raise ApiError(429, text, {"retry_after": retry})
        if fault.migrate_to_chat_id is not None:
            self._register_chat(fault.migrate_to_chat_id, "supergroup", "")
            text = fault.description or "Bad Request: group chat was upgraded to a supergroup chat"
            raise ApiError(fault.status, text, {"migrate_to_chat_id": fault.migrate_to_chat_id})
        default = _DESCRIPTIONS.get(fault.status, "Internal Server Error")
        raise ApiError(fault.status, fault.description or default)

    def _check_rate(self) -> None:
        """A sliding one-second window over the accepted sends."""
        now = asyncio.get_running_loop().time()
        while self._send_times and self._send_times[0] <= now - 1.0:
            self._send_times.popleft()
        if self.global_rate is not None and len(self._send_times) >= self.global_rate:
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})


async def _read_params(request: web.Request) -> Params:
    """Query string plus a JSON, urlencoded or multipart body. PTB sends urlencoded forms, or
    multipart when uploading; either way every value is a string."""
    params: Params = dict(request.query)
    if request.content_type == "application/json":
        body = await request.read()
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise bad_request("can't parse JSON object")
        params.update(data)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[name] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                params[name] = value
    return params
