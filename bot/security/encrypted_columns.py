"""Every column holding values encrypted with bot.crypto, with the purpose each is bound to.

This is the one list `python -m bot keys rotate` walks, and the start-up check samples: a new
encrypted column must be added here, or rotation leaves it under the old key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import InstrumentedAttribute

from bot.crypto import HOUSEHOLD_PHONE, PERSON_PHONE
from bot.tips.own_tips import OWN_TIPS
from bot.tips.vault import IDENTITY, ROUTE
from storage.models import ChannelAccount, Household, NoticeActions, Person, TipReporter
from storage.repos.notices import NOTICE_ACTIONS


@dataclass(frozen=True)
class EncryptedColumn:
    column: InstrumentedAttribute[bytes | None]
    purpose: str

    @property
    def name(self) -> str:
        return f"{self.column.class_.__tablename__}.{self.column.key}"


ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = (
    EncryptedColumn(Person.phone_encrypted, PERSON_PHONE),
    EncryptedColumn(Household.phone_encrypted, HOUSEHOLD_PHONE),
    EncryptedColumn(TipReporter.route_encrypted, ROUTE),
    EncryptedColumn(TipReporter.identity_encrypted, IDENTITY),
    EncryptedColumn(ChannelAccount.own_tips_encrypted, OWN_TIPS),
    EncryptedColumn(NoticeActions.buttons_encrypted, NOTICE_ACTIONS),
)
