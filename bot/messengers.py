"""The messengers the bot speaks and what each can do: their adapters declare it here, so that
flows, the renderer and the organisation files ask by capability, never by a name.

`DECLARED` holds every adapter's declaration (an organisation file may name a police chat on
any of them); the app fills its own `Messengers` with the adapters it runs, and the engine
gives each turn its channel's capabilities (`turn.capabilities`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from bot.messages import SHARE_LOCATION, SHARE_PHONE, TEXT_ONLY, Capabilities

TELEGRAM = Capabilities(
    name="telegram",
    title="Telegram",
    buttons=True,
    edits=True,
    shares=frozenset({SHARE_PHONE, SHARE_LOCATION}),
    files=True,
    voice=True,
    locations=True,
    groups=True,
    group_answers="reply",
    private_links=True,
    max_text=4096,
    max_caption=1024,
)
# The Zalo Bot API: text and pictures by URL; no buttons, edits, files, voice or locations;
# in a group the bot reads what mentions it; 2,000 characters counted in UTF-16 units.
ZALO = Capabilities(
    name="zalo",
    title="Zalo",
    photos_by_url=True,
    groups=True,
    group_answers="mention",
    max_text=2000,
    text_units="utf16",
    max_caption=2000,
)
# The terminal: text only, one person, nothing to cut.
CONSOLE = Capabilities(name="console", title="console", files=True, max_text=1_000_000)


class Messengers:
    """Capabilities by channel name; a channel nobody declared gets plain text."""

    def __init__(self, declared: Iterable[Capabilities] = ()) -> None:
        self._by_name: dict[str, Capabilities] = {}
        for capabilities in declared:
            self.add(capabilities)

    def add(self, capabilities: Capabilities) -> None:
        self._by_name[capabilities.name] = capabilities

    def of(self, channel: str) -> Capabilities:
        return self._by_name.get(channel, TEXT_ONLY)

    def title(self, channel: str) -> str:
        return self._by_name[channel].title if channel in self._by_name else channel

    def names(self, where: Callable[[Capabilities], bool] = lambda _c: True) -> tuple[str, ...]:
        return tuple(c.name for c in self if where(c))

    def __iter__(self) -> Iterator[Capabilities]:
        return iter(self._by_name.values())

    def __contains__(self, channel: object) -> bool:
        return channel in self._by_name


DECLARED = Messengers((TELEGRAM, ZALO, CONSOLE))
