"""The sample commune of `make run`: docs/examples/sample_commune.yaml and the households file
it names, loaded once through the same importer as a commune's real lists (bot.organisation)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import FieldCipher
from bot.organisation import import_files, read_files
from storage.base import utcnow
from storage.models import Membership, MembershipStatus
from storage.repos.org import has_villages, people_in_households

log = logging.getLogger(__name__)

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "sample_commune.yaml"


async def seed_sample_commune(
    session: AsyncSession, cipher: FieldCipher, path: Path = SAMPLE
) -> bool:
    """Load the sample unless its commune already has villages; True if it was loaded.

    The cipher encrypts the sample's phone numbers, as for any imported list.
    """
    files = await asyncio.to_thread(read_files, path)
    if await has_villages(session, files.commune_code):
        return False
    report = await import_files(session, cipher, files)
    if not report.ok:
        raise ValueError(f"the sample commune cannot be loaded:\n{report.render()}")
    await _confirm_members(session, files.commune_code)
    log.info("sample commune loaded")
    return True


async def _confirm_members(session: AsyncSession, commune_code: str) -> None:
    """The sample's people who live in a household are confirmed members of its group, as if
    their leader had confirmed them: the leader sees members, meetings reach someone."""
    for person_id, household_id, group_id in await people_in_households(session, commune_code):
        session.add(
            Membership(
                person_id=person_id,
                group_id=group_id,
                household_id=household_id,
                status=MembershipStatus.CONFIRMED,
                decided_at=utcnow(),
            )
        )
    await session.flush()
