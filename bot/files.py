"""Files between the messengers and the bot: the contract channels and the domain share.

A channel fetches what a person sent (a tip's photo, a voice note) and sends our copies back;
the tip store (bot.tips.media) keeps them. Both sides speak these names, so neither imports
the other.
"""

from __future__ import annotations

from typing import Protocol

# A message's `photo` naming a tip's attachment, for channels that fetch by URL (Zalo): the
# channel sends our copy when there is one (bot.runtime.channels.zalo_media).
ATTACHMENT_PREFIX = "tipfile:"


def attachment_ref(attachment_id: int) -> str:
    return f"{ATTACHMENT_PREFIX}{attachment_id}"


class FileUnavailable(Exception):
    """The messenger will never give this file (unknown id, too large): do not retry."""


class FileTooLarge(FileUnavailable):
    pass


class FileSource(Protocol):
    async def download(self, ref: str) -> bytes:
        """The file's content; raises FileUnavailable, or anything else for "try later"."""
        ...
