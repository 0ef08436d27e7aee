"""`/thongbao`: commune police and admins announce to the commune (all members, leaders, a
village, the group chats); a group's leader to their own group. Compose (text, or a photo with
a caption), see it as it will arrive with the number of recipients, confirm; `/tiendo` shows
progress, and a final report comes when nothing is left to send."""

from __future__ import annotations

from enum import StrEnum

from bot.authz import (
    Action,
    Forbidden,
    Scope,
    allowed,
    group_scope,
    groups_in_reach,
    load_actor,
    require,
)
from bot.calendar import broadcast as service
from bot.calendar.audience import resolve
from bot.calendar.broadcast import COMMUNE_AUDIENCES, MAX_TEXT
from bot.i18n import N_
from bot.messages import Choice, EventKind
from bot.runtime.dialog.flows import Flow, FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.runtime.outbox_policy import waiting_reason
from bot.vocabulary import unit_placeholders
from storage.models import Broadcast, Role
from storage.repos.broadcasts import latest_by_author, waiting_errors
from storage.repos.org import commune_by_code, villages_of

SEND = "send"


class Step(StrEnum):
    AUDIENCE = "audience"
    VILLAGE = "village"
    TEXT = "text"
    CONFIRM = "confirm"


def _communes(actor) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        grant.scope_id
        for grant in actor.grants
        if grant.role in (Role.COMMUNE_POLICE, Role.COMMUNE_ADMIN) and grant.scope_kind == "commune"
    ]


async def _unit_words(turn: Turn, commune_code: str) -> dict[str, str]:
    commune = await commune_by_code(turn.session, commune_code)
    return unit_placeholders(commune.unit_word if commune else None)


class BroadcastFlow(Flow):
    name = "broadcast"

    async def begin(self, turn: Turn) -> None:
        """Finds the communes and groups the author may address; asks who should receive it."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        communes = [c for c in _communes(actor) if allowed(actor, Action.SEND_BROADCAST, Scope(c))]
        groups = await groups_in_reach(turn.session, actor, Action.MESSAGE_GROUP)
        choices = []
        if communes:
            turn.update_data(commune=communes[0])
            unit = await _unit_words(turn, communes[0])
            choices += [Choice(key, turn._(label, **unit)) for key, label in COMMUNE_AUDIENCES]
        for group in groups:
            choices.append(
                Choice(f"group:{group.id}", turn._("My group: {group}", group=group.name))
            )
        if not choices:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        turn.ask(Step.AUDIENCE, turn._("Who should receive the announcement?"), choices)

    async def on_audience(self, turn: Turn) -> None:
        """Stores a group audience's commune; asks which village, or for the text."""
        choice = turn.choice or ""
        if choice == "village":
            commune_code = turn.data.get("commune", "")
            villages = await villages_of(turn.session, commune_code)
            choices = [Choice(str(v.id), v.name) for v in villages]
            unit = await _unit_words(turn, commune_code)
            turn.ask(Step.VILLAGE, turn._("Which {unit}?", **unit), choices)
            return
        if choice.startswith("group:"):
            scope = await group_scope(turn.session, int(choice.removeprefix("group:")))
            if scope is None:
                turn.leave()
                return
            turn.update_data(commune=scope.commune_code)
        await self._ask_text(turn, choice)

    async def on_village(self, turn: Turn) -> None:
        """Takes the village as the audience; asks for the text."""
        await self._ask_text(turn, f"village:{int(turn.choice or 0)}")

    async def _ask_text(self, turn: Turn, audience: str) -> None:
        turn.update_data(audience=audience)
        turn.ask(
            Step.TEXT,
            turn._("Type the announcement. You may also send one photo with a caption."),
            free_text=True,
        )

    async def on_text(self, turn: Turn) -> None:
        """Stores the text (and photo); shows how it will arrive and asks to send."""
        event = turn.event
        photo = None
        if event.kind is EventKind.MEDIA and event.media is not None:
            if event.media.kind != "photo":
                turn.say(turn._("Only a photo can go with an announcement."))
                return
            photo = event.media.ref
        text = (event.text or "").strip()
        if not text:
            turn.say(turn._("Please type the text of the announcement."))
            return
        if len(text) > MAX_TEXT:
            turn.say(turn._("That is too long: at most {n} characters.", n=MAX_TEXT))
            return
        turn.update_data(text=text, photo=photo)
        audience, commune = turn.data["audience"], turn.data["commune"]
        count = len(await resolve(turn.session, commune, audience, today=turn.now.date()))
        draft = Broadcast(
            commune_code=commune, audience=audience, text=text, photo=photo, author_person_id=0
        )
        preview = await service.render(turn.session, draft, turn.t, private=True)
        turn.say(preview.text, photo=preview.photo)
        turn.ask(
            Step.CONFIRM,
            turn.ngettext(
                "Above is how it will arrive. It goes to {n} recipient. Send it?",
                "Above is how it will arrive. It goes to {n} recipients. Send it?",
                count,
            ),
            [Choice(SEND, turn._("Send"))],
        )

    async def on_confirm(self, turn: Turn) -> None:
        """Re-checks the author's right, queues every message; ends with the progress."""
        if turn.choice != SEND or turn.person is None:
            turn.leave()
            return
        audience, commune = turn.data["audience"], turn.data["commune"]
        actor = await load_actor(turn.session, turn.person.id)
        try:
            if audience.startswith("group:"):
                scope = await group_scope(turn.session, int(audience.removeprefix("group:")))
                if scope is None:
                    raise Forbidden("no such group")
                require(actor, Action.MESSAGE_GROUP, scope)
            else:
                require(actor, Action.SEND_BROADCAST, Scope(commune))
        except Forbidden:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        broadcast, channels = await service.start(
            turn.session,
            turn.settings,
            commune_code=commune,
            author_person_id=turn.person.id,
            author=turn.account,
            audience=audience,
            text=turn.data["text"],
            photo=turn.data.get("photo"),
            now=turn.now,
        )
        turn.queued.update(channels)  # wakes those channels' outbox workers
        turn.say(
            turn.ngettext(
                "Sending to {n} recipient. Send /tiendo to see the progress; I will report "
                "when it is done.",
                "Sending to {n} recipients. Send /tiendo to see the progress; I will report "
                "when it is done.",
                broadcast.total,
            )
        )
        turn.leave()


async def show_progress(turn: Turn, _argument: str) -> None:
    """`/tiendo`: the author's last three announcements, sent / failed / remaining."""
    person_id = turn.person.id if turn.person else -1
    mine = await latest_by_author(turn.session, person_id, limit=3)
    if not mine:
        turn.say(turn._("You have sent no announcements yet."))
    for broadcast in mine:
        state = await service.progress(turn.session, broadcast.id)
        text = service.progress_text(turn.t, broadcast, state)
        if not state.done:
            why = waiting_reason(await waiting_errors(turn.session, broadcast.id))
            text += f"\n{turn._(why)}" if why else ""
        turn.say(text)


def may_broadcast(roles: frozenset[str]) -> bool:
    return bool(
        roles & {Role.COMMUNE_POLICE, Role.COMMUNE_ADMIN, Role.GROUP_LEADER, Role.GROUP_DEPUTY}
    )


broadcast_entry = MenuEntry(
    key="broadcast",
    label=N_("Send an announcement"),
    flow=BroadcastFlow.name,
    commands=("thongbao", "announce"),
    visible_to=may_broadcast,
    order=85,
)


def register(registry: FlowRegistry) -> None:
    registry.add(BroadcastFlow(), broadcast_entry)
    registry.add_action("bc_progress", show_progress, typed={"tiendo": "", "progress": ""})
