"""For leaders, police and admins: the members of a group, requests waiting for a decision,
and the Confirm / Reject buttons under each new-member notice."""

from __future__ import annotations

from enum import StrEnum

from bot.authz import POLICY, Action, Forbidden, group_scope, groups_in_reach, load_actor, require
from bot.i18n import N_
from bot.messages import Choice, EventKind
from bot.people.listed_match import listed_label
from bot.people.membership import (
    CONFIRM,
    CONFIRM_LISTED,
    REJECT,
    Decision,
    group_label,
    pending_requests,
    request_notice,
)
from bot.people.membership import decide as decide_membership
from bot.runtime.dialog.flows import Flow, FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from storage.repos.meeting_people import members_with_addresses
from storage.repos.meetings import household_by_id
from storage.repos.org import group_by_id
from storage.repos.people import person_by_id


class Step(StrEnum):
    GROUP = "group"


class MyGroup(Flow):
    name = "my_group"

    async def begin(self, turn: Turn) -> None:
        """Stores nothing; shows the one group led, or asks which group."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        groups = await groups_in_reach(turn.session, actor, Action.LIST_MEMBERS)
        if not groups:
            turn.say(turn._("You do not lead any group."))
            turn.leave()
        elif len(groups) == 1:
            await self._show(turn, groups[0].id)
        else:
            choices = [Choice(str(g.id), await group_label(turn.session, g.id)) for g in groups]
            turn.ask(Step.GROUP, turn._("Which group?"), choices)

    async def on_group(self, turn: Turn) -> None:
        """Stores nothing; shows the group picked, its members and requests waiting."""
        await self._show(turn, int(turn.choice or 0))

    async def _show(self, turn: Turn, group_id: int) -> None:
        """The member list, then one notice with buttons per request still waiting."""
        scope = await group_scope(turn.session, group_id)
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        try:
            if scope is None:
                raise Forbidden("no such group")
            require(actor, Action.LIST_MEMBERS, scope)
        except Forbidden:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        group = await group_by_id(turn.session, group_id)
        assert group is not None
        rows = await members_with_addresses(turn.session, group_id)
        lines = [
            turn._(
                "Members of {group}: {count}",
                group=await group_label(turn.session, group_id),
                count=len(rows),
            )
        ]
        lines += [f"• {name}" + (f", {address}" if address else "") for name, address in rows]
        turn.say("\n".join(lines))
        if allowed_to_decide(actor, scope):
            for membership in await pending_requests(turn.session, [group_id]):
                person = await person_by_id(turn.session, membership.person_id)
                household = await household_by_id(turn.session, membership.household_id)
                if person is not None:
                    listed = await listed_label(turn.session, membership)
                    notice = request_notice(
                        turn.t, membership, person, group, household, listed=listed
                    )
                    turn.replies.append(notice)
        turn.leave()


def allowed_to_decide(actor, scope) -> bool:  # type: ignore[no-untyped-def]
    try:
        require(actor, Action.DECIDE_MEMBERSHIP, scope)
    except Forbidden:
        return False
    return True


DECISION_TEXTS = {
    Decision.FORBIDDEN: N_("That option is not available to you."),
    Decision.ALREADY_DECIDED: N_("This request was already decided."),
    Decision.GONE: N_("This request no longer exists."),
    Decision.LISTED_TAKEN: N_(
        "The person of the list is no longer free to match. Confirm as a new member, or reject."
    ),
}


async def _decide(turn: Turn, argument: str, *, accept: bool, as_listed: bool = False) -> None:
    argument = argument.strip()
    if not argument.isdigit():
        if turn.event.kind is EventKind.COMMAND:  # "/xacnhan" typed without its number
            turn.say(
                turn._(
                    "Please type the number of the request after the command, as shown under "
                    "the notice, for example: /{command} 12",
                    command=fold(turn.event.command or ""),
                )
            )
        else:
            turn.say(turn._("That button belongs to an earlier message."))
        return
    decision = await decide_membership(turn.work, int(argument), accept=accept, as_listed=as_listed)
    if decision is Decision.DONE:
        turn.say(
            turn._("Confirmed. The new member has been told.")
            if accept
            else turn._("Rejected. The person has been told.")
        )
    else:
        turn.say(turn._(DECISION_TEXTS[decision]))


async def confirm_member(turn: Turn, argument: str) -> None:
    await _decide(turn, argument, accept=True)


async def reject_member(turn: Turn, argument: str) -> None:
    await _decide(turn, argument, accept=False)


async def confirm_as_listed(turn: Turn, argument: str) -> None:
    await _decide(turn, argument, accept=True, as_listed=True)


def _leads_something(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.LIST_MEMBERS])


my_group_entry = MenuEntry(
    key="members",
    label=N_("Members of my group"),
    flow=MyGroup.name,
    commands=("thanhvien", "members"),
    visible_to=_leads_something,
    order=50,
)


def register(registry: FlowRegistry) -> None:
    registry.add(MyGroup(), my_group_entry)
    # Typed where there are no buttons (Zalo): "/xacnhan 12", "/tuchoi 12".
    registry.add_action(CONFIRM, confirm_member, typed={"xacnhan": ""})
    registry.add_action(REJECT, reject_member, typed={"tuchoi": ""})
    registry.add_action(CONFIRM_LISTED, confirm_as_listed, typed={"xacnhands": ""})
