"""Phone numbers, accounts, links and usernames as residents paste them, with and without
diacritics and spaces, and what each becomes (docs/SCAMS.md)."""

from __future__ import annotations

import pytest

from bot.scams.extract import ItemKind, extract_items

PHONE, ACCOUNT, LINK, HANDLE = ItemKind.PHONE, ItemKind.ACCOUNT, ItemKind.LINK, ItemKind.HANDLE

FORMS = [
    # phone numbers, every Vietnamese way of writing one
    ("0912345678", [(PHONE, "0912345678", None)]),
    ("kiểm tra 0912 345 678", [(PHONE, "0912345678", None)]),
    ("kiem tra 0912.345.678", [(PHONE, "0912345678", None)]),
    ("0912-345-678", [(PHONE, "0912345678", None)]),
    ("+84 912 345 678", [(PHONE, "0912345678", None)]),
    ("+84912345678", [(PHONE, "0912345678", None)]),
    ("84-912-345-678", [(PHONE, "0912345678", None)]),
    ("(+84) 912.345.678", [(PHONE, "0912345678", None)]),
    ("+84 (0) 912 345 678", [(PHONE, "0912345678", None)]),
    ("Gọi ngay 0387 654 321 để nhận quà", [(PHONE, "0387654321", None)]),
    ("goi ngay 0387654321 de nhan qua", [(PHONE, "0387654321", None)]),
    ("số máy bàn 024 3825 1234", [(PHONE, "02438251234", None)]),
    ("tổng đài 1900 1234", [(PHONE, "19001234", None)]),
    (
        "0912345678 0987654321",
        [(PHONE, "0912345678", None), (PHONE, "0987654321", None)],
    ),
    ("zalo.me/0987654321 gặp chị Lan", [(PHONE, "0987654321", None)]),
    # bank accounts, with the bank when named
    ("STK 0123456789 Vietcombank", [(ACCOUNT, "0123456789", "Vietcombank")]),
    ("stk: 0123456789 - VCB", [(ACCOUNT, "0123456789", "Vietcombank")]),
    ("Số tài khoản: 1903 6688 1234 56 Techcombank", [(ACCOUNT, "19036688123456", "Techcombank")]),
    ("so tai khoan 19036688123456 techcombank", [(ACCOUNT, "19036688123456", "Techcombank")]),
    ("chuyển 5.000.000đ vào tk MB 0912345678", [(ACCOUNT, "0912345678", "MB")]),
    ("Agribank 5100205123456 chủ tk NGUYEN VAN A", [(ACCOUNT, "5100205123456", "Agribank")]),
    ("ck vào 123456789012 ngân hàng BIDV", [(ACCOUNT, "123456789012", "BIDV")]),
    # links and domains, with or without scheme, defanged
    ("https://vcb-hotro.xyz/login?id=1", [(LINK, "vcb-hotro.xyz", None)]),
    ("vào hxxps://vi-vcb[.]com/dang-nhap ngay", [(LINK, "vi-vcb.com", None)]),
    ("truy cập vcb-hotro.xyz để nhận", [(LINK, "vcb-hotro.xyz", None)]),
    ("www.Dichvucong-BoCongAn.top", [(LINK, "dichvucong-bocongan.top", None)]),
    ("hoantien(.)vn", [(LINK, "hoantien.vn", None)]),
    ("bit.ly/3abcXYZ", [(LINK, "bit.ly/3abcXYZ", None)]),
    # usernames
    ("liên hệ t.me/Ho_Tro_VCB", [(HANDLE, "@ho_tro_vcb", None)]),
    ("nhắn @hotro_vcb trên Telegram", [(HANDLE, "@hotro_vcb", None)]),
    ("https://zalo.me/g/abcxyz123 nhóm đầu tư", [(HANDLE, "zalo.me/g", None)]),
    # not items
    ("ngày 20/6/2025 lúc 21h30", []),
    ("chuyển 20.000.000đ", []),
    ("email abc@gmail.com", []),
    ("Tp.HCM, v.v.", []),
]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_real_world_forms(text: str, expected: list[tuple[ItemKind, str, str | None]]) -> None:
    found = [(item.kind, item.value, item.bank) for item in extract_items(text)]
    assert found == expected


def test_a_forwarded_scam_message_gives_every_item_once_in_order() -> None:
    message = (
        "[Cảnh báo] Con bạn đang cấp cứu tại bệnh viện. Chuyển ngay 20 triệu vào STK "
        "19036688123456 Techcombank, gọi bác sĩ 0912.345.678 (hoặc +84 912 345 678), "
        "xác nhận tại hxxps://benhvien-cap-cuu[.]top"
    )
    items = extract_items(message)
    assert [(i.kind, i.value) for i in items] == [
        (ACCOUNT, "19036688123456"),
        (PHONE, "0912345678"),
        (LINK, "benhvien-cap-cuu.top"),
    ]
    assert items[1].shown == "0912 345 678"
