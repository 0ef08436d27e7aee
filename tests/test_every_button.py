"""Issue #13: every button has a typed form that is named where it is shown and that works.

Driven by the registry, so a new flow, question or notice button is walked without a new test:
- every menu entry any test persona may use is started by typing, and every choice of its first
  questions is typed (by number where numbered, else by its words without diacritics), through
  the real engine: it must be taken as that choice (never "not understood");
- every question on the way is rendered for Telegram (a button per choice, its data the choice's
  key), and for Zalo and the terminal (the text rendering both use): each choice named by its
  number or its words, each resolving to its own key, "back"/"cancel" one line of words;
- every notice action the registry knows is offered by a real notice in a scenario, sent by the
  outbox worker, and its typed form (a command, or the button's words) reaches the action's
  handler, with the same argument as the button when typed by words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from bot.config import Settings
from bot.i18n import Translator
from bot.messages import Choice, OutboundMessage, decode_callback
from bot.messengers import CONSOLE, TELEGRAM, ZALO
from bot.people.consent import CONSENT_VERSION
from bot.runtime.channels.render import render
from bot.runtime.channels.telegram_send import reply_markup
from bot.runtime.channels.text_render import typed_commands
from bot.runtime.dialog.commands import NAV_PREFIX
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.dialog.flows import ACTION_PREFIX, ButtonAction, Flow, FlowRegistry
from bot.runtime.dialog.turn import Turn
from bot.runtime.dialog.typed_buttons import short_form
from bot.text_match import fold, match_choice
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Conversation,
    ConversationDraft,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
)
from tests.conversation import Chat
from tests.notice_delivery import deliver_notices
from tests.org_fixtures import Org, invite_for, small_commune
from tests.test_scam_police import FIRST, SAME_AGAIN, fraud_tip
from tests.test_tip_triage import card_for, file_tip
from tests.test_typed_numbers import Clock, add_member
from tests.tip_fixtures import engine_with_test_tips

VI = Translator("vi", Settings(_env_file=None).timezone)  # type: ignore[call-arg]
NOT_UNDERSTOOD = ("Xin lỗi, tôi chưa hiểu", "Sorry, I did not understand")
APOLOGY = ("Xin lỗi, đã có lỗi", "Sorry, something went wrong")
PERSONAS = ("stranger", "sau", "leader1", "police", "village", "admin", "security")
DEPTH = 1  # every choice of a flow's first question (and the question it leads to, checked)
MENU_PAGES = ("Bạn cần làm gì?", "Các mục khác:")  # the main menu's texts, exactly


@dataclass
class Walk:
    """What the walk saw: questions checked, choices typed, flows entered."""

    questions: int = 0
    typed: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def own_choices(message: OutboundMessage) -> list[Choice]:
    return [c for c in message.choices if not c.key.startswith(NAV_PREFIX)]


def typed_form(message: OutboundMessage, choice: Choice, *, by_number: bool) -> str:
    """What a person types for `choice` on a text channel."""
    own = [c for c in own_choices(message) if not c.key.startswith(ACTION_PREFIX)]
    if by_number and message.numbered and choice in own:
        return str(own.index(choice) + 1)
    return fold(choice.label)


async def check_renderings(
    registry: FlowRegistry, db: Database, message: OutboundMessage, walk: Walk
) -> None:
    """The three renderings name every choice, and each typed form resolves to its own key."""
    where = f"{message.text[:60]!r}"
    markup = reply_markup(render(message, TELEGRAM))
    rows = (markup or {}).get("inline_keyboard") or (markup or {}).get("keyboard", ())
    pressed = {}
    for row in rows:
        for button in row:
            data = button.get("callback_data")
            key = decode_callback(data)[1] if data else None  # type: ignore[index]
            pressed[button["text"]] = key
    async with db.transaction() as session:
        typed = await typed_commands(registry, session, message.choices)
    on_zalo, on_terminal = (
        "\n".join(render(message, capabilities, typed=typed, t=VI).parts)
        for capabilities in (ZALO, CONSOLE)
    )
    if on_zalo != on_terminal:
        walk.problems.append(f"{where}: Zalo and the terminal show it differently")
    shown = on_terminal
    own = own_choices(message)
    numbered = [c for c in own if not c.key.startswith(ACTION_PREFIX)]
    actions = [c for c in own if c.key.startswith(ACTION_PREFIX)]
    for choice in message.choices:
        if choice.label not in pressed:
            walk.problems.append(f"{where}: no Telegram button {choice.label!r}")
        elif pressed[choice.label] not in (choice.key, None):
            walk.problems.append(f"{where}: the button {choice.label!r} sends another key")
    for number, choice in enumerate(numbered, 1):
        line = f"{number}. {choice.label}" if message.numbered else f"• {choice.label}"
        if line not in shown.splitlines():
            walk.problems.append(f"{where}: {line!r} not shown on Zalo and the terminal")
        forms = [fold(choice.label)] + ([str(number)] if message.numbered else [])
        for form in forms:
            if match_choice(form, numbered) != choice:
                walk.problems.append(f"{where}: typing {form!r} does not mean {choice.label!r}")
    labels = [c.label for c in actions]
    for choice in actions:
        words = typed.get(choice.key) or f"“{short_form(choice.label, labels)}”"
        if f"• {choice.label}: gõ {words}" not in shown:
            walk.problems.append(f"{where}: the typed form of {choice.label!r} is not named")
    if any(c.key.startswith(NAV_PREFIX) for c in message.choices) and "“hủy”" not in shown:
        walk.problems.append(f"{where}: “hủy” is not named")
    walk.questions += 1


async def reset(db: Database, user: str) -> None:
    """The persona back at no conversation, in Vietnamese: the next path starts afresh."""
    async with db.transaction() as session:
        await session.execute(delete(ConversationDraft))
        await session.execute(delete(Conversation).where(Conversation.user_id == user))
        await session.execute(
            update(ChannelAccount)
            .where(ChannelAccount.external_user_id == user)
            .values(language="vi")
        )


def question_of(replies: list[OutboundMessage]) -> OutboundMessage | None:
    asked = [reply for reply in replies if own_choices(reply)]
    return asked[-1] if asked else None


async def walk_persona(engine: DialogEngine, db: Database, user: str, walk: Walk) -> None:
    """Every menu entry (on every page), then every choice of its first question, typed."""
    paths: list[tuple[list[str], int]] = [([], 0)]  # what to type, and how deep in a flow
    seen_menu_pages: set[str] = set()
    while paths:
        path, depth = paths.pop(0)
        await reset(db, user)
        chat = Chat(engine, user_id=user)
        replies = await chat.says("menu")
        for step in path:
            replies = await chat.says(step)
        reply_text = "\n".join(r.text for r in replies)
        if path and reply_text.startswith(NOT_UNDERSTOOD):
            walk.problems.append(
                f"{user}: typing {path[-1]!r} was not understood ({path}): {reply_text[:200]!r}"
            )
            continue
        if any(sorry in reply_text for sorry in APOLOGY):
            walk.problems.append(f"{user}: {path} ended in an apology")
            continue
        question = question_of(replies)
        if question is None:
            continue
        await check_renderings(engine.flows, db, question, walk)
        if question.text in MENU_PAGES and question.choices[0].key.startswith("m:"):
            page = "|".join(c.label for c in question.choices)
            if depth > 0 or page in seen_menu_pages:  # a flow ended on the menu: walked already
                continue
            seen_menu_pages.add(page)
        elif depth >= DEPTH:
            continue
        else:
            depth += 1
        for index, choice in enumerate(own_choices(question)):
            if choice.key.startswith(ACTION_PREFIX):
                continue  # a notice's button: the notice test below
            form = typed_form(question, choice, by_number=index % 2 == 0)
            walk.typed[choice.key] += 1
            paths.append(([*path, form], depth))


async def add_staff(db: Database, org: Org, key: str, role: Role, kind: ScopeKind) -> None:
    """A person holding `role` (a village's head, the commune's admin…), with an account "key"."""
    scope = {
        ScopeKind.GROUP: str(org.groups["Tổ 1"]),
        ScopeKind.VILLAGE: str(org.villages["Ấp Mỹ Thạnh"]),
        ScopeKind.COMMUNE: org.commune,
    }[kind]
    async with db.transaction() as session:
        person = Person(
            full_name=f"Người {key}", commune_code=org.commune, consent_version=CONSENT_VERSION
        )
        session.add(person)
        await session.flush()
        session.add(RoleAssignment(person_id=person.id, role=role, scope_kind=kind, scope_id=scope))
        session.add(
            ChannelAccount(channel="test", external_user_id=key, chat_id=key, person_id=person.id)
        )


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    await add_member(db, org, "sau", "Phạm Văn Sáu", "12 đường Cây Dương")
    await add_staff(db, org, "village", Role.VILLAGE_HEAD, ScopeKind.VILLAGE)
    await add_staff(db, org, "admin", Role.COMMUNE_ADMIN, ScopeKind.COMMUNE)
    await add_staff(db, org, "security", Role.SECURITY_TEAM, ScopeKind.GROUP)
    return org


async def test_every_question_choice_has_a_typed_form_that_works(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    walk = Walk()
    for user in PERSONAS:
        await walk_persona(engine, db, user, walk)
    assert not walk.problems, "\n".join(walk.problems)
    menu_keys = {f"m:{entry.key}" for entry in engine.flows.menu}
    assert menu_keys <= set(walk.typed) | {"m:testtip"}, menu_keys - set(walk.typed)
    assert walk.questions > 50


# --- notice buttons -----------------------------------------------------------------------------
# Registered actions no scenario below offers as a button, and why. A new action must be offered
# by a scenario (or named here): the test fails otherwise.
NOT_WALKED = {
    "rem_off": "typed only (/tatnhacnho under campaign messages), never a button",
    "rem_on": "typed only (/batnhacnho), never a button",
    "bc_progress": "typed only (/tiendo), never a button",
    "link": "typed only (/lienket CODE from the other messenger), never a button",
    "task_done": "typed after delivery in tests/test_replies_in_context.py (minutes first)",
    "mem_as": "shown for a listed head joining under another spelling (tests/test_joining.py)",
    "pledge_go": "needs the pledge campaign's dates (tests/test_pledges.py presses it)",
}


# Buttons whose words are also a menu command of a flow that gives the same answer: "tham dự"
# and "vắng" typed answer the next meeting of one's group, the one the invitation is for.
ANSWERED_BY_FLOW = {"rsvp_yes": "meeting_answer", "rsvp_no": "meeting_answer"}


async def offer_every_notice(db: Database, engine: DialogEngine, org: Org) -> None:
    """Real notices with every kind of button: a tip's card, a police question, a closed tip,
    fraud tips alike, a membership request, a meeting's invitations and hosting request."""
    await file_tip(engine, org, user="stranger", anonymous=False, commune_code=org.commune)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Hỏi thêm người báo")
    await police.says("Xe máy màu gì?")
    await card_for(db, police)
    await police.picks("Đã giải quyết")
    await police.picks(police.choices()[0])
    for user, text in (("r1", FIRST), ("r2", SAME_AGAIN)):
        await fraud_tip(engine, org, user, text)
    invite = await invite_for(db, org)
    newcomer = Chat(engine, user_id="5001", name="Trần Thị Lan")
    await newcomer.says(f"/start {invite.code}")
    await newcomer.picks("Đồng ý")
    await newcomer.picks("Trần Thị Lan")
    await newcomer.says("0912 345 678")
    await newcomer.says("15 cay duong")
    leader = Chat(engine, user_id="leader1")
    await leader.says("/lichhop")
    await leader.picks("Dùng ngày này")
    await leader.picks("12 đường Cây Dương")
    await leader.picks("Tại nhà chủ hộ: 12 đường Cây Dương")
    await leader.picks("Gửi thư mời")


async def queued_notices(db: Database) -> list[tuple[str, OutboundMessage]]:
    """(chat, message) of every notice with buttons waiting in the outbox."""
    async with db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        )
        messages = [(row.chat_id, OutboundMessage.from_payload(row.payload)) for row in rows]
    return [
        (chat, m) for chat, m in messages if any(c.key.startswith(ACTION_PREFIX) for c in m.choices)
    ]


async def test_every_notice_button_has_a_typed_form_that_reaches_its_handler(
    db: Database, settings: Settings, org: Org
) -> None:
    clock = Clock()
    clock.now = utcnow() + timedelta(hours=1)  # what was queued at the real time is due
    engine = engine_with_test_tips(db, settings)
    engine.clock = clock
    reached: list[tuple[str, str]] = []
    for name, handler in list(engine.flows.actions.items()):
        engine.flows.actions[name] = spy(name, handler, reached)
    for flow_name in set(ANSWERED_BY_FLOW.values()):
        flow = engine.flows.flows[flow_name]
        flow.begin = spy_begin(flow, reached)  # type: ignore[method-assign]
    await offer_every_notice(db, engine, org)
    notices = await queued_notices(db)
    await deliver_notices(db, settings, clock=clock)  # sent: the outbox row keeps nothing
    walk, offered = Walk(), set()
    for chat_id, notice in notices:
        await check_renderings(engine.flows, db, notice, walk)
        async with db.transaction() as session:
            commands = await typed_commands(engine.flows, session, notice.choices)
        actions = [c for c in notice.choices if c.key.startswith(ACTION_PREFIX)]
        for choice in actions:
            name, _, argument = choice.key.removeprefix(ACTION_PREFIX).partition(":")
            offered.add(name)
            typed = commands.get(choice.key) or short_form(choice.label, [c.label for c in actions])
            reached.clear()
            await reset(db, chat_id)
            replies = await Chat(engine, user_id=chat_id).says(typed)
            expected = {name, f"flow:{ANSWERED_BY_FLOW.get(name)}"}
            if not reached or reached[0][0] not in expected:
                answer = [m.text[:80] for m in replies]
                walk.problems.append(
                    f"typing {typed!r} under {notice.text[:40]!r}: {answer} {reached}"
                )
            elif choice.key not in commands and reached[0][0] == name and reached[0][1] != argument:
                walk.problems.append(f"{typed!r} reached {name} with {reached[0][1]!r}")
    assert not walk.problems, "\n".join(walk.problems)
    assert set(engine.flows.actions) - offered == set(NOT_WALKED)
    typed_only = {name for name in NOT_WALKED if name.startswith(("rem_", "bc_", "link"))}
    commands_of = {alias.action for alias in engine.flows.typed_actions.values()}
    assert typed_only <= commands_of


def spy(name: str, handler: ButtonAction, reached: list[tuple[str, str]]) -> ButtonAction:
    """The action's own handler, noting that it was reached and with what."""

    async def noted(turn: Turn, argument: str) -> None:
        reached.append((name, argument))
        await handler(turn, argument)

    return noted


def spy_begin(flow: Flow, reached: list[tuple[str, str]]) -> Callable[[Turn], Awaitable[None]]:
    """The flow's own start, noting that it was started."""
    begin = flow.begin

    async def noted(turn: Turn) -> None:
        reached.append((f"flow:{flow.name}", ""))
        await begin(turn)

    return noted
