"""The web console in a real browser (Debian's chromium, driven by Playwright), next to the
real bot on the fake Telegram: an officer signs in with the link the bot sent, sees a tip a
resident sent a moment earlier, acknowledges it, asks a question, the reporter answers in the
chat, the answer appears on the page by itself, and the officer closes it; an admin uploads a
household xlsx, sees the preview, applies it, downloads the quarter report, and writes,
previews, sends and follows an announcement to delivery. Every page is checked at a phone's
width (375 px).

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
from openpyxl import Workbook
from PIL import Image
from sqlalchemy import update

from bot.config import Settings
from bot.people.consent import CONSENT_VERSION
from storage.db import Database
from storage.models import ChannelAccount, Commune, Person, Role, RoleAssignment, ScopeKind
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running, free_port
from tests.test_console_lists import HEADER, ROWS
from tests.test_tips_e2e import DESK, OFFICER, REPORTER, fast, press, said, say, send_and_read_code

playwright = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
PHONE = {"width": 375, "height": 812}
ADMIN = 4100
LEADERS = {"leader1": 5001, "leader3": 5003}  # on Telegram here, to receive announcements
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


@pytest.fixture
async def admin(db: Database, org: Org, api: FakeTelegramAPI) -> int:
    """The commune's admin on Telegram; the leaders moved to Telegram too."""
    async with db.transaction() as session:
        person = Person(
            full_name="Võ Thị Hạnh", commune_code=org.commune, consent_version=CONSENT_VERSION
        )
        session.add(person)
        await session.flush()
        session.add(
            RoleAssignment(
                person_id=person.id,
                role=Role.COMMUNE_ADMIN,
                scope_kind=ScopeKind.COMMUNE,
                scope_id=org.commune,
            )
        )
        session.add(
            ChannelAccount(
                channel="telegram",
                external_user_id=str(ADMIN),
                chat_id=str(ADMIN),
                person_id=person.id,
            )
        )
        for key, user in LEADERS.items():
            await session.execute(
                update(ChannelAccount)
                .where(ChannelAccount.external_user_id == key)
                .values(channel="telegram", external_user_id=str(user), chat_id=str(user))
            )
    for user in LEADERS.values():
        api.user_message("/start", user_id=user)  # their chats with the bot exist
    return person.id


def household_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    for row in (HEADER, *ROWS):
        sheet.append(row)
    book.save(path)
    return path


async def test_an_admin_imports_the_household_list_reports_and_announces_on_a_phone(
    api: FakeTelegramAPI,
    settings: Settings,
    db: Database,
    org: Org,
    admin: int,
    browser,  # type: ignore[no-untyped-def]
    shots: Path,
    tmp_path: Path,
) -> None:
    port = free_port()
    bot_settings = fast(settings, api).model_copy(
        update={"web_console": True, "webhook_listen": "127.0.0.1", "webhook_port": port}
    )
    expect = playwright.expect
    async with bot_running(bot_settings):
        api.push_update(api.user_message("/web", user_id=ADMIN, first_name="Hạnh"))
        sent = await said(api, ADMIN, "/console/login/")
        link = re.search(r"http://\S+", sent["text"]).group(0)  # type: ignore[union-attr]
        context = await browser.new_context(viewport=PHONE, locale="vi-VN", accept_downloads=True)
        page = await context.new_page()
        await page.goto(link)
        await page.get_by_role("button", name="Đăng nhập").click()
        await expect(page.get_by_role("link", name="Danh sách hộ")).to_be_visible()

        await page.get_by_role("link", name="Danh sách hộ").click()
        await page.get_by_label("Danh sách hộ của xã").set_input_files(
            household_xlsx(tmp_path / "ho.xlsx")
        )
        await page.get_by_role("button", name="Xem trước").click()
        await expect(page.get_by_role("heading", name="Xem trước: chưa ghi gì")).to_be_visible()
        await fits_a_phone(page)
        await page.screenshot(path=shots / "console-households.png", full_page=True)
        await page.get_by_role("button", name="Áp dụng các thay đổi này").click()
        await expect(page.get_by_role("heading", name="Đã nhập")).to_be_visible()

        await page.get_by_role("link", name="Báo cáo").click()
        await page.get_by_role("button", name="Xem", exact=True).click()
        async with page.expect_download() as download:
            await page.get_by_role("link", name="Tải tệp .xlsx").click()
        assert (await download.value).suggested_filename.endswith(".xlsx")
        await fits_a_phone(page)
        await page.screenshot(path=shots / "console-reports.png", full_page=True)

        await page.get_by_role("link", name="Thông báo").click()
        await page.get_by_label("Gửi thông báo cho ai?").select_option("leaders")
        await page.get_by_label("Nội dung").fill("Họp dân tối thứ Bảy tại nhà văn hóa ấp.")
        await page.get_by_role("button", name="Xem trước").click()
        await expect(page.get_by_role("heading", name="Xem trước: 2 người nhận")).to_be_visible()
        await fits_a_phone(page)
        await page.get_by_role("button", name="Gửi", exact=True).click()
        await expect(page.get_by_role("status")).to_contain_text("Thông báo đang được gửi")
        for user in LEADERS.values():
            await said(api, user, "Họp dân tối thứ Bảy tại nhà văn hóa ấp.")
        # No reload: the progress fetches itself as the outbox delivers.
        await expect(page.locator(".announcements li").first).to_contain_text(
            "đã gửi 2, lỗi 0, còn lại 0", timeout=15_000
        )
        await fits_a_phone(page)
        await page.screenshot(path=shots / "console-announcements.png", full_page=True)

        await page.get_by_role("link", name="Cam kết").click()
        await fits_a_phone(page)
        await page.screenshot(path=shots / "console-coverage.png", full_page=True)
        await context.close()
