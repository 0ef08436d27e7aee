"""The meeting book (/sohop: a group's year as .docx or .xlsx) and the quarter summary
(/tonghophop: which groups met, attendance, open tasks); both read-only."""

from __future__ import annotations

from enum import StrEnum

from bot.authz import POLICY, Action, groups_in_reach, load_actor
from bot.i18n import N_
from bot.meetings.book import book_path, load_book, quarter_summary, summary_text, write_book
from bot.meetings.schedule import previous_quarter, quarter_label, quarter_of
from bot.meetings.service import group_title
from bot.messages import Choice
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from handlers.meeting_parts import may, not_available


class BookStep(StrEnum):
    GROUP = "group"
    YEAR = "year"
    FORMAT = "format"
    QUARTER = "quarter"


class MeetingBook(Flow):
    """ "Sổ họp" (/sohop): a group's book of one year, as a .docx or an .xlsx in the chat."""

    name = "meeting_book"

    async def begin(self, turn: Turn) -> None:
        """Finds the groups whose book the person may read; asks which group if several."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        groups = await groups_in_reach(turn.session, actor, Action.VIEW_MEETING_BOOK)
        if not groups:
            not_available(turn)
        elif len(groups) == 1:
            await self._ask_year(turn, groups[0].id)
        else:
            choices = [Choice(str(g.id), await group_title(turn.session, g.id)) for g in groups]
            turn.ask(BookStep.GROUP, turn._("Which group?"), choices)

    async def on_group(self, turn: Turn) -> None:
        """Takes the group; asks which year."""
        await self._ask_year(turn, int(turn.choice or 0))

    async def _ask_year(self, turn: Turn, group_id: int) -> None:
        if not await may(turn, Action.VIEW_MEETING_BOOK, group_id):
            not_available(turn)
            return
        turn.update_data(group_id=group_id)
        year = turn.now.astimezone(turn.t.timezone).year
        turn.ask(
            BookStep.YEAR,
            turn._("The meeting book of which year?"),
            [Choice(str(year), str(year)), Choice(str(year - 1), str(year - 1))],
        )

    async def on_year(self, turn: Turn) -> None:
        """Stores the year; asks for Word or Excel."""
        turn.update_data(year=int(turn.choice or 0))
        turn.ask(
            BookStep.FORMAT,
            turn._("As a Word document (the book) or an Excel sheet (the register)?"),
            [Choice("docx", turn._("Word (.docx)")), Choice("xlsx", turn._("Excel (.xlsx)"))],
        )

    async def on_format(self, turn: Turn) -> None:
        """Writes the book in the format picked and sends it; ends."""
        group_id, year, fmt = turn.data["group_id"], turn.data["year"], turn.choice or "docx"
        if not await may(turn, Action.VIEW_MEETING_BOOK, group_id):
            not_available(turn)
            return
        book = await load_book(turn.session, group_id, year, turn.t)
        out_dir = turn.settings.media_dir / "books"
        path = await write_book(book, turn.t, book_path(out_dir, book, group_id, fmt), fmt)
        turn.say(
            turn._(
                "Meeting book of {group}, {year}: {n} meetings.",
                group=f"{book.group}, {book.village}",
                year=year,
                n=len(book.entries),
            ),
            document=str(path),
        )
        turn.leave()


class QuarterSummary(Flow):
    """ "Tổng hợp họp tổ" (/tonghophop): which groups met, attendance, open tasks."""

    name = "meeting_summary"

    async def begin(self, turn: Turn) -> None:
        """Asks which quarter: this one or the last."""
        local = turn.now.astimezone(turn.t.timezone).date()
        this = quarter_of(local)
        last = previous_quarter(*this)
        turn.ask(
            BookStep.QUARTER,
            turn._("Which quarter?"),
            [
                Choice(
                    f"{this[0]}-{this[1]}", turn._("This quarter ({q})", q=quarter_label(*this))
                ),
                Choice(
                    f"{last[0]}-{last[1]}", turn._("Last quarter ({q})", q=quarter_label(*last))
                ),
            ],
        )

    async def on_quarter(self, turn: Turn) -> None:
        """Shows the quarter's summary of the groups in reach; ends."""
        year, quarter = (int(part) for part in (turn.choice or "0-1").split("-"))
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        groups = await groups_in_reach(turn.session, actor, Action.VIEW_MEETING_SUMMARY)
        if not groups:
            not_available(turn)
            return
        rows = await quarter_summary(turn.session, [g.id for g in groups], year, quarter)
        turn.say(summary_text(turn.t, rows, year, quarter))
        turn.leave()


def reads_books(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_MEETING_BOOK])


def reads_summaries(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_MEETING_SUMMARY])


meeting_book_entry = MenuEntry(
    key="mbook",
    label=N_("Meeting book"),
    flow=MeetingBook.name,
    commands=("sohop", "meetingbook"),
    visible_to=reads_books,
    order=54,
)
quarter_summary_entry = MenuEntry(
    key="msummary",
    label=N_("Group meetings this quarter"),
    flow=QuarterSummary.name,
    commands=("tonghophop", "meetingsummary"),
    visible_to=reads_summaries,
    order=55,
)
