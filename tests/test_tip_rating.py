"""Issue #13: the reporter's rating of a closed tip is a numbered choice ("1. Hài lòng
2. Chưa hài lòng") once they write after the closing note, and words typed without diacritics
answer it too; the notice's own buttons and typed forms keep working."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.i18n import Translator
from bot.runtime.channels.text_render import render_text
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import TipStatus
from tests.conversation import Chat
from tests.notice_delivery import deliver_notices
from tests.org_fixtures import Org, notices_to, small_commune
from tests.test_tip_triage import card_for, file_tip
from tests.tip_fixtures import engine_with_test_tips, tip_by_code

VI = Translator("vi", Settings(_env_file=None).timezone)  # type: ignore[call-arg]
QUESTION = "Bạn có hài lòng với cách công an xã xử lý tin báo {code} không?"


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def closed_tip(db: Database, engine: DialogEngine, org: Org) -> tuple[str, Chat]:
    """A tip resolved by police with a closing note; the reporter has the note in their chat."""
    code = await file_tip(engine, org, user="stranger", anonymous=True, commune_code=org.commune)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Đã giải quyết")
    await police.picks(police.choices()[0])
    reporter = Chat(engine, user_id="stranger")
    reporter.receives((await notices_to(db, "stranger"))[-1:])
    # Sent as in production: the typed forms of its buttons are kept once it went out.
    await deliver_notices(db, engine.settings, channel=reporter.channel)
    return code, reporter


async def test_words_after_the_closing_note_ask_the_rating_as_numbered_lines(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code, reporter = await closed_tip(db, engine, org)
    await reporter.says("cam on cac anh")
    reporter.sees(QUESTION.format(code=code))
    shown = render_text(reporter.received[-1], t=VI)
    assert "1. Hài lòng" in shown and "2. Chưa hài lòng" in shown

    await reporter.says("2")
    reporter.sees(f"Điều gì chưa ổn? Công an xã sẽ xem lại tin {code}.")
    await reporter.says("Tối nay họ lại đến.")
    reporter.sees(f"Cảm ơn bạn. Công an xã sẽ xem lại tin {code}.")
    tip = await tip_by_code(db, code)
    assert tip.satisfied is False and tip.status == TipStatus.VERIFYING
    police = [m.text for m in await notices_to(db, "police")]
    assert any("Tối nay họ lại đến." in text for text in police)


@pytest.mark.parametrize(
    ("typed", "satisfied"), [("hai long", True), ("1", True), ("chua hai long", False)]
)
async def test_the_rating_question_takes_a_number_or_words_without_diacritics(
    db: Database, engine: DialogEngine, org: Org, typed: str, satisfied: bool
) -> None:
    code, reporter = await closed_tip(db, engine, org)
    await reporter.says("xong roi a")
    reporter.sees(QUESTION.format(code=code))
    await reporter.says(typed)
    if satisfied:
        reporter.sees("Cảm ơn bạn đã phản hồi.")
        assert (await tip_by_code(db, code)).satisfied is True
    else:
        reporter.sees("Điều gì chưa ổn?")
        assert (await tip_by_code(db, code)).satisfied is None  # until they say what


async def test_a_rated_tip_is_not_asked_again(db: Database, engine: DialogEngine, org: Org) -> None:
    code, reporter = await closed_tip(db, engine, org)
    await reporter.says("hai long")  # the notice's typed form, as before
    reporter.sees("Cảm ơn bạn đã phản hồi.")
    await reporter.says("cam on cac anh")
    reporter.does_not_see(QUESTION.format(code=code))
    assert (await tip_by_code(db, code)).satisfied is True
