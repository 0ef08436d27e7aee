"""Who works on tips where: police receive a commune's tips, its admin reads their audit."""

from __future__ import annotations

from bot.authz import POLICY, Action, Actor
from storage.models import ScopeKind


def is_police(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.RECEIVE_TIPS])


def is_admin(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_TIP_AUDIT])


def communes_in_reach(actor: Actor, action: Action) -> list[str]:
    """The communes where `actor` holds a commune-wide role that may do `action`."""
    return sorted(
        {
            grant.scope_id
            for grant in actor.grants
            if grant.role in POLICY[action] and grant.scope_kind == ScopeKind.COMMUNE
        }
    )
