"""Commune police keep the fraud warning list (typed, from a tip's card, from a published CSV),
and fraud tips that share a number, account or link are linked on the card, with a
"duplicate?" suggestion when their texts are close."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.cli import _parser
from bot.config import Settings
from bot.i18n import Translator
from bot.runtime.channels.text_render import render_text, typed_commands
from bot.runtime.dialog.engine import DialogEngine
from bot.scams.links import similarity
from bot.tips.retention import purge_closed_tips
from storage.base import utcnow
from storage.db import Database
from storage.models import ScamWarning, Tip, TipEvent, TipEventKind, TipStatus
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips, tip_by_code

FIRST = "Có người gọi 0912 345 678 xưng là công an, bảo tôi chuyển tiền vào STK 0123456789 VCB."
SAME_AGAIN = "Người gọi 0912.345.678 xưng là công an, bảo tôi chuyển tiền vào STK 0123456789 VCB."
OTHER_STORY = "Nhắn tin Zalo từ +84 912 345 678 mời đầu tư tiền ảo, lãi 30% một tháng."


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def fraud_tip(engine: DialogEngine, org: Org, user: str, text: str) -> str:
    DRAFTS[user] = draft(org.commune, category_key="fraud", description=text)
    reporter = Chat(engine, user_id=user)
    await reporter.says("/testtip")
    return next(m.text for m in reporter.received if m.text.startswith("code=")).removeprefix(
        "code="
    )


async def card_of(db: Database, officer: Chat, code: str) -> None:
    cards = [
        m
        for m in await notices_to(db, "police")
        if m.choices and m.text.startswith(f"Tin báo {code}")
    ]
    officer.receives(cards[-1:])


async def warnings(db: Database) -> list[ScamWarning]:
    async with db.transaction() as session:
        return list(await session.scalars(select(ScamWarning).order_by(ScamWarning.id)))


async def test_police_type_a_warning_that_residents_then_read(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    police = Chat(engine, user_id="police")
    await police.says("/canhbao")
    police.sees("Bạn gõ số điện thoại, số tài khoản, đường link")
    await police.says("0912 345 678 và vcb-hotro.xyz")
    police.sees("• Số điện thoại 0912 345 678\n• Trang web vcb-hotro.xyz")
    await police.says("Giả danh ngân hàng Vietcombank, yêu cầu cài ứng dụng lạ.")
    police.sees("Cảnh báo có hiệu lực đến khi nào?")
    await police.picks("3 tháng")
    police.sees("2 mục đã vào danh sách cảnh báo lừa đảo của Xã Thanh Mỹ")
    police.sees("CẢNH BÁO LỪA ĐẢO của Công an Xã Thanh Mỹ")  # the text offered for /thongbao
    police.sees("Giả danh ngân hàng Vietcombank, yêu cầu cài ứng dụng lạ.")
    stored = await warnings(db)
    assert [(w.kind, w.value, w.source) for w in stored] == [
        ("phone", "0912345678", "typed"),
        ("link", "vcb-hotro.xyz", "typed"),
    ]
    assert stored[0].expires_on is not None

    resident = Chat(engine, user_id="stranger")
    await resident.says("kiem tra vcb-hotro.xyz")
    resident.sees("Trang web vcb-hotro.xyz: Công an Xã Thanh Mỹ đã đưa vào danh sách LỪA ĐẢO.")
    resident.sees("Giả danh ngân hàng Vietcombank")


async def test_only_commune_police_keep_the_list(engine: DialogEngine, org: Org) -> None:
    for someone in ("leader1", "stranger"):
        chat = Chat(engine, user_id=someone)
        await chat.says("/canhbao 0912345678")
        chat.does_not_see("danh sách cảnh báo")


async def test_a_number_listed_by_mistake_is_removed(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    police = Chat(engine, user_id="police")
    await police.says("/canhbao 0912 345 678 vcb-hotro.xyz")
    await police.picks("Dùng lời cảnh báo chuẩn")
    await police.picks("Không thời hạn")

    other = Chat(engine, user_id="police_y")  # another commune's police: not their list
    await other.says("/gocanhbao 0912345678")
    other.sees("Mục này không có trong danh sách cảnh báo lừa đảo của xã.")

    await police.says("/gocanhbao")
    police.sees("Bạn muốn gỡ cảnh báo nào?")
    await police.picks("Số điện thoại 0912 345 678")
    police.sees(
        "Đã gỡ khỏi danh sách cảnh báo lừa đảo của Xã Thanh Mỹ: số điện thoại 0912 345 678."
    )
    await police.says("/gocanhbao vcb-hotro[.]xyz")
    police.sees("Đã gỡ khỏi danh sách cảnh báo lừa đảo của Xã Thanh Mỹ: trang web vcb-hotro.xyz.")
    assert await warnings(db) == []
    await police.says("/gocanhbao")
    police.sees("Danh sách cảnh báo lừa đảo của xã đang trống.")

    resident = Chat(engine, user_id="stranger")
    await resident.says("kiem tra 0912345678")
    resident.sees("Số điện thoại 0912 345 678: chưa có thông tin gì.")


async def test_a_tip_is_marked_as_fraud_from_its_card(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await fraud_tip(engine, org, "r1", FIRST)
    police = Chat(engine, user_id="police")
    await card_of(db, police, code)
    await police.picks("Đánh dấu lừa đảo")
    police.sees("• Số điện thoại 0912 345 678\n• Số tài khoản 0123456789 (Vietcombank)")
    await police.picks("Dùng lời cảnh báo chuẩn")
    await police.picks("Không thời hạn")
    police.sees("2 mục đã vào danh sách cảnh báo lừa đảo của Xã Thanh Mỹ (đến: không thời hạn)")
    stored = await warnings(db)
    assert {(w.value, w.source, w.bank, w.expires_on) for w in stored} == {
        ("0912345678", code, None, None),
        ("0123456789", code, "Vietcombank", None),
    }
    assert stored[0].warning_text.startswith("Công an xã cảnh báo: đối tượng lừa đảo")

    intruder = Chat(engine, user_id="police_y")  # police of another commune
    await card_of(db, intruder, code)
    intruder.receives(police.received[:1])
    await intruder.picks("Đánh dấu lừa đảo")
    intruder.sees("Mục này không dành cho bạn.")


async def test_on_zalo_a_tip_is_marked_by_typing(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await fraud_tip(engine, org, "r1", FIRST)
    police = Chat(engine, user_id="police")
    await police.says(f"/luadao {code}")
    await police.says("Đối tượng giả danh công an.")
    await police.says("31/12/2030")
    police.sees("(đến: 31/12/2030)")
    assert {w.warning_text for w in await warnings(db)} == {"Đối tượng giả danh công an."}


async def scams_import(settings: Settings, *arguments: str) -> int:
    """`python -m bot scams import …`, run in this test's event loop."""
    args = _parser().parse_args(["scams", "import", *arguments])
    return await args.run(settings, args)


async def test_a_published_list_is_imported_all_or_nothing(
    db: Database, settings: Settings, org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Số;Ngân hàng;Nội dung\n0912 345 678;;Giả danh công an\nxin chào;;\n", encoding="utf-8"
    )
    assert await scams_import(settings, str(bad), "--commune", org.commune) == 1
    assert "line 3: no phone number, account, link or username" in capsys.readouterr().err
    assert await warnings(db) == []

    good = tmp_path / "canh_bao_bo_cong_an.csv"
    good.write_text(
        "Số,Ngân hàng,Nội dung,Nguồn,Ngày,Hết hạn\n"
        "+84 912 345 678,,Giả danh công an,Bộ Công an,01/11/2026,\n"
        "0123456789,Vietcombank,Tài khoản nhận tiền lừa đảo,Bộ Công an,01/11/2026,31/12/2027\n"
        "hxxps://dichvucong-bca[.]top,,Trang giả mạo dịch vụ công,,,\n",
        encoding="utf-8",
    )
    assert await scams_import(settings, str(good), "--commune", org.commune) == 0
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert await scams_import(settings, str(good), "--commune", org.commune) == 0
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    stored = await warnings(db)
    assert [(w.kind, w.value, w.bank, w.source) for w in stored] == [
        ("phone", "0912345678", None, "Bộ Công an"),
        ("account", "0123456789", "Vietcombank", "Bộ Công an"),
        ("link", "dichvucong-bca.top", None, "canh_bao_bo_cong_an.csv"),
    ]
    assert str(stored[1].expires_on) == "2027-12-31"


async def test_a_new_fraud_tip_shows_the_earlier_ones_with_the_same_number(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    first = await fraud_tip(engine, org, "r1", FIRST)
    other = await fraud_tip(engine, org, "r2", OTHER_STORY)
    newest = await fraud_tip(engine, org, "r3", SAME_AGAIN)
    police = Chat(engine, user_id="police")
    await card_of(db, police, newest)
    police.sees(f"Cùng số điện thoại 0912 345 678 với {first}, {other}")
    police.sees(f"Cùng số tài khoản 0123456789 (Vietcombank) với {first}")
    police.sees(f"Nội dung {newest} và {first} gần giống nhau: có phải tin trùng?")
    await card_of(db, police, other)
    police.sees(f"Cùng số điện thoại 0912 345 678 với {first}")
    police.does_not_see("gần giống nhau")  # a different story: no duplicate suggested

    await card_of(db, police, newest)
    await police.picks(f"Trùng với {first}")
    police.sees(f"{newest} đã được đánh dấu trùng với {first}.")
    assert (await tip_by_code(db, newest)).status == TipStatus.DUPLICATE


async def test_police_dismiss_a_suggested_duplicate(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    first = await fraud_tip(engine, org, "r1", FIRST)
    newest = await fraud_tip(engine, org, "r3", SAME_AGAIN)
    police = Chat(engine, user_id="police")
    await card_of(db, police, newest)
    await police.picks("Không trùng")
    police.sees(f"Đã ghi nhận: {newest} không trùng với {first}.")
    edited = [m for m in await notices_to(db, "police") if m.edit_of is not None][-1]
    assert "gần giống nhau" not in edited.text and f"với {first}" in edited.text
    assert "Không trùng" not in [c.label for c in edited.choices]
    tip = await tip_by_code(db, newest)
    assert tip.status == TipStatus.NEW
    async with db.transaction() as session:
        kinds = list(await session.scalars(select(TipEvent.kind).where(TipEvent.tip_id == tip.id)))
    assert TipEventKind.NOT_DUPLICATE in kinds


async def test_on_zalo_the_suggestion_is_dismissed_by_typing(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    first = await fraud_tip(engine, org, "r1", FIRST)
    newest = await fraud_tip(engine, org, "r3", SAME_AGAIN)
    police = Chat(engine, user_id="police")
    await police.says(f"/khongtrung {newest} {first}")
    police.sees(f"Đã ghi nhận: {newest} không trùng với {first}.")


async def test_on_zalo_the_card_says_what_to_type_for_each_choice(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    first = await fraud_tip(engine, org, "r1", FIRST)
    newest = await fraud_tip(engine, org, "r3", SAME_AGAIN)
    police = Chat(engine, user_id="police")
    await card_of(db, police, newest)
    card = police.received[-1]
    async with db.transaction() as session:
        typed = await typed_commands(engine.flows, session, card.choices)
    shown = render_text(card, typed=typed, t=Translator("vi", engine.settings.timezone))
    assert f"• Trùng với {first}: gõ /xacnhantrung {newest} {first}" in shown
    assert f"• Không trùng: gõ /khongtrung {newest} {first}" in shown
    assert "/luadao" not in shown and "/trung " not in shown  # nine choices at most
    await card_of(db, police, first)
    async with db.transaction() as session:
        typed = await typed_commands(engine.flows, session, police.received[-1].choices)
    assert typed[f"a:scam:mark:{(await tip_by_code(db, first)).id}"] == f"/luadao {first}"


async def test_the_tip_page_shows_the_links_and_their_choices(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    first = await fraud_tip(engine, org, "r1", FIRST)
    newest = await fraud_tip(engine, org, "r3", SAME_AGAIN)
    police = Chat(engine, user_id="police")
    await police.says(f"/tip {newest}")
    police.sees(f"Cùng số điện thoại 0912 345 678 với {first}")
    page = next(m for m in police.received if m.text.startswith(f"Tin báo {newest}"))
    labels = [c.label for c in page.choices]
    assert {f"Trùng với {first}", "Không trùng"} <= set(labels) and "Trùng" not in labels


async def test_a_purged_fraud_tip_no_longer_counts_in_checks(
    db: Database, engine: DialogEngine, settings: Settings, org: Org
) -> None:
    code = await fraud_tip(engine, org, "r1", FIRST)
    closed = utcnow() - timedelta(days=settings.tip_retention_days + 1)
    async with db.transaction() as session:
        await session.execute(
            update(Tip).where(Tip.code == code).values(status=TipStatus.RESOLVED, closed_at=closed)
        )
    assert await purge_closed_tips(db, settings, utcnow()) == 1
    resident = Chat(engine, user_id="stranger")
    await resident.says("kiem tra 0912345678")
    resident.sees("Số điện thoại 0912 345 678: chưa có thông tin gì.")


def test_close_texts_are_told_from_different_stories() -> None:
    assert similarity(FIRST, SAME_AGAIN) >= 1.0
    assert similarity(FIRST, OTHER_STORY) < 1.0
