"""The meeting conversations after their split into parts (issue #16): every step still has its
handler, under the same flow and step names a stored conversation resumes with, and says in one
line what it stores and asks next."""

from __future__ import annotations

import pytest

from bot.meetings.when import as_day, as_hour
from bot.runtime.dialog.flows import Flow
from handlers import meeting_parts, minutes_steps
from handlers.meeting_answer import MeetingAnswer
from handlers.meeting_book import BookStep, MeetingBook, QuarterSummary
from handlers.meetings import MeetingSchedule
from handlers.minutes import Minutes

FLOWS: list[tuple[Flow, str, list[str]]] = [
    (Minutes(), "minutes", [s.value for s in minutes_steps.Step]),
    (
        MeetingSchedule(),
        "meetings",
        [s.value for s in meeting_parts.Step if s.value not in ("answer", "reason")],
    ),
    (MeetingAnswer(), "meeting_answer", ["answer", "reason"]),
    (MeetingBook(), "meeting_book", ["group", "year", "format"]),
    (QuarterSummary(), "meeting_summary", [BookStep.QUARTER.value]),
]


@pytest.mark.parametrize(("flow", "name", "steps"), FLOWS, ids=[name for _, name, _ in FLOWS])
def test_every_step_has_a_handler_that_says_what_it_does(
    flow: Flow, name: str, steps: list[str]
) -> None:
    assert flow.name == name
    for step in [*steps, "begin"]:
        handler = getattr(flow, step if step == "begin" else f"on_{step}", None)
        if handler is None and step == "begin":
            continue
        assert handler is not None, f"{name}: no handler for {step}"
        doc = (handler.__doc__ or "").strip()
        assert doc and "\n" not in doc, f"{name}.{step}: one line saying what it stores and asks"


def test_the_stored_step_names_are_unchanged() -> None:
    assert [s.value for s in minutes_steps.Step] == [
        "group", "meeting", "held_at", "ended_at", "secretary", "host", "place", "attendance",
        "present_list", "guests", "topics", "situation", "mediation", "proposals", "decisions",
        "tasks", "task_owner", "task_due", "next", "photos", "summary", "edit", "correction",
    ]  # fmt: skip
    assert [s.value for s in meeting_parts.Step] == [
        "group", "overview", "date", "host", "host_list", "skip", "place", "confirm", "cancel",
        "rule_month", "rule_week", "rule_weekday", "rule_time", "answer", "reason",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "hour", "day"),
    [("19", "19h", "ngày 19"), ("7", "7h", "ngày 7"), ("30", "30", "ngày 30"),
     ("0", "0h", "0"), ("20/1", "20/1", "20/1"), ("19h30", "19h30", "19h30")],
)  # fmt: skip
def test_a_number_alone_is_an_hour_or_a_day_where_one_is_asked(
    typed: str, hour: str, day: str
) -> None:
    assert (as_hour(typed), as_day(typed)) == (hour, day)
