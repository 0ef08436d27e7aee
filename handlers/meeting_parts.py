"""What the meeting conversations share: their step names (stored in conversations: keep
them), button keys, limits, the server-side check of a leader's right."""

from __future__ import annotations

from enum import StrEnum

from bot.authz import Action, Forbidden, group_scope, load_actor, require
from bot.i18n import N_
from bot.runtime.dialog.turn import Turn

USE_PROPOSED, RULE, TASKS = "proposed", "rule", "tasks"
RESCHEDULE, CANCEL_MEETING, HOST_AGREED = "reschedule", "cancel_meeting", "host_agreed"
KEEP, OTHER_HOST, NO_HOST, SKIP_LIST = "keep", "other_host", "no_host", "skip_list"
AT_HOST, SEND, YES_CANCEL = "at_host", "send", "yes_cancel"
ATTEND, ABSENT = "attend", "absent"
MAX_PLACE = 300
MAX_REASON = 300
MAX_HOUSEHOLD_BUTTONS = 40
ATTEND_WORDS = {"tham du", "thamdu", "co", "co mat", "di", "attend", "yes"}
ABSENT_WORDS = {"vang", "vang mat", "vangmat", "khong di", "absent", "no"}
REASONS = {
    "busy": N_("Busy with work"),
    "ill": N_("Ill"),
    "away": N_("Away from home"),
}


class Step(StrEnum):
    GROUP = "group"
    OVERVIEW = "overview"
    DATE = "date"
    HOST = "host"
    HOST_LIST = "host_list"
    SKIP = "skip"
    PLACE = "place"
    CONFIRM = "confirm"
    CANCEL = "cancel"
    RULE_MONTH = "rule_month"
    RULE_WEEK = "rule_week"
    RULE_WEEKDAY = "rule_weekday"
    RULE_TIME = "rule_time"
    ANSWER = "answer"
    REASON = "reason"


def actor_id(turn: Turn) -> int | None:
    return turn.person.id if turn.person else None


async def may(turn: Turn, action: Action, group_id: int) -> bool:
    """Whether the person may do `action` in the group, checked on the server."""
    scope = await group_scope(turn.session, group_id)
    actor = await load_actor(turn.session, actor_id(turn))
    try:
        if scope is None:
            raise Forbidden("no such group")
        require(actor, action, scope)
    except Forbidden:
        return False
    return True


def not_available(turn: Turn) -> None:
    """Says the option is not theirs, and ends the conversation."""
    turn.say(turn._("That option is not available to you."))
    turn.leave()
