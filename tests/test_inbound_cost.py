"""What keeps an update cheap, checked as behaviour (never as time; `make bench` measures):
an update is parsed once, replies go as one JSON body, aiohttp reads the proxy environment
only when a proxy is set, and an update's path runs a bounded number of statements."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import Update

from benchmarks.counts import common_updates
from bot.config import Settings
from bot.runtime import app as app_module
from bot.runtime.app import startup_frozen
from bot.runtime.channels.telegram_http import AiohttpRequest
from tests.conftest import POSTGRES_URL
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram_harness import bot_running, telegram_settings

LAN = 1001


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake


async def test_an_update_is_parsed_once_from_the_poll_to_the_reply(
    api: FakeTelegramAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[int] = []
    original = Update.de_json.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Update], data: dict[str, Any], bot: Any = None) -> Update:
        parsed.append(data["update_id"])
        return original(cls, data, bot)

    monkeypatch.setattr(Update, "de_json", classmethod(counting))
    async with bot_running(telegram_settings(settings, api)):
        update = api.user_message("menu", user_id=LAN)
        api.push_update(update)
        await api.wait_for_messages(LAN, 1)

    assert parsed.count(update["update_id"]) == 1


async def test_a_reply_goes_as_one_json_body_with_the_bot_api_s_own_keyboard(
    api: FakeTelegramAPI, settings: Settings
) -> None:
    async with bot_running(telegram_settings(settings, api)):
        api.push_update(api.user_message("menu", user_id=LAN))
        (menu,) = await api.wait_for_messages(LAN, 1)

    assert menu["chat_id"] == LAN  # a JSON number: a form would have sent the string "1001"
    keyboard = menu["reply_markup"]["inline_keyboard"]
    assert keyboard and all(set(row[0]) == {"text", "callback_data"} for row in keyboard)


@pytest.mark.parametrize(("proxy", "trusted"), [("", False), ("http://proxy.lan:3128", True)])
async def test_the_proxy_environment_is_read_only_when_a_proxy_is_set(
    monkeypatch: pytest.MonkeyPatch, proxy: str, trusted: bool
) -> None:
    for name in [name for name in os.environ if name.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "localhost")  # says where not to use one: none is set
    if proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy)
    request = AiohttpRequest()
    await request.initialize()
    try:
        assert request._session is not None
        assert request._session.trust_env is trusted
    finally:
        await request.shutdown()


async def test_an_update_s_whole_path_runs_few_statements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From stored to settled, on SQLite. A new statement on this path costs every update:
    raise these bounds only knowingly (docs/ARCHITECTURE.md, "One update, few round trips")."""
    # Every statement is counted: no scheduled job (the tip clock's first tick comes 5 s after
    # the start) may run in the middle of a slow machine's count.
    monkeypatch.setattr(app_module, "build_scheduler", lambda *_a, **_k: AsyncIOScheduler())
    with tempfile.TemporaryDirectory() as workdir:
        counted = dict(await common_updates(f"sqlite+aiosqlite:///{Path(workdir) / 'c.db'}"))

    bounds = {
        # SQLite's BEGIN goes to the driver: not counted. The new conversation is inserted,
        # then saved with the turn's state: one statement more than the unit of work's one
        # INSERT, and cheaper (storage/direct.py).
        'a new user\'s "menu"': (9, 3),
        "a menu button pressed": (10, 4),
        "a tip step (the commune typed)": (10, 3),
        "a tip step (the category typed)": (8, 3),
    }
    for name, (statements, transactions) in bounds.items():
        tally = counted[name]
        assert tally.statements <= statements, (name, tally)
        assert tally.transactions <= transactions, (name, tally)
        assert tally.thread_trips == 0, (name, tally)


@pytest.mark.skipif(not POSTGRES_URL, reason="round trips to a server: PostgreSQL's")
async def test_an_update_s_whole_path_makes_few_round_trips_to_postgresql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From stored to settled, each BEGIN, statement, COMMIT and check of a connection: on
    PostgreSQL the round trips are the cost. Raise these bounds only knowingly."""
    monkeypatch.setattr(app_module, "build_scheduler", lambda *_a, **_k: AsyncIOScheduler())
    assert POSTGRES_URL is not None
    counted = dict(await common_updates(POSTGRES_URL))

    bounds = {
        # Stored (1); BEGIN, the arrival, the save with the reply, COMMIT (4); marked (1).
        'a new user\'s "menu"': 6,
        "a menu button pressed": 10,  # two replies; the drafts read for the menu's entries
        "a tip step (the commune typed)": 12,
        "a tip step (the category typed)": 9,
    }
    for name, trips in bounds.items():
        # A statement's first use on a connection is prepared first, one round trip more: the
        # pool may have opened another connection meanwhile (the outbox worker's).
        assert counted[name].server_trips <= trips + 1, (name, counted[name])


def test_the_full_collections_skip_what_was_made_to_start_while_the_bot_serves() -> None:
    gc.collect()
    startup = [object()]  # a container, which the collector tracks

    with startup_frozen():
        assert gc.get_freeze_count() > 0
        assert not any(item is startup for item in gc.get_objects(generation=2))

    assert gc.get_freeze_count() == 0  # a stopped bot leaves the collector as it found it


def test_the_menu_a_set_of_roles_sees_is_worked_out_once_and_again_after_a_change() -> None:
    from bot.runtime.dialog.flows import FlowRegistry, MenuEntry

    asked: list[frozenset[str]] = []

    def police(roles: frozenset[str]) -> bool:
        asked.append(roles)
        return "police" in roles

    flows = FlowRegistry()
    flows.menu.append(MenuEntry(key="desk", label="Desk", flow="desk", visible_to=police))
    roles = frozenset({"police"})
    assert [e.key for e in flows.menu_for(roles)] == ["desk"]
    assert [e.key for e in flows.menu_for(roles)] == ["desk"]
    assert len(asked) == 1  # every update asks; the answer is kept
    flows.move_under_more({"desk"})
    assert flows.menu_for(roles)[0].secondary
