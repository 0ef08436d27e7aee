"""Phone numbers, bank accounts, links and usernames in a pasted or forwarded message.

Every item comes out normalised (`value`, what is stored and compared) with the form to show
(`shown`): "+84 912-345-678" → 0912345678, shown "0912 345 678"; "hxxps://vi-vcb[.]com/x" →
vi-vcb.com; "t.me/Ho_Tro_VCB" → @ho_tro_vcb; "STK 0123 4567 89 Vietcombank" → account
0123456789 at Vietcombank. A number next to an account word or a bank's name is an account,
else a phone number when it is one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ItemKind(StrEnum):
    PHONE = "phone"
    ACCOUNT = "account"
    LINK = "link"
    HANDLE = "handle"  # a Telegram or Zalo username or page


@dataclass(frozen=True)
class Item:
    kind: ItemKind
    value: str  # normalised: what is stored, keyed and compared
    shown: str  # how people write it
    bank: str | None = None  # an account's bank, when the message names it


# Alias (lower case, no diacritics) → the bank's usual name.
BANKS = {
    "vietcombank": "Vietcombank",
    "vcb": "Vietcombank",
    "vietinbank": "VietinBank",
    "viettinbank": "VietinBank",
    "bidv": "BIDV",
    "agribank": "Agribank",
    "techcombank": "Techcombank",
    "techcom": "Techcombank",
    "tcb": "Techcombank",
    "mbbank": "MB",
    "mb bank": "MB",
    "mb": "MB",
    "ngan hang quan doi": "MB",
    "acb": "ACB",
    "vpbank": "VPBank",
    "vp bank": "VPBank",
    "tpbank": "TPBank",
    "tp bank": "TPBank",
    "sacombank": "Sacombank",
    "hdbank": "HDBank",
    "vib": "VIB",
    "shb": "SHB",
    "ocb": "OCB",
    "msb": "MSB",
    "seabank": "SeABank",
    "eximbank": "Eximbank",
    "lpbank": "LPBank",
    "lienvietpostbank": "LPBank",
    "nam a bank": "Nam A Bank",
    "bac a bank": "Bac A Bank",
    "abbank": "ABBank",
    "pvcombank": "PVcomBank",
    "kienlongbank": "KienlongBank",
    "momo": "MoMo",
    "zalopay": "ZaloPay",
    "viettel money": "Viettel Money",
    "viettelpay": "Viettel Money",
    "timo": "Timo",
}
ACCOUNT_WORDS = (
    "stk",
    "so tk",
    "tk",
    "tai khoan",
    "account",
    "acc",
    "chuyen khoan vao",
    "ck vao",
    "ngan hang",
)
PHONE_WORDS = ("sdt", "so dien thoai", "dien thoai", "dt", "goi", "lien he", "hotline", "zalo")
# Hosts shared by many people: the page, not the host, is the item.
SHARED_HOSTS = {
    "bit.ly",
    "tinyurl.com",
    "cutt.ly",
    "rb.gy",
    "is.gd",
    "t.ly",
    "shorturl.at",
    "goo.gl",
    "forms.gle",
    "facebook.com",
    "fb.com",
    "m.facebook.com",
    "sites.google.com",
    "docs.google.com",
    "drive.google.com",
    "tiktok.com",
    "youtube.com",
}
TELEGRAM_HOSTS = {"t.me", "telegram.me", "telegram.dog"}
TLDS = (
    "com|net|org|info|biz|vn|xyz|top|site|online|io|me|cc|club|shop|app|link|ly|co|asia|store|"
    "live|vip|pro|tk|ml|ga|cf|gq|icu|fun|win|bet|cam|life|today|tv|us|cn|ru|page|dev|website|"
    "space|tech|click|gl|gd|at|ink|work|buzz|cyou|sbs|bond"
)

_DEOBFUSCATE = [
    (re.compile(r"\(\s*(\+?84)\s*\)\s*"), r"+84 "),
    (re.compile(r"(\+?84)\s*\(0\)\s*"), r"\1 "),
    (re.compile(r"\s?[\[({]\s*(?:\.|dot)\s*[\])}]\s?", re.IGNORECASE), "."),
    (re.compile(r"\[\s*:\s*\]"), ":"),
    (re.compile(r"\bh(?:xx|\*\*)p", re.IGNORECASE), "http"),
]
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_BARE = re.compile(
    rf"(?<![\w@.\-/])((?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{TLDS}))(?![\w\-])"
    r"(/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@./])@([a-z][a-z0-9_]{3,31})\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w+])(\+?\d+(?:[ .\-]\d+)*)")
_MONEY_AFTER = re.compile(r"\s?(?:d\b|vnd|k\b|tr\b|trieu|nghin|ngan\b(?!\s*hang)|dong|usd|%)")
_TRAILING = ".,;:!?)]}'\"…"
_BANK = re.compile(r"\b(" + "|".join(sorted(map(re.escape, BANKS), key=len, reverse=True)) + r")\b")
_ACCOUNT_WORD = re.compile(r"\b(" + "|".join(ACCOUNT_WORDS) + r")\b")
_PHONE_WORD = re.compile(r"\b(" + "|".join(PHONE_WORDS) + r")\b")
CONTEXT = 40  # characters before a number that say what it is


def extract_items(text: str) -> list[Item]:
    """Every item in the message, once each, in the order they appear."""
    clean = deobfuscate(text)
    found: list[tuple[int, Item]] = []
    blank = list(clean)

    def take(match: re.Match[str], items: list[Item]) -> None:
        found.extend((match.start(), item) for item in items)
        blank[match.start() : match.end()] = " " * (match.end() - match.start())

    for match in _EMAIL.finditer(clean):
        take(match, [])
    for match in _URL.finditer("".join(blank)):
        take(match, _from_url(match.group(0)))
    for match in _BARE.finditer("".join(blank)):
        take(match, _from_url("http://" + match.group(0)))
    for match in _HANDLE.finditer("".join(blank)):
        take(match, [Item(ItemKind.HANDLE, "@" + match.group(1).lower(), "@" + match.group(1))])
    found += _numbers("".join(blank))
    unique: dict[tuple[ItemKind, str], Item] = {}
    for _position, item in sorted(found, key=lambda pair: pair[0]):
        unique.setdefault((item.kind, item.value), item)
    return list(unique.values())


def deobfuscate(text: str) -> str:
    for pattern, replacement in _DEOBFUSCATE:
        text = pattern.sub(replacement, text)
    return text


def plain(text: str) -> str:
    """Lower case without diacritics, one character for one, so positions still match."""
    out = []
    for char in text.replace("đ", "d").replace("Đ", "D"):
        base = unicodedata.normalize("NFD", char)[0]
        out.append(base.lower() if len(base.lower()) == 1 else char)
    return "".join(out)


def _from_url(url: str) -> list[Item]:
    url = url.rstrip(_TRAILING)
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    host = host.split("@")[-1].split(":")[0].lower().removeprefix("www.")
    path = path.split("?")[0].split("#")[0].rstrip("/")
    first = path.split("/")[0]
    if host in TELEGRAM_HOSTS and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", first):
        return [Item(ItemKind.HANDLE, "@" + first.lower(), "@" + first)]
    if host == "zalo.me" and first:
        if phone := normalise_phone(first):
            return [Item(ItemKind.PHONE, phone, show_phone(phone))]
        return [Item(ItemKind.HANDLE, f"zalo.me/{first.lower()}", f"zalo.me/{first}")]
    if host in SHARED_HOSTS or host in TELEGRAM_HOSTS or host == "zalo.me":
        value = f"{host}/{path}" if path else host
        return [Item(ItemKind.LINK, value, value)]
    shown = f"{host}/{path}" if path else host
    return [Item(ItemKind.LINK, host, shown[:80])]


def normalise_phone(digits: str) -> str | None:
    """0912345678 from 0912345678, 84912345678 or 840912345678; landlines (02…) and
    1800/1900 lines too; None when it is not a Vietnamese number."""
    if not digits.isdigit():
        return None
    if digits.startswith("84") and len(digits) in (11, 12):
        national = digits[2:].removeprefix("0") if len(digits) == 12 else digits[2:]
        digits = "0" + national
    if len(digits) == 10 and digits[0] == "0" and digits[1] in "35789":
        return digits
    if len(digits) == 11 and digits.startswith("02"):
        return digits
    if len(digits) in (8, 10) and digits[:4] in ("1800", "1900"):
        return digits
    return None


def show_phone(phone: str) -> str:
    if len(phone) == 10 and phone[0] == "0":
        return f"{phone[:4]} {phone[4:7]} {phone[7:]}"
    if len(phone) == 11:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return phone


def normalise_account(digits: str) -> str | None:
    return digits if digits.isdigit() and 6 <= len(digits) <= 19 else None


def _numbers(text: str) -> list[tuple[int, Item]]:
    lowered = plain(text)
    banks = [(m.start(), BANKS[m.group(1)]) for m in _BANK.finditer(lowered)]
    items: list[tuple[int, Item]] = []
    for match in _NUMBER.finditer(text):
        raw = match.group(1)
        if _is_money(raw, lowered[match.end() : match.end() + 16]):
            continue
        wants = _what_number(lowered[max(0, match.start() - CONTEXT) : match.start()])
        bank = _bank_near(banks, match.start(), match.end())
        if wants == ItemKind.ACCOUNT or (wants is None and bank and not _phone_in(raw)):
            account = normalise_account(re.sub(r"\D", "", raw))
            if account:
                item = Item(ItemKind.ACCOUNT, account, account, bank)
                items.append((match.start(), item))
                continue
        items += [(match.start(), item) for item in _phones(raw)]
    return items


def _is_money(raw: str, after: str) -> bool:
    groups = re.split(r"[ .\-]", raw)
    thousands = len(groups) > 1 and "." in raw and all(len(g) == 3 for g in groups[1:])
    return (thousands and not _phone_in(raw)) or bool(_MONEY_AFTER.match(after))


def _what_number(before: str) -> ItemKind | None:
    """What the nearest telling word before a number says it is."""
    last_account = max((m.end() for m in _ACCOUNT_WORD.finditer(before)), default=-1)
    last_bank = max((m.end() for m in _BANK.finditer(before)), default=-1)
    last_phone = max((m.end() for m in _PHONE_WORD.finditer(before)), default=-1)
    if max(last_account, last_bank) > last_phone:
        return ItemKind.ACCOUNT
    return ItemKind.PHONE if last_phone >= 0 else None


def _bank_near(banks: list[tuple[int, str]], start: int, end: int) -> str | None:
    near = [(abs(at - start), name) for at, name in banks if start - CONTEXT <= at <= end + 30]
    return min(near)[1] if near else None


def _phone_in(raw: str) -> bool:
    return bool(_phones(raw))


def _phones(raw: str) -> list[Item]:
    """The phone numbers in a run of digit groups: "0912 345 678 0987 654 321" holds two."""
    plus = raw.startswith("+")
    groups = re.split(r"[ .\-]", raw.lstrip("+"))
    items, start = [], 0
    while start < len(groups):
        for end in range(min(len(groups), start + 6), start, -1):
            digits = "".join(groups[start:end])
            if (plus and start == 0) and not digits.startswith("84"):
                continue
            if phone := normalise_phone(digits):
                items.append(Item(ItemKind.PHONE, phone, show_phone(phone)))
                start = end
                break
        else:
            start += 1
    return items
