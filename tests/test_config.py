"""Invalid configuration stops the start with one line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, ensure_secret_key_in_env_file, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_are_the_embedded_database_and_vietnamese(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "BOT_LOCALE", "BOT_TIMEZONE", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///./data/binhyen.db"
    assert settings.bot_locale == "vi"
    assert settings.bot_timezone == "Asia/Ho_Chi_Minh"
    assert settings.telegram_api_url == "https://api.telegram.org"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOT_TIMEZONE", "Mars/Olympus"),
        ("BOT_LOCALE", "fr"),
        ("WEBHOOK_PORT", "99999"),
        ("BOT_SECRET_KEY", "too-short"),
        ("TELEGRAM_API_URL", "ftp://example.org"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_value_is_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)
    assert variable in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram/webhook")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings(_env_file=None)


def test_the_cli_prints_one_clear_line_and_exits(tmp_path: Path) -> None:
    env = {**os.environ, "BOT_TIMEZONE": "Nowhere/City", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Invalid configuration: BOT_TIMEZONE: Value error, unknown time zone 'Nowhere/City'"
    ]


def test_a_secret_key_is_generated_once_into_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_SECRET_KEY", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=INFO")
    assert ensure_secret_key_in_env_file(env_file) is True
    assert ensure_secret_key_in_env_file(env_file) is False
    lines = env_file.read_text().splitlines()
    assert lines[0] == "LOG_LEVEL=INFO"
    key = lines[1].removeprefix("BOT_SECRET_KEY=")
    assert load_settings(_env_file=None, bot_secret_key=key).secret_key_bytes()
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
