"""A commune loaded the way a real one is (`org import` of the sample commune, plus an admin),
the bot running on the fake Telegram and Zalo servers at once, and strangers on both.

The personal codes are read from what `org import` prints, as the commune's staff would."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from bot.config import Settings
from bot.crypto import FieldCipher
from bot.demo import SAMPLE
from bot.organisation.apply import import_path
from bot.organisation.commands import print_personal_codes
from storage.db import Database
from storage.models import ChannelAccount, Person, RoleAssignment
from tests.fakes.telegram_api import FakeTelegramAPI

THANH_MY = "30073"
HUNG, BAO, MAI = "Nguyễn Văn Hùng", "Lâm Quốc Bảo", "Võ Thị Mai"  # leader, officer, admin
ADMIN_FILE = f"""commune: {{code: "{THANH_MY}"}}
people:
  - name: {MAI}
    phone: "0909 000 114"
    roles:
      - {{role: commune_admin}}
"""


async def load_commune(db: Database, settings: Settings, tmp_path: Path) -> dict[str, str]:
    """Imports the sample commune and its admin; returns each listed person's printed code."""
    cipher = FieldCipher(settings.secret_key_bytes())
    admin_file = tmp_path / "admin.yaml"
    admin_file.write_text(ADMIN_FILE, encoding="utf-8")
    for path in (SAMPLE, admin_file):
        report = await import_path(db, cipher, path)
        assert report.ok, report.render()
    printed = io.StringIO()
    await print_personal_codes(db, settings, THANH_MY, out=printed)
    codes = dict(re.findall(r"^--- (.+): ([A-Z0-9]{8})$", printed.getvalue(), re.MULTILINE))
    # The sample has every staff role (issue #13): its village head and admin get codes too.
    assert {HUNG, BAO, MAI} <= set(codes), printed.getvalue()
    assert f"/join {codes[BAO]}" in printed.getvalue()  # the message that hands it over
    return codes


async def roles_of(db: Database, channel: str, user_id: str) -> set[str]:
    """The roles the messenger account acts with (none when it is nobody)."""
    async with db.transaction() as session:
        person_id = await session.scalar(
            select(ChannelAccount.person_id).where(
                ChannelAccount.channel == channel, ChannelAccount.external_user_id == user_id
            )
        )
        if person_id is None:
            return set()
        return set(
            await session.scalars(
                select(RoleAssignment.role).where(RoleAssignment.person_id == person_id)
            )
        )


async def accounts_of_listed(db: Database, name: str) -> set[tuple[str, str]]:
    """The messenger accounts that act as the listed person of this name (the one holding
    roles; a stranger's own person may bear the same name)."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(ChannelAccount.channel, ChannelAccount.external_user_id)
            .join(Person, Person.id == ChannelAccount.person_id)
            .where(Person.full_name == name, Person.id.in_(select(RoleAssignment.person_id)))
        )
        return {(channel, user) for channel, user in rows.all()}


@dataclass
class TelegramUser:
    """Someone writing to the bot on Telegram (long polling on the fake Bot API)."""

    api: FakeTelegramAPI
    user_id: int
    name: str = "Khách"
    read: int = field(default=0)

    async def says(self, text: str, *, until: str) -> list[str]:
        """Sends `text`; returns the bot's messages up to the first that contains `until`."""
        self.api.push_update(
            self.api.user_message(text, user_id=self.user_id, first_name=self.name)
        )
        return await self.sees(until)

    async def sees(self, fragment: str) -> list[str]:
        """The next messages, up to the first that contains `fragment`."""
        seen = []
        while True:
            messages = await self.api.wait_for_messages(self.user_id, self.read + 1)
            text = str(messages[self.read].get("text", ""))
            self.read += 1
            seen.append(text)
            if fragment in text:
                return seen
