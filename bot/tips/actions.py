"""What an officer does to a tip beyond its status, the same from the chat's card buttons
(handlers/tip_triage.py) and from the web console (bot/tips/desk.py): ask the reporter a
question, mark a duplicate, send the closing note. The caller has found the tip through an
authorised look-up (bot.tips.status.tip_for_police, or the desk's check)."""

from __future__ import annotations

from bot.i18n import N_
from bot.messages import Choice, action_key
from bot.tips.cards import STATUS_NAMES
from bot.tips.codes import normalise_tip_code
from bot.tips.status import change_status, tell_reporter
from bot.work import Work
from storage.models import Tip, TipEvent, TipEventKind, TipStatus
from storage.repos.tips import tip_by_code

REPLY_ACTION = "tipreply"  # the reporter's "Reply" button under a question
FEEDBACK_ACTION = "tipfb"  # the reporter's "Satisfied"/"Not satisfied" under a closing note
MAX_TEXT = 1500  # a question, an answer or a closing note

CLOSING_TEMPLATES = {
    TipStatus.RESOLVED: (
        N_(
            "We checked and dealt with what you reported. Thank you for helping keep the area safe."
        ),
        N_("The people involved have been dealt with according to the law. Thank you."),
    ),
    TipStatus.NO_GROUNDS: (
        N_("We checked and found nothing against the law. Thank you for being watchful."),
        N_("We could not find enough information to act. If it happens again, please tell us."),
    ),
}
QUESTION_TO_REPORTER = N_("Commune police ask about your tip {code}: {question}")
CLOSED_FOR_REPORTER = N_(
    "Your tip {code} has been closed by commune police ({status}). Their message: {note}\n\n"
    "Are you satisfied with how it was handled?"
)
# The reporter's rating, in this order: "1. Hài lòng 2. Chưa hài lòng" where there are no
# buttons; the verdict is the first part of the button's argument ("yes:<tip id>").
FEEDBACK = (("yes", N_("Satisfied")), ("no", N_("Not satisfied")))


def fits(text: str, limit: int = MAX_TEXT) -> bool:
    return 1 <= len(text) <= limit


def feedback_choices(tip: Tip) -> tuple[Choice, ...]:
    return tuple(
        Choice(action_key(FEEDBACK_ACTION, f"{verdict}:{tip.id}"), label)
        for verdict, label in FEEDBACK
    )


async def ask_reporter(work: Work, tip: Tip, question: str) -> bool:
    """The officer's question, recorded and relayed to the reporter under the code only;
    False when the reporter can no longer be reached (erased their data)."""
    work.session.add(
        TipEvent(
            tip_id=tip.id,
            at=work.now,
            kind=TipEventKind.QUESTION,
            actor_person_id=work.person.id if work.person else None,
            text=question,
        )
    )
    reply = Choice(action_key(REPLY_ACTION, tip.id), N_("Reply"))
    return await tell_reporter(
        work,
        tip,
        QUESTION_TO_REPORTER,
        choices=(reply,),
        always=True,
        values={"question": question},
    )


async def mark_duplicate(work: Work, tip: Tip, typed_code: str) -> Tip | None:
    """Mark `tip` as repeating another tip of its commune; None when there is no such tip."""
    original = await tip_by_code(
        work.session, normalise_tip_code(typed_code), commune_code=tip.commune_code
    )
    if original is None or original.id == tip.id:
        return None
    tip.duplicate_of = original.id
    await change_status(work, tip, TipStatus.DUPLICATE, note=original.code)
    return original


async def send_closing_note(work: Work, tip: Tip, note: str) -> None:
    """The note of a resolved or groundless tip: recorded, and sent to the reporter with the
    question whether they are satisfied."""
    tip.closing_note = note
    work.session.add(
        TipEvent(
            tip_id=tip.id,
            at=work.now,
            kind=TipEventKind.CLOSING_NOTE,
            actor_person_id=work.person.id if work.person else None,
            text=note,
        )
    )
    await tell_reporter(
        work,
        tip,
        CLOSED_FOR_REPORTER,
        choices=feedback_choices(tip),
        values={"note": note},
        msgid_values={"status": STATUS_NAMES[TipStatus(tip.status)]},
    )
