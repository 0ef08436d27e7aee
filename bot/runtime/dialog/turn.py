"""Everything a flow step may use while handling one event, and what it leaves behind."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translator
from bot.messages import (
    SHARE_LOCATION,
    SHARE_PHONE,
    TEXT_ONLY,
    Capabilities,
    Choice,
    InboundEvent,
    OutboundMessage,
)
from bot.runtime.dialog.commands import NAV_BACK, NAV_CANCEL, NAV_PREFIX
from bot.work import Work
from storage.models import ChannelAccount, Conversation, Person, Priority


def new_token() -> str:
    """A question's token: a button pressed under an older copy of it is stale."""
    return secrets.token_urlsafe(3)


@dataclass
class Prompt:
    """An open question: re-asked on unclear input, on "back", and after a stale button."""

    step: str | None
    text: str
    choices: tuple[Choice, ...] = ()
    free_text: bool = False
    token: str = field(default_factory=lambda: new_token())
    offer_share: str | None = None  # see OutboundMessage.offer_share
    share_label: str | None = None
    numbered: bool = True  # see OutboundMessage.numbered

    def to_json(self) -> dict[str, Any]:
        return {
            "numbered": self.numbered,
            "step": self.step,
            "text": self.text,
            "choices": [[c.key, c.label] for c in self.choices],
            "free_text": self.free_text,
            "token": self.token,
            "offer_share": self.offer_share,
            "share_label": self.share_label,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Prompt:
        offer, label = raw.get("offer_share"), raw.get("share_label")
        # Questions asked before the neutral words (#16) named Telegram's buttons.
        for old, kind in (("request_contact", SHARE_PHONE), ("request_location", SHARE_LOCATION)):
            if not offer and raw.get(old):
                offer, label = kind, raw[old]
        return cls(
            step=raw.get("step"),
            text=raw["text"],
            choices=tuple(Choice(k, label) for k, label in raw.get("choices", ())),
            free_text=bool(raw.get("free_text")),
            token=raw.get("token") or "",
            offer_share=offer,
            share_label=label,
            numbered=raw.get("numbered", True),
        )

    def message(self, prefix: str | None = None, *, in_group: bool = False) -> OutboundMessage:
        text = f"{prefix}\n\n{self.text}" if prefix else self.text
        return OutboundMessage(
            text=text,
            choices=self.choices,
            token=self.token if self.choices else None,
            offer_share=self.offer_share,
            share_label=self.share_label,
            reply_expected=in_group and self.free_text,
            numbered=self.numbered,
        )


@dataclass
class Turn:
    event: InboundEvent
    session: AsyncSession
    conversation: Conversation
    account: ChannelAccount
    person: Person | None
    roles: frozenset[str]
    t: Translator
    now: datetime
    settings: Settings
    choice: str | None = None
    # What this event's messenger can show and carry (bot.messengers); flows ask it, never
    # the channel's name.
    capabilities: Capabilities = TEXT_ONLY
    replies: list[OutboundMessage] = field(default_factory=list)
    queued: set[str] = field(default_factory=set)  # channels with new outbox rows for others
    # Set by a flow that changed who this is (joined, new role, erased): the menu is rebuilt.
    identity_changed: bool = False
    # Set when what was asked was answered in the person's private chat instead of here.
    shown_elsewhere: bool = False
    _work: Work = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._work = Work(
            session=self.session,
            settings=self.settings,
            now=self.now,
            person=self.person,
            queued=self.queued,
        )

    @property
    def work(self) -> Work:
        """What domain functions take (bot.work): this event's session, clock, person, grants
        and notify; it follows the person when a step changes who this is (joining)."""
        if self._work.person is not self.person:
            self._work.person, self._work.actor = self.person, None
        return self._work

    # --- reading state -------------------------------------------------------------------
    @property
    def step(self) -> str | None:
        return self.conversation.step

    @property
    def flow(self) -> str | None:
        return self.conversation.flow

    @property
    def data(self) -> dict[str, Any]:
        return self.conversation.data

    @property
    def has_share_buttons(self) -> bool:
        """Whether this messenger can put "share my phone/location" buttons under a question;
        where it cannot, people type them, and the question should not mention a button."""
        return bool(self.capabilities.shares)

    @property
    def prompt(self) -> Prompt | None:
        raw = self.conversation.prompt
        return Prompt.from_json(raw) if raw else None

    def _(self, message: str, **values: object) -> str:
        return self.t.gettext(message, **values)

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self.t.ngettext(singular, plural, n, **values)

    # --- answering -----------------------------------------------------------------------
    def say(self, text: str, **extra: Any) -> None:
        """Send a message that asks nothing (the open question, if any, stays open)."""
        self.replies.append(OutboundMessage(text=text, **extra))

    def ask(
        self,
        step: str,
        text: str,
        choices: tuple[Choice, ...] | list[Choice] = (),
        *,
        free_text: bool = False,
        offer_share: str | None = None,
        share_label: str | None = None,
        numbered: bool = True,
    ) -> None:
        """Ask the next question and wait at `step` for the answer; "back" returns here.

        `numbered=False` where the answer is a quantity, a date, a time or words: the choices
        are then offered by their words only, and a typed number is the answer."""
        previous = self.conversation.prompt
        if previous and previous.get("step") and previous.get("step") != step:
            self.conversation.history = [*self.conversation.history, previous]
        prompt = Prompt(
            step=step,
            text=text,
            choices=tuple(choices),
            free_text=free_text or not choices,
            offer_share=offer_share,
            share_label=share_label,
            numbered=numbered,
        )
        self._open(prompt)

    def show(self, prompt: Prompt, prefix: str | None = None) -> None:
        """Re-send an open question, with a fresh token so older copies become stale."""
        self._open(Prompt(**{**prompt.__dict__, "token": new_token()}), prefix)

    def _open(self, prompt: Prompt, prefix: str | None = None) -> None:
        if self.flow and prompt.step is not None:
            prompt.choices = self._with_navigation(prompt.choices)
        self.conversation.step = prompt.step
        self.conversation.prompt = prompt.to_json()
        self.replies.append(prompt.message(prefix, in_group=self.event.is_group))

    def _with_navigation(self, choices: tuple[Choice, ...]) -> tuple[Choice, ...]:
        """Every question in a flow offers a way out, and a way back when there is a step
        to go back to."""
        own = tuple(c for c in choices if not c.key.startswith(NAV_PREFIX))
        navigation = [Choice(NAV_CANCEL, self._("Cancel"))]
        if self.conversation.history:
            navigation.insert(0, Choice(NAV_BACK, self._("Back")))
        return (*own, *navigation)

    def enter(self, flow: str | None) -> None:
        """Leave whatever flow was running and start `flow` with empty data."""
        self.conversation.flow = flow
        self.conversation.step = None
        self.conversation.data = {}
        self.conversation.history = []
        self.conversation.prompt = None

    def update_data(self, **values: Any) -> None:
        # A new dict, so SQLAlchemy sees the JSON column change.
        self.conversation.data = {**self.conversation.data, **values}

    def leave(self) -> None:
        """End the current flow; the engine shows the menu when nothing else was asked."""
        self.enter(None)

    # --- writing to others ---------------------------------------------------------------
    async def notify(
        self,
        *,
        channel: str,
        chat_id: str,
        message: OutboundMessage,
        priority: Priority = Priority.NOTICE,
        is_group_chat: bool = False,
        dedupe_key: str | None = None,
    ) -> bool:
        """Queue a message to someone else; it goes out if this event's transaction commits."""
        return await self.work.notify(
            channel=channel,
            chat_id=chat_id,
            message=message,
            priority=priority,
            is_group_chat=is_group_chat,
            dedupe_key=dedupe_key,
        )
