"""Nothing typed is lost: leaving a flow that holds typed content keeps it as a draft.

Leaving by a word ("hủy", "menu", or their buttons) asks first: go on, discard, or keep it for
later. A command typed mid-flow, or an idle timeout, keeps it without asking. Starting the flow
again offers to go on where the draft stopped. Drafts are kept for `DRAFT_HOURS`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.i18n import N_
from bot.messages import Choice
from bot.runtime.dialog.flows import Flow
from bot.runtime.dialog.turn import Prompt, Turn
from storage.repos.drafts import drop_draft, find_draft, save_draft

DRAFT_HOURS = 48
LEAVE_STEP = "_leave"  # engine steps: never a flow's own (those are StrEnum values)
RESUME_STEP = "_resume"
ENGINE_STEPS = frozenset({LEAVE_STEP, RESUME_STEP})
GO_ON, DISCARD, KEEP, START_OVER = "draft:go_on", "draft:discard", "draft:keep", "draft:new"

KEPT = N_(
    "Your unfinished {what} is kept as a draft until {until}. Choose “{entry}” again to go on "
    "with it."
)


def draft_name(turn: Turn, flow: Flow | None) -> str | None:
    """What the running flow's draft is called, when it holds something typed."""
    if flow is None or flow.draft_name is None or not flow.holds_typed_content(turn.data):
        return None
    return turn._(flow.draft_name)


def ask_before_leaving(turn: Turn, what: str) -> None:
    turn.ask(
        LEAVE_STEP,
        turn._("You have not finished your {what}. What would you like to do?", what=what),
        [
            Choice(GO_ON, turn._("Go on writing")),
            Choice(DISCARD, turn._("Discard the draft")),
            Choice(KEEP, turn._("Keep it as a draft for later")),
        ],
    )


async def keep_draft(turn: Turn, what: str, entry: str) -> None:
    """Store the running flow's state as a draft, end the flow and say until when it is kept."""
    prompt = turn.conversation.prompt
    history = list(turn.conversation.history)
    if turn.step == LEAVE_STEP and history:  # the question before "what would you like to do?"
        prompt = history.pop()
    keep_until = turn.now + timedelta(hours=DRAFT_HOURS)
    await save_draft(
        turn.session,
        conversation_id=turn.conversation.id,
        flow=turn.flow or "",
        data=dict(turn.data),
        prompt=prompt or {},
        history=history,
        now=turn.now,
        keep_until=keep_until,
    )
    turn.leave()
    turn.say(turn._(KEPT, what=what, until=moment_text(turn, keep_until), entry=entry))


async def offer_resume(turn: Turn, flow: Flow) -> bool:
    """At the start of `flow`: when a draft of it is kept, ask whether to go on with it."""
    if flow.draft_name is None:
        return False
    draft = await find_draft(
        turn.session, conversation_id=turn.conversation.id, flow=flow.name, now=turn.now
    )
    if draft is None:
        return False
    turn.ask(
        RESUME_STEP,
        turn._(
            "You have an unfinished {what} from {when}. Go on with it?",
            what=turn._(flow.draft_name),
            when=moment_text(turn, draft.saved_at),
        ),
        [Choice(GO_ON, turn._("Go on with the draft")), Choice(START_OVER, turn._("Start again"))],
    )
    return True


async def answer(turn: Turn, flow: Flow, entry: str) -> None:
    """The answer to one of the engine's draft questions."""
    if turn.step == LEAVE_STEP:
        if turn.choice == GO_ON:
            go_back(turn)
        elif turn.choice == DISCARD:
            await discard(turn)
        else:
            await keep_draft(turn, turn._(flow.draft_name or ""), entry)
        return
    if turn.choice == GO_ON and await resume(turn, flow):
        return
    await drop_draft(turn.session, conversation_id=turn.conversation.id, flow=flow.name)
    turn.enter(flow.name)
    await flow.begin(turn)


async def discard(turn: Turn) -> None:
    await drop_draft(turn.session, conversation_id=turn.conversation.id, flow=turn.flow or "")
    turn.leave()
    turn.say(turn._("The draft was discarded."))


def go_back(turn: Turn) -> None:
    """Back to the question the person was answering."""
    history = list(turn.conversation.history)
    if not history:
        turn.leave()
        return
    previous = Prompt.from_json(history.pop())
    turn.conversation.history = history
    turn.show(previous)


async def resume(turn: Turn, flow: Flow) -> bool:
    draft = await find_draft(
        turn.session, conversation_id=turn.conversation.id, flow=flow.name, now=turn.now
    )
    if draft is None or not draft.prompt:
        return False
    turn.enter(flow.name)
    turn.conversation.data = dict(draft.data)
    turn.conversation.history = list(draft.history)
    await drop_draft(turn.session, conversation_id=turn.conversation.id, flow=flow.name)
    turn.show(Prompt.from_json(draft.prompt), prefix=turn._("Here is where you stopped."))
    return True


def moment_text(turn: Turn, moment: datetime) -> str:
    """HH:MM dd/mm/yyyy, as the glossary writes a moment."""
    return moment.astimezone(turn.t.timezone).strftime("%H:%M %d/%m/%Y")
