"""unlinkable tips: an encrypted list of own tips on each account replaces tips.reporter_key

The keyed hash of the reporter's account stored on every tip was shared by all tips of one
account, anonymous or not. Each account's tips are found through it once more, here, and
written to the account as an encrypted list (bot.tips.own_tips); then the column goes.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06 09:00:00.000000
"""

import hashlib
import hmac
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN_TIPS = "account.tips"  # bot.tips.own_tips.OWN_TIPS


def upgrade() -> None:
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("own_tips_encrypted", sa.LargeBinary(), nullable=True))
    _move_keys_to_accounts()
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tips_reporter_key"))
        batch_op.drop_column("reporter_key")


def _move_keys_to_accounts() -> None:
    connection = op.get_bind()
    tips = connection.execute(sa.text("SELECT id, reporter_key FROM tips ORDER BY id")).all()
    if not tips:
        return
    from bot.config import load_settings
    from bot.crypto import FieldCipher

    # The key is needed to recognise the accounts; without it the start stops here, naming it.
    secret = load_settings().secret_key_bytes()
    by_key: dict[str, list[int]] = {}
    for tip_id, key in tips:
        by_key.setdefault(key, []).append(tip_id)
    cipher = FieldCipher(secret)
    accounts = connection.execute(
        sa.text("SELECT id, channel, external_user_id FROM channel_accounts")
    ).all()
    for account_id, channel, user_id in accounts:
        key = hmac.new(secret, f"reporter:{channel}:{user_id}".encode(), hashlib.sha256)
        own = by_key.get(key.hexdigest()[:40])
        if own:
            connection.execute(
                sa.text("UPDATE channel_accounts SET own_tips_encrypted = :blob WHERE id = :id"),
                {"blob": cipher.encrypt(json.dumps(own), OWN_TIPS), "id": account_id},
            )


def downgrade() -> None:
    # The hashes cannot be rebuilt without the accounts' lists being read with the key; the
    # older code then finds no "my tips" for tips sent before the downgrade.
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reporter_key", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_tips_reporter_key"), ["reporter_key"], unique=False)
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.drop_column("own_tips_encrypted")
