"""The key at start and key rotation: a missing, empty or malformed BOT_SECRET_KEY stops the
start with one line naming it; a key that does not open the data stops it too (naming
BOT_OLD_SECRET_KEYS and `keys rotate`); old keys are still read; `keys rotate` re-encrypts
everything, and a run cut short is finished by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import ConfigError, Settings, generate_secret_key
from bot.crypto import HOUSEHOLD_PHONE, PERSON_PHONE, FieldCipher
from bot.people.consent import CONSENT_VERSION
from bot.security.encrypted_columns import ENCRYPTED_COLUMNS
from bot.security.keys import KEY_MISMATCH, check_key_opens_data, rotate_keys
from bot.tips.vault import read_identity
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Household,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    TipReporter,
)
from tests.conversation import Chat
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips, tip_by_code

ROOT = Path(__file__).resolve().parent.parent
REPORTER, NAME, PHONE = "resident1", "Trần Thị Lan", "0912345678"


def bot_process(tmp_path: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    """`python -m bot run` with no messenger token, in a folder without a .env."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in env},
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": "",
        "ZALO_BOT_TOKEN": "",
    }
    environment |= {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("key", [None, "", "not-a-key"], ids=["missing", "empty", "malformed"])
def test_no_usable_key_refuses_to_start_with_one_line(tmp_path: Path, key: str | None) -> None:
    result = bot_process(
        tmp_path,
        BOT_SECRET_KEY=key,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(("BOT_SECRET_KEY", "Invalid configuration: BOT_SECRET_KEY"))
    assert not (tmp_path / "bot.db").exists()  # nothing touched


async def test_a_key_that_does_not_open_the_data_stops_the_start(
    tmp_path: Path, settings: Settings
) -> None:
    async with bot_running(settings):
        pass  # the first start stores the check value
    result = bot_process(
        tmp_path, BOT_SECRET_KEY=generate_secret_key(), DATABASE_URL=settings.database_url
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == KEY_MISMATCH
    assert "Traceback" not in result.stderr
    assert "BOT_OLD_SECRET_KEYS" in KEY_MISMATCH and "keys rotate" in KEY_MISMATCH


async def test_data_written_before_the_check_existed_is_checked_too(
    db: Database, settings: Settings
) -> None:
    org = await small_commune(db)
    async with db.transaction() as session:
        household = await session.get(Household, org.households["12 đường Cây Dương"])
        assert household is not None
        household.phone_encrypted = FieldCipher.of(settings).encrypt(PHONE, HOUSEHOLD_PHONE)
    other = settings.model_copy(update={"bot_secret_key": generate_secret_key()})
    with pytest.raises(ConfigError, match="does not open the stored data"):
        await check_key_opens_data(db, other)
    await check_key_opens_data(db, settings)  # the right one passes, and stores the check
    with pytest.raises(ConfigError, match="does not open the stored data"):
        await check_key_opens_data(db, other)


@pytest.fixture
async def org(db: Database, settings: Settings) -> Org:
    org = await small_commune(db)
    cipher = FieldCipher.of(settings)
    async with db.transaction() as session:
        person = Person(
            full_name=NAME,
            commune_code=org.commune,
            consent_version=CONSENT_VERSION,
            phone_encrypted=cipher.encrypt(PHONE, PERSON_PHONE),
        )
        session.add(person)
        await session.flush()
        org.people["reporter"] = person.id
        session.add(
            RoleAssignment(
                person_id=person.id,
                role=Role.RESIDENT,
                scope_kind=ScopeKind.GROUP,
                scope_id=str(org.groups["Tổ 1"]),
            )
        )
        session.add(
            ChannelAccount(
                channel="test", external_user_id=REPORTER, chat_id=REPORTER, person_id=person.id
            )
        )
        for address in org.households:
            household = await session.get(Household, org.households[address])
            assert household is not None
            household.phone_encrypted = cipher.encrypt(f"0909{len(address):06d}", HOUSEHOLD_PHONE)
    return org


async def file_named_tip(db: Database, settings: Settings, org: Org) -> str:
    DRAFTS[REPORTER] = draft(org.commune, anonymous=False)
    reporter = Chat(engine_with_test_tips(db, settings), user_id=REPORTER)
    await reporter.says("/testtip")
    return next(m.text for m in reporter.received if m.text.startswith("code=")).split("=")[1]


async def my_tips(db: Database, settings: Settings) -> str:
    reporter = Chat(engine_with_test_tips(db, settings), user_id=REPORTER)
    return "\n".join(m.text for m in await reporter.says("/tincuatoi"))


class Interrupted(Exception):
    pass


async def values_opening_with(db: Database, settings: Settings) -> tuple[int, int]:
    """(values the current key alone opens, all encrypted values)."""
    cipher = FieldCipher.of(settings)
    opening = total = 0
    async with db.transaction() as session:
        for column in ENCRYPTED_COLUMNS:
            for blob in await session.scalars(
                select(column.column).where(column.column.is_not(None))
            ):
                total += 1
                opening += cipher.opens_with_current_key(blob, column.purpose)
    return opening, total


async def test_rotation_reads_old_keys_resumes_after_interruption_and_frees_the_old_key(
    db: Database, settings: Settings, org: Org
) -> None:
    code = await file_named_tip(db, settings, org)
    async with bot_running(settings):
        pass  # the check value, under the old key
    old_key, new_key = settings.bot_secret_key or "", generate_secret_key()
    changed = settings.model_copy(
        update={"bot_secret_key": new_key, "bot_old_secret_keys": old_key}
    )

    # The new key is set, the old one kept: the bot starts and old data is still read.
    async with bot_running(changed):
        pass
    tip = await tip_by_code(db, code)
    async with db.transaction() as session:
        identity = await read_identity(
            session, FieldCipher.of(changed), tip, reader=org.people["police"], at=tip.created_at
        )
    assert identity is not None and (identity.name, identity.phone) == (NAME, PHONE)

    batches = 0

    def stop_after_three() -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        await rotate_keys(db, changed, batch_size=1, after_batch=stop_after_three)
    done, total = await values_opening_with(db, changed)
    assert 0 < done < total  # cut short halfway, everything still readable
    await check_key_opens_data(db, changed)

    report = await rotate_keys(db, changed, batch_size=2)
    assert sum(report.rewritten.values()) == total - done  # nothing rewritten twice
    assert not report.unreadable

    # The old key removed: everything opens, the reporter still finds their tip.
    rotated = changed.model_copy(update={"bot_old_secret_keys": None})
    assert await values_opening_with(db, rotated) == (total, total)
    async with bot_running(rotated):
        pass
    assert code in await my_tips(db, rotated)

    # The rotated-away key, alone, no longer starts the bot.
    with pytest.raises(ConfigError, match="BOT_OLD_SECRET_KEYS"):
        async with bot_running(settings):
            pass


async def test_before_rotation_a_reporter_still_owns_and_can_erase_old_tips(
    db: Database, settings: Settings, org: Org
) -> None:
    code = await file_named_tip(db, settings, org)
    changed = settings.model_copy(
        update={
            "bot_secret_key": generate_secret_key(),
            "bot_old_secret_keys": settings.bot_secret_key,
        }
    )
    tip = await tip_by_code(db, code)
    assert code in await my_tips(db, changed)  # their list, sealed under the old key, still opens

    reporter = Chat(engine_with_test_tips(db, changed), user_id=REPORTER)
    await reporter.says("hủy")  # leave the list of tips opened above
    await reporter.says("/dulieu")
    await reporter.picks("Xóa tài khoản của tôi")
    await reporter.picks("Có, xóa")
    reporter.sees("dữ liệu cá nhân của bạn đã được xóa")
    async with db.transaction() as session:
        vault = await session.get(TipReporter, tip.id)
    assert vault is not None
    assert vault.route_encrypted is None and vault.identity_encrypted is None
