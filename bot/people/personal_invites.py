"""Personal invites: the only way a messenger account becomes a group leader, village head,
officer or admin. Each is issued for one person of the commune's list and one of their roles,
works once, for 7 days; `org import` prints one for every such person not on the bot yet, and a
commune admin gets a new one in the chat (/moicanbo) when a code was lost or expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import PRIVILEGED_ROLES
from bot.i18n import N_, Translator
from bot.people.invites import PRIVILEGED_MAX_AGE, create_invite, telegram_link
from bot.text_match import fold
from storage.models import Invite, Person, Role
from storage.repos.grants import open_personal_invite, people_of, staff_grants, unclaimed_staff
from storage.repos.people import person_by_id

ROLE_NAMES = {
    Role.RESIDENT: N_("resident"),
    Role.HOUSEHOLD_HEAD: N_("household head"),
    Role.GROUP_LEADER: N_("group leader"),
    Role.GROUP_DEPUTY: N_("deputy group leader"),
    Role.VILLAGE_HEAD: N_("village head"),
    Role.SECURITY_TEAM: N_("security team member"),
    Role.COMMUNE_POLICE: N_("commune police officer"),
    Role.COMMUNE_ADMIN: N_("commune administrator"),
}
HANDOUT = N_(
    "Bình Yên: your personal code, {name}\n\n"
    "On Zalo, write to Bình Yên: /join {code}\n"
    "On Telegram: {link}\n\n"
    "It works once, until {until}, and only for you: it gives you your role of {role}. "
    "Do not pass it on."
)


@dataclass(frozen=True)
class PersonalCode:
    person: Person
    invite: Invite
    new: bool


async def personal_invite(
    session: AsyncSession, person: Person, *, now: datetime, created_by: int | None = None
) -> PersonalCode | None:
    """The person's working personal invite, or a new one; None if they hold no staff role."""
    existing = await open_personal_invite(session, person.id, now=now)
    if existing is not None:
        return PersonalCode(person, existing, new=False)
    grants = await staff_grants(session, person.id, roles=PRIVILEGED_ROLES)
    if not grants or person.commune_code is None:
        return None
    first = grants[0]
    invite = await create_invite(
        session,
        commune_code=person.commune_code,
        role=first.role,
        scope_kind=first.scope_kind,  # type: ignore[arg-type]
        scope_id=first.scope_id,
        now=now,
        created_by=created_by,
        valid_for=PRIVILEGED_MAX_AGE,
        max_uses=1,
    )
    invite.person_id = person.id
    await session.flush()
    return PersonalCode(person, invite, new=True)


async def listed_person(session: AsyncSession, commune_code: str, typed: str) -> Person | None:
    """The one person of the commune with this id or full name (diacritics and case aside)."""
    if typed.strip().isdigit():
        person = await person_by_id(session, int(typed))
        found = [person] if person is not None and person.commune_code == commune_code else []
    else:
        found = [
            p
            for p in await people_of(session, commune_code=commune_code)
            if fold(p.full_name) == fold(typed)
        ]
    return found[0] if len(found) == 1 and found[0].erased_at is None else None


async def codes_for_unclaimed_staff(
    session: AsyncSession, commune_code: str, *, now: datetime
) -> list[PersonalCode]:
    """A personal code for each person of the commune's list with a staff role who has no
    messenger account yet (reusing one that still works)."""
    codes = []
    for person in await unclaimed_staff(session, commune_code=commune_code, roles=PRIVILEGED_ROLES):
        code = await personal_invite(session, person, now=now)
        if code is not None:
            codes.append(code)
    return codes


def handout_text(t: Translator, code: PersonalCode, *, bot_username: str | None) -> str:
    """The message (or slip of paper) that hands a personal code to its person."""
    invite = code.invite
    link = telegram_link(bot_username, invite.code) if bot_username else f"/start {invite.code}"
    return t.gettext(
        HANDOUT,
        name=code.person.full_name,
        code=invite.code,
        link=link,
        until=t.datetime(invite.expires_at) if invite.expires_at else "",
        role=t.gettext(ROLE_NAMES.get(Role(invite.role), invite.role)),
    )
