"""A tip in police hands: finding it for an officer (re-authorised every time), moving it
through its statuses (cards edited in place), and telling the reporter through the vault."""

from __future__ import annotations

from bot.authz import Action, Scope
from bot.i18n import Translator
from bot.messages import Choice, OutboundMessage
from bot.tips.cards import reporter_update
from bot.tips.codes import normalise_tip_code
from bot.tips.delivery import refresh_cards
from bot.tips.vault import cipher_of, route_to_reporter
from bot.work import Work
from storage.models import CLOSED_STATUSES, Priority, Tip, TipEvent, TipEventKind, TipStatus
from storage.repos.tips import tip_by_code, tip_by_id


class TipNotFound(Exception):
    pass


async def tip_for_police(
    work: Work, tip_id: int | str, action: Action = Action.RECEIVE_TIPS
) -> Tip:
    """The tip (by id, or by its code when a string), if the acting person may do `action` on
    its commune; raises Forbidden (bot.authz) or TipNotFound otherwise."""
    if isinstance(tip_id, str):
        tip = await tip_by_code(work.session, normalise_tip_code(tip_id))
    else:
        tip = await tip_by_id(work.session, tip_id)
    if tip is None:
        raise TipNotFound
    await work.check(action, Scope(tip.commune_code))
    return tip


async def change_status(
    work: Work, tip: Tip, status: TipStatus, *, note: str | None = None
) -> bool:
    """Move a tip to `status` (False if it is there already), record who and when, edit the
    cards, and tell the reporter if they asked for updates."""
    if tip.status == status:
        return False
    tip.status = status
    if status != TipStatus.NEW and tip.acknowledged_at is None:
        tip.acknowledged_at = work.now
        tip.next_escalation_at = None
    tip.closed_at = work.now if status in CLOSED_STATUSES else None
    work.session.add(
        TipEvent(
            tip_id=tip.id,
            at=work.now,
            kind=TipEventKind.STATUS,
            status=status,
            actor_person_id=work.person.id if work.person else None,
            text=note,
        )
    )
    work.queued.update(await refresh_cards(work.session, work.settings, tip))
    if status not in (TipStatus.RESOLVED, TipStatus.NO_GROUNDS):  # those wait for a closing note
        await tell_reporter(work, tip, reporter_update(status))
    return True


async def tell_reporter(
    work: Work,
    tip: Tip,
    text: str | None,
    *,
    choices: tuple[Choice, ...] = (),
    always: bool = False,
    values: dict[str, str] | None = None,
    msgid_values: dict[str, str] | None = None,
) -> bool:
    """A message to the reporter through the vault route, in their language; `text` is an
    N_ msgid. Updates go only to reporters who asked; questions (`always`) go to everyone."""
    if text is None or not (tip.wants_updates or always):
        return False
    route = await route_to_reporter(work.session, cipher_of(work.settings), tip)
    if route is None:
        return False
    t = Translator(route.language, work.settings.timezone)
    translated = {key: t.gettext(msgid) for key, msgid in (msgid_values or {}).items()}
    message = OutboundMessage(
        text=t.gettext(text, code=tip.code, **(values or {}), **translated),
        choices=tuple(Choice(c.key, t.gettext(c.label)) for c in choices),
    )
    await work.notify(
        channel=route.channel, chat_id=route.chat_id, message=message, priority=Priority.TIP
    )
    return True
