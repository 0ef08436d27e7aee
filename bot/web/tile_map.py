"""A small map of where a tip happened, from the tile server the commune configured
(`WEB_MAP_TILES`): the tile under the point and its eight neighbours, computed here, shown as
plain images with a marker, no script. Without the setting there is no map and nothing is
fetched from anywhere: the coordinates stay text."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlparse

from bot.config import Settings

ZOOM = 16  # about 2.4 m a pixel at the equator: a street and its houses
TILE = 256
# Web Mercator stops at about ±85.0511°; beyond that there are no tiles.
MAX_LATITUDE = math.degrees(math.atan(math.sinh(math.pi)))


@dataclass(frozen=True)
class TileMap:
    """Nine tile URLs, row by row, and the marker's place in the 768-pixel square they make."""

    rows: list[list[str]]
    marker_x: int
    marker_y: int
    attribution: str | None


def tile_position(latitude: float, longitude: float, zoom: int) -> tuple[float, float]:
    """The point in tile units at `zoom` (the integer parts name the tile: OSM's slippy map)."""
    n = 2**zoom
    lat = math.radians(max(-MAX_LATITUDE, min(MAX_LATITUDE, latitude)))
    x = (longitude + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(lat)) / math.pi) / 2.0 * n
    return min(max(x, 0.0), n - 1e-9), min(max(y, 0.0), n - 1e-9)


def tile_origin(settings: Settings) -> str | None:
    """The one host the console's pages may load images from besides itself."""
    if not settings.web_map_tiles:
        return None
    parsed = urlparse(settings.web_map_tiles)
    return f"{parsed.scheme}://{parsed.netloc}"


def tile_map(settings: Settings, latitude: float | None, longitude: float | None) -> TileMap | None:
    """The map of a point, or None without a tile source or without coordinates."""
    if not settings.web_map_tiles or latitude is None or longitude is None:
        return None
    x, y = tile_position(latitude, longitude, ZOOM)
    column, row = int(x), int(y)
    n = 2**ZOOM
    rows = [
        [
            _url(settings.web_map_tiles, ZOOM, (column + dx) % n, min(max(row + dy, 0), n - 1))
            for dx in (-1, 0, 1)
        ]
        for dy in (-1, 0, 1)
    ]
    return TileMap(
        rows=rows,
        marker_x=round((1 + x - column) * TILE),
        marker_y=round((1 + y - row) * TILE),
        attribution=settings.web_map_attribution,
    )


def _url(template: str, zoom: int, x: int, y: int) -> str:
    return template.replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y))
