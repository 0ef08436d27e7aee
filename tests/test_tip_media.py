"""Evidence files: fetched from the messenger after the tip is stored, kept with their hash."""

from __future__ import annotations

import asyncio
import hashlib
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.config import Settings
from bot.tips.media import FileTooLarge, FileUnavailable, MediaStore
from bot.tips.submit import DraftAttachment
from storage.base import utcnow
from storage.db import Database
from storage.models import Commune, Tip, TipAttachment
from tests.conversation import Chat
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_state import photo_size
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running, telegram_settings
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips

PHOTO = b"\xff\xd8\xff\xe0 a photo of a motorbike" * 50
VOICE = b"OggS a voice message" * 40


class FakeSource:
    """Files by reference; `flaky` refs fail once with a network error first."""

    def __init__(self, files: dict[str, bytes], flaky: set[str] | None = None) -> None:
        self.files = files
        self.flaky = set(flaky or ())
        self.calls: list[str] = []

    async def download(self, ref: str) -> bytes:
        self.calls.append(ref)
        if ref in self.flaky:
            self.flaky.discard(ref)
            raise ConnectionError("network down")
        if ref not in self.files:
            raise FileUnavailable("unknown file id")
        return self.files[ref]


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


async def file_tip(db: Database, settings: Settings, org: Org, *refs: str) -> str:
    """A tip on the test channel with these attachments (photos, a voice message if "voice")."""
    DRAFTS["9001"] = draft(
        org.commune,
        attachments=[
            DraftAttachment("voice" if "voice" in ref else "photo", ref, 10, None) for ref in refs
        ],
    )
    chat = Chat(engine_with_test_tips(db, settings), user_id="9001")
    await chat.says("/testtip")
    said = next(m.text for m in chat.received if m.text.startswith("code="))
    return said.removeprefix("code=")


async def attachments(db: Database) -> list[TipAttachment]:
    async with db.transaction() as session:
        return list(await session.scalars(select(TipAttachment).order_by(TipAttachment.id)))


def on_disk(path: str | None) -> tuple[bytes, int, Path]:
    """Content, permission bits and the path of a stored file (blocking: tests only)."""
    where = Path(path or "")
    return where.read_bytes(), stat.S_IMODE(where.stat().st_mode), where


async def stored_eventually(db: Database, count: int) -> list[TipAttachment]:
    """The attachments once `count` of them have their file, within five seconds."""
    async with asyncio.timeout(5):
        while True:
            rows = await attachments(db)
            if sum(row.local_path is not None for row in rows) >= count:
                return rows
            await asyncio.sleep(0.02)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


async def test_files_are_kept_with_their_hash_and_size(
    db: Database, settings: Settings, org: Org
) -> None:
    code = await file_tip(db, settings, org, "AgADphoto", "AgADvoice")
    source = FakeSource({"AgADphoto": PHOTO, "AgADvoice": VOICE})
    store = MediaStore(db=db, settings=settings, sources={"test": source})
    assert await store.fetch_pending() == 2
    photo, voice = await attachments(db)
    for row, content, suffix in ((photo, PHOTO, ".jpg"), (voice, VOICE, ".ogg")):
        kept, mode, path = on_disk(row.local_path)
        assert path.parent == settings.media_dir / "tips" / code and path.suffix == suffix
        assert kept == content
        assert row.sha256 == hashlib.sha256(content).hexdigest()
        assert row.size == len(content)
        assert mode == 0o600  # evidence: readable by the bot's user only
    # Done is done: nothing is fetched twice.
    assert await store.fetch_pending() == 0
    assert source.calls == ["AgADphoto", "AgADvoice"]


async def test_a_file_that_cannot_be_had_is_given_up_and_others_go_on(
    db: Database, settings: Settings, org: Org
) -> None:
    await file_tip(db, settings, org, "AgADgone", "AgADphoto")
    source = FakeSource({"AgADphoto": PHOTO, "AgADhuge": b"x" * (2 * 1024 * 1024)})
    small = settings.model_copy(update={"tip_max_attachment_mb": 1})
    store = MediaStore(db=db, settings=small, sources={"test": source})
    assert await store.fetch_pending() == 1
    assert await store.fetch_pending() == 0
    assert source.calls == ["AgADgone", "AgADphoto"]
    gone, photo = await attachments(db)
    assert gone.local_path is None and photo.local_path is not None
    # A file larger than allowed is refused even if the messenger hands it over.
    await file_tip(db, settings, org, "AgADhuge")
    assert await store.fetch_pending() == 0
    assert (await attachments(db))[-1].local_path is None


async def test_a_network_error_is_retried_after_a_pause(
    db: Database, settings: Settings, org: Org
) -> None:
    await file_tip(db, settings, org, "AgADphoto")
    clock = Clock()
    source = FakeSource({"AgADphoto": PHOTO}, flaky={"AgADphoto"})
    store = MediaStore(db=db, settings=settings, sources={"test": source}, clock=clock)
    assert await store.fetch_pending() == 0
    assert await store.fetch_pending() == 0  # not before its pause
    clock.now += timedelta(seconds=6)
    assert await store.fetch_pending() == 1
    assert source.calls == ["AgADphoto", "AgADphoto"]


async def test_purged_tips_and_other_messengers_are_left_alone(
    db: Database, settings: Settings, org: Org
) -> None:
    await file_tip(db, settings, org, "AgADphoto")
    source = FakeSource({"AgADphoto": PHOTO})
    other = MediaStore(db=db, settings=settings, sources={"zalo": source})
    assert await other.fetch_pending() == 0
    async with db.transaction() as session:
        await session.execute(update(Tip).values(purged_at=utcnow()))
    store = MediaStore(db=db, settings=settings, sources={"test": source})
    assert await store.fetch_pending() == 0
    assert source.calls == []


async def test_the_background_loop_wakes_on_new_files_and_survives_errors(
    db: Database, settings: Settings, org: Org
) -> None:
    class Broken(FakeSource):
        async def download(self, ref: str) -> bytes:
            if ref == "AgADboom":
                raise RuntimeError("unexpected")
            return await super().download(ref)

    source = Broken({"AgADphoto": PHOTO})
    store = MediaStore(db=db, settings=settings, sources={"test": source}, idle_wait=30)
    task = asyncio.create_task(store.run())
    try:
        await file_tip(db, settings, org, "AgADboom", "AgADphoto")
        store.wake()
        await stored_eventually(db, 1)
    finally:
        store.stop()
        await asyncio.wait_for(task, 5)
    boom, photo = await attachments(db)
    assert boom.local_path is None and photo.sha256 == hashlib.sha256(PHOTO).hexdigest()


# --- over the fake Bot API -----------------------------------------------------------------

RESIDENT, DESK = 4001, -100777


@pytest.fixture
async def api() -> FakeTelegramAPI:
    async with FakeTelegramAPI() as fake:
        yield fake


async def test_a_telegram_photo_reaches_police_and_the_evidence_folder(
    api: FakeTelegramAPI, settings: Settings, db: Database, org: Org
) -> None:
    api.user_message("hi", user_id=5, chat_id=DESK, chat_type="group")  # the desk group exists
    async with db.transaction() as session:
        await session.execute(
            update(Commune)
            .where(Commune.code == org.commune)
            .values(police_chat_channel="telegram", police_chat_id=str(DESK))
        )
    stored = api.add_file("AgADtgphoto", PHOTO, file_path="photos/file_7.jpg")
    # The desk's card and photo go out without Telegram's pause between group messages.
    tg_settings = telegram_settings(settings, api, telegram_group_per_minute=6000)
    async with bot_running(tg_settings) as app:
        assert app.media_store is not None
        script = (
            ("/baotin", "Việc này ở xã hay phường nào?"),
            ("Thanh Mỹ", "Bạn muốn báo về việc gì?"),
            ("Trộm cắp", "Chuyện gì đã xảy ra?"),
            ("Mất xe đạp trước cổng chợ.", "Đã ghi lại."),
            (None, "Đã thêm ảnh (1/5)."),
            ("Xong", "Việc xảy ra khi nào?"),
            ("Hôm qua", "Việc xảy ra ở đâu?"),
            ("Cổng chợ", "Bạn có muốn nhận tin nhắn"),
            ("Có, báo cho tôi", "Bạn hãy xem lại tin báo trước khi gửi:"),
            ("Gửi", "Mã tin: "),
        )
        for text, expected in script:
            extra = {"photo": [photo_size(stored)]} if text is None else {}
            api.push_update(api.user_message(text, user_id=RESIDENT, **extra))
            [reply] = await api.wait_for_call(
                "sendMessage",
                predicate=lambda c, e=expected: (
                    c.params.get("chat_id") == RESIDENT and e in c.params.get("text", "")
                ),
            )
        code = reply.params["text"].split("Mã tin: ")[1][:7]
        card, photo = await api.wait_for_messages(DESK, 2)
        assert code in card["text"]
        assert photo["photo"] == "AgADtgphoto" and photo["caption"] == code
        [row] = await stored_eventually(db, 1)
    kept, _mode, path = on_disk(row.local_path)
    assert kept == PHOTO and path.parent.name == code
    assert row.sha256 == hashlib.sha256(PHOTO).hexdigest() and row.size == len(PHOTO)


async def test_telegram_download_refuses_too_large_and_unknown_files(
    api: FakeTelegramAPI, settings: Settings
) -> None:
    api.add_file("AgADbig", b"x" * (1024 * 1024 + 1))
    api.add_file("AgADsmall", PHOTO)
    tg_settings = telegram_settings(settings, api, tip_max_attachment_mb=1)
    async with bot_running(tg_settings) as app:
        assert app.telegram is not None
        assert await app.telegram.download("AgADsmall") == PHOTO
        with pytest.raises(FileTooLarge):
            await app.telegram.download("AgADbig")
        with pytest.raises(FileUnavailable):
            await app.telegram.download("AgADnope")
