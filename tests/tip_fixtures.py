"""Filing a tip in tests without the reporter's dialog: a test-only flow submits a draft.

The tip goes through the real `submit_tip` in the reporter's own turn, exactly as the
reporting dialog does at its last step, so the vault, cards and outbox rows are the real ones.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.config import Settings
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.tips.submit import TipDraft, submit_tip
from handlers import build_flows
from handlers.report_tip import reporter_route
from storage.db import Database
from storage.models import Tip

DRAFTS: dict[str, TipDraft] = {}


class FileTip(Flow):
    name = "test_file_tip"

    async def begin(self, turn: Turn) -> None:
        draft = DRAFTS[turn.event.user_id]
        route, account = reporter_route(turn), turn.account
        tip = await submit_tip(turn.work, draft, route=route, account=account)
        turn.say(f"code={tip.code}")
        turn.leave()


def engine_with_test_tips(db: Database, settings: Settings) -> DialogEngine:
    registry = build_flows()
    registry.add(
        FileTip(),
        MenuEntry(key="testtip", label="test tip", flow=FileTip.name, commands=("testtip",)),
    )
    return DialogEngine(db=db, flows=registry, settings=settings)


def draft(commune: str, **values: object) -> TipDraft:
    base = TipDraft(
        commune_code=commune,
        category_key="theft",
        description="Hai người lạ bẻ khóa xe máy trước nhà số 21.",
        place_text="Đầu hẻm đường Cây Dương",
        occurred_text="tối qua",
    )
    return replace(base, **values)  # type: ignore[arg-type]


async def tip_by_code(db: Database, code: str) -> Tip:
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code))
        assert tip is not None
        return tip
