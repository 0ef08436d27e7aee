"""A household's pledge: who may sign it, recording and withdrawing it, and telling the household.

Who may do what is decided with `bot.authz` from the roles as stored and the household as
loaded from the database, never from what a button carried:
- the head (role household_head in the household's group, and living in it) signs, withdraws,
  and lets other members sign (PledgeDelegate);
- a member the head let sign signs and withdraws, as long as they still live in the household;
- every member (resident of the group, living in it) sees the household's pledge;
- a leader of the household's group records it on the household's behalf (assisted).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import Action, Actor, allowed, group_scope
from bot.i18n import N_, Translator
from bot.messages import OutboundMessage
from bot.work import Work
from storage.models import (
    Household,
    HouseholdStatus,
    Person,
    Pledge,
    PledgeChannel,
    PledgeText,
)
from storage.repos.accounts import reachable_accounts
from storage.repos.outbox import dedupe_key
from storage.repos.people import household_by_id, person_by_id
from storage.repos.pledges import delegation, members_living_in, pledge_in_force

MAX_REASON = 300
HOW_NAMES = {
    PledgeChannel.IN_PERSON: N_("in person"),
    PledgeChannel.PHONE: N_("by phone"),
}


class Signer(StrEnum):
    HEAD = "head"
    DELEGATE = "delegate"


def local_year(now: datetime, timezone: ZoneInfo) -> int:
    """The year where the commune is: the new year's drive starts at local midnight."""
    return now.astimezone(timezone).year


def current_year(work: Work) -> int:
    """The pledge year of this unit of work's moment, where the commune is."""
    return local_year(work.now, work.settings.timezone)


def day_text(t: Translator, moment: datetime) -> str:
    """A date as villagers write it (05/01/2026); English in its medium style (Jan 5, 2026)."""
    return t.date(moment, "dd/MM/yyyy" if t.locale == "vi" else "medium")


async def member_household(session: AsyncSession, person: Person | None) -> Household | None:
    """The household this person lives in, as confirmed by their leader."""
    if person is None or person.household_id is None or person.erased_at is not None:
        return None
    household = await household_by_id(session, person.household_id)
    return household if household is not None and household.confirmed else None


async def may_view(
    session: AsyncSession, actor: Actor, person: Person, household: Household
) -> bool:
    scope = await group_scope(session, household.group_id)
    return (
        scope is not None
        and person.household_id == household.id
        and allowed(actor, Action.VIEW_HOUSEHOLD_PLEDGE, scope)
    )


async def signer(
    session: AsyncSession, actor: Actor, person: Person, household: Household
) -> Signer | None:
    """Whether this person may sign (and withdraw) the pledge of their household, and why."""
    scope = await group_scope(session, household.group_id)
    if (
        scope is None
        or person.household_id != household.id
        or household.status != HouseholdStatus.ACTIVE
    ):
        return None
    if allowed(actor, Action.SIGN_PLEDGE, scope):
        return Signer.HEAD
    if not allowed(actor, Action.VIEW_HOUSEHOLD_PLEDGE, scope):
        return None
    delegated = await delegation(session, household.id, person.id)
    return Signer.DELEGATE if delegated is not None else None


async def may_delegate(
    session: AsyncSession, actor: Actor, person: Person, household: Household
) -> bool:
    scope = await group_scope(session, household.group_id)
    return (
        scope is not None
        and person.household_id == household.id
        and allowed(actor, Action.DELEGATE_PLEDGE, scope)
    )


async def may_sign_on_behalf(session: AsyncSession, actor: Actor, household: Household) -> bool:
    scope = await group_scope(session, household.group_id)
    return (
        scope is not None
        and household.confirmed
        and household.status == HouseholdStatus.ACTIVE
        and allowed(actor, Action.PLEDGE_ON_BEHALF, scope)
    )


async def record_pledge(
    session: AsyncSession,
    *,
    household: Household,
    year: int,
    text: PledgeText,
    person_id: int,
    channel: str,
    now: datetime,
    assisted_how: str | None = None,
) -> Pledge | None:
    """Record the pledge; None when the household already has one for the year (also when
    another member's pledge was stored a moment earlier)."""
    if await pledge_in_force(session, household.id, year) is not None:
        return None
    pledge = Pledge(
        household_id=household.id,
        year=year,
        text_id=text.id,
        confirmed_by=person_id,
        assisted=assisted_how is not None,
        assisted_how=assisted_how,
        channel=channel,
        at=now,
    )
    try:
        async with session.begin_nested():
            session.add(pledge)
            await session.flush()
    except IntegrityError:
        return None
    return pledge


def withdraw(pledge: Pledge, *, person_id: int, reason: str, now: datetime) -> None:
    pledge.withdrawn_at = now
    pledge.withdrawn_by = person_id
    pledge.withdraw_reason = reason[:MAX_REASON]


async def describe(session: AsyncSession, t: Translator, pledge: Pledge) -> str:
    """When, by whom and which text: what a member and a leader see of a pledge."""
    person = await person_by_id(session, pledge.confirmed_by)
    name = person.full_name if person else "—"
    if pledge.assisted:
        who = t.gettext(
            "Signed for the household by the group leader {name} ({how}).",
            name=name,
            how=t.gettext(HOW_NAMES.get(pledge.assisted_how or "", N_("in person"))),
        )
    else:
        who = t.gettext("Confirmed by {name}.", name=name)
    return "\n".join(
        [
            t.gettext(
                "Safety pledge for {year}: made on {date}.",
                year=pledge.year,
                date=day_text(t, pledge.at),
            ),
            who,
        ]
    )


async def tell_household(
    work: Work,
    household: Household,
    render: Callable[[Translator], str],
    *,
    key: tuple[object, ...],
    exclude: frozenset[int] = frozenset(),
) -> None:
    """A notice to every member of the household on every messenger they use, but `exclude`;
    `key` (a kind and what it is about) makes it once per event and account."""
    members = [p.id for p in await members_living_in(work.session, household.id)]
    accounts = await reachable_accounts(work.session, [m for m in members if m not in exclude])
    for account in accounts:
        t = Translator(account.language, work.settings.timezone)
        await work.notify(
            channel=account.channel,
            chat_id=account.chat_id,
            message=OutboundMessage(text=render(t)),
            dedupe_key=dedupe_key(str(key[0]), *key[1:], account.id),
        )
