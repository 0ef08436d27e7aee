"""Babel catalogs: loading, compiling at start when the build step did not, and formatting."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.config import SUPPORTED_LOCALES

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; it is translated where it is shown."""
    return message


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Build every .mo that is missing or older than its .po; returns what was built."""
    built = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        built.append(mo_path)
    if built:
        log.info("compiled %d message catalogs", len(built))
    return built


def pick_locale(profile_language: str | None, default: str = "vi") -> str:
    """The user's locale: English when their messenger says so, otherwise Vietnamese."""
    if profile_language and profile_language.split("-")[0].lower() == "en":
        return "en"
    return default if default in SUPPORTED_LOCALES else "vi"


@cache
def _translations(locale: str) -> Translations:
    return Translations.load(str(LOCALES_DIR), [locale], domain=DOMAIN)


class Translator:
    """Gettext and date formatting for one locale and time zone."""

    def __init__(self, locale: str, timezone: ZoneInfo) -> None:
        self.locale = locale if locale in SUPPORTED_LOCALES else "vi"
        self.timezone = timezone
        self._catalog = _translations(self.locale)

    def gettext(self, message: str, **values: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def date(self, moment: datetime, style: str = "short") -> str:
        return format_date(moment.astimezone(self.timezone), format=style, locale=self.locale)

    def time(self, moment: datetime, style: str = "short") -> str:
        return format_time(moment, format=style, tzinfo=self.timezone, locale=self.locale)

    def datetime(self, moment: datetime, style: str = "short") -> str:
        return format_datetime(moment, format=style, tzinfo=self.timezone, locale=self.locale)
