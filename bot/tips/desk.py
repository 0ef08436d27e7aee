"""A tip's actions for the web console, on a unit of work (bot.work.Work): what the police
card's buttons do, through the same domain functions as the chat (bot.tips.actions).

Every function checks the acting person's right on the tip's commune first (bot.authz), records
who did what and when, edits the chat cards in place and tells the reporter through the vault's
route, exactly as the card's buttons do.
"""

from __future__ import annotations

from bot.authz import Action, Forbidden, Scope
from bot.tips import actions
from bot.tips.actions import MAX_TEXT, fits
from bot.tips.status import change_status
from bot.tips.vault import Identity, cipher_of, read_identity
from bot.work import Work
from storage.models import CLOSED_STATUSES, Role, Tip, TipEvent, TipEventKind, TipStatus
from storage.repos.tips import holds_commune_role

CLOSING = (TipStatus.RESOLVED, TipStatus.NO_GROUNDS)


class BadText(ValueError):
    """Empty, or longer than a reporter's message may be."""


REASON_MAX = 200  # what the audit log's detail holds


def _check_text(text: str, limit: int = MAX_TEXT) -> str:
    text = text.strip()
    if not fits(text, limit):
        raise BadText
    return text


def _may_work(work: Work, tip: Tip) -> None:
    work.require(Action.RECEIVE_TIPS, Scope(tip.commune_code))


async def set_status(work: Work, tip: Tip, status: TipStatus) -> bool:
    """Acknowledge, "being checked", transfer to the investigating body; False if already so."""
    _may_work(work, tip)
    if status in CLOSING or status == TipStatus.DUPLICATE:
        raise ValueError("closing needs a note, a duplicate its original")
    return await change_status(work, tip, status)


async def assign(work: Work, tip: Tip, officer_id: int | None) -> None:
    """Give the tip to one of the commune's officers (None: back to the whole desk)."""
    _may_work(work, tip)
    if officer_id is not None and not await holds_commune_role(
        work.session, officer_id, Role.COMMUNE_POLICE, tip.commune_code
    ):
        raise Forbidden("not an officer of this commune")
    tip.assigned_person_id = officer_id
    work.session.add(
        TipEvent(
            tip_id=tip.id,
            at=work.now,
            kind=TipEventKind.ASSIGNED,
            actor_person_id=work.actor.person_id,
            text=str(officer_id) if officer_id is not None else None,
        )
    )


async def ask_reporter(work: Work, tip: Tip, question: str) -> bool:
    """The question, recorded and relayed under the code only; False if the reporter can no
    longer be reached (erased their data)."""
    _may_work(work, tip)
    return await actions.ask_reporter(work, tip, _check_text(question))


async def mark_duplicate(work: Work, tip: Tip, typed_code: str) -> Tip | None:
    """Mark `tip` as repeating another tip of its commune; None when there is no such tip."""
    _may_work(work, tip)
    return await actions.mark_duplicate(work, tip, typed_code)


async def close(work: Work, tip: Tip, status: TipStatus, note: str) -> None:
    """Resolved or "not enough grounds", with the note the reporter is sent and asked about."""
    _may_work(work, tip)
    if status not in CLOSING:
        raise ValueError(f"{status} does not close with a note")
    note = _check_text(note)
    await change_status(work, tip, status)
    await actions.send_closing_note(work, tip, note)


async def reveal_reporter(work: Work, tip: Tip, reason: str) -> Identity | None:
    """The reporter's name and phone, for an officer who gave a reason; audited with it."""
    work.require(Action.READ_REPORTER_IDENTITY, Scope(tip.commune_code))
    reason = _check_text(reason, REASON_MAX)
    assert work.actor.person_id is not None
    return await read_identity(
        work.session,
        cipher_of(work.settings),
        tip,
        reader=work.actor.person_id,
        at=work.now,
        reason=reason,
    )


def is_open(tip: Tip) -> bool:
    return tip.status not in CLOSED_STATUSES
