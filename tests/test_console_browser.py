"""The web console in a real browser (Debian's chromium, driven by Playwright), next to the
real bot on the fake Telegram: an officer signs in with the link the bot sent, sees a tip a
resident sent a moment earlier, acknowledges it, asks a question, the reporter answers in the
chat, the answer appears on the page by itself, and the officer closes the tip; every page is
checked at a phone's width (375 px).

Screenshots go to a temporary directory, or to docs/img/ with CONSOLE_SCREENSHOTS=1 (how the
committed ones were made)."""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import update

from bot.config import Settings
from storage.db import Database
from storage.models import ChannelAccount, Commune
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running, free_port
from tests.test_tips_e2e import DESK, OFFICER, REPORTER, fast, press, said, say, send_and_read_code

playwright = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
PHONE = {"width": 375, "height": 812}
DOCS_IMG = Path(__file__).resolve().parent.parent / "docs" / "img"


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def org(db: Database, api: FakeTelegramAPI) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        await session.execute(
            update(Commune)
            .where(Commune.code == org.commune)
            .values(police_chat_channel="telegram", police_chat_id=str(DESK))
        )
        session.add(
            ChannelAccount(
                channel="telegram",
                external_user_id=str(OFFICER),
                chat_id=str(OFFICER),
                person_id=org.people["police"],
            )
        )
    api.user_message("hello", user_id=OFFICER, chat_id=DESK, chat_type="supergroup")
    return org


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return DOCS_IMG if os.environ.get("CONSOLE_SCREENSHOTS") else tmp_path


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with playwright.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        await chromium.close()


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (90, 120, 150)).save(out, "JPEG")
    return out.getvalue()


async def a_tip_with_a_photo(api: FakeTelegramAPI) -> str:
    """A resident who never joined reports a theft with a photo, anonymously, in the chat."""
    api.add_file("photo-evidence-1", a_photo())
    say(api, "/baotin")
    await said(api, REPORTER, "Việc này ở xã hay phường nào?")
    say(api, "Thanh Mỹ")
    press(api, await said(api, REPORTER, "Bạn muốn báo về việc gì?"), "Trộm cắp", REPORTER)
    await said(api, REPORTER, "Chuyện gì đã xảy ra?")
    say(api, "Hai người lạ bẻ khóa xe máy trước nhà số 21.")
    await said(api, REPORTER, "Đã ghi lại")
    photo = [{"file_id": "photo-evidence-1", "file_unique_id": "u1", "width": 160, "height": 120}]
    say(api, None, photo=photo)
    press(api, await said(api, REPORTER, "Đã thêm ảnh (1/5)"), "Xong", REPORTER)
    press(api, await said(api, REPORTER, "Việc xảy ra khi nào?"), "Hôm qua", REPORTER)
    await said(api, REPORTER, "Việc xảy ra ở đâu?")
    say(api, "Đầu hẻm đường Cây Dương")
    press(api, await said(api, REPORTER, "Bạn có muốn nhận tin nhắn"), "Có, báo cho tôi", REPORTER)
    return await send_and_read_code(api, REPORTER)


async def fits_a_phone(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing wider than the screen: no sideways scrolling on a 375 px phone."""
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than a phone"


async def test_an_officer_works_a_fresh_tip_in_the_browser_with_the_reporter_in_the_chat(
    api: FakeTelegramAPI,
    settings: Settings,
    db: Database,
    org: Org,
    browser,  # type: ignore[no-untyped-def]
    shots: Path,
) -> None:
    port = free_port()
    bot_settings = fast(settings, api).model_copy(
        update={"web_console": True, "webhook_listen": "127.0.0.1", "webhook_port": port}
    )
    expect = playwright.expect
    async with bot_running(bot_settings):
        code = await a_tip_with_a_photo(api)
        api.push_update(api.user_message("/web", user_id=OFFICER, first_name="Bảo"))
        sent = await said(api, OFFICER, "/console/login/")
        link = re.search(r"http://\S+", sent["text"]).group(0)  # type: ignore[union-attr]
        assert link.startswith(f"http://127.0.0.1:{port}/console/login/")

        context = await browser.new_context(viewport=PHONE, locale="vi-VN")
        page = await context.new_page()
        await page.goto(link)
        await fits_a_phone(page)
        await page.screenshot(path=shots / "console-login.png")
        await page.get_by_role("button", name="Đăng nhập").click()

        await expect(page.get_by_role("heading", name="Tin báo")).to_be_visible()
        row = page.locator("li.tip", has_text=code)
        await expect(row).to_have_class(re.compile("clock-waiting"))
        await expect(row).to_contain_text("đang chờ tiếp nhận")
        await fits_a_phone(page)
        await page.screenshot(path=shots / "console-desk.png", full_page=True)

        await row.get_by_role("link", name=code).click()
        await expect(
            page.get_by_text("Hai người lạ bẻ khóa xe máy trước nhà số 21.")
        ).to_be_visible()
        await page.get_by_role("button", name="Tiếp nhận").click()
        await expect(page.get_by_role("status")).to_have_text("Đã đổi trạng thái.")
        await said(api, REPORTER, f"Công an xã đã tiếp nhận tin báo {code} của bạn.")

        await page.get_by_label("Hỏi thêm người báo").fill("Xe máy màu gì?")
        await page.get_by_role("button", name="Gửi câu hỏi").click()
        await expect(page.get_by_role("status")).to_contain_text("Câu hỏi đã được gửi")
        question = await said(api, REPORTER, f"Công an xã hỏi về tin báo {code}: Xe máy màu gì?")
        press(api, question, "Trả lời", REPORTER)
        await said(api, REPORTER, "Bạn gõ câu trả lời cho công an xã")
        say(api, "Xe Wave màu đỏ, biển 66-B1 123.45")
        # No reload: the page's history fetches itself and shows the answer.
        await expect(page.get_by_text("Xe Wave màu đỏ, biển 66-B1 123.45")).to_be_visible(
            timeout=15_000
        )
        await expect(page.locator("img[alt='ảnh']")).to_have_count(1, timeout=15_000)
        await fits_a_phone(page)
        await page.screenshot(path=shots / "console-tip.png", full_page=True)

        await page.get_by_label("Kết thúc, kèm lời nhắn cho người báo").fill(
            "Đã mời hai người đến làm việc. Cảm ơn bạn."
        )
        await page.get_by_role("button", name="Đã giải quyết").click()
        await expect(page.get_by_role("status")).to_contain_text("Tin báo đã kết thúc")
        await said(api, REPORTER, "Đã mời hai người đến làm việc. Cảm ơn bạn.")

        await page.goto(link.split("/login/")[0] + "/sessions")
        await expect(page.get_by_text("trình duyệt này")).to_be_visible()
        await fits_a_phone(page)
        await page.screenshot(path=shots / "console-sessions.png")
        await context.close()
