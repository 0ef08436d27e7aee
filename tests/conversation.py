"""A conversation test driver: `chat.says(...)`, `chat.picks(...)`, `chat.sees(...)`.

It talks to the dialog engine directly, with the same events an adapter would make, and renders
replies as text the way the text-only channels (console, Zalo) show them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.messages import Choice, EventKind, InboundEvent, Media, OutboundMessage
from bot.runtime.channels.text_render import render_text
from bot.runtime.dialog.engine import DialogEngine
from bot.text_match import fold
from tests.text_pages import check_text_page

_updates = itertools.count(1)


@dataclass
class Chat:
    engine: DialogEngine
    user_id: str = "1001"
    channel: str = "test"
    language: str | None = "vi"
    chat_id: str | None = None
    name: str | None = "Nguyễn Thị Bình"  # the messenger profile name
    received: list[OutboundMessage] = field(default_factory=list)
    _unread: list[OutboundMessage] = field(default_factory=list)

    async def send(self, **values: object) -> list[OutboundMessage]:
        event = InboundEvent(
            channel=self.channel,
            chat_id=self.chat_id or self.user_id,
            user_id=self.user_id,
            update_key=str(next(_updates)),
            language=self.language,
            sender_name=self.name,
            **values,  # type: ignore[arg-type]
        )
        return await self.deliver(event)

    async def deliver(self, event: InboundEvent) -> list[OutboundMessage]:
        replies = [r.message for r in await self.engine.handle(event)]
        if not self.engine.messengers.of(self.channel).buttons:  # as the terminal, Zalo show it
            for reply in replies:
                check_text_page(render(reply))
        self.received.extend(replies)
        self._unread = replies
        return replies

    async def says(self, text: str) -> list[OutboundMessage]:
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            return await self.send(kind=EventKind.COMMAND, command=command, args=args, text=text)
        return await self.send(kind=EventKind.TEXT, text=text)

    async def picks(self, label: str) -> list[OutboundMessage]:
        """Presses the button labelled `label` under the last question."""
        message, choice = self.button(label)
        return await self.send(
            kind=EventKind.CHOICE, choice_key=choice.key, choice_token=message.token
        )

    def receives(self, notices: list[OutboundMessage]) -> None:
        """Messages the bot sent this chat on its own, read from the outbox by the test."""
        if not self.engine.messengers.of(self.channel).buttons:
            for notice in notices:
                check_text_page(render(notice))
        self.received.extend(notices)
        self._unread = list(notices)

    async def shares_contact(self, phone: str) -> list[OutboundMessage]:
        return await self.send(kind=EventKind.CONTACT, phone=phone)

    async def sends_sticker(self) -> list[OutboundMessage]:
        return await self.send(kind=EventKind.UNSUPPORTED)

    async def sends_photo(self, ref: str = "photo-1") -> list[OutboundMessage]:
        return await self.send(kind=EventKind.MEDIA, media=Media(kind="photo", ref=ref))

    async def shares_location(self, latitude: float, longitude: float) -> list[OutboundMessage]:
        return await self.send(kind=EventKind.LOCATION, location=(latitude, longitude))

    async def sends_media(
        self, kind: str, ref: str, *, size: int | None = None, caption: str = ""
    ) -> list[OutboundMessage]:
        """A photo, voice message, video or file, with its size and caption if given."""
        return await self.send(kind=EventKind.MEDIA, media=Media(kind, ref, size), text=caption)

    def button(self, label: str) -> tuple[OutboundMessage, Choice]:
        for message in reversed(self.received):
            for choice in message.choices:
                if fold(choice.label) == fold(label):
                    return message, choice
        raise AssertionError(f"no button {label!r}; last question: {self.last_text()!r}")

    def sees(self, fragment: str) -> None:
        """Asserts the last reply contains `fragment`."""
        shown = "\n---\n".join(render(m) for m in self._unread)
        assert fragment in shown, f"expected {fragment!r} in the bot's reply:\n{shown}"

    def does_not_see(self, fragment: str) -> None:
        shown = "\n---\n".join(render(m) for m in self._unread)
        assert fragment not in shown, f"did not expect {fragment!r} in:\n{shown}"

    def last_text(self) -> str:
        return render(self.received[-1]) if self.received else ""

    def choices(self) -> list[str]:
        return [c.label for c in self._unread[-1].choices] if self._unread else []


def render(message: OutboundMessage) -> str:
    """As the terminal shows it: numbered choices, "back"/"cancel" as words."""
    return render_text(message)
