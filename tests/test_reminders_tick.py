"""The calendar tick: `reminders run-due` twice sends once; quiet hours, grace window, opt-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.calendar.service import preview, run_due
from bot.cli import _parser
from bot.config import Settings
from bot.people.consent import CONSENT_VERSION
from storage.db import Database
from storage.models import (
    CalendarEvent,
    CalendarRun,
    ChannelAccount,
    GroupChat,
    Membership,
    MembershipStatus,
    OutboxMessage,
    Person,
    ReminderOptOut,
    RunStatus,
)
from tests.org_fixtures import CHANNEL, Org, small_commune

VN = timedelta(hours=7)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def commune_with_members(db: Database) -> Org:
    """Thanh Mỹ with group chats for Tổ 1 and Tổ 3 and three residents besides the leaders."""
    org = await small_commune(db)
    async with db.transaction() as session:
        session.add(GroupChat(group_id=org.groups["Tổ 1"], channel=CHANNEL, chat_id="-101"))
        session.add(GroupChat(group_id=org.groups["Tổ 3"], channel=CHANNEL, chat_id="-103"))
        for key, _group, language in (
            ("res1", "Tổ 1", "vi"),
            ("res2", "Tổ 1", "en"),
            ("res3", "Tổ 2", "vi"),
        ):
            person = Person(full_name=key, consent_version=CONSENT_VERSION)
            session.add(person)
            await session.flush()
            org.people[key] = person.id
            session.add(
                ChannelAccount(
                    channel=CHANNEL,
                    external_user_id=key,
                    chat_id=key,
                    person_id=person.id,
                    language=language,
                )
            )
        for key, group in (
            ("res1", "Tổ 1"),
            ("res2", "Tổ 1"),
            ("res3", "Tổ 2"),
            ("leader1", "Tổ 1"),
        ):
            session.add(
                Membership(
                    person_id=org.people[key],
                    group_id=org.groups[group],
                    status=MembershipStatus.CONFIRMED,
                )
            )
    return org


async def queued(db: Database, prefix: str = "cal:") -> dict[str, OutboxMessage]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"{prefix}%"))
        )
        return {row.chat_id: row for row in rows}


async def test_run_due_twice_queues_the_26_6_reminder_once(db: Database, settings: Settings):
    await commune_with_members(db)
    args = _parser().parse_args(["reminders", "run-due", "--now", "2027-06-25T07:00+07:00"])
    first = await run_due(db, settings, args.now)
    second = await run_due(db, settings, args.now)
    await args.run(settings, args)  # the CLI itself: a third run, still nothing new
    assert first.runs == 1 and second.runs == 0
    rows = await queued(db, "cal:anti_drug_day:2027-06-26:1d:")
    # Two group chats, the members of Tổ 1 and Tổ 2; the leaders of Tổ 3 and police are no
    # members and "all" means the group chats and the members.
    assert sorted(rows) == ["-101", "-103", "leader1", "res1", "res2", "res3"]
    async with db.transaction() as session:
        total = await session.scalar(select(func.count()).select_from(OutboxMessage))
        run = await session.scalar(
            select(CalendarRun).where(CalendarRun.event_id == "anti_drug_day")
        )
    assert total == 6
    assert run is not None and run.recipients == 6 and run.status == RunStatus.QUEUED
    assert rows["-101"].is_group_chat and not rows["res1"].is_group_chat
    vi_text, en_text = rows["res1"].payload["text"], rows["res2"].payload["text"]
    assert "ma túy" in vi_text and "/tatnhacnho" in vi_text
    assert "National Day against Drugs" in en_text and "tomorrow" in en_text
    assert "/tatnhacnho" not in rows["-101"].payload["text"]  # not in group chats
    assert rows["res1"].next_attempt_at == at("2027-06-25T00:00+00:00")


async def test_opted_out_members_get_no_campaign_reminders(db: Database, settings: Settings):
    org = await commune_with_members(db)
    async with db.transaction() as session:
        session.add(ReminderOptOut(person_id=org.people["res1"]))
    await run_due(db, settings, at("2027-06-26T07:00+07:00"))
    rows = await queued(db, "cal:anti_drug_day:2027-06-26:0d:")
    assert "res1" not in rows and "res2" in rows and "-101" in rows


async def test_older_than_the_grace_window_is_missed_not_sent_late(
    db: Database, settings: Settings
):
    await commune_with_members(db)
    # Down from before 07:00 on the 25th until 20:00: the 1d reminder is 13 h old.
    result = await run_due(db, settings, at("2027-06-25T20:00+07:00"))
    assert result.runs == 0 and result.missed >= 1
    assert not await queued(db, "cal:anti_drug_day")
    async with db.transaction() as session:
        run = await session.scalar(
            select(CalendarRun).where(
                CalendarRun.event_id == "anti_drug_day", CalendarRun.lead == "1d"
            )
        )
    assert run is not None and run.status == RunStatus.MISSED
    # Back within 12 h: caught up, at once.
    await run_due(db, settings, at("2027-06-26T18:59+07:00"))
    rows = await queued(db, "cal:anti_drug_day:2027-06-26:0d:")
    assert rows["res1"].next_attempt_at == at("2027-06-26T11:59+00:00")


async def test_a_moment_inside_quiet_hours_waits_for_the_morning(db: Database, settings: Settings):
    org = await commune_with_members(db)
    async with db.transaction() as session:
        session.add(
            CalendarEvent(
                commune_code=org.commune,
                key="night_patrol",
                title="Tuần tra đêm",
                rule="date:10/3",
                audience="members",
                leads="0d@22:30",
                text_vi="Tối nay tổ tuần tra đêm.",
                text_en="Night patrol tonight.",
            )
        )
    await run_due(db, settings, at("2027-03-10T22:31+07:00"))
    rows = await queued(db, f"cal:{org.commune}.night_patrol:")
    assert set(rows) == {"leader1", "res1", "res2", "res3"}
    assert rows["res1"].next_attempt_at == at("2027-03-11T06:30+07:00")
    assert rows["res1"].payload["text"].count("Tối nay tổ tuần tra đêm.") == 1
    assert "Night patrol tonight." in rows["res2"].payload["text"]


async def test_a_commune_switches_a_national_event_off(db: Database, settings: Settings):
    org = await commune_with_members(db)
    async with db.transaction() as session:
        session.add(
            CalendarEvent(
                commune_code=org.commune,
                key="anti_drug_day",
                title="",
                rule="date:26/6",
                audience="all",
                leads="1d",
                enabled=False,
            )
        )
    result = await run_due(db, settings, at("2027-06-25T07:00+07:00"))
    assert result.runs == 0
    assert not await queued(db)


async def test_preview_lists_without_sending(db: Database, settings: Settings):
    await commune_with_members(db)
    from datetime import date

    lines = await preview(db, settings, date(2027, 6, 19), date(2027, 6, 26))
    by_key = {(line.event.key, line.lead.key): line for line in lines}
    line = by_key[("anti_drug_day", "1d")]
    assert line.audience_size == 6
    assert line.first_send == at("2027-06-25T07:00+07:00")
    assert ("anti_drug_day", "7d") in by_key and ("anti_drug_day", "0d") in by_key
    # Report deadlines are examples a commune switches on (tests/test_report_deadlines.py).
    assert not [key for key, _ in by_key if key.startswith("report_")]
    assert not await queued(db)


async def test_the_utc_day_is_not_the_local_day(db: Database, settings: Settings):
    """26/6 07:00 in Vietnam is 26/6 00:00 UTC; 25/6 23:30 UTC is already the 26th there."""
    await commune_with_members(db)
    await run_due(db, settings, datetime(2027, 6, 26, 0, 0, tzinfo=UTC))
    assert await queued(db, "cal:anti_drug_day:2027-06-26:0d:")
