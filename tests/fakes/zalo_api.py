"""A fake Zalo Bot API server for tests: the bot's own aiohttp client talks HTTP to it.

    async with FakeZaloAPI() as api:
        api.push_update(api.text_message("/start", user_id="u1"))   # served by getUpdates
        [reply] = await api.wait_for_messages("u1", 1)

What it does, as the real API (2026) and its documentation (the error table: 400 bad request,
403 internal server error, 408 request timeout, 429 quota exceeded) say:
- `https://<host>/bot<TOKEN>/<method>`, GET or POST, parameters in the query, JSON or a form;
  answers `{"ok": true, "result": …}` or `{"ok": false, "error_code": N, "description": …}`.
- getMe answers `id`, `account_name`, `account_type`, `can_join_groups`: no `display_name`
  (`get_me_display_name=True` adds it, as some bots see);
- getUpdates (parameter `timeout` only) hands out ONE update, not a list; an idle poll ends
  with HTTP 408 (after `timeout`, or `max_poll_wait` seconds, whichever is shorter), or with
  `idle_ok_false=True`, HTTP 200 and `{"ok": false, "error_code": 408, "description":
  "Request timeout"}` (`idle_error_code=None`: the description alone);
  `replay_read()` hands already-read updates out again, as Zalo sometimes does;
  `min_poll_interval` answers 429 to polls that come faster.
- setWebhook needs `url` and a `secret_token` of 8 to 256 characters; getWebhookInfo answers
  404 when none is set; getUpdates is refused while one is.
- sendMessage (`chat_id`, `text` of at most 2,000 characters counted in UTF-16 units, as
  Zalo's backend counts), sendPhoto (`photo` is an image URL, `caption`; `photo_delay`
  seconds while "Zalo fetches the picture"), sendSticker, sendChatAction (`typing`); only
  chats that wrote to the bot are known; `block_user` makes sends to a chat fail (403,
  which Zalo's table calls "Internal server error"); `monthly_quota` makes every send past
  it answer 429 "Quota exceeded".
- `mark_mentions=True`: a group text that starts with "@<bot_name>" carries a `mentions`
  entry (offset and length in UTF-16 units, the bot's id) as clients mark a picked mention.
- `post_webhook` delivers an update to the bot's webhook the way Zalo does: wrapped in
  `{"ok": true, "result": …}` (or flat), with the `X-Bot-Api-Secret-Token` header.
- `image_url(content)` serves a picture users "sent", as Zalo's CDN would.

Every call is recorded in `api.requests`; `fail_next` injects errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import aiohttp
from aiohttp import web

from .telegram_state import Signal

Params = dict[str, Any]
MAX_TEXT = 2000
# The documentation's error table, in its words.
DOCUMENTED = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Internal server error",
    404: "Not found",
    408: "Request timeout",
    429: "Quota exceeded",
}
SEND_METHODS = {"sendMessage", "sendPhoto", "sendSticker"}
_PARAMS = {
    "getMe": set(),
    "getUpdates": {"timeout"},
    "setWebhook": {"url", "secret_token"},
    "deleteWebhook": set(),
    "getWebhookInfo": set(),
    "sendMessage": {"chat_id", "text"},
    "sendPhoto": {"chat_id", "photo", "caption"},
    "sendSticker": {"chat_id", "sticker"},
    "sendChatAction": {"chat_id", "action"},
}
_REQUIRED = {
    "setWebhook": {"url", "secret_token"},
    "sendMessage": {"chat_id", "text"},
    "sendPhoto": {"chat_id", "photo"},
    "sendSticker": {"chat_id", "sticker"},
    "sendChatAction": {"chat_id", "action"},
}


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    def payload(self) -> dict[str, Any]:
        return {"ok": False, "error_code": self.status, "description": self.description}


@dataclass
class ApiCall:
    method: str
    params: Params
    status: int = 0  # 0 while a getUpdates waits
    time: float = 0.0  # loop.time() at arrival
    response: Any = None


@dataclass
class _Fault:
    method: str
    status: int
    description: str
    times: int
    chat_id: str | None = None


class FakeZaloAPI:
    def __init__(
        self,
        *,
        token: str = "1234567890:zalo-test-token",
        bot_name: str = "Bình Yên",
        max_poll_wait: float = 1.0,
        min_poll_interval: float | None = None,
        monthly_quota: int | None = None,
        get_me_display_name: bool = False,
        idle_ok_false: bool = False,
        idle_error_code: int | None = 408,
        mark_mentions: bool = False,
        photo_delay: float = 0.0,
    ) -> None:
        self.token = token
        self.bot_name = bot_name
        self.bot_id = "zbot1"
        self.max_poll_wait = max_poll_wait
        self.min_poll_interval = min_poll_interval
        self.monthly_quota = monthly_quota
        self.get_me_display_name = get_me_display_name
        self.idle_ok_false = idle_ok_false
        self.idle_error_code = idle_error_code
        self.mark_mentions = mark_mentions
        self.photo_delay = photo_delay
        self.url = ""
        self.requests: list[ApiCall] = []
        self.webhook: dict[str, Any] | None = None
        self.known_chats: set[str] = set()
        self.blocked: set[str] = set()
        self.sent_count = 0
        self.images: dict[str, bytes] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._read: list[dict[str, Any]] = []
        self._faults: list[_Fault] = []
        self._last_poll: float | None = None
        self._ids = itertools.count(1)
        self._signal = Signal()
        self._closing = False
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_call)
        app.router.add_get("/img/{name}", self._handle_image)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def stop(self) -> None:
        self._closing = True
        self._signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- updates users "send" ------------------------------------------------------------------
    def message(
        self,
        event_name: str,
        *,
        user_id: str = "u1001",
        chat_id: str | None = None,
        chat_type: str = "PRIVATE",
        display_name: str = "Lan",
        **fields: Any,
    ) -> dict[str, Any]:
        """An update (not pushed): `fields` go into the message (text, photo_url, caption)."""
        chat = chat_id if chat_id is not None else user_id
        if chat_type == "GROUP" and chat_id is None:
            raise ValueError("a group message needs chat_id")
        mention = f"@{self.bot_name}"
        text = fields.get("text")
        if self.mark_mentions and chat_type == "GROUP" and str(text or "").startswith(mention):
            fields["mentions"] = [{"uid": self.bot_id, "offset": 0, "length": utf16(mention)}]
        return {
            "event_name": event_name,
            "message": {
                "from": {"id": user_id, "display_name": display_name, "is_bot": False},
                "chat": {"id": chat, "chat_type": chat_type},
                "message_id": secrets.token_hex(16),
                "date": int(time.time() * 1000),
                **fields,
            },
        }

    def text_message(self, text: str, **who: Any) -> dict[str, Any]:
        return self.message("message.text.received", text=text, **who)

    def image_message(
        self, url: str, caption: str = "", *, field: str = "photo_url", **who: Any
    ) -> dict[str, Any]:
        extra = {field: url}
        if caption:
            extra["caption"] = caption
        return self.message("message.image.received", **extra, **who)

    def sticker_message(self, **who: Any) -> dict[str, Any]:
        return self.message("message.sticker.received", sticker="s-123", **who)

    def unsupported_message(self, **who: Any) -> dict[str, Any]:
        return self.message("message.unsupported.received", **who)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; its chat becomes known (the user wrote to us)."""
        self.known_chats.add(str(update["message"]["chat"]["id"]))
        self._updates.append(update)
        self._signal.notify()
        return update

    def replay_read(self, count: int = 1) -> None:
        """Hand the last `count` updates already read out again, as Zalo sometimes does."""
        for update in reversed(self._read[-count:]):
            self._updates.appendleft(update)
        self._signal.notify()

    def add_chat(self, chat_id: str) -> None:
        """A chat the bot may write to (its user wrote to the bot some time before)."""
        self.known_chats.add(chat_id)

    def image_url(self, content: bytes = b"\xff\xd8\xff\xe0fake-jpeg") -> str:
        name = f"{secrets.token_hex(8)}.jpg"
        self.images[name] = content
        return f"{self.url}/img/{name}"

    async def post_webhook(
        self,
        update: dict[str, Any],
        url: str,
        *,
        wrapped: bool = True,
        secret: str | None = None,
    ) -> int:
        """POST an update to the bot's webhook as Zalo does; returns the HTTP status. The
        secret is the one given to setWebhook unless `secret` says otherwise ("" for none)."""
        self.known_chats.add(str(update["message"]["chat"]["id"]))
        body = {"ok": True, "result": update} if wrapped else update
        if secret is None:
            secret = (self.webhook or {}).get("secret_token", "")
        headers = {"X-Bot-Api-Secret-Token": secret} if secret else {}
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, json=body, headers=headers) as response,
        ):
            return response.status

    # -- inspection ------------------------------------------------------------------------
    def calls(self, method: str) -> list[ApiCall]:
        return [call for call in self.requests if call.method == method]

    def sent_messages(self, chat_id: str | None = None) -> list[Params]:
        """Parameters of the successful sends, in order; `text` is the caption for photos."""
        sent = []
        for call in self.requests:
            if call.status != 200 or call.method not in SEND_METHODS:
                continue
            if chat_id is not None and call.params.get("chat_id") != chat_id:
                continue
            params = dict(call.params)
            if call.method == "sendPhoto":
                params.setdefault("text", params.get("caption", ""))
            sent.append(params)
        return sent

    def texts(self, chat_id: str) -> list[str]:
        return [m.get("text", "") for m in self.sent_messages(chat_id)]

    async def wait_for_messages(
        self,
        chat_id: str,
        count: int,
        timeout: float = 30.0,  # noqa: ASYNC109  (a cap for a failing test; waits end on the event)
    ) -> list[Params]:
        await self._wait(
            lambda: len(self.sent_messages(chat_id)) >= count,
            timeout,
            f"{count} message(s) to {chat_id}",
        )
        return self.sent_messages(chat_id)[:count]

    async def wait_for_call(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 30.0,  # noqa: ASYNC109  (a cap for a failing test; waits end on the event)
        predicate: Callable[[ApiCall], bool] | None = None,
    ) -> list[ApiCall]:
        def matching() -> list[ApiCall]:
            return [c for c in self.calls(method) if predicate is None or predicate(c)]

        await self._wait(lambda: len(matching()) >= count, timeout, f"{count} {method} call(s)")
        return matching()[:count]

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
        times: int = 1,
        chat_id: str | None = None,
    ) -> None:
        """The next `times` valid calls of `method` ("*" for any), to `chat_id` if given,
        answer `status` (with the documentation's words unless `description`)."""
        description = description or DOCUMENTED.get(status, f"error {status}")
        self._faults.append(_Fault(method, status, description, times, chat_id))

    def block_user(self, chat_id: str) -> None:
        self.blocked.add(chat_id)

    # -- HTTP ------------------------------------------------------------------------------
    async def _handle_call(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        call = ApiCall(method, {}, time=asyncio.get_running_loop().time())
        self.requests.append(call)
        try:
            call.params = await _read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized: invalid bot token")
            self._signal.notify()
            result = await self._execute(method, call.params)
            call.status, call.response = 200, {"ok": True, "result": result}
        except ApiError as error:
            call.status, call.response = error.status, error.payload()
            if error.status == 408 and self.idle_ok_false:
                call.status = 200
                if self.idle_error_code is None:
                    del call.response["error_code"]
        except Exception as error:  # a gap in the fake: answer it rather than hang
            call.status = 500
            call.response = ApiError(500, f"fake crashed: {error!r}").payload()
        if request.transport is None:
            call.status = 499
        self._signal.notify()
        return web.json_response(call.response, status=call.status)

    async def _handle_image(self, request: web.Request) -> web.StreamResponse:
        content = self.images.get(request.match_info["name"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="image/jpeg")

    async def _execute(self, method: str, params: Params) -> Any:
        if method not in _PARAMS:
            raise ApiError(400, DOCUMENTED[400])  # "wrong path or invalid API name"
        unknown = set(params) - _PARAMS[method]
        if unknown:
            raise ApiError(400, f"Bad Request: unknown parameter {sorted(unknown)[0]}")
        missing = _REQUIRED.get(method, set()) - {
            k for k, v in params.items() if v not in ("", None)
        }
        if missing:
            raise ApiError(400, f"Bad Request: {sorted(missing)[0]} is required")
        self._raise_fault(method, params)
        handler = getattr(self, f"_{method}")
        return await handler(params)

    def _raise_fault(self, method: str, params: Params) -> None:
        chat = str(params.get("chat_id") or "")
        fault = next(
            (f for f in self._faults if f.method in (method, "*") and f.chat_id in (None, chat)),
            None,
        )
        if fault is None:
            return
        fault.times -= 1
        if fault.times <= 0:
            self._faults.remove(fault)
        raise ApiError(fault.status, fault.description)

    # -- methods ---------------------------------------------------------------------------
    async def _getMe(self, _params: Params) -> Any:
        me = {
            "id": self.bot_id,
            "account_name": "bot.binhyen",
            "account_type": "BASIC",
            "can_join_groups": True,
        }
        if self.get_me_display_name:
            me["display_name"] = self.bot_name
        return me

    async def _getUpdates(self, params: Params) -> Any:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: a webhook is set; delete it to use getUpdates")
        loop = asyncio.get_running_loop()
        now = loop.time()
        too_soon = (
            self.min_poll_interval is not None
            and self._last_poll is not None
            and now - self._last_poll < self.min_poll_interval
        )
        self._last_poll = now
        if too_soon:
            raise ApiError(429, "Too Many Requests: poll at most once a second")
        try:
            wait = min(float(params.get("timeout") or 30), self.max_poll_wait)
        except ValueError:
            raise ApiError(400, "Bad Request: timeout must be a number") from None
        with contextlib.suppress(TimeoutError):
            await self._signal.wait_until(lambda: bool(self._updates) or self._closing, wait)
        if not self._updates:
            raise ApiError(408, DOCUMENTED[408])
        update = self._updates.popleft()
        self._read.append(update)
        return update

    async def _setWebhook(self, params: Params) -> Any:
        url, secret = str(params["url"]), str(params["secret_token"])
        if not url.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: url must be an http(s) URL")
        if not 8 <= len(secret) <= 256:
            raise ApiError(400, "Bad Request: secret_token must be 8 to 256 characters")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": _ms()}
        return {"url": url, "updated_at": self.webhook["updated_at"]}

    async def _deleteWebhook(self, _params: Params) -> Any:
        self.webhook = None
        return {"url": "", "updated_at": _ms()}

    async def _getWebhookInfo(self, _params: Params) -> Any:
        if self.webhook is None:
            raise ApiError(404, "Not Found: no webhook is set")
        return {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}

    def _check_send(self, params: Params) -> str:
        chat_id = str(params["chat_id"])
        if chat_id not in self.known_chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, DOCUMENTED[403])
        if self.monthly_quota is not None and self.sent_count >= self.monthly_quota:
            raise ApiError(429, DOCUMENTED[429])
        return chat_id

    def _sent(self) -> dict[str, Any]:
        self.sent_count += 1
        return {"message_id": f"bot-{next(self._ids)}", "date": _ms()}

    async def _sendMessage(self, params: Params) -> Any:
        text = str(params["text"])
        if utf16(text) > MAX_TEXT:
            raise ApiError(400, f"Bad Request: text is longer than {MAX_TEXT} characters")
        self._check_send(params)
        return self._sent()

    async def _sendPhoto(self, params: Params) -> Any:
        photo = str(params["photo"])
        if not photo.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: photo must be an image URL")
        if utf16(str(params.get("caption") or "")) > MAX_TEXT:
            raise ApiError(400, f"Bad Request: caption is longer than {MAX_TEXT} characters")
        self._check_send(params)
        if self.photo_delay:
            await asyncio.sleep(self.photo_delay)  # Zalo fetching the picture
        return self._sent()

    async def _sendSticker(self, params: Params) -> Any:
        self._check_send(params)
        return self._sent()

    async def _sendChatAction(self, params: Params) -> Any:
        if params["action"] not in ("typing", "upload_photo"):
            raise ApiError(400, "Bad Request: unknown action")
        chat_id = str(params["chat_id"])
        if chat_id not in self.known_chats:
            raise ApiError(400, "Bad Request: chat not found")
        return True


def utf16(text: str) -> int:
    """Length as Zalo's backend counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _ms() -> int:
    return int(time.time() * 1000)


async def _read_params(request: web.Request) -> Params:
    """Query string plus a JSON or form body."""
    params: Params = dict(request.query)
    if request.content_type == "application/json":
        body = await request.read()
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ApiError(400, "Bad Request: can't parse JSON object")
        params.update(data)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    return params
