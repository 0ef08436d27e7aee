"""The group's meeting rule ("the last Saturday of the third month of each quarter, 19:30"),
from which the next meeting's date is proposed."""

from __future__ import annotations

from bot.authz import Action
from bot.meetings.schedule import MONTH_NAMES, WEEK_NAMES, WEEKDAY_NAMES, Rule, save_rule
from bot.meetings.when import as_hour, read_when
from bot.messages import Choice
from bot.runtime.dialog.flows import Flow
from bot.runtime.dialog.turn import Turn
from handlers.meeting_parts import Step, actor_id, may, not_available


class MeetingRuleSteps(Flow):
    """The group's meeting rule: month of the quarter → week → weekday → time."""

    # --- the rule ----------------------------------------------------------------------------
    def _ask_rule_month(self, turn: Turn) -> None:
        turn.ask(
            Step.RULE_MONTH,
            turn._("The group meets once a quarter. In which month of the quarter?"),
            [
                Choice(str(n), turn._("The {nth} month", nth=turn._(MONTH_NAMES[n])))
                for n in (1, 2, 3)
            ],
        )

    async def on_rule_month(self, turn: Turn) -> None:
        """Stores the month of the quarter; asks the week."""
        turn.update_data(rule_month=int(turn.choice or 1))
        turn.ask(
            Step.RULE_WEEK,
            turn._("Which week of that month?"),
            [Choice(str(n), turn._(WEEK_NAMES[n])) for n in (1, 2, 3, 4, -1)],
        )

    async def on_rule_week(self, turn: Turn) -> None:
        """Stores the week of the month; asks the weekday."""
        turn.update_data(rule_week=int(turn.choice or 1))
        turn.ask(
            Step.RULE_WEEKDAY,
            turn._("Which day of the week?"),
            [Choice(str(n), turn._(name)) for n, name in enumerate(WEEKDAY_NAMES)],
        )

    async def on_rule_weekday(self, turn: Turn) -> None:
        """Stores the weekday; asks the time."""
        turn.update_data(rule_weekday=int(turn.choice or 6))
        turn.ask(
            Step.RULE_TIME,
            turn._("At what time? For example “19h30”."),
            [Choice("19:30", "19:30"), Choice("19:00", "19:00"), Choice("08:00", "08:00")],
            free_text=True,
            numbered=False,
        )

    async def on_rule_time(self, turn: Turn) -> None:
        """Saves the rule with the time pressed or typed; shows the overview again."""
        typed = turn.choice or turn.event.text
        clock = read_when(as_hour(typed), turn.now.date()).clock
        if clock is None:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("Please type a time, for example “19h30”."),
            )
            return
        group_id = turn.data["group_id"]
        if not await may(turn, Action.SCHEDULE_MEETING, group_id):
            not_available(turn)
            return
        rule = Rule(
            month=turn.data["rule_month"],
            week=turn.data["rule_week"],
            weekday=turn.data["rule_weekday"],
            hour=clock.hour,
            minute=clock.minute,
        )
        await save_rule(turn.session, group_id, rule, by=actor_id(turn), now=turn.now)
        await turn.session.flush()
        turn.say(turn._("Saved. The group meets {rule}.", rule=rule.describe(turn.t)))
        turn.conversation.history = []
        await self._overview(turn, group_id)

    async def _overview(self, turn: Turn, group_id: int) -> None:
        raise NotImplementedError  # handlers.meetings
