"""A resident's join request may suggest the person of the commune's list with the typed name;
the group's leader, who sees both the typed and the listed name, decides. A name proves
nothing: the suggestion is only ever a resident's row (no staff role) that no messenger account
took, and it is checked again when the leader confirms. Confirmed "as listed", the new account
moves onto the listed person (their household, roles as a resident) and the person made while
joining is emptied, like an erased one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import PRIVILEGED_ROLES
from bot.people.personal_data import ERASED_NAME, audit
from bot.text_match import fold
from storage.models import Membership, Person
from storage.repos.accounts import move_accounts
from storage.repos.grants import staff_grants, unclaimed_in_commune
from storage.repos.people import household_by_id, move_consents, person_by_id


async def _eligible(session: AsyncSession, listed: Person, new: Person) -> bool:
    return (
        listed.erased_at is None
        and listed.commune_code == new.commune_code
        and fold(listed.full_name) == fold(new.full_name)
        and not await staff_grants(session, listed.id, roles=PRIVILEGED_ROLES)
        and listed
        in await unclaimed_in_commune(session, commune_code=new.commune_code or "", exclude=new.id)
    )


async def suggest_listed(session: AsyncSession, new: Person) -> Person | None:
    """The one unclaimed resident of the commune's list with the same name, if exactly one."""
    if new.commune_code is None:
        return None
    found = [
        p
        for p in await unclaimed_in_commune(session, commune_code=new.commune_code, exclude=new.id)
        if fold(p.full_name) == fold(new.full_name)
    ]
    found = [p for p in found if not await staff_grants(session, p.id, roles=PRIVILEGED_ROLES)]
    return found[0] if len(found) == 1 else None


async def listed_label(session: AsyncSession, membership: Membership) -> str | None:
    """ "Name, address" of the suggested listed person, for the leader's notice."""
    if membership.suggested_person_id is None:
        return None
    listed = await person_by_id(session, membership.suggested_person_id)
    if listed is None or listed.erased_at is not None:
        return None
    household = await household_by_id(session, listed.household_id)
    return listed.full_name + (f", {household.address}" if household else "")


async def merge_into_listed(
    session: AsyncSession, membership: Membership, new: Person, *, actor: int | None, at: datetime
) -> Person | None:
    """Moves the joining person's accounts and consent onto the suggested listed person, if it
    is still eligible; returns the listed person, or None (then nothing changed)."""
    listed = await person_by_id(session, membership.suggested_person_id)
    if listed is None or not await _eligible(session, listed, new):
        return None
    await move_accounts(session, from_person=new.id, to_person=listed.id)
    await move_consents(session, from_person=new.id, to_person=listed.id)
    listed.consent_version = new.consent_version
    listed.phone_encrypted = new.phone_encrypted or listed.phone_encrypted
    membership.person_id = listed.id
    new.full_name, new.phone_encrypted, new.consent_version = ERASED_NAME, None, None
    new.erased_at = at
    audit(
        session,
        actor=actor,
        action="person.match_listed",
        subject_kind="person",
        subject_id=listed.id,
        at=at,
        detail=f"joined as person {new.id}",
    )
    await session.flush()
    return listed
