"""The tip desk from a terminal (issue #16): `python -m bot tips list` shows a commune's open
tips oldest first with nothing about their reporters; `python -m bot tips ack` acknowledges as
an officer, authorised as the chat's button is, and the reporter hears it through the outbox."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import _parser
from bot.config import Settings
from bot.runtime.dialog.engine import DialogEngine
from bot.tips.cli import REFUSED, run_ack, run_list
from storage.db import Database
from storage.models import Tip, TipEvent, TipEventKind, TipStatus
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips

OFFICER, OTHER_OFFICER, LEADER = "Lâm Quốc Bảo", "Đỗ Văn Khoa", "Nguyễn Văn Hùng"
REPORTER = "reporter-cli"


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def file_tip(engine: DialogEngine, org: Org, user: str = REPORTER, **values: object) -> str:
    DRAFTS[user] = draft(org.commune, **values)
    reporter = Chat(engine, user_id=user)
    await reporter.says("/testtip")
    filed = next(m.text for m in reporter.received if m.text.startswith("code="))
    return filed.removeprefix("code=")


async def tip_of(db: Database, code: str) -> Tip:
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code))
        assert tip is not None
        return tip


async def older(db: Database, code: str, hours: int) -> None:
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code))
        assert tip is not None
        tip.created_at -= timedelta(hours=hours)


def test_the_commands_are_wired() -> None:
    listed = _parser().parse_args(["tips", "list", "--commune", "30073"])
    assert (listed.run, listed.commune) == (run_list, "30073")
    ack = _parser().parse_args(["tips", "ack", "TB-7K3Q", "--as", OFFICER])
    assert (ack.run, ack.code, ack.officer) == (run_ack, "TB-7K3Q", OFFICER)


async def test_list_shows_open_tips_oldest_first_and_nobody_who_reported(
    db: Database, settings: Settings, engine: DialogEngine, org: Org, capsys
) -> None:  # type: ignore[no-untyped-def]
    recent = await file_tip(engine, org)
    old = await file_tip(engine, org, user="s2", category_key="drugs", anonymous=False)
    elsewhere = await file_tip(engine, org, user="s3", commune_code=org.other_commune)
    await older(db, old, hours=72)

    assert await run_list(settings, argparse.Namespace(commune=org.commune)) == 0
    out = capsys.readouterr().out
    assert "Tin báo đang xử lý của Xã Thanh Mỹ: 2" in out
    assert f"• {old} · Ma túy · mới, chưa tiếp nhận · 3 ngày" in out
    assert f"• {recent} · Trộm cắp · mới, chưa tiếp nhận" in out
    assert out.index(old) < out.index(recent)  # oldest first
    assert elsewhere not in out
    for reporter in (REPORTER, "s2", "Hai người lạ"):  # no account, no text of the tip
        assert reporter not in out

    assert await run_list(settings, argparse.Namespace(commune="00000")) == 2


async def test_ack_as_an_officer_tells_the_reporter_through_the_outbox(
    db: Database, settings: Settings, engine: DialogEngine, org: Org, capsys
) -> None:  # type: ignore[no-untyped-def]
    code = await file_tip(engine, org)
    before = len(await notices_to(db, REPORTER))

    assert await run_ack(settings, argparse.Namespace(code=code.lower(), officer=OFFICER)) == 0
    assert f"{code}: đã tiếp nhận ({OFFICER})." in capsys.readouterr().out
    tip = await tip_of(db, code)
    assert tip.status == TipStatus.ACKNOWLEDGED and tip.acknowledged_at is not None
    told = (await notices_to(db, REPORTER))[before:]
    assert [m.text for m in told] == [f"Công an xã đã tiếp nhận tin báo {code} của bạn."]
    cards = [m for m in await notices_to(db, "police") if m.edit_of is not None]
    assert cards and "Trạng thái: đã tiếp nhận" in cards[-1].text  # edited in place
    async with db.transaction() as session:
        event = await session.scalar(
            select(TipEvent).where(TipEvent.tip_id == tip.id, TipEvent.kind == TipEventKind.STATUS)
        )
        assert event is not None and event.actor_person_id == org.people["police"]

    assert await run_ack(settings, argparse.Namespace(code=code, officer=OFFICER)) == 0
    assert "đã tiếp nhận" in capsys.readouterr().out  # already: nothing queued again
    assert len(await notices_to(db, REPORTER)) == before + 1


@pytest.mark.parametrize(
    "officer",
    [
        LEADER,  # not police
        OTHER_OFFICER,  # police of another commune
        "Không Có Ai",  # nobody of that name
    ],
)
async def test_ack_is_refused_to_anyone_but_police_of_the_tips_commune(
    db: Database, settings: Settings, engine: DialogEngine, org: Org, officer: str, capsys
) -> None:  # type: ignore[no-untyped-def]
    code = await file_tip(engine, org)
    before = len(await notices_to(db, REPORTER))

    assert await run_ack(settings, argparse.Namespace(code=code, officer=officer)) == REFUSED
    assert (await tip_of(db, code)).status == TipStatus.NEW
    assert len(await notices_to(db, REPORTER)) == before
    assert code not in capsys.readouterr().out
