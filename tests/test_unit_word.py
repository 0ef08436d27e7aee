"""Issue #13, one vocabulary: quarters written "Quý III/2026" by one function, and a commune
of ấp called so ("Trưởng ấp", "Ấp nào?", an "Ấp" column), not "thôn"."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.i18n import Translator
from bot.invite_poster import PosterContent, _details
from bot.reports.periods import period_choices
from bot.runtime.dialog.engine import DialogEngine
from bot.vocabulary import (
    half_name,
    quarter_name,
    unit_placeholders,
    unit_word_in_names,
    year_name,
)
from storage.db import Database
from storage.models import Commune, Role
from tests.conversation import Chat
from tests.test_reminders_tick import commune_with_members
from tests.test_report_documents import write
from tests.test_reports import seed

VN = ZoneInfo("Asia/Ho_Chi_Minh")


async def make_a_commune_of_ap(db: Database, code: str) -> None:
    async with db.transaction() as session:
        commune = await session.get(Commune, code)
        assert commune is not None
        commune.unit_word = "ấp"


def test_a_quarter_a_half_and_a_year_have_one_form_in_each_language() -> None:
    vi, en = Translator("vi", VN), Translator("en", VN)
    assert quarter_name(vi, 2026, 3) == "Quý III/2026"
    assert quarter_name(en, 2026, 4) == "Quarter IV/2026"
    assert half_name(vi, 2026, 1) == "6 tháng đầu năm 2026"
    assert half_name(en, 2026, 2) == "Second half of 2026"
    assert year_name(vi, 2026) == "Năm 2026"


def test_the_chat_offers_periods_by_their_glossary_names() -> None:
    labels = [c.label for c in period_choices(Translator("vi", VN), date(2026, 11, 23))]
    assert labels[:5] == [
        "Quý III/2026",
        "Quý IV/2026",
        "6 tháng đầu năm 2026",
        "Năm 2026",
        "Năm 2025",
    ]
    assert not any("Q4" in label or "Quý 4" in label for label in labels)


def test_the_unit_word_is_read_from_the_village_names() -> None:
    assert unit_word_in_names(["Ấp Mỹ Thạnh", "Ấp Mỹ Phú", "Khu 3"]) == "ấp"
    assert unit_word_in_names(["Tổ dân phố 1", "Tổ dân phố 2"]) == "tổ dân phố"
    assert unit_word_in_names(["Mỹ Thạnh", "Mỹ Phú"]) is None
    assert unit_placeholders(None) == {"unit": "thôn", "Unit": "Thôn"}


async def test_a_commune_of_ap_says_ap_in_the_announcement_flow(
    db: Database, engine: DialogEngine
) -> None:
    org = await commune_with_members(db)
    await make_a_commune_of_ap(db, org.commune)
    police = Chat(engine, user_id="police")
    await police.says("/thongbao")
    assert "Chỉ tổ trưởng, trưởng ấp" in police.choices()
    assert "Một ấp" in police.choices() and "Một thôn" not in police.choices()
    await police.picks("Một ấp")
    police.sees("Ấp nào?")


async def test_a_commune_of_ap_has_ap_columns_in_its_report(db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    org = await seed(db)
    await make_a_commune_of_ap(db, org.commune)
    _report, (_docx, xlsx_path) = await write(db, org, "2026-Q3", tmp_path)
    workbook = load_workbook(xlsx_path)
    headers = {sheet.title: [c.value for c in sheet[1]] for sheet in workbook.worksheets}
    firsts = [row[0] for row in headers.values() if row]
    assert "Ấp" in firsts and "Thôn/ấp" not in firsts


def test_the_invite_poster_of_a_village_head_says_truong_ap() -> None:
    content = PosterContent(
        "KX7M4PQ2", "Ấp Mỹ Phú, Xã Thanh Mỹ", None, None, role=Role.VILLAGE_HEAD, unit_word="ấp"
    )
    assert "Dành cho: Trưởng ấp" in _details(content)
    unknown = PosterContent("KX7M4PQ2", "Thôn 1", None, None, role=Role.VILLAGE_HEAD)
    assert "Dành cho: Trưởng thôn" in _details(unknown)
