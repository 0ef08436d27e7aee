"""How conversations plug into the engine: a Flow per conversation, MenuEntry per menu line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from bot.messages import ACTION_PREFIX
from bot.messages import action_key as action_key  # re-exported: handlers import it here

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.runtime.dialog.turn import Turn


class Flow:
    """One conversation users see. Steps are a StrEnum; `on_<step>` handles the answer to it.

    A step method reads `turn.choice` (the picked choice key, however it was given) or
    `turn.event`, stores what it needs in `turn.data`, and asks the next question with
    `turn.ask(...)` or ends with `turn.leave()`.
    """

    name: ClassVar[str]
    # What an unfinished one is called ("tip"), where people type things worth keeping when
    # they leave: a draft is then kept (bot/runtime/dialog/drafts.py). None: nothing is kept.
    draft_name: ClassVar[str | None] = None

    async def begin(self, turn: Turn) -> None:
        raise NotImplementedError

    def holds_typed_content(self, data: dict[str, Any]) -> bool:
        """Whether `data` holds something the person typed (kept as a draft if they leave)."""
        return False

    async def handle(self, turn: Turn) -> None:
        handler = getattr(self, f"on_{turn.step}", None)
        if handler is None:
            raise LookupError(f"flow {self.name!r} has no handler for step {turn.step!r}")
        await handler(turn)


def anyone(_roles: frozenset[str]) -> bool:
    return True


@dataclass(frozen=True)
class MenuEntry:
    """A line of the main menu: who sees it, what starts it, and the commands that jump to it."""

    key: str  # short, stable: it travels in button data
    label: str  # marked with N_, translated when shown
    flow: str
    commands: tuple[str, ...] = ()
    visible_to: Callable[[frozenset[str]], bool] = anyone
    order: int = 100
    secondary: bool = False  # under "More…": used rarely, or a few times a year
    # Folded words that start this entry with what follows them on the same message:
    # "kiểm tra 0912 345 678" (the flow reads the rest from the event's text).
    leading_words: tuple[str, ...] = ()


# A button under a notice (not under a question), e.g. "Confirm" under "New member: …".
# Its key is "a:<name>:<argument>"; it means the same however old the message is, so the
# handler itself checks, on the server, that the presser may do it and that it is still to do.
ButtonAction = Callable[["Turn", str], Awaitable[None]]


# On a messenger without buttons (Zalo) an action is typed instead: "/tiepnhan TB-7K3Q" runs the
# action "tip" with the argument "ack:TB-7K3Q" (the alias's prefix, then what was typed). The
# handler is called with a COMMAND event then, and reads the typed argument (a code, a text).
# `shown` turns a button's stored argument into what a person would type (a tip id into its
# code), so text channels can print "/tiepnhan TB-7K3Q" under a notice.
ShownArgument = Callable[["AsyncSession", str], Awaitable[str | None]]


@dataclass(frozen=True)
class TypedAction:
    command: str  # the word typed after "/", lower case, no diacritics
    action: str
    prefix: str  # put before the typed argument: "ack:"


@dataclass
class FlowRegistry:
    flows: dict[str, Flow] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    actions: dict[str, ButtonAction] = field(default_factory=dict)
    typed_actions: dict[str, TypedAction] = field(default_factory=dict)
    shown_arguments: dict[str, ShownArgument] = field(default_factory=dict)
    # The flow that asks for consent (joining): the engine sends a member there, whose consent
    # is missing or outdated, before a flow of `needs_consent` (one that stores more about them).
    consent_flow: str | None = None
    needs_consent: set[str] = field(default_factory=set)
    # Whether a person (None: someone who has not joined) agreed to the current notice; the
    # engine asks through here, as it imports no domain package.
    has_consent: Callable[[Any], bool] = lambda person: person is not None
    # Flows that ask or show personal things: started in a group chat, they run in the
    # person's private chat instead, and the group sees only "I messaged you privately".
    private_flows: set[str] = field(default_factory=set)
    # Whether a text typed by someone who has not joined is an invitation code (joining starts).
    invite_code: Callable[[AsyncSession, str], Awaitable[bool]] | None = None
    # Flows' takers of words typed outside any conversation that match no menu entry (a reply
    # to a police question); each returns whether it took them.
    text_hooks: list[Callable[[Turn], Awaitable[bool]]] = field(default_factory=list)
    # The menu as each set of roles sees it: asked for on every update, the same every time.
    _seen_by: dict[frozenset[str], tuple[MenuEntry, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def add_action(
        self,
        name: str,
        handler: ButtonAction,
        *,
        typed: Mapping[str, str] | None = None,
        shown: ShownArgument | None = None,
    ) -> None:
        """`typed` maps command words to the argument prefix they stand for, e.g.
        {"tiepnhan": "ack:"}; `shown` turns a stored argument into its typed form."""
        if name in self.actions:
            raise ValueError(f"button action {name!r} registered twice")
        self.actions[name] = handler
        for command, prefix in (typed or {}).items():
            if command in self.typed_actions:
                raise ValueError(f"typed command {command!r} registered twice")
            self.typed_actions[command] = TypedAction(command, name, prefix)
        if shown is not None:
            self.shown_arguments[name] = shown

    def typed_action(self, command: str) -> TypedAction | None:
        return self.typed_actions.get(command)

    def typed_form(self, key: str) -> tuple[str, str] | None:
        """(command word, the stored argument after the alias's prefix) for a button key
        "a:<name>:<argument>", when some typed command stands for it; the longest prefix wins."""
        if not key.startswith(ACTION_PREFIX):
            return None
        name, _, argument = key.removeprefix(ACTION_PREFIX).partition(":")
        candidates = [
            alias
            for alias in self.typed_actions.values()
            if alias.action == name and argument.startswith(alias.prefix)
        ]
        if not candidates:
            return None
        best = max(candidates, key=lambda alias: len(alias.prefix))
        return best.command, argument.removeprefix(best.prefix)

    def add(self, flow: Flow, *entries: MenuEntry) -> None:
        if flow.name in self.flows:
            raise ValueError(f"flow {flow.name!r} registered twice")
        self.flows[flow.name] = flow
        self.menu.extend(entries)
        self.menu.sort(key=lambda entry: entry.order)
        self._seen_by.clear()

    def move_under_more(self, keys: set[str]) -> None:
        """Put these entries on the menu's "More…" page."""
        unknown = keys - {entry.key for entry in self.menu}
        assert not unknown, f"no menu entries {unknown}"
        self.menu = [replace(e, secondary=True) if e.key in keys else e for e in self.menu]
        self._seen_by.clear()

    def menu_for(self, roles: frozenset[str]) -> tuple[MenuEntry, ...]:
        seen = self._seen_by.get(roles)
        if seen is None:
            seen = tuple(entry for entry in self.menu if entry.visible_to(roles))
            self._seen_by[roles] = seen
        return seen

    def entry(self, key: str) -> MenuEntry | None:
        return next((entry for entry in self.menu if entry.key == key), None)

    def entry_for_command(self, command: str, roles: frozenset[str]) -> MenuEntry | None:
        return next((e for e in self.menu_for(roles) if command in e.commands), None)

    def commands(self) -> Iterable[tuple[str, MenuEntry]]:
        for entry in self.menu:
            for command in entry.commands:
                yield command, entry
