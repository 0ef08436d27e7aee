"""Reports in the web console: a commune admin picks a quarter, sees the figures and downloads
the .docx and .xlsx the chat and the CLI make (audited); a village head reports on their village
only; nobody reaches another commune's report."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.config import Settings
from bot.people.consent import CONSENT_VERSION
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import (
    AuditEntry,
    ChannelAccount,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    Tip,
)
from tests.console_harness import console_client, sign_in
from tests.conversation import Chat
from tests.org_fixtures import CHANNEL, Org, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips

PERIOD = "2026-Q3"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"web_console": True})


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        for key, role, kind, scope in (
            ("admin", Role.COMMUNE_ADMIN, ScopeKind.COMMUNE, org.commune),
            ("head", Role.VILLAGE_HEAD, ScopeKind.VILLAGE, str(org.villages["Ấp Mỹ Phú"])),
        ):
            person = Person(
                full_name=key, commune_code=org.commune, consent_version=CONSENT_VERSION
            )
            session.add(person)
            await session.flush()
            org.people[key] = person.id
            session.add(
                RoleAssignment(person_id=person.id, role=role, scope_kind=kind, scope_id=scope)
            )
            session.add(
                ChannelAccount(
                    channel=CHANNEL, external_user_id=key, chat_id=key, person_id=person.id
                )
            )
    return org


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def test_an_admin_sees_the_quarter_and_downloads_both_files(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with console_client(db, settings) as client:
        home = await sign_in(client, Chat(engine, user_id="admin"))
        assert 'href="/console/reports"' in home
        form = await (await client.get("/console/reports")).text()
        assert f'value="commune:{org.commune}"' in form
        unit = f"commune:{org.commune}"
        page = await (
            await client.get("/console/reports", params={"unit": unit, "period": PERIOD})
        ).text()
        assert "Tin báo đã nhận" in page and "format=docx" in page
        docx = await client.get(
            "/console/reports/file", params={"unit": unit, "period": PERIOD, "format": "docx"}
        )
        assert docx.status == 200
        assert "attachment" in docx.headers["Content-Disposition"]
        assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(await docx.read())).namelist()
        xlsx = await client.get(
            "/console/reports/file", params={"unit": unit, "period": PERIOD, "format": "xlsx"}
        )
        assert load_workbook(io.BytesIO(await xlsx.read())).sheetnames
    async with db.transaction() as session:
        exports = list(
            await session.scalars(
                select(AuditEntry.detail).where(
                    AuditEntry.action == "console.report_export", AuditEntry.subject_id == unit
                )
            )
        )
    assert exports == [f"{PERIOD} docx", f"{PERIOD} xlsx"]


async def test_the_report_page_draws_its_charts_without_a_script(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    for user, values in (
        ("r1", {"category_key": "drugs"}),
        ("r2", {"category_key": "drugs", "village_id": org.villages["Ấp Mỹ Phú"]}),
        ("r3", {}),
    ):
        DRAFTS[user] = draft(org.commune, **values)
        await Chat(engine, user_id=user, name="Người Báo").says("/testtip")
    async with db.transaction() as session:
        in_q3 = datetime(2026, 8, 15, 3, 0, tzinfo=UTC)
        await session.execute(update(Tip).values(created_at=in_q3))
    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="admin"))
        page = await (
            await client.get(
                "/console/reports", params={"unit": f"commune:{org.commune}", "period": PERIOD}
            )
        ).text()
    charts = re.findall(r"<h3>([^<]+)</h3>", page)
    assert charts == ["Tin báo theo loại việc", "Tin báo theo thôn/ấp", "Tỷ lệ hộ đã cam kết"]
    bars = re.findall(
        r'<th scope="row">([^<]+)</th><td><meter min="0" max="(\d+)" value="(\d+)"', page
    )
    assert ("Ma túy", "2", "2") in bars and ("Trộm cắp", "2", "1") in bars
    assert ("Ấp Mỹ Phú", "2", "1") in bars
    assert ("Ấp Mỹ Thạnh", "100", "0") in bars  # the pledge share, out of 100 %
    assert "<script" not in page


async def test_a_village_head_reports_on_their_village_only(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="head"))
        form = await (await client.get("/console/reports")).text()
        assert "Ấp Mỹ Phú" in form and "Ấp Mỹ Thạnh" not in form
        for unit in (f"commune:{org.commune}", f"village:{org.villages['Ấp Mỹ Thạnh']}"):
            response = await client.get(
                "/console/reports/file", params={"unit": unit, "period": PERIOD, "format": "xlsx"}
            )
            assert response.status == 403


async def test_an_officer_of_another_commune_gets_no_report_of_this_one(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    async with console_client(db, settings) as client:
        await sign_in(client, Chat(engine, user_id="police_y"))
        response = await client.get(
            "/console/reports/file",
            params={"unit": f"commune:{org.commune}", "period": PERIOD, "format": "docx"},
        )
        assert response.status == 403


async def test_meetings_of_the_year_and_the_meeting_book(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    from datetime import UTC, datetime

    from storage.models import Meeting

    async with db.transaction() as session:
        session.add(
            Meeting(
                group_id=org.groups["Tổ 3"],
                year=2026,
                quarter=3,
                scheduled_at=datetime(2026, 8, 15, 12, 0, tzinfo=UTC),
                host_household_id=org.households["45 đường Mỹ Phú"],
            )
        )
    async with console_client(db, settings) as police, console_client(db, settings) as head:
        await sign_in(police, Chat(engine, user_id="police"))
        page = await (await police.get("/console/meetings", params={"year": "2026"})).text()
        assert "Tổ 1" in page and "Tổ 3" in page
        assert "45 đường Mỹ Phú" in page and "đã lên lịch" in page
        book = await police.get(
            f"/console/meetings/{org.groups['Tổ 3']}/book",
            params={"year": "2026", "format": "docx"},
        )
        assert book.status == 200
        assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(await book.read())).namelist()

        await sign_in(head, Chat(engine, user_id="head"))
        village = await (await head.get("/console/meetings", params={"year": "2026"})).text()
        assert "Tổ 3" in village and "Tổ 1" not in village
        other = await head.get(
            f"/console/meetings/{org.groups['Tổ 1']}/book",
            params={"year": "2026", "format": "xlsx"},
        )
        assert other.status == 403


async def test_the_minutes_of_a_held_meeting_show_on_the_meetings_page(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    from storage.models import Meeting, MeetingMinutes, MeetingStatus

    held_at = datetime(2026, 8, 15, 12, 0, tzinfo=UTC)
    async with db.transaction() as session:
        meeting = Meeting(
            group_id=org.groups["Tổ 3"],
            year=2026,
            quarter=3,
            scheduled_at=held_at,
            status=MeetingStatus.HELD,
        )
        session.add(meeting)
        await session.flush()
        session.add(
            MeetingMinutes(
                meeting_id=meeting.id,
                held_at=held_at,
                households_present=3,
                households_total=4,
                chair_name="Huỳnh Văn Năm",
                situation="Hai vụ trộm gà trong tháng.",
                decisions="Lập tổ tuần tra đêm.",
            )
        )
    async with console_client(db, settings) as police:
        await sign_in(police, Chat(engine, user_id="police"))
        page = await (await police.get("/console/meetings", params={"year": "2026"})).text()
    minutes = page.split('<details class="minutes">')[1].split("</details>")[0]
    assert "<summary>Biên bản</summary>" in minutes
    assert "<dt>Số hộ có mặt</dt><dd>3/4</dd>" in minutes
    assert "Hai vụ trộm gà trong tháng." in minutes and "<dt>Kết luận</dt>" in minutes
    assert "Lập tổ tuần tra đêm." in minutes
