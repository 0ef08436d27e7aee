"""The response clock: a tip nobody acknowledged in time is sent again, to every officer of the
commune and then to the commune admin; every morning the police desk gets its open tips by age.

Both run from the scheduler and are safe to run twice, on two processes or after a restart: an
escalation moves `escalation_level` with a guarded UPDATE before it queues anything, and every
message carries a dedupe key (per tip, step and chat; per commune, day and chat for the digest).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import N_, Translator
from bot.messages import OutboundMessage
from bot.tips.cards import STATUS_NAMES
from bot.tips.categories import category_labels
from bot.tips.codes import tip_dedupe_key
from bot.tips.delivery import admin_chats, deliver_to_police, notify_chat_once, police_chats
from storage.db import Database
from storage.models import Commune, Priority, Tip, TipEvent, TipEventKind, TipStatus
from storage.repos.org import commune_by_code
from storage.repos.outbox import dedupe_key
from storage.repos.tips import (
    communes_with_open_tips,
    keys_queued_like,
    move_escalation,
    open_tips_of,
    overdue_tips,
    tip_by_id,
)

# Level reached → the delivery reason (part of the dedupe keys) and the line above the card.
ESCALATIONS = {
    1: (
        "escalation1",
        N_(
            "⚠️ Not yet acknowledged: tip {code} arrived at {time} ({age} ago) and nobody has "
            "acknowledged it. It is sent again to all of the commune's police. Please press "
            "“Acknowledge” on the card below."
        ),
    ),
    2: (
        "escalation2",
        N_(
            "⚠️ Tip {code} arrived at {time} ({age} ago) and commune police have still not "
            "acknowledged it, although it was sent again to every officer. Please make sure "
            "someone handles it."
        ),
    ),
}
LAST_LEVEL = max(ESCALATIONS)
DIGEST_HOUR = 7  # local time
# A process that was down at 07:00 still sends the day's digest when it starts before 11:00.
DIGEST_WINDOW = timedelta(hours=4)
DIGEST_MAX_LINES = 30
DIGEST_KEY = "tipdigest"  # outbox dedupe keys "tipdigest:<commune>:<day>:<channel>:<chat>"
AGE_BUCKETS = (
    (timedelta(days=1), N_("less than 1 day: {n}")),
    (timedelta(days=3), N_("1 to 3 days: {n}")),
    (timedelta(days=7), N_("3 to 7 days: {n}")),
    (None, N_("more than 7 days: {n}")),
)


def ack_interval(settings: Settings, urgent: bool) -> timedelta:
    return timedelta(
        minutes=settings.tip_ack_minutes_urgent if urgent else settings.tip_ack_minutes
    )


async def escalate_due(db: Database, settings: Settings, now: datetime) -> set[str]:
    """Escalate every tip whose deadline has passed, one transaction each; returns the
    channels that got outbox rows (their workers are to be woken)."""
    async with db.transaction() as session:
        due = await overdue_tips(session, now=now, below_level=LAST_LEVEL)
    channels: set[str] = set()
    for tip_id, level in due:
        async with db.transaction() as session:
            channels |= await escalate_tip(session, settings, tip_id, level, now)
    return channels


async def escalate_tip(
    session: AsyncSession, settings: Settings, tip_id: int, level: int, now: datetime
) -> set[str]:
    """Move the tip from `level` to the next one and send it there; nothing if another process
    (or an acknowledgement) got there first."""
    new_level = level + 1
    tip = await tip_by_id(session, tip_id)
    if tip is None:
        return set()
    next_deadline = now + ack_interval(settings, tip.urgent) if new_level < LAST_LEVEL else None
    if not await move_escalation(session, tip_id, from_level=level, deadline=next_deadline):
        return set()
    await session.refresh(tip)
    reason, note = ESCALATIONS[new_level]
    if new_level == 1:
        chats = await police_chats(session, tip.commune_code, everyone=True)
    else:
        chats = await admin_chats(session, tip.commune_code)
    for chat in chats:  # the line first: the outbox sends in order of priority, then of id
        t = Translator(chat.language, settings.timezone)
        text = t.gettext(
            note,
            code=tip.code,
            time=t.datetime(tip.created_at),
            age=age_text(t, now - tip.created_at),
        )
        key = tip_dedupe_key(settings, tip.id, reason, "note")
        await notify_chat_once(session, chat, OutboundMessage(text=text), key)
    channels = await deliver_to_police(session, settings, tip, now=now, chats=chats, reason=reason)
    session.add(TipEvent(tip_id=tip.id, at=now, kind=TipEventKind.ESCALATED, text=reason))
    return channels | {chat.channel for chat in chats}


# --- open tips, and the morning digest ------------------------------------------------------


def age_text(t: Translator, age: timedelta) -> str:
    """How long a tip has waited, in whole minutes, hours or days (never "1 week" for 10 days)."""
    minutes = max(int(age.total_seconds() // 60), 0)
    if minutes < 60:
        return t.ngettext("{n} minute", "{n} minutes", minutes)
    if minutes < 24 * 60:
        return t.ngettext("{n} hour", "{n} hours", minutes // 60)
    return t.ngettext("{n} day", "{n} days", minutes // (24 * 60))


def tip_line(t: Translator, tip: Tip, labels: dict[str, str], now: datetime) -> str:
    """One line of a list: code, category, status, age."""
    status = t.gettext(STATUS_NAMES[TipStatus(tip.status)])
    category = labels.get(tip.category_key, tip.category_key)
    urgent = " — " + t.gettext("URGENT") if tip.urgent and tip.status == TipStatus.NEW else ""
    return f"• {tip.code} · {category} · {status} · {age_text(t, now - tip.created_at)}{urgent}"


async def send_digests(db: Database, settings: Settings, now: datetime) -> set[str]:
    """In the morning window, the day's digest to each commune with open tips (once a day)."""
    local = now.astimezone(settings.timezone)
    start = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if not start <= local < start + DIGEST_WINDOW:
        return set()
    day = local.date()
    async with db.transaction() as session:
        communes = await communes_with_open_tips(session)
        sent = await keys_queued_like(session, dedupe_key(DIGEST_KEY, "%", day.isoformat(), "%"))
        communes -= {key.split(":")[1] for key in sent}
    channels: set[str] = set()
    for commune_code in sorted(communes):
        async with db.transaction() as session:
            channels |= await send_digest(session, settings, commune_code, day, now)
    return channels


async def send_digest(
    session: AsyncSession, settings: Settings, commune_code: str, day: date, now: datetime
) -> set[str]:
    """The open tips of one commune by age, to its desk (or its officers when it has none)."""
    tips = await open_tips_of(session, commune_code, oldest_first=True)
    commune = await commune_by_code(session, commune_code)
    if not tips or commune is None:
        return set()
    channels: set[str] = set()
    for chat in await police_chats(session, commune_code):
        t = Translator(chat.language, settings.timezone)
        text = await digest_text(session, t, commune, tips, day, now)
        if await notify_chat_once(
            session,
            chat,
            OutboundMessage(text=text),
            dedupe_key(DIGEST_KEY, commune_code, day.isoformat()),
            priority=Priority.TIP,  # about tips: never held with campaign messages
        ):
            channels.add(chat.channel)
    return channels


async def digest_text(
    session: AsyncSession,
    t: Translator,
    commune: Commune,
    tips: list[Tip],
    day: date,
    now: datetime,
) -> str:
    """Counts by age, how many wait for acknowledgement, then the oldest tips first."""
    labels = await category_labels(session, t, commune.code)
    counts = [0] * len(AGE_BUCKETS)
    for tip in tips:
        age = now - tip.created_at
        index = next(i for i, (limit, _) in enumerate(AGE_BUCKETS) if limit is None or age < limit)
        counts[index] += 1
    waiting = sum(1 for tip in tips if tip.status == TipStatus.NEW)
    lines = [
        t.gettext(
            "Open tips of {commune} on {date}: {count}",
            commune=commune.name,
            date=t.date(datetime.combine(day, datetime.min.time(), t.timezone)),
            count=len(tips),
        ),
        t.gettext("By age:")
        + " "
        + "; ".join(
            t.gettext(text, n=n) for (_, text), n in zip(AGE_BUCKETS, counts, strict=True) if n
        ),
        t.gettext("Not yet acknowledged: {n}", n=waiting),
        "",
    ]
    lines += [tip_line(t, tip, labels, now) for tip in tips[:DIGEST_MAX_LINES]]
    if len(tips) > DIGEST_MAX_LINES:
        lines.append(t.gettext("… and {n} more.", n=len(tips) - DIGEST_MAX_LINES))
    lines += ["", t.gettext("Type /tips for the list with filters, /tip CODE for one tip.")]
    return "\n".join(lines)
