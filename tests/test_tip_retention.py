"""Retention: what a tip said is deleted once it has been closed for `tip_retention_days`; what
it was stays for the statistics. Time is injected."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.config import Settings
from bot.runtime.dialog.engine import DialogEngine
from bot.tips.retention import purge_closed_tips
from storage.base import to_minute, utcnow
from storage.db import Database
from storage.models import (
    AuditEntry,
    OutboxMessage,
    Tip,
    TipAttachment,
    TipEvent,
    TipEventKind,
    TipReporter,
    TipStatus,
)
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips, tip_by_code

DAY = timedelta(days=1)
NOW = utcnow()  # what the purge is told the time is; the data is dated from it


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def closed_tip(
    db: Database,
    engine: DialogEngine,
    org: Org,
    user: str,
    *,
    closed_days_ago: float | None,
    evidence: Path | None = None,
) -> Tip:
    """A tip with a question, an answer, a closing note and, if given, a photo on disk; closed
    that many days ago (None: still open), two days after it came."""
    DRAFTS[user] = draft(
        org.commune,
        village_id=org.villages["Ấp Mỹ Thạnh"],
        group_id=org.groups["Tổ 1"],
        latitude=10.44,
        longitude=105.85,
    )
    reporter = Chat(engine, user_id=user)
    await reporter.says("/testtip")
    code = next(m.text for m in reporter.received if m.text.startswith("code=")).removeprefix(
        "code="
    )
    tip = await tip_by_code(db, code)
    async with db.transaction() as session:
        session.add_all(
            [
                TipEvent(tip_id=tip.id, kind=TipEventKind.QUESTION, text="Xe màu gì?"),
                TipEvent(tip_id=tip.id, kind=TipEventKind.ANSWER, text="Xe Wave màu đỏ"),
            ]
        )
        if evidence is not None:
            session.add(
                TipAttachment(
                    tip_id=tip.id,
                    kind="photo",
                    file_ref="AgACAgUAAxkBAAIB",
                    local_path=str(evidence),
                    sha256="ab" * 32,
                    size=26,
                )
            )
        if closed_days_ago is not None:
            closed_at = NOW - closed_days_ago * DAY
            await session.execute(
                update(Tip)
                .where(Tip.id == tip.id)
                .values(
                    status=TipStatus.RESOLVED,
                    closing_note="Đã xử lý hai đối tượng.",
                    created_at=closed_at - 2 * DAY,
                    closed_at=closed_at,
                )
            )
    return await tip_by_code(db, code)


async def test_texts_are_purged_after_the_retention_period_and_statistics_stay(
    db: Database, settings: Settings, engine: DialogEngine, org: Org, tmp_path: Path
) -> None:
    photo = tmp_path / "media" / "tips" / "photo.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo of a motorbike")
    now = NOW
    old = await closed_tip(db, engine, org, "old", closed_days_ago=366, evidence=photo)
    recent = await closed_tip(db, engine, org, "recent", closed_days_ago=300)
    still_open = await closed_tip(db, engine, org, "open", closed_days_ago=None)
    async with db.transaction() as session:  # open for a long time: kept whatever its age
        await session.execute(
            update(Tip).where(Tip.id == still_open.id).values(created_at=now - 800 * DAY)
        )
    card_copies = [m for m in await notices_to(db, "police") if old.code in m.text]
    assert card_copies and "Hai người lạ" in card_copies[0].text

    assert settings.tip_retention_days == 365
    assert await purge_closed_tips(db, settings, now) == 1

    tip = await tip_by_code(db, old.code)
    assert (tip.description, tip.place_text, tip.occurred_text) == (None, None, None)
    assert (tip.latitude, tip.longitude, tip.closing_note, tip.group_id) == (None,) * 4
    assert tip.purged_at == to_minute(now)  # a tip's times are kept to the minute
    # The anonymous record the statistics need.
    assert (tip.code, tip.commune_code, tip.village_id) == (
        old.code,
        org.commune,
        org.villages["Ấp Mỹ Thạnh"],
    )
    assert (tip.category_key, tip.status, tip.created_at, tip.closed_at) == (
        "theft",
        TipStatus.RESOLVED,
        old.created_at,
        old.closed_at,
    )
    assert not photo.exists() and not photo.parent.exists()
    async with db.transaction() as session:
        attachment = await session.scalar(
            select(TipAttachment).where(TipAttachment.tip_id == tip.id)
        )
        assert attachment is not None and attachment.kind == "photo"
        assert (attachment.file_ref, attachment.local_path, attachment.sha256) == (None,) * 3
        texts = list(await session.scalars(select(TipEvent.text).where(TipEvent.tip_id == tip.id)))
        assert texts and all(text is None for text in texts)
        vault = await session.get(TipReporter, tip.id)
        assert vault is not None and (vault.route_encrypted, vault.identity_encrypted) == (
            None,
            None,
        )
        copies = list(
            await session.scalars(
                select(OutboxMessage.payload).where(OutboxMessage.chat_id == "police")
            )
        )
        assert not any("Hai người lạ" in str(p) and old.code in str(p) for p in copies)
        purges = await session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "tip.purge", AuditEntry.subject_id == old.code
            )
        )
        assert purges == 1

    for kept in (recent, still_open):
        again = await tip_by_code(db, kept.code)
        assert again.description == kept.description and again.purged_at is None
    assert any(
        "Hai người lạ" in m.text for m in await notices_to(db, "police") if recent.code in m.text
    )

    assert await purge_closed_tips(db, settings, now) == 0  # nothing twice
    assert await purge_closed_tips(db, settings, now + 66 * DAY) == 1  # the recent one's turn

    police = Chat(engine, user_id="police")
    await police.says(f"/tip {old.code}")
    police.sees(f"Tin báo {old.code}")
    police.sees("Nội dung tin đã được xóa ngày")
    police.does_not_see("Hai người lạ")
    police.does_not_see("Xe Wave")
    police.sees("hỏi người báo")  # what happened when, without what was said
