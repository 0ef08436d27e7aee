"""Bot API request checks for the fake Telegram server (see telegram_api.py).

The method and parameter list comes from ``telegram_api.json``, a machine-readable copy of the
Bot API documentation (MIT, see ``telegram_api.LICENSE``). Checks are deliberately a little
stricter than Telegram: unknown parameters are rejected instead of ignored.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("telegram_api.json")

MAX_TEXT = 4096  # counted as len() of the str after entity parsing (code points, not UTF-16)
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes of UTF-8
MAX_COMMANDS = 100

_INT = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?\d+(\.\d*)?([eE][-+]?\d+)?")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_ATTACH = re.compile(r"attach://([\w-]+)")
_TAG = re.compile(
    r"<(/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "tg-emoji", "blockquote", "tg-time",
}  # fmt: skip
_BUTTON_ACTIONS = {
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
}  # fmt: skip
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip
_SIMPLE_TYPES = {"String", "Integer", "Float", "Boolean", "InputFile"}


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    content: bytes


@dataclass(frozen=True)
class Field:
    name: str
    types: tuple[str, ...]
    required: bool


class BotApiSpec:
    """Methods and their parameters, read from the Bot API JSON description."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "?")
        self.types: dict[str, Any] = data["types"]
        self.methods: dict[str, dict[str, Field]] = {}
        self.returns: dict[str, list[str]] = {}
        for name, method in data["methods"].items():
            self.methods[name] = {
                f["name"]: Field(f["name"], tuple(f["types"]), f["required"])
                for f in method.get("fields", [])
            }
            self.returns[name] = method["returns"]

    @classmethod
    @cache
    def load(cls, path: Path = SPEC_PATH) -> BotApiSpec:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def decode(self, method: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Check names and turn form strings into the values the spec's types call for."""
        fields = self.methods.get(method)
        if fields is None:
            raise ApiError(404, "Not Found")
        # Multipart file parts referenced as attach://<name> (sendMediaGroup, InputMedia*).
        text = json.dumps([v for v in raw.values() if not isinstance(v, UploadedFile)])
        attached = set(_ATTACH.findall(text))
        params: dict[str, Any] = {}
        for name, value in raw.items():
            field = fields.get(name)
            if field is None:
                if name in attached and isinstance(value, UploadedFile):
                    params[name] = value
                    continue
                raise bad_request(f"unknown parameter {name}")
            params[name] = _coerce(field, value)
        for field in fields.values():
            value = params.get(field.name)
            if field.required and (value is None or (value == "" and field.name != "url")):
                raise _missing(field.name)
        return params


def _missing(name: str) -> ApiError:
    if name == "text":
        return bad_request("message text is empty")
    if name == "chat_id":
        return bad_request("chat_id is empty")
    return bad_request(f'parameter "{name}" is required')


def _coerce(field: Field, value: Any) -> Any:
    """Form fields are strings; PTB json-encodes ints, booleans and nested objects."""
    if isinstance(value, UploadedFile):
        if "InputFile" not in field.types:
            raise bad_request(f"parameter {field.name} can't be a file")
        return value
    if not isinstance(value, str):
        return value
    types = field.types
    if "Integer" in types and _INT.fullmatch(value):
        return int(value)
    if "Float" in types and _FLOAT.fullmatch(value):
        return float(value)
    if "Boolean" in types and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if "String" in types or "InputFile" in types:
        return value
    if not set(types) <= _SIMPLE_TYPES:
        try:
            return json.loads(value)
        except ValueError:
            if field.name == "reply_markup":
                raise bad_request("can't parse reply keyboard markup JSON object") from None
            raise bad_request(f"can't parse {field.name} JSON object") from None
    raise bad_request(f"wrong {field.name} value {value!r}: expected {' or '.join(types)}")


def check_params(method: str, params: dict[str, Any]) -> None:
    """Checks that need no server state: texts, captions, keyboards, commands."""
    if method in ("sendMessage", "editMessageText"):
        if "text" not in params and "rich_message" not in params:
            raise bad_request("message text is empty")
        if "text" in params:
            text = visible_text(str(params["text"]), params.get("parse_mode"))
            if not text.strip():
                raise bad_request("message text is empty")
            if len(text) > MAX_TEXT:
                raise bad_request("message is too long")
    if "caption" in params:
        caption = visible_text(str(params["caption"]), params.get("parse_mode"))
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    if "reply_markup" in params:
        check_reply_markup(params["reply_markup"])
    if method == "setMyCommands":
        check_commands(params["commands"])
    if method == "sendChatAction" and params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")


def visible_text(text: Any, parse_mode: str | None) -> str:
    """The text as the user sees it (Telegram's limits count it after entity parsing)."""
    text = str(text)
    if parse_mode is None or parse_mode == "":
        return text
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode in ("markdown", "markdownv2"):
        return text  # not parsed: the raw length is an upper bound of the visible one
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")


def _parse_html(text: str) -> str:
    """Checks tags as Telegram's HTML parse mode does; returns the text without them."""
    opened: list[str] = []
    parts: list[str] = []
    position = 0
    while (start := text.find("<", position)) >= 0:
        parts.append(text[position:start])
        match = _TAG.match(text, start)
        offset = len(text[:start].encode())
        if match is None:
            raise bad_request(f"can't parse entities: Unexpected start tag at byte offset {offset}")
        closing, name = match.group(1), match.group(2).lower()
        if name not in _HTML_TAGS:
            raise bad_request(
                f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}'
            )
        if not closing:
            opened.append(name)
        elif not opened or opened[-1] != name:
            expected = f'"</{opened[-1]}>"' if opened else "no end tag"
            raise bad_request(
                f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                f'expected {expected}, found "</{name}>"'
            )
        else:
            opened.pop()
        position = match.end()
    if opened:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{opened[-1]}\""
        )
    parts.append(text[position:])
    return html.unescape("".join(parts))


def check_reply_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            if not (_BUTTON_ACTIONS & button.keys()):
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")


def check_commands(commands: Any) -> None:
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise bad_request("can't parse commands: expected an array of at most 100 BotCommand")
    for command in commands:
        if not isinstance(command, dict) or "description" not in command:
            raise bad_request("can't parse BotCommand: Can't find field \"description\"")
        if not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not str(command["description"]).strip():
            raise bad_request("command description must be non-empty")
        if len(str(command["description"])) > 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
