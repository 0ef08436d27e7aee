"""A terminal chat with the same dialogs: the demo, and the text-only rendering Zalo will get.

Typed lines become events of one console user linked to a person of the database; replies are
printed as text with numbered choices.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import TextIO

from bot.crypto import FieldCipher
from bot.i18n import Translator
from bot.messages import EventKind, InboundEvent, OutboundMessage
from bot.messengers import CONSOLE
from bot.runtime.channels.render import render
from bot.runtime.channels.text_render import typed_commands
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.dialog.flows import ACTION_PREFIX, FlowRegistry
from bot.runtime.outbox import OutboxWorker
from bot.runtime.pacing import Pacer, PacingRules
from bot.text_match import fold
from storage.db import Database
from storage.models import ChannelAccount, Person
from storage.repos.accounts import get_account
from storage.repos.console_chat import all_people
from storage.repos.people import person_by_id

CHANNEL = CONSOLE.name
PUSH_INTERVAL = 1.0  # seconds between looks for messages pushed to this terminal
MAX_LINE = 20000  # a long tip is taken in parts (handlers/report_tip.py, MAX_DESCRIPTION)


class ConsoleChannel:
    """Prints messages as Zalo shows them: numbered choices, and a notice's buttons as the
    commands to type (there is nothing to press in a terminal either)."""

    name = CHANNEL
    capabilities = CONSOLE

    def __init__(
        self,
        *,
        db: Database,
        flows: FlowRegistry,
        output: TextIO = sys.stdout,
        t: Translator | None = None,
    ) -> None:
        self.db = db
        self.flows = flows
        self.output = output
        self.t = t  # the reader's language, for the hints a text-only channel adds

    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        typed: dict[str, str] = {}
        if any(c.key.startswith(ACTION_PREFIX) for c in message.choices):
            async with self.db.transaction() as session:
                typed = await typed_commands(self.flows, session, message.choices)
        rendered = render(message, CONSOLE, typed=typed, t=self.t)
        self.output.write("\n" + "\n\n".join(rendered.parts) + "\n")
        self.output.flush()
        return None


async def find_person(db: Database, who: str) -> Person | None:
    """A person by id, or by a unique part of their name (diacritics and case ignored)."""
    async with db.transaction() as session:
        if who.isdigit():
            return await person_by_id(session, int(who))
        people = await all_people(session)
    matches = [p for p in people if fold(who) in fold(p.full_name)]
    return matches[0] if len(matches) == 1 else None


async def link_console_account(db: Database, person: Person, language: str) -> str:
    """The console user of this person, created on first use; returns its user id."""
    user_id = f"person-{person.id}"
    async with db.transaction() as session:
        account = await get_account(session, channel=CHANNEL, external_user_id=user_id)
        if account is None:
            session.add(
                ChannelAccount(
                    channel=CHANNEL,
                    external_user_id=user_id,
                    chat_id=user_id,
                    language=language,
                    person_id=person.id,
                )
            )
    return user_id


async def chat_in_terminal(
    *,
    engine: DialogEngine,
    db: Database,
    user_id: str,
    language: str,
    input_stream: TextIO = sys.stdin,
    output: TextIO = sys.stdout,
    push_interval: float = PUSH_INTERVAL,
) -> None:
    """Read lines until end of input or "/quit"; every line is one event. Messages queued for
    this person from elsewhere (a tip's card, a police question) are shown as they come."""
    t = Translator(language, engine.settings.timezone)
    channel = ConsoleChannel(db=db, flows=engine.flows, output=output, t=t)
    # Only this person's messages: others' (a leader's notice, a reporter's update) wait for
    # their own terminal.
    worker = OutboxWorker(
        db=db,
        sender=channel,
        pacer=Pacer(PacingRules(overall_per_second=1000)),
        only_chat=user_id,
        cipher=FieldCipher.of(engine.settings),
    )
    loop = asyncio.get_running_loop()
    sending = asyncio.Lock()  # one pass at a time: typed replies and pushed messages in order

    async def pushed() -> None:
        while True:
            await asyncio.sleep(push_interval)
            async with sending:
                if await worker.send_due():
                    output.write("\n> ")
                    output.flush()

    async def say(text: str) -> None:
        kind, command, args = EventKind.TEXT, None, ""
        if text.startswith("/"):
            kind = EventKind.COMMAND
            command, _, args = text[1:].partition(" ")
        event = InboundEvent(
            channel=CHANNEL,
            chat_id=user_id,
            user_id=user_id,
            kind=kind,
            text=text,
            command=command,
            args=args,
            language=language,
        )
        replies = await engine.handle(event)
        if replies and replies[-1].language:  # the reader may have just changed it
            channel.t = Translator(replies[-1].language, engine.settings.timezone)
        async with sending:
            await worker.deliver_now(replies)
            await worker.send_due()  # anything queued for this user from elsewhere

    await say("/start")
    watcher = asyncio.create_task(pushed())
    try:
        while True:
            output.write("\n> ")
            output.flush()
            line = await loop.run_in_executor(None, input_stream.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            text = line.strip()[:MAX_LINE]
            if text:
                await say(text)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
