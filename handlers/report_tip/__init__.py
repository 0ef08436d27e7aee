"""Reporting a tip (/baotin, "Báo tin"): the resident's side, one module per part of the talk.

emergency numbers first → the commune (only for someone who has not joined: by name) →
category (an urgent one repeats the number to call) → what happened (several messages, photos
and voice messages, until "Xong") → when (quick choices or typed: "tối qua", "8h sáng nay") →
where (typed, a shared location, or the member's village) → anonymous or with name and phone
(only members who agreed to the data notice can give their name) → updates or not → summary,
"Gửi" or "Sửa" → the tip is stored with its police cards in this turn's transaction, and only
then is its code shown.

Nothing is sent before "Gửi": the draft lives in the conversation; leaving it keeps it as a
draft for a while, or discards it when the reporter says so (bot/runtime/dialog/drafts.py).
Tips are made in a private chat only (a group would see who reports), and at most
`tips_per_hour` per reporter (their messenger accounts), counted from the encrypted list of
their own tips (bot.tips.own_tips).

start.py (commune, category) → what.py → when_where.py → identity.py (anonymity, phone,
updates) → review.py (summary, corrections, sending); steps.py holds what they share. The flow's
name and its conversation keys are those of the single module it was, so a conversation stored
mid-flow resumes after an upgrade.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.runtime.dialog.flows import MenuEntry
from handlers.report_tip.guards import (
    attachment_problem,
    emergency_line,
    in_sentence,
    rate_limited,
    reporter_route,
    too_long,
)
from handlers.report_tip.identity import IdentitySteps
from handlers.report_tip.review import ReviewSteps
from handlers.report_tip.start import StartSteps
from handlers.report_tip.texts import (
    ADD_TO_TIP,
    ATTACHMENT_NAMES,
    DONE,
    DONE_WORDS,
    MAX_PART,
    SEND_WHAT,
    Step,
    takes_voice,
)
from handlers.report_tip.what import WhatSteps
from handlers.report_tip.when_where import WhenWhereSteps

__all__ = [
    "ADD_TO_TIP",
    "ATTACHMENT_NAMES",
    "DONE",
    "DONE_WORDS",
    "MAX_PART",
    "SEND_WHAT",
    "ReportTip",
    "Step",
    "attachment_problem",
    "emergency_line",
    "in_sentence",
    "rate_limited",
    "report_tip_entry",
    "reporter_route",
    "takes_voice",
    "too_long",
]


class ReportTip(StartSteps, WhatSteps, WhenWhereSteps, IdentitySteps, ReviewSteps):
    """The whole report: each part's questions and answers, one flow for the engine."""


report_tip_entry = MenuEntry(
    key="tip",
    label=N_("Report a tip"),
    flow=ReportTip.name,
    commands=("baotin",),  # "/tip CODE" is the police's look-up (handlers/tip_history.py)
    order=5,
)
