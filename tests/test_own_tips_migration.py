"""Migration 0011: the tips an account sent before the upgrade are still its own after it,
found once more through the keyed hash that the migration then drops from every tip."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from bot.config import decode_secret_key, generate_secret_key
from bot.crypto import FieldCipher
from bot.tips.own_tips import own_tip_ids
from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import ChannelAccount

ACCOUNTS = (("telegram", "42"), ("zalo", "z-7"), ("telegram", "43"))


def old_key(secret: bytes, channel: str, user_id: str) -> str:
    """The hash 0004 to 0009 stored on every tip (bot.tips.vault.reporter_key, removed)."""
    return hmac.new(secret, f"reporter:{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()[
        :40
    ]


async def test_each_account_keeps_its_tips_and_no_tip_keeps_the_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    encoded = generate_secret_key()
    monkeypatch.setenv("BOT_SECRET_KEY", encoded)
    secret = decode_secret_key(encoded)
    await upgrade_async(url, "0009")
    db = Database(url)
    try:
        async with db.transaction() as session:
            for channel, user_id in ACCOUNTS:
                await session.execute(
                    text(
                        "INSERT INTO channel_accounts (channel, external_user_id, chat_id, "
                        "language, created_at, last_seen_at) VALUES (:c, :u, :u, 'vi', "
                        "'2026-11-01 08:00:00', '2026-11-01 08:00:00')"
                    ),
                    {"c": channel, "u": user_id},
                )
            # Two tips from Telegram 42 (one anonymous, one named), one from Zalo z-7.
            for code, (channel, user_id) in (
                ("TB-AAAA", ACCOUNTS[0]),
                ("TB-BBBB", ACCOUNTS[1]),
                ("TB-CCCC", ACCOUNTS[0]),
            ):
                await session.execute(
                    text(
                        "INSERT INTO tips (code, commune_code, channel, category_key, urgent, "
                        "anonymous, wants_updates, reporter_key, status, created_at, "
                        "escalation_level) VALUES (:code, '30073', :c, 'theft', false, "
                        "true, true, :key, 'new', '2026-11-02 09:00:00', 0)"
                    ),
                    {"code": code, "c": channel, "key": old_key(secret, channel, user_id)},
                )
        await db.close()
        await upgrade_async(url)
        db = Database(url)
        async with db.engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {c["name"] for c in inspect(sync).get_columns("tips")}
            )
        assert "reporter_key" not in columns
        cipher = FieldCipher(secret)
        async with db.transaction() as session:
            ids = dict((await session.execute(text("SELECT code, id FROM tips"))).all())
            owned = {}
            for account in await session.scalars(select(ChannelAccount)):
                owned[account.external_user_id] = await own_tip_ids(
                    session, cipher, account=account
                )
        assert owned == {
            "42": {ids["TB-AAAA"], ids["TB-CCCC"]},
            "z-7": {ids["TB-BBBB"]},
            "43": set(),
        }
    finally:
        await db.close()
