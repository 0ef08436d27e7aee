"""The printable invitation poster: an A4 page for the notice board of the village cultural house.

It shows where it invites to, a large QR code of the Telegram deep link and, with ZALO_BOT_LINK,
one of the bot's Zalo link beside it (each read right alone), the short code in big letters
with what to type on Zalo, and until when the code works. The page is always in
Vietnamese, whatever the language of whoever asked for it: it is read on a Vietnamese notice
board, often by elderly people, so every text is large and high in contrast.

Rendering is synchronous and takes a fraction of a second: call it off the event loop
(`asyncio.to_thread`).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.ext.asyncio import AsyncSession

from bot.poster_qr import paste_side_by_side, qr_caption, qr_symbols
from bot.vocabulary import unit_placeholders
from storage.models import Role
from storage.repos.org import scope_names

# A4 portrait at 150 dpi: sharp enough to print, small enough to send as a chat photo.
PAGE_SIZE = (1240, 1754)
DPI = 150
MARGIN = 80
FONTS_DIR = Path(__file__).resolve().parent / "assets" / "fonts"
REGULAR_FONT = FONTS_DIR / "DejaVuSans.ttf"
BOLD_FONT = FONTS_DIR / "DejaVuSans-Bold.ttf"

INK = (20, 24, 31)
MUTED = (70, 76, 86)
WHITE = (255, 255, 255)
BRAND = (14, 76, 117)  # a calm dark blue, readable in black-and-white print too
PALE = (232, 241, 248)


# Who the invite is for, as the poster says it; residents need no line of their own.
ROLE_NAMES_VI: dict[str, str] = {
    Role.RESIDENT: "Người dân",
    Role.HOUSEHOLD_HEAD: "Chủ hộ",
    Role.GROUP_LEADER: "Tổ trưởng",
    Role.GROUP_DEPUTY: "Tổ phó",
    Role.VILLAGE_HEAD: "Trưởng {unit}",  # the commune's word: "Trưởng ấp"
    Role.SECURITY_TEAM: "Tổ bảo vệ an ninh, trật tự cơ sở",
    Role.COMMUNE_POLICE: "Công an xã",
    Role.COMMUNE_ADMIN: "Quản trị viên của xã",
}


@dataclass(frozen=True)
class PosterContent:
    code: str
    place: str  # "Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ"
    link: str | None  # the Telegram deep link; None: no QR code, the typed code only
    expires_on: date | None  # the last day, in the commune's time zone
    role: str = Role.RESIDENT
    max_uses: int | None = None
    zalo_link: str | None = None  # the bot's share link from Zalo Bot Manager (ZALO_BOT_LINK)
    unit_word: str | None = None  # the commune's word for its villages (bot.vocabulary)


@dataclass(frozen=True)
class RenderedPoster:
    path: Path
    size: tuple[int, int]
    # Where things were drawn (left, top, right, bottom), for tests and for whoever lays it out.
    qr_box: tuple[int, int, int, int] | None  # the symbol with its quiet zone
    qr_modules: int  # modules per side, quiet zone included; 0 without a QR code
    code_box: tuple[int, int, int, int]
    zalo_qr_box: tuple[int, int, int, int] | None = None  # the Zalo link's symbol, if any
    zalo_qr_modules: int = 0


async def scope_place(session: AsyncSession, scope_kind: str, scope_id: str) -> str:
    """Where an invite leads, as people say it: 'Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ'."""
    return ", ".join(await scope_names(session, scope_kind, scope_id))


def last_full_day(expires_at: datetime | None, timezone: ZoneInfo) -> date | None:
    """The last day on which the code works all day long, in the commune's time zone: what a
    poster may promise ("until the end of …") without being wrong on the final morning."""
    if expires_at is None:
        return None
    return expires_at.astimezone(timezone).date() - timedelta(days=1)


def render_poster(content: PosterContent, path: Path) -> RenderedPoster:
    """Draw the poster and write it to `path` as PNG (atomically: never half a file).

    From the top: a dark band with the title and the place; the QR code with how to use it on
    Telegram; the code in a box with what to type on Zalo; until when it works; a footer. The
    QR code takes whatever height the texts leave, up to QR_MAX_SIDE.
    """
    page = Image.new("RGB", PAGE_SIZE, WHITE)
    draw = ImageDraw.Draw(page)
    width, height = PAGE_SIZE
    inner = width - 2 * MARGIN
    footer_top = height - 110

    header_bottom = _header(draw, content.place, inner)

    codes = [(name, url) for name, url in (("Telegram", content.link), ("Zalo", content.zalo_link))]
    codes = [(name, url) for name, url in codes if url]
    caption = _Text.fit(draw, qr_caption([name for name, _ in codes]), _bold(44), inner)
    label = _Text.fit(draw, "Mã tham gia", _bold(44), inner, fill=MUTED)
    code_font = _bold(124)
    while _code_width(draw, code_font, content.code) > width - 2 * 40:
        code_font = _bold(code_font.size - 4)
    code_height = _code_box_height(code_font, content.code)
    if content.link:  # Telegram's link carries the code; on Zalo it is typed
        zalo = f"Trên Zalo: nhắn /join {content.code} cho Bình Yên"
    else:
        zalo = f"Trên Zalo hoặc Telegram: nhắn /join {content.code} cho Bình Yên"
    instruction = _Text.fit(draw, zalo, _bold(44), inner, smallest=40)
    if len(instruction.lines) > 1:  # "Trên Zalo hoặc Telegram:" / "nhắn /join … cho Bình Yên"
        where, _, what = zalo.partition(": ")
        instruction = _Text((f"{where}:", what), _bold(48), INK, line_gap=14)
    details = [_Text.wrapped(draw, line, _regular(40), inner) for line in _details(content)]
    below_code = instruction.height + sum(24 + d.height for d in details)
    fixed = label.height + 14 + code_height + 28 + below_code

    boxes: dict[str, tuple[tuple[int, int, int, int], int]] = {}
    if codes:
        name_font = _bold(40)
        names = _line_height(name_font) + 12 if len(codes) > 1 else 0
        room = footer_top - header_bottom - caption.height - fixed - 4 * 30 - names
        symbols = qr_symbols(codes, room, inner)
        tallest = max(symbol.height for _, symbol, _ in symbols)
        gap = 30 + (room - tallest) // 4
        qr_top = caption.draw(draw, header_bottom + gap) + 4
        boxes = paste_side_by_side(page, draw, symbols, qr_top, name_font if names else None)
        y = qr_top + tallest + names + gap
    else:
        y = header_bottom + (footer_top - header_bottom - fixed) // 3

    y = label.draw(draw, y) + 14
    code_box = _code_box(draw, content.code, code_font, y, width)
    y = code_box[3] + 28
    y = instruction.draw(draw, y)
    for detail in details:
        y = detail.draw(draw, y + 24)
    if y > footer_top:
        raise ValueError("the poster's texts do not fit on the page")

    draw.line((MARGIN, footer_top, width - MARGIN, footer_top), fill=(200, 205, 212), width=3)
    _Text.fit(
        draw,
        "Bình Yên không thay thế số khẩn cấp. Khi cần gấp, hãy gọi Công an: 113",
        _regular(30),
        inner,
        fill=MUTED,
    ).draw(draw, footer_top + 28)
    _save(page, path)
    telegram, zalo = boxes.get("Telegram"), boxes.get("Zalo")
    return RenderedPoster(
        path,
        PAGE_SIZE,
        telegram[0] if telegram else None,
        telegram[1] if telegram else 0,
        code_box,
        zalo[0] if zalo else None,
        zalo[1] if zalo else 0,
    )


def _details(content: PosterContent) -> list[str]:
    lines = []
    if content.expires_on is not None:
        lines.append(f"Mã dùng được đến hết ngày {content.expires_on:%d/%m/%Y}")
    if content.role != Role.RESIDENT:
        role = ROLE_NAMES_VI.get(content.role, content.role)
        lines.append(f"Dành cho: {role.format(**unit_placeholders(content.unit_word))}")
    if content.max_uses == 1:
        lines.append("Mã chỉ dùng được 1 lần")
    elif content.max_uses is not None:
        lines.append(f"Mã dùng được {content.max_uses} lần")
    return lines


@dataclass(frozen=True)
class _Text:
    """Centred lines in one font, measured before they are drawn."""

    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont
    fill: tuple[int, int, int]
    line_gap: int = 10

    @classmethod
    def fit(
        cls,
        draw: ImageDraw.ImageDraw,
        text: str,
        font: ImageFont.FreeTypeFont,
        inner: int,
        *,
        fill: tuple[int, int, int] = INK,
        smallest: int = 28,
    ) -> _Text:
        """One line, shrunk until it fits; wrapped if even the smallest size does not."""
        size = font.size
        while draw.textlength(text, font=font) > inner and size > smallest:
            size -= 2
            font = _font(Path(font.path), size)
        return cls(tuple(_wrap(draw, text, font, inner)), font, fill)

    @classmethod
    def wrapped(
        cls,
        draw: ImageDraw.ImageDraw,
        text: str,
        font: ImageFont.FreeTypeFont,
        inner: int,
        *,
        fill: tuple[int, int, int] = INK,
    ) -> _Text:
        return cls(tuple(_wrap(draw, text, font, inner)), font, fill)

    @property
    def height(self) -> int:
        return len(self.lines) * (_line_height(self.font) + self.line_gap) - self.line_gap

    def draw(self, draw: ImageDraw.ImageDraw, top: int) -> int:
        """Draws the lines from `top`; returns the y below them."""
        y = top
        for line in self.lines:
            draw.text((PAGE_SIZE[0] // 2, y), line, font=self.font, fill=self.fill, anchor="mt")
            y += _line_height(self.font) + self.line_gap
        return y - self.line_gap


def _header(draw: ImageDraw.ImageDraw, place: str, inner: int) -> int:
    """The dark band on top: 'Tham gia Bình Yên' and the place, as large as fits."""
    width = PAGE_SIZE[0]
    title = _Text.fit(draw, "Tham gia Bình Yên", _bold(96), inner, fill=WHITE)
    place_text = _place_lines(draw, place, inner)
    band = 52 + title.height + 24 + place_text.height + 52
    draw.rectangle((0, 0, width, band), fill=BRAND)
    y = title.draw(draw, 52)
    place_text.draw(draw, y + 24)
    return band


def _place_lines(draw: ImageDraw.ImageDraw, place: str, inner: int) -> _Text:
    """The place on one line if it fits at a large size, else broken after its commas."""
    attempts = [(1, size) for size in (64, 60, 56, 52)]
    attempts += [(2, size) for size in (64, 60, 56, 52, 48, 44)]
    attempts += [(3, size) for size in (48, 44, 40)]
    for max_lines, size in attempts:
        font = _bold(size)
        lines = _wrap_parts(draw, place, font, inner)
        if len(lines) <= max_lines:
            break
    if len(lines) > 3:  # names far longer than any real one: cut, so the QR code keeps its room
        last = lines[2]
        while last and draw.textlength(f"{last}…", font=font) > inner:
            last = last[:-1]
        lines = [*lines[:2], f"{last.rstrip(' ,')}…"]
    return _Text(tuple(lines), font, WHITE, line_gap=12)


def _wrap_parts(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, inner: int
) -> list[str]:
    """Lines that break after the commas of 'Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ' where possible."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    lines: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}, {part}" if current else part
        if current and draw.textlength(candidate, font=font) > inner:
            lines.append(current + ",")
            current = part
        else:
            current = candidate
    if current:
        lines.append(current)
    return [piece for line in lines for piece in _wrap(draw, line, font, inner)]


CODE_PADDING = (56, 30)  # inside the code's box: horizontal, vertical
CODE_SPACING = 16  # between the code's letters


def _code_box_height(font: ImageFont.FreeTypeFont, code: str) -> int:
    _, top, _, bottom = font.getbbox(code)
    return bottom - top + 2 * CODE_PADDING[1]


def _code_width(draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont, code: str) -> int:
    letters = sum(draw.textlength(char, font=font) for char in code)
    return int(letters) + CODE_SPACING * (len(code) - 1) + 2 * CODE_PADDING[0]


def _code_box(
    draw: ImageDraw.ImageDraw, code: str, font: ImageFont.FreeTypeFont, top: int, width: int
) -> tuple[int, int, int, int]:
    """The code in very large letters, spaced apart, in a pale box with a dark border."""
    advances = [draw.textlength(char, font=font) for char in code]
    box_width = _code_width(draw, font, code)
    left = (width - box_width) // 2
    box = (left, top, left + box_width, top + _code_box_height(font, code))
    draw.rounded_rectangle(box, radius=24, fill=PALE, outline=BRAND, width=6)
    glyph_top = font.getbbox(code)[1]
    x = left + CODE_PADDING[0]
    for char, advance in zip(code, advances, strict=True):
        draw.text((x, top + CODE_PADDING[1] - glyph_top), char, font=font, fill=INK)
        x += advance + CODE_SPACING
    return box


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, inner: int
) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > inner:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def _bold(size: int) -> ImageFont.FreeTypeFont:
    return _font(BOLD_FONT, size)


def _regular(size: int) -> ImageFont.FreeTypeFont:
    return _font(REGULAR_FONT, size)


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _save(page: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".poster-", suffix=".png")
    try:
        with os.fdopen(handle, "wb") as file:
            page.save(file, format="PNG", dpi=(DPI, DPI))
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would keep it from whoever prints it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
