"""The QR codes of an invitation poster: Telegram's deep link and, with ZALO_BOT_LINK, the
bot's Zalo link, side by side when both are there, each with its app's name under it."""

from __future__ import annotations

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

QR_QUIET_MODULES = 4  # the white margin scanners need around the symbol
QR_MAX_SIDE = 720
QR_GAP = 60  # between the Telegram and the Zalo code
INK = (20, 24, 31)

Box = tuple[int, int, int, int]


def qr_caption(names: list[str]) -> str:
    """Above the QR codes: which app opens which, read right with either one alone."""
    if names == ["Telegram"]:
        return "Trên Telegram: quét mã QR bằng camera điện thoại"
    if names == ["Zalo"]:
        return "Trên Zalo: quét mã QR để mở Bình Yên"
    return "Quét mã QR của Telegram hoặc của Zalo"


def qr_symbols(
    codes: list[tuple[str, str]], room: int, inner: int
) -> list[tuple[str, Image.Image, int]]:
    """(app, symbol, modules) for each (app, link), as large as `room` allows; two share the
    width, each one a camera can still read from a metre."""
    side = min(QR_MAX_SIDE, room)
    if len(codes) > 1:
        side = min(side, (inner - QR_GAP) // 2)
    return [(name, *qr_image(url, side)) for name, url in codes]


def paste_side_by_side(
    page: Image.Image,
    draw: ImageDraw.ImageDraw,
    symbols: list[tuple[str, Image.Image, int]],
    top: int,
    name_font: ImageFont.FreeTypeFont | None,
) -> dict[str, tuple[Box, int]]:
    """Centred on the page from `top`; the app's name under each when `name_font`."""
    width = page.width
    left = (width - sum(s.width for _, s, _ in symbols) - QR_GAP * (len(symbols) - 1)) // 2
    boxes: dict[str, tuple[Box, int]] = {}
    for name, symbol, count in symbols:
        page.paste(symbol, (left, top))
        boxes[name] = ((left, top, left + symbol.width, top + symbol.height), count)
        if name_font is not None:
            centre = left + symbol.width // 2
            draw.text(
                (centre, top + symbol.height + 8), name, font=name_font, fill=INK, anchor="mt"
            )
        left += symbol.width + QR_GAP
    return boxes


def qr_image(link: str, side: int) -> tuple[Image.Image, int]:
    """The QR symbol, quiet zone included, at most `side` pixels wide; and its module count."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QR_QUIET_MODULES)
    qr.add_data(link)
    qr.make(fit=True)
    modules = len(qr.get_matrix())  # quiet zone included
    # Whole pixels per module keep every edge sharp for the camera.
    qr.box_size = max(4, side // modules)
    image = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    return image, modules
