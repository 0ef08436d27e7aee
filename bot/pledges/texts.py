"""The commitments as data: which version a household of a commune sees in a year, the file a
commune gives to replace or extend them, and pages small enough for Zalo.

Which text applies to a commune in a year: its latest version for that year; else its latest
version for every year; else the national default's latest version for that year, else for
every year. A stored version is never edited: a new file makes a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from storage.models import PledgeText
from storage.repos.org import commune_by_code
from storage.repos.pledges import last_text_version, texts_for

# The national default of DOMAIN.md, as seeded by migration 0006 (a test keeps them equal); used
# again only if that row is missing.
NATIONAL_DEFAULT: dict[str, list[str]] = {
    "vi": [
        "Chấp hành nghiêm pháp luật của Nhà nước và hương ước, quy ước của thôn, tổ dân phố.",
        "Không để thành viên trong gia đình vi phạm pháp luật, sa vào tệ nạn xã hội (ma túy, "
        "cờ bạc, mại dâm, tín dụng đen); không có bạo lực gia đình.",
        "Tố giác tội phạm, báo tin về người lạ khả nghi; bảo vệ hiện trường và báo ngay cho "
        "công an khi có vụ việc.",
        "Đăng ký thường trú, tạm trú, khai báo tạm vắng đầy đủ, kể cả người thuê trọ, ở nhờ.",
        "Bảo đảm an toàn phòng cháy, chữa cháy (dùng điện, gas an toàn, không tàng trữ, đốt pháo "
        "nổ trái phép) và chấp hành luật giao thông.",
        "Giải quyết mâu thuẫn, tranh chấp qua tổ hòa giải; giúp đỡ người chấp hành xong án phạt "
        "tù tái hòa nhập cộng đồng.",
        "Tham gia đầy đủ các buổi sinh hoạt của tổ và các hoạt động của phong trào Toàn dân "
        "bảo vệ an ninh Tổ quốc.",
    ],
    "en": [
        "Obey the law and the rules of the village (hương ước, quy ước).",
        "Keep family members from breaking the law or falling into social evils (drugs, "
        "gambling, prostitution, illegal lending); no domestic violence.",
        "Report crimes and suspicious people; protect the scene of an incident and call the "
        "police at once.",
        "Register permanent and temporary residence and declare absences, lodgers included.",
        "Keep the home safe from fire (safe electricity and gas, no illegal fireworks) and obey "
        "the traffic rules.",
        "Settle disputes through the mediation group; help people who have served a prison "
        "sentence return to community life.",
        "Take part in the group's meetings and in the activities of the national movement "
        "“All people protect the security of the Fatherland”.",
    ],
}

MAX_ITEMS = 30
MAX_ITEM_CHARS = 1000
# Zalo shows at most 2,000 characters a message. A page of commitments stays under this, so
# that the question, the numbered choices and "Back"/"Cancel" still fit in the same message.
MESSAGE_LIMIT = 2000
PAGE_CHARS = 1500

TITLE = N_("HOUSEHOLD SAFETY PLEDGE (security and order), {year}")
PLEDGE_INTRO = N_("Our household commits to:")


class PledgeTextError(ValueError):
    """A pledge text file that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class TextFile:
    """What a commune's file asks for: replace the commitments, or add to them."""

    mode: str  # "replace" | "extend"
    vi: list[str]
    en: list[str] | None


def items_of(text: PledgeText, locale: str) -> list[str]:
    """The commitments in the reader's language; Vietnamese when there is no translation."""
    items = text.items or {}
    if locale == "en" and items.get("en"):
        return list(items["en"])
    return list(items.get("vi") or [])


async def applicable_text(
    session: AsyncSession, commune_code: str, year: int, *, own_year: bool = True
) -> PledgeText:
    """The version a household of this commune signs in this year (see the module's note);
    without `own_year`, the one that applies when the commune has no text for this year (what
    an "extend" file adds to)."""
    rows = await texts_for(session, commune_code, year)
    if not own_year:
        rows = [r for r in rows if not (r.commune_code == commune_code and r.year == year)]
    if rows:
        return max(
            rows,
            key=lambda r: (r.commune_code is not None, r.year is not None, r.version, r.id),
        )
    return await _restore_national_default(session)


async def _restore_national_default(session: AsyncSession) -> PledgeText:
    text = PledgeText(commune_code=None, year=None, version=1, items=NATIONAL_DEFAULT)
    session.add(text)
    await session.flush()
    return text


def parse_text_file(path: Path) -> TextFile:
    """Read a pledge text file: YAML (`mode`, `vi`, `en`) or plain text, one commitment a line."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PledgeTextError(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _parse_yaml(raw)
    return _check(TextFile("replace", [_strip_number(line) for line in raw.splitlines()], None))


def _parse_yaml(raw: str) -> TextFile:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PledgeTextError(f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PledgeTextError("the file must have the keys `vi` (and optionally `en`, `mode`)")
    unknown = set(data) - {"mode", "vi", "en"}
    if unknown:
        raise PledgeTextError(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    mode = str(data.get("mode") or "replace").strip().lower()
    if mode not in ("replace", "extend"):
        raise PledgeTextError("`mode` must be `replace` or `extend`")
    vi = _string_list(data.get("vi"), "vi")
    en = _string_list(data["en"], "en") if data.get("en") is not None else None
    return _check(TextFile(mode, vi, en))


def _string_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise PledgeTextError(f"`{key}` must be a list of commitments, one per line with “- ”")
    return [_strip_number(str(v)) for v in value]


def _strip_number(line: str) -> str:
    """ "3. Report crimes" → "Report crimes": the bot numbers the commitments itself."""
    text = " ".join(line.split())
    head, sep, rest = text.partition(" ")
    if sep and head.rstrip(".)").isdigit() and head[-1] in ".)":
        return rest
    return text


def _check(parsed: TextFile) -> TextFile:
    vi = [item for item in parsed.vi if item]
    en = [item for item in parsed.en if item] if parsed.en is not None else None
    if not vi:
        raise PledgeTextError("the file has no commitments")
    if len(vi) > MAX_ITEMS:
        raise PledgeTextError(f"at most {MAX_ITEMS} commitments, the file has {len(vi)}")
    for item in [*vi, *(en or [])]:
        if len(item) > MAX_ITEM_CHARS:
            raise PledgeTextError(
                f"a commitment has {len(item)} characters, at most {MAX_ITEM_CHARS}: {item[:60]}…"
            )
    if en is not None and len(en) != len(vi):
        raise PledgeTextError(
            f"`en` must translate every commitment of `vi`: {len(vi)} in vi, {len(en)} in en"
        )
    return TextFile(parsed.mode, vi, en)


async def store_text(
    session: AsyncSession, commune_code: str, year: int, parsed: TextFile, now: datetime
) -> tuple[PledgeText, bool]:
    """Store the commune's new version for the year; (the version in effect, True if new).
    The same commitments as the version in effect store nothing. "replace" stores the file's
    commitments; "extend" stores the national default's (or the commune's text for every
    year) followed by the file's."""
    if await commune_by_code(session, commune_code) is None:
        raise PledgeTextError(f"no commune with code {commune_code}")
    current = await applicable_text(session, commune_code, year)
    vi, en = parsed.vi, parsed.en
    if parsed.mode == "extend":
        # Added to the text that applies without the commune's own text for the year (the
        # national default, usually): storing the same file twice changes nothing.
        base = await applicable_text(session, commune_code, year, own_year=False)
        base_en = (base.items or {}).get("en")
        vi = items_of(base, "vi") + vi
        en = list(base_en) + en if base_en and en is not None else None
    if len(vi) > MAX_ITEMS:
        raise PledgeTextError(f"at most {MAX_ITEMS} commitments, with the extension {len(vi)}")
    items: dict[str, list[str]] = {"vi": vi, **({"en": en} if en else {})}
    if current.items == items:
        return current, False
    last = await last_text_version(session, commune_code, year)
    text = PledgeText(
        commune_code=commune_code,
        year=year,
        version=last + 1,
        items=items,
        created_at=now,
    )
    session.add(text)
    await session.flush()
    return text, True


def version_label(t: Translator, text: PledgeText, commune_name: str | None) -> str:
    """Which text this is, in words: "Xã Thanh Mỹ, 2026, version 2" or the national one."""
    if text.commune_code is None:
        return t.gettext("national default text, version {version}", version=text.version)
    if text.year is None:
        return t.gettext(
            "text of {commune}, version {version}", commune=commune_name, version=text.version
        )
    return t.gettext(
        "text of {commune} for {year}, version {version}",
        commune=commune_name,
        year=text.year,
        version=text.version,
    )


def pages(t: Translator, text: PledgeText, year: int, heading: str = "") -> list[str]:
    """The title, the heading (the household), then the numbered commitments, cut between
    commitments into pages of at most PAGE_CHARS; several pages are numbered."""
    top = [t.gettext(TITLE, year=year)]
    if heading:
        top.append(heading)
    top += ["", t.gettext(PLEDGE_INTRO)]
    chunks: list[list[str]] = [top]
    items_in_chunk = 0
    for number, item in enumerate(items_of(text, t.locale), start=1):
        line = f"{number}. {item}"
        size = sum(len(x) + 1 for x in chunks[-1])
        if size + len(line) > PAGE_CHARS and items_in_chunk:
            chunks.append([])
            items_in_chunk = 0
        chunks[-1].append(line)
        items_in_chunk += 1
    if len(chunks) == 1:
        return ["\n".join(chunks[0])]
    total = len(chunks)
    return [
        "\n".join(chunk) + "\n\n" + t.gettext("(page {page} of {pages})", page=n, pages=total)
        for n, chunk in enumerate(chunks, start=1)
    ]
