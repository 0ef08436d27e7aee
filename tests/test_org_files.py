"""Importing and exporting a commune's lists (`python -m bot org import|export`), on real
database files: good and bad households files, the structure file, re-import, round trips."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.config import Settings
from bot.crypto import HOUSEHOLD_PHONE, PERSON_PHONE, FieldCipher
from bot.demo import SAMPLE, seed_sample_commune
from bot.i18n import Translator
from bot.organisation import Report, export_commune, import_path
from storage.db import Database
from storage.models import (
    AuditEntry,
    Commune,
    Group,
    Household,
    HouseholdStatus,
    Person,
    RoleAssignment,
    ScopeKind,
    Village,
)

THANH_MY = "30073"
HEADER = ["Thôn/Ấp", "Tổ", "Địa chỉ", "Chủ hộ", "Điện thoại", "Số nhân khẩu", "Tình trạng"]
ROWS = [
    ["Ấp Mỹ Thạnh", "Tổ 1", "12 đường Cây Dương", "Nguyễn Văn Hùng", "0912 345 678", "4", ""],
    ["Ấp Mỹ Thạnh", "Tổ 1", "15 đường Cây Dương", "Trần Thị Lan", "", "3", "đang ở"],
    ["Ấp Mỹ Phú", "Tổ 3", "45 đường Mỹ Phú", "Huỳnh Văn Năm", "+84 987.654.321", "2", ""],
]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cipher(settings: Settings) -> FieldCipher:
    return FieldCipher(settings.secret_key_bytes())


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    workbook.save(path)
    return path


async def count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def households(db: Database) -> dict[str, Household]:
    async with db.transaction() as session:
        return {h.address: h for h in await session.scalars(select(Household))}


async def import_ok(db: Database, cipher: FieldCipher, path: Path, **kwargs: str) -> Report:
    report = await import_path(db, cipher, path, kwargs.get("commune", THANH_MY))
    assert report.ok, report.render()
    return report


# Households files -------------------------------------------------------------------------


async def test_a_good_file_creates_its_households_villages_and_groups(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    report = await import_ok(db, cipher, write_csv(tmp_path / "ho.csv", ROWS))

    assert (report.households.created, report.villages.created, report.groups.created) == (3, 2, 2)
    assert "created village 'Ấp Mỹ Phú' (ho.csv row 4)" in report.change_lines()
    stored = await households(db)
    assert set(stored) == {row[2] for row in ROWS}
    assert stored["12 đường Cây Dương"].head_name == "Nguyễn Văn Hùng"
    assert stored["12 đường Cây Dương"].members == 4
    assert stored["15 đường Cây Dương"].phone_encrypted is None
    assert all(h.confirmed and h.status == HouseholdStatus.ACTIVE for h in stored.values())
    assert report.render().endswith("Imported.")


async def test_importing_the_same_file_again_changes_and_writes_nothing(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "ho.csv", ROWS)
    await import_ok(db, cipher, path)
    before = {a: (h.phone_encrypted, h.head_name) for a, h in (await households(db)).items()}

    report = await import_ok(db, cipher, path)

    assert (report.households.unchanged, report.households.created) == (3, 0)
    assert report.households.updated == 0 and not report.changed and not report.changes
    assert "Nothing to change" in report.render()
    # Not even the phones were re-encrypted (a fresh nonce would change the bytes).
    after = {a: (h.phone_encrypted, h.head_name) for a, h in (await households(db)).items()}
    assert after == before
    assert await count(db, AuditEntry) == 1  # the first import only


async def test_a_changed_row_is_updated_and_reported_with_its_row_number(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    await import_ok(db, cipher, write_csv(tmp_path / "ho.csv", ROWS))
    changed = [list(row) for row in ROWS]
    changed[1][3:7] = ["Trần Thị Lan", "0909 111 222", "5", "đã chuyển đi"]
    # Typed without diacritics, the address still names the same household.
    changed[0][2] = "12 duong cay duong"

    report = await import_ok(db, cipher, write_csv(tmp_path / "ho2.csv", changed))

    assert (report.households.updated, report.households.unchanged) == (2, 1)
    assert report.households.created == 0
    assert any(
        c.startswith("ho2.csv row 3: updated members, status, phone") for c in report.change_lines()
    )
    stored = await households(db)
    lan = stored["15 đường Cây Dương"]
    assert (lan.members, lan.status) == (5, HouseholdStatus.MOVED_AWAY)
    assert cipher.decrypt(lan.phone_encrypted, HOUSEHOLD_PHONE) == "0909111222"
    assert "12 duong cay duong" in stored  # the file is the truth for the spelling too
    assert len(stored) == 3


async def test_wrong_columns_are_one_clear_error_naming_them(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    header = ["STT", "Ấp", "Tổ", "Họ tên", "SĐT"]
    path = write_csv(tmp_path / "ho.csv", [["1", "Ấp Mỹ Thạnh", "Tổ 1", "An", ""]], header)

    report = await import_path(db, cipher, path, THANH_MY)

    assert not report.ok
    assert "missing columns: Địa chỉ (address), Chủ hộ (head), Số nhân khẩu (members)" in (
        report.error or ""
    )
    assert "'Họ tên'" in (report.error or "")
    assert report.render().startswith("Import failed, nothing was written.")
    assert await count(db, Village) == 0


async def test_headers_may_be_english_or_without_diacritics_in_any_case(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    header = ["VILLAGE", "to", "dia chi", "Head_Name", "sdt", "So Nhan Khau", "Ghi chú"]
    rows = [["Ấp Mỹ Thạnh", "Tổ 1", "1 đường A", "An", "", "2", "note"]]

    report = await import_ok(db, cipher, write_csv(tmp_path / "ho.csv", rows, header))

    assert report.households.created == 1
    assert "ho.csv: columns not used: 'Ghi chú'" in report.note_lines()


async def test_empty_rows_are_skipped_and_counted(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    rows = [ROWS[0], ["", "", "", "", "", "", ""], [" ", "", "", "", "", "", ""], ROWS[1], []]

    report = await import_ok(db, cipher, write_csv(tmp_path / "ho.csv", rows))

    assert report.households.created == 2
    assert report.empty_rows == 2  # the blank tail of a sheet is not counted
    assert "(2 empty rows skipped)" in report.render()


async def test_a_duplicate_household_rejects_the_whole_file(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    duplicate = ["ap my thanh", "TO 1", "12 Đường Cây Dương", "Nguyễn Văn Khác", "", "2", ""]
    path = write_csv(tmp_path / "ho.csv", [*ROWS, duplicate])

    report = await import_path(db, cipher, path, THANH_MY)

    assert not report.ok
    assert [r.line() for r in report.rejections] == [
        "ho.csv, row 5: the same household as row 2 (same village, group and address)"
    ]
    assert "Nothing was written: 1 entry rejected" in report.render()
    assert await count(db, Household) == 0
    assert await count(db, Village) == 0


async def test_an_unknown_commune_is_a_clear_error(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    report = await import_path(db, cipher, write_csv(tmp_path / "ho.csv", ROWS), "99999")

    assert report.error is not None
    assert "commune '99999' is not in the official list" in report.error
    assert await count(db, Household) == 0


async def test_a_households_file_needs_its_commune(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    report = await import_path(db, cipher, write_csv(tmp_path / "ho.csv", ROWS), None)

    assert "--commune CODE" in (report.error or "")


async def test_bad_phones_members_and_status_are_rejected_with_row_numbers(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    rows = [
        ROWS[0],
        ["Ấp Mỹ Thạnh", "Tổ 1", "2 đường B", "Bình", "0912 345", "3", ""],
        ["Ấp Mỹ Thạnh", "Tổ 1", "3 đường B", "Chi", "", "0", ""],
        ["Ấp Mỹ Thạnh", "", "4 đường B", "Dũng", "+1 212 555 0100", "ba", "mất tích"],
    ]

    report = await import_path(db, cipher, write_csv(tmp_path / "ho.csv", rows), THANH_MY)

    lines = [r.line() for r in report.rejections]
    assert lines[0] == (
        "ho.csv, row 3: phone '0912 345' is not a Vietnamese number "
        "(10 digits for a mobile, 11 for a landline, starting with 0 or +84)"
    )
    assert lines[1] == "ho.csv, row 4: members must be at least 1, not 0"
    assert lines[2].startswith("ho.csv, row 5: Tổ (group) is empty; phone '+1 212 555 0100'")
    assert "members 'ba' is not a whole number" in lines[2]
    assert "status 'mất tích' is neither" in lines[2]
    assert report.rejected("row") == 3
    assert await count(db, Household) == 0
    # The same reasons in the reader's language (issue #13): message ids with their values.
    vi = Translator("vi", ZoneInfo("Asia/Ho_Chi_Minh"))
    in_vietnamese = report.rejection_lines(vi)
    assert in_vietnamese[0] == (
        "ho.csv, dòng 3: số điện thoại '0912 345' không phải số Việt Nam "
        "(di động 10 chữ số, cố định 11 chữ số, bắt đầu bằng 0 hoặc +84)"
    )
    assert in_vietnamese[1] == "ho.csv, dòng 4: số người phải từ 1 trở lên, không phải 0"
    assert in_vietnamese[2].startswith("ho.csv, dòng 5: cột Tổ (group) để trống; số điện thoại")
    assert "số người 'ba' không phải số nguyên" in in_vietnamese[2]


async def test_phones_are_normalised_and_stored_encrypted_never_in_clear(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    await import_ok(db, cipher, write_csv(tmp_path / "ho.csv", ROWS))

    stored = await households(db)
    for address, phone in (
        ("12 đường Cây Dương", "0912345678"),
        ("45 đường Mỹ Phú", "0987654321"),
    ):
        blob = stored[address].phone_encrypted
        assert blob is not None
        assert phone.encode() not in blob and b"912345678" not in blob
        assert cipher.decrypt(blob, HOUSEHOLD_PHONE) == phone


async def test_a_household_a_resident_added_is_confirmed_by_the_list_and_not_exported_before(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    await import_ok(db, cipher, write_csv(tmp_path / "ho.csv", ROWS[:1]))
    async with db.transaction() as session:
        group = await session.scalar(select(Group))
        assert group is not None
        session.add(
            Household(
                group_id=group.id,
                address="99 đường Mới",
                head_name="Tô Văn Mới",
                members=2,
                confirmed=False,
            )
        )
    _, exported = await export_commune(db, cipher, THANH_MY, tmp_path / "out")
    assert "99 đường Mới" not in exported.read_text(encoding="utf-8-sig")

    listed = [*ROWS[:1], ["Ấp Mỹ Thạnh", "Tổ 1", "99 Đường Mới", "Tô Văn Mới", "", "2", ""]]
    report = await import_ok(db, cipher, write_csv(tmp_path / "ho2.csv", listed))

    assert (report.households.updated, report.households.created) == (1, 0)
    assert "address spelling, confirmed (a resident had added it)" in report.change_lines()[0]
    assert all(h.confirmed for h in (await households(db)).values())


# Structure files ---------------------------------------------------------------------------

STRUCTURE = """\
commune:
  code: "30073"
  name: Thanh Mỹ
  duty_phone: "0277 3800 113"
  police_chat: {channel: telegram, chat_id: "-1001234567890"}
households_file: ho.csv
villages:
  - name: Ấp Mỹ Thạnh
    groups: [Tổ 1, Tổ 2]
  - name: Ấp Mỹ Phú
    groups: [{name: Tổ 3}]
people:
  - name: Nguyễn Văn Hùng
    phone: "0912 345 678"
    household: "12 đường Cây Dương"
    roles:
      - {role: group_leader, group: Tổ 1, village: Ấp Mỹ Thạnh}
      - {role: household_head, group: to 1}
  - name: Võ Thị Sen
    roles: [{role: village_head, village: ap my phu}]
  - name: Lâm Quốc Bảo
    phone: "0909 000 113"
    roles: [{role: commune_police}, {role: security_team, village: Ấp Mỹ Thạnh}]
"""


def write_structure(folder: Path, text: str = STRUCTURE, rows: list[list[str]] = ROWS) -> Path:
    write_csv(folder / "ho.csv", rows)
    path = folder / "xa.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def roles_of(db: Database, name: str) -> set[tuple[str, str, str]]:
    async with db.transaction() as session:
        person = await session.scalar(select(Person).where(Person.full_name == name))
        assert person is not None
        rows = await session.scalars(
            select(RoleAssignment).where(RoleAssignment.person_id == person.id)
        )
        return {(r.role, r.scope_kind, r.scope_id) for r in rows}


async def unit_ids(db: Database) -> dict[str, str]:
    async with db.transaction() as session:
        villages = {v.name: str(v.id) for v in await session.scalars(select(Village))}
        groups = {g.name: str(g.id) for g in await session.scalars(select(Group))}
    return villages | groups


async def test_a_structure_file_sets_the_commune_units_people_and_roles(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    report = await import_ok(db, cipher, write_structure(tmp_path))

    # Its villages are "Ấp …": the commune's word for them is "ấp" (issue #13).
    assert report.commune_changes == ["duty phone", "police desk chat", "unit word"]
    assert (report.people.created, report.roles_added, report.groups.created) == (3, 5, 3)
    async with db.transaction() as session:
        commune = await session.get(Commune, THANH_MY)
        assert commune is not None
        assert commune.duty_phone == "0277 3800 113"  # shown to residents as written
        assert commune.unit_word == "ấp"
        assert (commune.police_chat_channel, commune.police_chat_id) == (
            "telegram",
            "-1001234567890",
        )
        hung = await session.scalar(select(Person).where(Person.full_name == "Nguyễn Văn Hùng"))
        household = await session.get(Household, hung.household_id)
    assert household is not None and household.address == "12 đường Cây Dương"
    assert hung.commune_code == THANH_MY
    assert cipher.decrypt(hung.phone_encrypted, PERSON_PHONE) == "0912345678"
    ids = await unit_ids(db)
    assert await roles_of(db, "Nguyễn Văn Hùng") == {
        ("group_leader", ScopeKind.GROUP, ids["Tổ 1"]),
        ("household_head", ScopeKind.GROUP, ids["Tổ 1"]),
    }
    assert await roles_of(db, "Võ Thị Sen") == {
        ("village_head", ScopeKind.VILLAGE, ids["Ấp Mỹ Phú"])
    }
    assert await roles_of(db, "Lâm Quốc Bảo") == {
        ("commune_police", ScopeKind.COMMUNE, THANH_MY),
        ("security_team", ScopeKind.VILLAGE, ids["Ấp Mỹ Thạnh"]),
    }


async def test_re_importing_a_structure_matches_people_and_adds_only_missing_roles(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    path = write_structure(tmp_path)
    await import_ok(db, cipher, path)
    assert not (await import_ok(db, cipher, path)).changed

    # Sen gets a phone and becomes a group deputy; Bảo is no longer listed in the security team;
    # Hùng's name typed without diacritics still means him.
    edited = (
        STRUCTURE.replace(
            "  - name: Võ Thị Sen\n",
            '  - name: Võ Thị Sen\n    phone: "0388 123 456"\n',
        )
        .replace(
            "{role: village_head, village: ap my phu}",
            "{role: village_head, village: ap my phu}, {role: group_deputy, group: Tổ 3}",
        )
        .replace(", {role: security_team, village: Ấp Mỹ Thạnh}", "")
    )
    report = await import_ok(db, cipher, write_structure(tmp_path, edited))

    assert (report.people.created, report.people.updated, report.people.unchanged) == (0, 1, 2)
    assert report.roles_added == 1
    assert any("'Võ Thị Sen': updated phone, role group_deputy (Tổ 3)" in c for c in report.changes)
    assert any(
        "'Lâm Quốc Bảo': keeps role security_team of Ấp Mỹ Thạnh" in note for note in report.notes
    )
    assert len(await roles_of(db, "Lâm Quốc Bảo")) == 2  # an import never removes a role
    assert await count(db, Person) == 3


async def test_namesakes_are_told_apart_by_phone(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    people = """\
commune: {code: "30073"}
villages: [{name: Ấp Mỹ Thạnh, groups: [Tổ 1]}]
people:
  - {name: Nguyễn Văn An, phone: "0911 000 001", roles: [{role: resident, group: Tổ 1}]}
  - {name: Nguyen Van An, phone: "0911 000 002", roles: [{role: group_leader, group: Tổ 1}]}
"""
    path = tmp_path / "xa.yaml"
    path.write_text(people, encoding="utf-8")
    assert (await import_ok(db, cipher, path)).people.created == 2
    assert not (await import_ok(db, cipher, path)).changed

    path.write_text(people + "  - {name: Nguyễn Văn An, roles: []}\n", encoding="utf-8")
    report = await import_path(db, cipher, path)

    assert [r.line() for r in report.rejections] == [
        "xa.yaml, person 'Nguyễn Văn An': 2 persons of the commune have this name; "
        "add the phone number (or household) of the one meant"
    ]


async def test_a_bad_structure_entry_rejects_the_structure_and_its_households(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    bad = STRUCTURE.replace("{role: commune_police}", "{role: commune_police}, {role: mayor}")
    bad = bad.replace("group: to 1}", "group: Tổ 9}")

    report = await import_path(db, cipher, write_structure(tmp_path, bad))

    assert [r.line() for r in report.rejections] == [
        "xa.yaml, person 'Lâm Quốc Bảo': unknown role 'mayor' (known: resident, household_head, "
        "group_leader, group_deputy, village_head, security_team, commune_police, commune_admin)",
        "xa.yaml, person 'Nguyễn Văn Hùng': role household_head: no group 'Tổ 9'",
    ]
    # Nothing at all: not the commune's phone, not the valid households of the same import.
    assert await count(db, Household) == 0
    assert await count(db, Person) == 0
    async with db.transaction() as session:
        commune = await session.get(Commune, THANH_MY)
    assert commune is not None and commune.duty_phone is None


# Round trips -------------------------------------------------------------------------------


async def test_export_then_re_import_changes_nothing(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    await import_ok(db, cipher, write_structure(tmp_path))
    out = tmp_path / "export"

    structure, households_file = await export_commune(db, cipher, THANH_MY, out)

    assert households_file.name == "households_30073.csv"
    assert "households_file: households_30073.csv" in structure.read_text(encoding="utf-8")
    report = await import_ok(db, cipher, structure)
    assert not report.changed, report.render()
    assert report.households.unchanged == 3 and report.people.unchanged == 3
    async with db.transaction() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["org_import", "org_export"]


async def test_an_xlsx_file_imports_exports_and_re_imports_unchanged(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    # As communes' spreadsheets come: a title above the header, numbers typed as numbers
    # (the phone lost its leading zero), a blank row in between.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH HỘ GIA ĐÌNH XÃ THANH MỸ"])
    sheet.append([])
    sheet.append(HEADER[:6])
    sheet.append(["Ấp Mỹ Thạnh", "Tổ 1", "12 đường Cây Dương", "Nguyễn Văn Hùng", 912345678, 4])
    sheet.append([])
    sheet.append(["Ấp Mỹ Thạnh", "Tổ 2", "3 kênh Mỹ Thạnh", "Phạm Thị Hoa", None, 2.0])
    workbook.save(tmp_path / "ds.xlsx")

    report = await import_ok(db, cipher, tmp_path / "ds.xlsx")
    assert (report.households.created, report.empty_rows) == (2, 1)
    stored = await households(db)
    assert cipher.decrypt(stored["12 đường Cây Dương"].phone_encrypted, HOUSEHOLD_PHONE) == (
        "0912345678"
    )

    _, exported = await export_commune(db, cipher, THANH_MY, tmp_path / "out", "xlsx")
    rows = list(load_workbook(exported, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == tuple(HEADER)
    assert rows[1] == (
        "Ấp Mỹ Thạnh",
        "Tổ 1",
        "12 đường Cây Dương",
        "Nguyễn Văn Hùng",
        "0912345678",
        4,
        "đang ở",
    )
    again = await import_ok(db, cipher, exported)
    assert (again.households.unchanged, again.changed) == (2, False)


async def test_the_sample_commune_is_loaded_once_through_the_importer(
    db: Database, cipher: FieldCipher, tmp_path: Path
) -> None:
    async with db.transaction() as session:
        assert await seed_sample_commune(session, cipher)
    async with db.transaction() as session:
        assert not await seed_sample_commune(session, cipher)

    async with db.transaction() as session:
        lan = await session.scalar(select(Person).where(Person.full_name == "Trần Thị Lan"))
        assert lan is not None and lan.household_id is not None
        household = await session.get(Household, lan.household_id)
    assert household is not None and household.address == "15 đường Cây Dương"
    ids = await unit_ids(db)
    assert ("group_leader", ScopeKind.GROUP, ids["Tổ 1"]) in await roles_of(db, "Nguyễn Văn Hùng")
    assert await roles_of(db, "Lâm Quốc Bảo") == {("commune_police", ScopeKind.COMMUNE, THANH_MY)}
    # The sample as shipped is what an import of it reports as already there.
    assert not (await import_ok(db, cipher, SAMPLE)).changed


# The command line --------------------------------------------------------------------------


def run_cli(args: list[str], workdir: Path, key: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'cli.db'}",
        "BOT_SECRET_KEY": key,
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "org", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_imports_exports_and_says_what_it_did(
    settings: Settings, tmp_path: Path
) -> None:
    key = settings.bot_secret_key or ""
    loaded = run_cli(["import", str(SAMPLE)], tmp_path, key)
    assert loaded.returncode == 0, loaded.stderr
    assert "households: 14 created" in loaded.stdout and "Imported." in loaded.stdout

    exported = run_cli(["export", "--commune", THANH_MY, "--out", "out"], tmp_path, key)
    assert exported.returncode == 0, exported.stderr
    again = run_cli(["import", "out/commune_30073.yaml"], tmp_path, key)
    assert again.returncode == 0, again.stderr
    assert "Nothing to change" in again.stdout

    bad = write_csv(tmp_path / "bad.csv", [["Ấp Mỹ Thạnh", "Tổ 1", "9 đường C", "Út", "1", "2"]])
    rejected = run_cli(["import", str(bad), "--commune", THANH_MY], tmp_path, key)
    assert rejected.returncode == 1
    assert "bad.csv, row 2: phone '1' is not a Vietnamese number" in rejected.stdout
    assert "Nothing was written" in rejected.stdout
    in_vietnamese = run_cli(
        ["import", str(bad), "--commune", THANH_MY, "--lang", "vi"], tmp_path, key
    )
    assert "bad.csv, dòng 2: số điện thoại '1' không phải số Việt Nam" in in_vietnamese.stdout
