"""Logging for `python -m bot`: plain lines or JSON (LOG_FORMAT), with secrets redacted.

Every line passes through one redaction at the formatter, tracebacks included: the configured
tokens, keys and webhook secrets, any Bot API token in a URL (`/bot<token>/`), `secret_token`
parameters, messenger error descriptions and the parameters SQLAlchemy copies into its errors
(`[parameters: …]`, which hold names, phones and tip texts). Names, phones and tip texts cannot
be recognised in free text, so the libraries that log whole API payloads or SQL statements with
their values at DEBUG (PTB, httpx, aiosqlite) are kept at INFO or above, and SQLAlchemy's
engine (which echoes statements at INFO) at WARNING, whatever LOG_LEVEL says: LOG_LEVEL=DEBUG
is for the bot's own loggers, which log ids, counts and kinds, never content.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

REDACTED = "[redacted]"
# Libraries that log request payloads, responses or SQL parameters at DEBUG.
PAYLOAD_LOGGERS = (
    "telegram",
    "httpx",
    "httpcore",
    "hpack",
    "aiosqlite",
    "asyncpg",
)
# SQLAlchemy echoes every statement with its parameters as soon as INFO is enabled.
SQL_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bot API URLs carry the token in the path: .../bot123456:AAE.../sendMessage
    (re.compile(r"/bot[^/\s'\"]+/"), f"/bot{REDACTED}/"),
    # A Telegram token anywhere else.
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}"), REDACTED),
    (
        re.compile(r"(secret_token['\"]?\s*[:=]\s*['\"]?)[^'\"&,\s}]+", re.IGNORECASE),
        rf"\1{REDACTED}",
    ),
    # SQLAlchemy's errors: "[parameters: (...)]" up to the end of that line.
    (re.compile(r"\[parameters: .*?\](?=\s*(\n|\(Background|$))", re.DOTALL), "[parameters: …]"),
    (re.compile(r"\[SQL parameters hidden[^\]]*\]"), "[parameters: …]"),
    # Messenger error descriptions may echo what was sent.
    (re.compile(r"(['\"]description['\"]\s*:\s*)(['\"]).*?(?<!\\)\2"), rf"\1\2{REDACTED}\2"),
)


def redact_urls(text: str) -> str:
    """The Bot API token out of any URL in `text`."""
    return _PATTERNS[0][0].sub(_PATTERNS[0][1], text)


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RedactingFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = self.redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    *,
    level: str = "INFO",
    fmt: str = "text",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Install the one root handler (replacing one installed before); returns it."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else RedactingFormatter(redact))
    handler.set_name("binhyen")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "binhyen"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    floor = max(logging.INFO, logging.getLevelName(level))
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(floor)
    for name in SQL_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, floor))
    # Alembic announces its plugins at INFO on import; its migration steps are worth keeping.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(max(logging.INFO, floor))
    return handler
