"""What the fake Telegram server remembers (chats, messages, files, updates, webhook, commands)
and the Bot API methods that read and change it. The HTTP side is in telegram_api.py."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .telegram_validation import ApiError, BotApiSpec, UploadedFile, bad_request, visible_text

ChatId = int | str
Params = dict[str, Any]

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_BOT_ABILITIES = {
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
_GIFT_KINDS = "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels"
_CHAT_DETAILS = {  # the fields ChatFullInfo requires besides the Chat ones
    "accent_color_id": 0,
    "max_reaction_count": 11,
    "accepted_gift_types": dict.fromkeys(_GIFT_KINDS.split(), False),
}
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


class Signal:
    """Wakes every waiter whenever something changes (a call, an answer, an update)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, ready: Callable[[], bool], seconds: float) -> None:
        async with asyncio.timeout(seconds):
            while not ready():
                await self._event.wait()


class BotApiState:
    def __init__(self, token: str, bot_username: str) -> None:
        self.token = token
        self.bot_username = bot_username
        prefix = token.split(":")[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456
        self.spec = BotApiSpec.load()
        self.known_chats: set[ChatId] = set()
        self.messages: dict[tuple[ChatId, int], dict[str, Any]] = {}  # user and bot messages
        self.files: dict[str, StoredFile] = {}
        self.webhook: dict[str, Any] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._chats: dict[ChatId, dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._allowed_updates: set[str] = set()
        self._last_update_id = 0  # the highest handed out
        self._last_pushed_id = 0
        self._message_ids: dict[ChatId, int] = {}
        self._raw_texts: dict[tuple[ChatId, int], tuple[Any, ...]] = {}
        self._open_queries: set[str] = set()
        self._counter = 0
        self._poll_generation = 0
        self._closing = False
        self._signal = Signal()
        self.handlers: dict[str, Callable[[Params], Any]] = {
            "getMe": lambda _: self.bot_user | _BOT_ABILITIES,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "setMyCommands": self._set_commands,
            "getMyCommands": lambda params: self.commands.get(_scope(params), []),
            "deleteMyCommands": self._delete_commands,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "getChat": lambda params: self._chat(params["chat_id"]) | _CHAT_DETAILS,
        }

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Bình Yên",
            "username": self.bot_username,
        }

    # -- incoming updates ------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; update_id is (re)assigned when missing or not above
        the last one, as Telegram's ids only grow. Chats in it become known."""
        if update.get("update_id", 0) <= self._last_pushed_id:
            update["update_id"] = self._next_update_id()
        self._last_pushed_id = update["update_id"]
        self._last_update_id = max(self._last_update_id, update["update_id"])
        self._remember_chats(update)
        self._updates.append(update)
        self._signal.notify()
        return update

    def user_message(
        self,
        text: str | None,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        first_name: str = "Lan",
        language_code: str = "vi",
        chat_type: str = "private",
        **extra: Any,
    ) -> dict[str, Any]:
        """An Update with a message from a user (not pushed); ``extra`` goes into the message,
        e.g. ``location={"latitude": 21.0, "longitude": 105.8}`` with ``text=None``."""
        if chat_id is None and chat_type != "private":
            raise ValueError(f"a {chat_type} message needs chat_id")
        chat = self._register_chat(user_id if chat_id is None else chat_id, chat_type, first_name)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": _user(user_id, first_name, language_code),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0] if text.strip() else text
                length = len(command.encode("utf-16-le")) // 2  # offsets count UTF-16 units
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(extra)
        self.messages[(chat["id"], message["message_id"])] = message
        return {"update_id": self._next_update_id(), "message": message}

    def callback_query(
        self,
        data: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        message_id: int | None = None,
        message_text: str = "…",
        first_name: str = "Lan",
        language_code: str = "vi",
        **extra: Any,
    ) -> dict[str, Any]:
        """An Update with a button press (not pushed) on the bot's message ``message_id`` as it
        is now, or on a new bot message saying ``message_text``."""
        chat_id = user_id if chat_id is None else chat_id
        chat_type = "private" if chat_id == user_id else self._chat(chat_id)["type"]
        self._register_chat(chat_id, chat_type, first_name)
        if message_id is None:
            message = self._store_message(chat_id, {"text": message_text}, (message_text, None))
        elif (chat_id, message_id) in self.messages:
            message = copy.deepcopy(self.messages[(chat_id, message_id)])
        else:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        query_id = str(7_000_000 + self._next_counter())
        self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": _user(user_id, first_name, language_code),
            "chat_instance": str(-chat_id) if isinstance(chat_id, int) else chat_id,
            "message": message,
            "data": data,
            **extra,
        }
        return {"update_id": self._next_update_id(), "callback_query": query}

    def add_file(self, file_id: str, content: bytes, file_path: str | None = None) -> StoredFile:
        """Make ``file_id`` known to getFile and its content downloadable."""
        stored = StoredFile(file_id, f"U{file_id}"[:16], content, file_path or f"files/{file_id}")
        self.files[file_id] = stored
        return stored

    # -- Bot API methods -------------------------------------------------------------------
    async def get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._poll_generation += 1
        generation = self._poll_generation
        if params.get("allowed_updates"):
            self._allowed_updates = set(params["allowed_updates"])
        offset = params.get("offset")
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset is not None:  # confirms the updates below offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        def ready() -> bool:
            if self._allowed_updates:
                self._updates = [u for u in self._updates if self._allowed_updates & u.keys()]
            changed = generation != self._poll_generation or self.webhook is not None
            return bool(self._updates) or self._closing or changed

        if params.get("timeout", 0) > 0 and not ready():
            with contextlib.suppress(TimeoutError):
                await self._signal.wait_until(ready, params["timeout"])
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if generation != self._poll_generation:
            raise ApiError(409, POLL_CONFLICT)
        limit = min(max(params.get("limit", 100), 1), 100)
        return copy.deepcopy(self._updates[:limit])

    def send(self, method: str, params: Params) -> Any:
        chat_id = params["chat_id"]
        content: dict[str, Any] = {}
        for name in ("text", "caption"):
            if name in params:
                content[name] = visible_text(params[name], params.get("parse_mode"))
        if method == "sendPhoto":
            photo = self._input_file(params["photo"], "photos")
            content["photo"] = [photo_size(photo)]
        if method == "sendDocument":
            doc = self._input_file(params["document"], "documents")
            content["document"] = {
                **_file_fields(doc),
                "file_name": doc.file_name,
                "mime_type": doc.mime_type,
            }
        if method in ("sendLocation", "sendVenue"):
            content["location"] = {k: params[k] for k in ("latitude", "longitude")}
        if "inline_keyboard" in params.get("reply_markup", {}):
            content["reply_markup"] = params["reply_markup"]
        reply = params.get("reply_parameters", {})
        if "message_id" in reply:
            replied = self.messages.get((chat_id, reply["message_id"]))
            if replied is not None:
                nested = {k: v for k, v in replied.items() if k != "reply_to_message"}
                content["reply_to_message"] = copy.deepcopy(nested)
            elif not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        returns = self.spec.returns[method]
        if returns == ["Array of Message"]:  # sendMediaGroup
            return [self._store_message(chat_id, {}) for _ in params.get("media", [])]
        if returns == ["Array of MessageId"]:  # copyMessages, forwardMessages
            ids = params.get("message_ids", [])
            return [{"message_id": self._store_message(chat_id, {})["message_id"]} for _ in ids]
        raw = (params.get("text", params.get("caption")), params.get("parse_mode"))
        message = self._store_message(chat_id, content, raw)
        return {"message_id": message["message_id"]} if returns == ["MessageId"] else message

    def edit(self, method: str, params: Params) -> Any:
        """editMessageText/Caption/ReplyMarkup & co. Like Telegram, an edit without
        reply_markup removes the inline keyboard, and an edit that changes nothing fails."""
        if "inline_message_id" in params:
            return True
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("message identifier is not specified")
        key = (params["chat_id"], params["message_id"])
        stored = self.messages.get(key)
        if stored is None or stored["from"]["id"] != self.bot_id:
            raise bad_request("message to edit not found")
        if method == "editMessageText" and "text" not in stored:
            raise bad_request("there is no text in the message to edit")
        edited = {k: v for k, v in stored.items() if k not in ("reply_markup", "edit_date")}
        raw = self._raw_texts.get(key, ())
        for name in ("text", "caption"):
            if name in params or (name == "caption" and method == "editMessageCaption"):
                edited.pop(name, None)
                raw = (params.get(name), params.get("parse_mode"))
                if params.get(name) is not None:
                    edited[name] = visible_text(params[name], params.get("parse_mode"))
        if "inline_keyboard" in params.get("reply_markup", {}):
            edited["reply_markup"] = params["reply_markup"]
        unchanged = {k: v for k, v in stored.items() if k != "edit_date"}
        if edited == unchanged and raw == self._raw_texts.get(key, ()):
            raise bad_request(NOT_MODIFIED)
        edited["edit_date"] = int(time.time())
        self.messages[key], self._raw_texts[key] = edited, raw
        return copy.deepcopy(edited)

    def _set_webhook(self, params: Params) -> bool:
        if not params["url"]:
            return self._delete_webhook(params)
        url = urlsplit(params["url"])
        if url.scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if url.port not in (None, 80, 88, 443, 8443):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        if "secret_token" in params and not _SECRET_TOKEN.fullmatch(params["secret_token"]):
            raise bad_request("secret token contains unallowed characters")
        self._delete_webhook(params)
        self.webhook = {
            k: v for k, v in params.items() if k not in ("certificate", "drop_pending_updates")
        }
        self.webhook["has_custom_certificate"] = "certificate" in params
        self._allowed_updates = set(params.get("allowed_updates") or self._allowed_updates)
        self._signal.notify()  # a waiting getUpdates ends with 409 Conflict
        return True

    def _delete_webhook(self, params: Params) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _webhook_info(self, _: Params) -> dict[str, Any]:
        info = {k: v for k, v in (self.webhook or {}).items() if k != "secret_token"}
        pending = len(self._updates)
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending} | info

    def _set_commands(self, params: Params) -> bool:
        self.commands[_scope(params)] = params["commands"]
        return True

    def _delete_commands(self, params: Params) -> bool:
        self.commands.pop(_scope(params), None)
        return True

    def _answer_callback_query(self, params: Params) -> bool:
        if params["callback_query_id"] not in self._open_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(params.get("text", "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_queries.discard(params["callback_query_id"])
        return True

    def _get_file(self, params: Params) -> dict[str, Any]:
        stored = self.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return {**_file_fields(stored), "file_path": stored.file_path}

    # -- helpers ---------------------------------------------------------------------------
    def _input_file(self, value: UploadedFile | str, folder: str) -> StoredFile:
        if isinstance(value, UploadedFile):
            n = self._next_counter()
            stored = self.add_file(f"AgAD{folder[:3]}{n}", value.content, f"{folder}/file_{n}")
            stored.file_name, stored.mime_type = value.filename, value.content_type
            return stored
        if value in self.files:
            return self.files[value]
        if value.startswith(("http://", "https://")):
            return self.add_file(f"AgADurl{self._next_counter()}", b"", f"{folder}/from_url")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _store_message(
        self, chat_id: ChatId, content: dict[str, Any], raw: tuple[Any, ...] = ()
    ) -> dict[str, Any]:
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            **content,
        }
        self.messages[(chat_id, message["message_id"])] = message
        self._raw_texts[(chat_id, message["message_id"])] = raw
        return copy.deepcopy(message)

    def _chat(self, chat_id: ChatId) -> dict[str, Any]:
        if chat_id in self._chats:
            return dict(self._chats[chat_id])
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Lan"}
        supergroup = isinstance(chat_id, str) or str(chat_id).startswith("-100")
        return {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": "Nhóm"}

    def _register_chat(self, chat_id: ChatId, chat_type: str, first_name: str) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = self._chats.get(chat_id, {}).get("title", "Tổ an ninh")
        self._chats[chat_id] = chat
        self.known_chats.add(chat_id)
        return dict(chat)

    def _remember_chats(self, value: Any) -> None:
        if isinstance(value, dict):
            chat = value.get("chat")
            if isinstance(chat, dict) and "id" in chat and "type" in chat:
                self._chats.setdefault(chat["id"], chat)
                self.known_chats.add(chat["id"])
            for item in value.values():
                self._remember_chats(item)
        elif isinstance(value, list):
            for item in value:
                self._remember_chats(item)

    def _next_message_id(self, chat_id: ChatId) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _next_update_id(self) -> int:
        self._last_update_id += 1
        return self._last_update_id

    def _next_counter(self) -> int:
        self._counter += 1
        return self._counter


def photo_size(stored: StoredFile) -> dict[str, Any]:
    return {**_file_fields(stored), "width": 1280, "height": 960}


def _file_fields(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
    }


def _user(user_id: int, first_name: str, language_code: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language_code,
    }


def _scope(params: Params) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code", "")
