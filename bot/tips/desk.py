"""A tip's actions without a chat turn, on a unit of work (bot.work.Work): what the police
card's buttons do, for the web console now and the chat later (issue #16).

Every function checks the acting person's right on the tip's commune first (bot.authz), records
who did what and when, edits the chat cards in place and tells the reporter through the vault's
route, exactly as the card's buttons do.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.authz import Action, Forbidden, Scope
from bot.i18n import N_
from bot.messages import Choice
from bot.runtime.dialog.flows import action_key
from bot.tips.cards import STATUS_NAMES
from bot.tips.service import change_status, cipher_of, normalise_tip_code, tell_reporter
from bot.tips.vault import Identity, read_identity
from bot.work import Work
from handlers.tip_triage import (
    CLOSED_FOR_REPORTER,
    FEEDBACK_ACTION,
    MAX_TEXT,
    QUESTION_TO_REPORTER,
    REPLY_ACTION,
)
from storage.models import (
    CLOSED_STATUSES,
    Role,
    RoleAssignment,
    ScopeKind,
    Tip,
    TipEvent,
    TipEventKind,
    TipStatus,
)

CLOSING = (TipStatus.RESOLVED, TipStatus.NO_GROUNDS)


class BadText(ValueError):
    """Empty, or longer than a reporter's message may be."""


REASON_MAX = 200  # what the audit log's detail holds


def _check_text(text: str, limit: int = MAX_TEXT) -> str:
    text = text.strip()
    if not 1 <= len(text) <= limit:
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
    if officer_id is not None:
        holds = await work.session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.person_id == officer_id,
                RoleAssignment.role == Role.COMMUNE_POLICE,
                RoleAssignment.scope_kind == ScopeKind.COMMUNE,
                RoleAssignment.scope_id == tip.commune_code,
            )
        )
        if holds is None:
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
    question = _check_text(question)
    work.session.add(
        TipEvent(
            tip_id=tip.id,
            at=work.now,
            kind=TipEventKind.QUESTION,
            actor_person_id=work.actor.person_id,
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
    _may_work(work, tip)
    original = await work.session.scalar(
        select(Tip).where(
            Tip.code == normalise_tip_code(typed_code), Tip.commune_code == tip.commune_code
        )
    )
    if original is None or original.id == tip.id:
        return None
    tip.duplicate_of = original.id
    await change_status(work, tip, TipStatus.DUPLICATE, note=original.code)
    return original


async def close(work: Work, tip: Tip, status: TipStatus, note: str) -> None:
    """Resolved or "not enough grounds", with the note the reporter is sent and asked about."""
    _may_work(work, tip)
    if status not in CLOSING:
        raise ValueError(f"{status} does not close with a note")
    note = _check_text(note)
    await change_status(work, tip, status)
    tip.closing_note = note
    work.session.add(
        TipEvent(
            tip_id=tip.id,
            at=work.now,
            kind=TipEventKind.CLOSING_NOTE,
            actor_person_id=work.actor.person_id,
            text=note,
        )
    )
    feedback = (
        Choice(action_key(FEEDBACK_ACTION, f"yes:{tip.id}"), N_("Satisfied")),
        Choice(action_key(FEEDBACK_ACTION, f"no:{tip.id}"), N_("Not satisfied")),
    )
    await tell_reporter(
        work,
        tip,
        CLOSED_FOR_REPORTER,
        choices=feedback,
        values={"note": note},
        msgid_values={"status": STATUS_NAMES[TipStatus(tip.status)]},
    )


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
