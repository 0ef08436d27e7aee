"""Checking items against what is known, recording a fraud tip's items, keeping the list.

What a resident checks is looked up and forgotten: it is keyed only to compare, never stored.
A fraud tip's items are stored keyed (HMAC under the bot's key) with the tip, never with who
sent it; the police's warnings are stored in clear, being public warnings.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.scams.extract import Item, ItemKind, extract_items
from storage.db import Database
from storage.models import ScamWarning, Tip
from storage.repos.scams import (
    active_warnings,
    add_reports,
    find_warning,
    forget_tip_items,
    keys_of_tip,
    tips_holding,
    tips_with_items,
)

# Tips whose numbers, accounts and links are recorded and linked.
SCAM_CATEGORIES = frozenset({"fraud"})
FRAUD_CATEGORY = "fraud"
# Fewer earlier reports than this are told as "someone reported it", never as a number.
SMALL_COUNT = 3
MAX_WARNING = 1000
MAX_TIP_ITEMS = 20  # recorded of one tip (the first ones in its text)

ITEM_LABELS = {
    ItemKind.PHONE: N_("phone number {item}"),
    ItemKind.ACCOUNT: N_("bank account {item}"),
    ItemKind.LINK: N_("website {item}"),
    ItemKind.HANDLE: N_("Zalo/Telegram account {item}"),
}
DEFAULT_WARNING = N_(
    "Commune police warn: this is used by fraudsters. Do not transfer money, do not give any "
    "code (OTP) or password, and do not follow its instructions."
)


def item_key(secret: bytes, kind: str, value: str) -> str:
    """The keyed form in which residents' reported items are stored and compared."""
    return hmac.new(secret, f"scam:{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


def item_label(t: Translator, item: Item | ScamWarning) -> str:
    """ "số điện thoại 0912 345 678", "số tài khoản 0123456789 (Vietcombank)"."""
    shown = item.shown + (f" ({item.bank})" if item.bank else "")
    return t.gettext(ITEM_LABELS[ItemKind(item.kind)], item=shown)


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Finding:
    item: Item
    warning: ScamWarning | None
    reports: int


async def check_items(
    session: AsyncSession,
    secrets: Sequence[bytes],
    items: Sequence[Item],
    *,
    today: date,
    commune_code: str | None = None,
) -> list[Finding]:
    """What is known of each item: a police warning (the asker's commune's first, else any
    commune's that holds), and how many residents' tips held it. Nothing is written.

    `secrets`: the current key and the old ones, so that items recorded before a key change
    still count until `keys rotate` has re-keyed them."""
    warnings = await active_warnings(
        session, items=[(item.kind, item.value) for item in items], today=today
    )
    keys = {item: {item_key(s, item.kind, item.value) for s in secrets} for item in items}
    holding = await tips_holding(session, keys=set().union(*keys.values()))
    findings = []
    for item in items:
        matching = [w for w in warnings if (w.kind, w.value) == (item.kind, item.value)]
        matching.sort(key=lambda w: w.commune_code != commune_code)
        reports = len({tip_id for key, tip_id in holding if key in keys[item]})
        findings.append(Finding(item, matching[0] if matching else None, reports))
    return findings


async def record_tip_items(session: AsyncSession, secret: bytes, tip: Tip) -> None:
    """A fraud tip's items, keyed, so later checks and tips find them (never who sent it)."""
    if tip.category_key not in SCAM_CATEGORIES or not tip.description:
        return
    keys = [item_key(secret, item.kind, item.value) for item in _recorded_items(tip)]
    await add_reports(session, tip=tip, keys=keys)


async def rekey_tip_items(db: Database, secret: bytes, *, batch_size: int = 500) -> int:
    """After a key change: record every fraud tip's items again under `secret` (from the tip's
    own text), one committed batch at a time; returns how many tips were re-keyed."""
    rekeyed, last = 0, 0
    while True:
        async with db.transaction() as session:
            tips = await tips_with_items(session, after_id=last, limit=batch_size)
            for tip in tips:
                current = [item_key(secret, i.kind, i.value) for i in _recorded_items(tip)]
                if set(current) == set(await keys_of_tip(session, tip_id=tip.id)):
                    continue
                await forget_tip_items(session, tip_id=tip.id)
                await add_reports(session, tip=tip, keys=current)
                rekeyed += 1
        if not tips:
            return rekeyed
        last = tips[-1].id


def _recorded_items(tip: Tip) -> list[Item]:
    return extract_items(tip.description or "")[:MAX_TIP_ITEMS]


async def save_warning(
    session: AsyncSession,
    *,
    commune_code: str,
    item: Item,
    text: str,
    source: str,
    listed_on: date,
    expires_on: date | None = None,
    tip_id: int | None = None,
    created_by: int | None = None,
) -> tuple[ScamWarning, str]:
    """Add an item to the commune's list, or renew it; returns the row and "created",
    "updated" or "unchanged"."""
    row = await find_warning(session, commune_code=commune_code, kind=item.kind, value=item.value)
    values = {
        "shown": item.shown,
        "bank": item.bank,
        "warning_text": text[:MAX_WARNING],
        "source": source[:200],
        "listed_on": listed_on,
        "expires_on": expires_on,
    }
    if row is None:
        row = ScamWarning(
            commune_code=commune_code,
            kind=item.kind,
            value=item.value,
            tip_id=tip_id,
            created_by=created_by,
            **values,
        )
        session.add(row)
        await session.flush()
        return row, "created"
    if row.bank and not item.bank:
        values["bank"] = row.bank
    if all(getattr(row, name) == value for name, value in values.items()):
        return row, "unchanged"
    for name, value in values.items():
        setattr(row, name, value)
    await session.flush()
    return row, "updated"


def announcement(t: Translator, commune_name: str, warnings: Sequence[ScamWarning]) -> str:
    """A text ready for /thongbao: what to beware of, in the police's words."""
    lines = [t.gettext("FRAUD WARNING from the police of {commune}", commune=commune_name)]
    texts: dict[str, list[str]] = {}
    for warning in warnings:
        texts.setdefault(warning.warning_text, []).append(capitalised(item_label(t, warning)))
    for text, labels in texts.items():
        lines += [f"• {label}" for label in labels]
        lines.append(text)
    lines.append(
        t.gettext(
            "Never transfer money or give a code (OTP) to someone you only know by phone or "
            "online. If in doubt, call 113 or the commune police."
        )
    )
    return "\n".join(lines)
