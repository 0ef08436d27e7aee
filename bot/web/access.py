"""Who may enter a commune's console, and what they may do there (the rules of bot.authz)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import POLICY, Action, Actor, Scope, allowed
from storage.models import Role, ScopeKind
from storage.repos.web_console import communes_of_villages

COMMUNE_ROLES = frozenset({Role.COMMUNE_POLICE, Role.COMMUNE_ADMIN})


async def console_communes(session: AsyncSession, actor: Actor) -> list[str]:
    """The communes whose console this person may open: as commune police or admin there, or
    (read-only pages) as head of one of its villages."""
    communes = {
        grant.scope_id
        for grant in actor.grants
        if grant.role in COMMUNE_ROLES and grant.scope_kind == ScopeKind.COMMUNE
    }
    village_ids = [
        int(grant.scope_id)
        for grant in actor.grants
        if grant.role == Role.VILLAGE_HEAD and grant.scope_kind == ScopeKind.VILLAGE
    ]
    communes |= await communes_of_villages(session, village_ids)
    return sorted(communes)


@dataclass(frozen=True)
class Powers:
    """What the console shows this person in this commune."""

    commune_code: str
    works_tips: bool
    reads_identity: bool
    admin: bool
    reads_reports: bool
    reads_meetings: bool
    announces: bool

    @classmethod
    def of(cls, actor: Actor, commune_code: str, village_ids: list[int]) -> Powers:
        scope = Scope(commune_code)
        reports = allowed(actor, Action.VIEW_REPORT, scope) or any(
            allowed(actor, Action.VIEW_REPORT, Scope(commune_code, village_id))
            for village_id in village_ids
        )
        return cls(
            commune_code=commune_code,
            works_tips=allowed(actor, Action.RECEIVE_TIPS, scope),
            reads_identity=allowed(actor, Action.READ_REPORTER_IDENTITY, scope),
            admin=any(grant.role in POLICY[Action.VIEW_TIP_AUDIT] for grant in actor.grants)
            and allowed(actor, Action.VIEW_TIP_AUDIT, scope),
            reads_reports=reports,
            announces=allowed(actor, Action.SEND_BROADCAST, scope),
            reads_meetings=any(
                grant.role in POLICY[Action.VIEW_MEETING_BOOK] for grant in actor.grants
            ),
        )
