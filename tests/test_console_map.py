"""A tip's small map in the console: only from the tile server the commune configured, the tile
under the point and its neighbours (the slippy-map arithmetic checked on known points), and the
page's CSP opened to exactly that host; without the setting no map and no outside host at all."""

from __future__ import annotations

import math
import re

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.runtime.dialog.engine import DialogEngine
from bot.web.tile_map import tile_position
from storage.db import Database
from tests.console_harness import console_client, sign_in
from tests.conversation import Chat
from tests.org_fixtures import Org, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips

TILES = "https://tiles.example/{z}/{x}/{y}.png"
# Bến Nghé, Hồ Chí Minh City.
LATITUDE, LONGITUDE = 10.7769, 106.7009
URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"web_console": True})


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


async def tip_page(db: Database, settings: Settings, org: Org) -> tuple[str, str]:
    """A tip with coordinates filed in the chat, opened by the officer: (page, its CSP)."""
    engine: DialogEngine = engine_with_test_tips(db, settings)
    DRAFTS["mapper"] = draft(org.commune, latitude=LATITUDE, longitude=LONGITUDE)
    reporter = Chat(engine, user_id="mapper", name="Người Báo")
    await reporter.says("/testtip")
    code = next(m.text for m in reporter.received if m.text.startswith("code="))[5:]
    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="police"))
        response = await client.get(f"/console/tips/{code}")
        assert response.status == 200
        return await response.text(), response.headers["Content-Security-Policy"]


def test_the_tile_arithmetic_on_known_points() -> None:
    assert tile_position(0.0, 0.0, 16) == (32768.0, 32768.0)
    assert tile_position(0.0, -180.0, 1) == (0.0, 1.0)
    # The same point by the other textbook form, y = (1 - ln(tan φ + sec φ) / π) / 2 · 2^z.
    x, y = tile_position(LATITUDE, LONGITUDE, 16)
    phi = math.radians(LATITUDE)
    expected_y = (1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * 2**16
    assert (int(x), int(y)) == (52192, 30794)
    assert y == pytest.approx(expected_y, abs=1e-6)


def test_a_tile_source_must_name_one_server_and_the_three_numbers() -> None:
    for bad in ("tiles.example/{z}/{x}/{y}.png", "https://tiles.example/{z}/{x}.png"):
        with pytest.raises(ValidationError):
            Settings(web_map_tiles=bad)
    assert Settings(web_map_tiles=TILES).web_map_tiles == TILES


async def test_with_a_tile_source_the_tip_shows_nine_tiles_around_the_point(
    db: Database, settings: Settings, org: Org
) -> None:
    with_map = settings.model_copy(
        update={"web_map_tiles": TILES, "web_map_attribution": "© Bản đồ xã"}
    )
    page, csp = await tip_page(db, with_map, org)
    tiles = re.findall(r'<img src="(https://tiles\.example/[^"]+)"', page)
    assert tiles == [
        f"https://tiles.example/16/{x}/{y}.png"
        for y in (30793, 30794, 30795)
        for x in (52191, 52192, 52193)
    ]
    # The marker sits where the point falls in the middle tile (x .306, y .454 of it).
    assert 'cx="334" cy="372"' in page
    assert "© Bản đồ xã" in page
    assert "img-src 'self' https://tiles.example;" in csp
    assert {url.split("/")[2] for url in URL.findall(page)} == {"tiles.example"}


async def test_without_a_tile_source_the_place_stays_text_and_nothing_leaves_the_console(
    db: Database, settings: Settings, org: Org
) -> None:
    assert settings.web_map_tiles is None  # the default
    page, csp = await tip_page(db, settings, org)
    assert "(10.77690, 106.70090)" in page
    assert "<svg" not in page and "tiles" not in page
    assert URL.findall(page) == []  # no address outside the console, of any kind
    assert "img-src 'self';" in csp
