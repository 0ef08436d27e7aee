"""Issue #13, the first minutes: the terminal shows the chat only, the sample commune has every
role and a confirmed resident, `demo reset` restores it, and a terminal shows messages pushed to
it without waiting for the next typed line."""

from __future__ import annotations

import asyncio
import io
import queue
import sqlite3
from pathlib import Path

import pytest

from bot.i18n import compile_catalogs
from bot.messages import OutboundMessage
from bot.runtime.channels.console import CHANNEL, chat_in_terminal, link_console_account
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import Person
from storage.repos.outbox import queue_message
from tests.test_console import run_bot


class Keyboard(io.TextIOBase):
    """Lines typed into the terminal; readline waits (in its thread) until one is typed."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self.lines.get()


class Screen(io.StringIO):
    """What the terminal printed; `shows(text)` waits until it appears."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        self.changed.set()
        return written

    async def shows(self, text: str) -> None:
        while text not in self.getvalue():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), timeout=30)


async def test_a_message_pushed_to_a_terminal_shows_without_a_typed_line(
    db: Database, engine: DialogEngine
) -> None:
    compile_catalogs()
    async with db.transaction() as session:
        person = Person(full_name="Trần Thị Lan")
        session.add(person)
    user_id = await link_console_account(db, person, "vi")
    keyboard, screen = Keyboard(), Screen()
    chatting = asyncio.create_task(
        chat_in_terminal(
            engine=engine,
            db=db,
            user_id=user_id,
            language="vi",
            input_stream=keyboard,
            output=screen,
            push_interval=0.05,
        )
    )
    try:
        await screen.shows("Chào mừng bạn đến với Bình Yên")
        async with db.transaction() as session:
            notice = OutboundMessage("Công an xã hỏi về tin báo TB-7K3Q: Xe máy màu gì?")
            await queue_message(
                session, channel=CHANNEL, chat_id=user_id, payload=notice.to_payload()
            )
        await screen.shows("Xe máy màu gì?")  # nothing was typed meanwhile
    finally:
        keyboard.lines.put("/quit\n")
        await asyncio.wait_for(chatting, timeout=30)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A machine where `make run` ran once (it writes the key), whichever test runs first."""
    workdir = tmp_path_factory.mktemp("first-minutes")
    assert run_bot(["start"], ["/quit"], workdir).returncode == 0
    return workdir


def test_the_terminal_shows_the_chat_and_logs_go_to_a_file(fresh: Path) -> None:
    result = run_bot(["start"], ["/quit"], fresh)
    assert result.returncode == 0, result.stderr
    assert "INFO" not in result.stdout + result.stderr
    assert "alembic" not in result.stdout + result.stderr
    assert "alembic.runtime.migration" in (fresh / "data" / "console.log").read_text()


def test_the_sample_has_every_role_and_a_confirmed_resident(fresh: Path) -> None:
    run_bot(["demo", "seed"], [], fresh)
    database = sqlite3.connect(fresh / "data" / "binhyen.db")
    try:
        roles = {role for (role,) in database.execute("SELECT role FROM role_assignments")}
        confirmed = {
            name
            for (name,) in database.execute(
                "SELECT p.full_name FROM memberships m JOIN persons p ON p.id = m.person_id "
                "WHERE m.status = 'confirmed'"
            )
        }
    finally:
        database.close()
    assert {"commune_admin", "village_head", "group_leader", "commune_police"} <= roles
    assert {"resident", "household_head"} <= roles
    assert "Trần Thị Lan" in confirmed


def test_demo_reset_restores_the_sample(fresh: Path) -> None:
    database = sqlite3.connect(fresh / "data" / "binhyen.db")
    try:
        database.execute("UPDATE persons SET full_name = 'Người đã xóa' WHERE full_name LIKE 'Tr%'")
        database.commit()
    finally:
        database.close()
    assert run_bot(["console", "--as", "Trần Thị Lan"], ["/quit"], fresh).returncode == 2
    reset = run_bot(["demo", "reset"], [], fresh)
    assert reset.returncode == 0, reset.stderr
    assert "Sample commune loaded." in reset.stdout
    again = run_bot(["console", "--as", "Trần Thị Lan"], ["/quit"], fresh)
    assert again.returncode == 0, again.stderr
    assert "Chatting as Trần Thị Lan." in again.stdout


def test_demo_seed_on_a_machine_that_never_started_makes_its_tables_first(
    tmp_path: Path,
) -> None:
    key = "a" * 43 + "="
    result = run_bot(["demo", "seed"], [], tmp_path, BOT_SECRET_KEY=key)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Sample commune loaded." in result.stdout
