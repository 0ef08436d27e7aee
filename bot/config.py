"""Settings from the environment and `.env`, validated once at start."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_LOCALES = ("vi", "en")


class ConfigError(Exception):
    """Raised with one human-readable line naming the bad variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./data/binhyen.db"
    telegram_bot_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    # For t.me deep links (invitations); asked from Telegram (getMe) by the CLI when unset.
    telegram_bot_username: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    bot_secret_key: str | None = None
    # Keys the data may still be encrypted under, comma-separated: read, never written.
    bot_old_secret_keys: str | None = None
    log_format: Literal["text", "json"] = "text"
    # Serve /healthz and /metrics on WEBHOOK_LISTEN:WEBHOOK_PORT even without a webhook.
    web_server: bool = False
    # The web console for commune police and admins, under /console/ on the same server.
    web_console: bool = False
    # Its public address as people open it (e.g. https://binhyen.example.vn/console); unset:
    # http://127.0.0.1:<WEBHOOK_PORT>/console, for a console used on the server itself.
    web_console_url: str | None = None
    web_session_idle_minutes: int = Field(default=30, ge=1)
    # A small map on a tip's console page, only from the tile server the commune names
    # (e.g. https://tiles.example/{z}/{x}/{y}.png) and its attribution; unset: no map at all.
    web_map_tiles: str | None = None
    web_map_attribution: str | None = None
    bot_timezone: str = "Asia/Ho_Chi_Minh"
    bot_locale: Literal["vi", "en"] = "vi"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    conversation_idle_minutes: int = Field(default=30, ge=1)
    media_dir: Path = Path("./data/media")
    # Tips: the response clock, evidence limits, abuse limits, retention after closing.
    tip_ack_minutes: int = Field(default=30, ge=1)
    tip_ack_minutes_urgent: int = Field(default=5, ge=1)
    tip_max_attachments: int = Field(default=5, ge=0, le=20)
    tip_max_attachment_mb: int = Field(default=20, ge=1)
    tips_per_hour: int = Field(default=5, ge=1)
    tip_retention_days: int = Field(default=365, ge=30)
    # Outbox pacing, Telegram's documented limits by default.
    telegram_global_rate: float = Field(default=30.0, gt=0)
    telegram_private_chat_interval: float = Field(default=1.0, ge=0)
    telegram_group_per_minute: int = Field(default=20, ge=1)
    # Zalo Bot API: polling by default, webhook mode when ZALO_WEBHOOK_URL is set.
    zalo_bot_token: str | None = None
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: str | None = None
    # The bot's share link from Zalo Bot Manager: a QR code of it on every invitation poster.
    zalo_bot_link: str | None = None
    # Zalo asks for at most about one getUpdates a second; counted from one poll's start.
    zalo_poll_interval: float = Field(default=1.0, ge=0)
    # Messages a calendar month the bot's plan allows (0: none kept track of); commune admins
    # are warned at 80 %, and when less than the reserve is left, campaign messages wait.
    zalo_monthly_quota: int = Field(default=0, ge=0)
    zalo_quota_reserve: float = Field(default=0.1, ge=0, lt=1)
    zalo_global_rate: float = Field(default=10.0, gt=0)
    zalo_private_chat_interval: float = Field(default=1.0, ge=0)
    zalo_group_per_minute: int = Field(default=20, ge=1)

    @field_validator("bot_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator(
        "telegram_api_url",
        "webhook_url",
        "zalo_api_url",
        "zalo_webhook_url",
        "web_console_url",
        "zalo_bot_link",
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("web_map_tiles")
    @classmethod
    def _tile_template(cls, value: str | None) -> str | None:
        if not value:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or "{" in parsed.netloc:
            raise ValueError("must be an http(s) URL of one tile server")
        if not all(part in value for part in ("{z}", "{x}", "{y}")):
            raise ValueError("must hold {z}, {x} and {y}")
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, value: str | None) -> str | None:
        value = (value or "").strip().removeprefix("@")
        if value and not (
            5 <= len(value) <= 32 and all(c.isascii() and (c.isalnum() or c == "_") for c in value)
        ):
            raise ValueError("must be the bot's username: 5-32 of A-Z, a-z, 0-9 and _")
        return value or None

    @field_validator("webhook_secret", "zalo_webhook_secret")
    @classmethod
    def _telegram_secret_charset(cls, value: str | None) -> str | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -; Zalo 8-256.
        if value and not all(c.isascii() and (c.isalnum() or c in "_-") for c in value):
            raise ValueError("may contain only A-Z, a-z, 0-9, _ and -")
        if value and not 8 <= len(value) <= 256:
            raise ValueError("must be 8 to 256 characters long")
        return value or None

    @field_validator("bot_secret_key")
    @classmethod
    def _key_is_32_bytes(cls, value: str | None) -> str | None:
        if value:
            decode_secret_key(value)
        return value or None

    @field_validator("bot_old_secret_keys")
    @classmethod
    def _old_keys_are_32_bytes(cls, value: str | None) -> str | None:
        for each in split_keys(value):
            decode_secret_key(each)
        return value or None

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def webhook_path(self) -> str:
        """The path our aiohttp server answers Telegram on: the path of WEBHOOK_URL."""
        path = urlparse(self.webhook_url).path if self.webhook_url else ""
        return path or "/telegram/webhook"

    @property
    def zalo_webhook_path(self) -> str:
        """The path our aiohttp server answers Zalo on: the path of ZALO_WEBHOOK_URL."""
        path = urlparse(self.zalo_webhook_url).path if self.zalo_webhook_url else ""
        return path or "/zalo/webhook"

    @property
    def console_url(self) -> str:
        """Where sign-in links point: WEB_CONSOLE_URL, or this server's own address."""
        if self.web_console_url:
            return self.web_console_url
        host = "127.0.0.1" if self.webhook_listen in ("0.0.0.0", "::") else self.webhook_listen
        return f"http://{host}:{self.webhook_port}/console"

    def secret_key_bytes(self) -> bytes:
        if not self.bot_secret_key:
            raise ConfigError("BOT_SECRET_KEY is not set: run `make run` once or set it in .env")
        return decode_secret_key(self.bot_secret_key)

    def all_secret_keys_bytes(self) -> list[bytes]:
        """The current key first, then the old ones: for what is looked up by a keyed hash."""
        return [self.secret_key_bytes(), *self.old_secret_keys_bytes()]

    def old_secret_keys_bytes(self) -> list[bytes]:
        return [decode_secret_key(each) for each in split_keys(self.bot_old_secret_keys)]

    def secrets(self) -> list[str]:
        """Every configured secret, for the log redaction (bot/logging_setup.py)."""
        values = [
            self.telegram_bot_token,
            self.zalo_bot_token,
            self.webhook_secret,
            self.zalo_webhook_secret,
            self.bot_secret_key,
            *split_keys(self.bot_old_secret_keys),
        ]
        return [value for value in values if value]


def split_keys(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]


def decode_secret_key(value: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be 32 bytes in URL-safe base64") from exc
    if len(key) != 32:
        raise ValueError("must be 32 bytes in URL-safe base64")
    return key


def generate_secret_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line that names the variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"Invalid configuration: {variable}: {first['msg']}") from None
    if settings.webhook_url and not settings.webhook_secret:
        raise ConfigError("Invalid configuration: WEBHOOK_SECRET: required when WEBHOOK_URL is set")
    if settings.zalo_webhook_url and not settings.zalo_webhook_secret:
        raise ConfigError(
            "Invalid configuration: ZALO_WEBHOOK_SECRET: required when ZALO_WEBHOOK_URL is set"
        )
    both = settings.webhook_url and settings.zalo_webhook_url
    if both and settings.webhook_path == settings.zalo_webhook_path:
        raise ConfigError(
            "Invalid configuration: ZALO_WEBHOOK_URL: its path must differ from WEBHOOK_URL's"
        )
    return settings


def ensure_secret_key_in_env_file(path: Path = Path(".env")) -> bool:
    """Write a fresh BOT_SECRET_KEY into `.env` unless one is configured; True if written."""
    if os.environ.get("BOT_SECRET_KEY"):
        return False
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if any(line.startswith("BOT_SECRET_KEY=") for line in existing.splitlines()):
        return False
    prefix = "" if not existing or existing.endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as env_file:
        env_file.write(f"{prefix}BOT_SECRET_KEY={generate_secret_key()}\n")
    path.chmod(0o600)
    return True
