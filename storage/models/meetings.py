"""Group meetings: the schedule rule, meetings and answers, minutes, tasks, the group's chat.

A meeting is scheduled (with a host household by rotation), answered by members ("attend" /
"absent"), held and recorded in minutes. Minutes can be edited for 7 days after they were first
recorded; after that they are locked and corrections are appended, never written over them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class MeetingRule(Base):
    """When a group meets: the `week`-th `weekday` of the `month`-th month of each quarter
    (week -1 is the last one), at hour:minute local time. A group without a row uses the
    default (bot.meetings.schedule.DEFAULT_RULE)."""

    __tablename__ = "meeting_rules"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    month: Mapped[int] = mapped_column(Integer)  # 1..3 within the quarter
    week: Mapped[int] = mapped_column(Integer)  # 1..4, or -1 for the last
    weekday: Mapped[int] = mapped_column(Integer)  # Monday 0 .. Sunday 6
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HostingSkip(Base):
    """A household that asked not to host meetings: rotation passes over it."""

    __tablename__ = "meeting_hosting_skips"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    # The quarter it counts for, from its local date (held date once held).
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    host_household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    place: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12), default=MeetingStatus.SCHEDULED)
    host_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the date, host or place last changed: reminders already covered by the
    # invitation or the change notice are not sent.
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RsvpAnswer(StrEnum):
    ATTEND = "attend"
    ABSENT = "absent"


class MeetingRsvp(Base):
    __tablename__ = "meeting_rsvps"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    answer: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(300))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeetingMinutes(Base):
    """What was recorded about a held meeting. Lists are JSON: guests and topics are keys of
    bot.meetings.minutes.GUESTS / TOPICS, or free text prefixed with "other:"."""

    __tablename__ = "meeting_minutes"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    host_household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    place: Mapped[str] = mapped_column(String(300), default="")
    households_present: Mapped[int] = mapped_column(Integer)
    households_total: Mapped[int] = mapped_column(Integer)
    present_household_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    guests: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    situation: Mapped[str] = mapped_column(Text, default="")
    mediation: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    next_meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    chair_name: Mapped[str] = mapped_column(String(120), default="")
    secretary_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # When the meeting ended (None in minutes recorded before it was asked).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    # The 7 days of editing run from here.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MinutesCorrection(Base):
    """A correction appended to locked minutes: the original text stays as it was."""

    __tablename__ = "meeting_minutes_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeetingPhoto(Base):
    """A photo of the paper minutes, as the messenger's file id (sent again from there)."""

    __tablename__ = "meeting_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    file_ref: Mapped[str] = mapped_column(String(300))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class MeetingTask(Base):
    """A task decided at a meeting: open until its owner or the group's leader marks it done."""

    __tablename__ = "meeting_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    owner_name: Mapped[str] = mapped_column(String(120), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default=TaskStatus.OPEN)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupChat(Base):
    """The group's own messenger group chat, where meeting announcements are posted too."""

    __tablename__ = "group_chats"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupChatCode(Base):
    """A one-time code a group's leader gets privately and sends in the group chat to register
    it. Grants nothing but that."""

    __tablename__ = "group_chat_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
