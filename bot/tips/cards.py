"""What police see of a tip (the card and its buttons) and what the reporter is told."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.messages import Choice, OutboundMessage, action_key
from bot.scams.links import tip_links
from bot.tips.categories import category_label
from storage.models import Tip, TipAttachment, TipStatus
from storage.repos.tips import group_and_village

TIP_ACTION = "tip"  # button keys "a:tip:<op>:<tip id>"

STATUS_NAMES = {
    TipStatus.NEW: N_("new, not yet acknowledged"),
    TipStatus.ACKNOWLEDGED: N_("acknowledged"),
    TipStatus.VERIFYING: N_("being checked"),
    TipStatus.FORWARDED: N_("forwarded to the investigating body"),
    TipStatus.RESOLVED: N_("resolved"),
    TipStatus.NO_GROUNDS: N_("not enough grounds"),
    TipStatus.DUPLICATE: N_("duplicate"),
}

# op, label, the status it sets (None: asks for more first)
BUTTONS = (
    ("ack", N_("Acknowledge"), TipStatus.ACKNOWLEDGED),
    ("verify", N_("Being checked"), TipStatus.VERIFYING),
    ("forward", N_("Forwarded to investigators"), TipStatus.FORWARDED),
    ("resolve", N_("Resolved"), TipStatus.RESOLVED),
    ("nogrounds", N_("Not enough grounds"), TipStatus.NO_GROUNDS),
    ("dup", N_("Duplicate"), None),
    ("ask", N_("Ask the reporter"), None),
)
SHOW_REPORTER = ("who", N_("Show the reporter"))

ATTACHMENT_KINDS = {
    "photo": N_("photo"),
    "voice": N_("voice message"),
    "video": N_("video"),
    "file": N_("file"),
}


async def police_card(
    session: AsyncSession, t: Translator, tip: Tip, attachments: list[TipAttachment]
) -> OutboundMessage:
    """The card: never the reporter's messenger name, username or id; whether they left a
    name is said, the name itself is behind an audited button."""
    lines = [
        t.gettext("Tip {code}", code=tip.code)
        + (" — " + t.gettext("URGENT") if tip.urgent else ""),
        t.gettext("Category: {category}", category=await category_label(session, t, tip)),
        t.gettext("Status: {status}", status=t.gettext(STATUS_NAMES[TipStatus(tip.status)])),
    ]
    if where := await _village_group(session, tip):
        lines.append(t.gettext("Village / group: {where}", where=where))
    if tip.occurred_at is not None:
        lines.append(t.gettext("When: {when}", when=t.datetime(tip.occurred_at)))
    elif tip.occurred_text:
        lines.append(t.gettext("When: {when}", when=tip.occurred_text))
    if tip.place_text:
        lines.append(t.gettext("Where: {place}", place=tip.place_text))
    if tip.latitude is not None and tip.longitude is not None:
        lines.append(
            t.gettext(
                "Location: https://maps.google.com/?q={lat:.5f},{lon:.5f}",
                lat=tip.latitude,
                lon=tip.longitude,
            )
        )
    if tip.description:
        lines.append(t.gettext("What happened: {text}", text=tip.description))
    if attachments:
        counts = Counter(a.kind for a in attachments)
        listed = ", ".join(
            f"{n} {t.gettext(ATTACHMENT_KINDS.get(kind, kind))}" for kind, n in counts.items()
        )
        lines.append(t.gettext("Attached: {items}", items=listed))
    links = await tip_links(session, t, tip)  # fraud tips: earlier tips with the same items
    lines += links.lines
    lines.append(
        t.gettext("Reporter: anonymous")
        if tip.anonymous
        else t.gettext("Reporter: gave their name and phone (button below; every look is logged)")
    )
    lines.append(t.gettext("Received: {when}", when=t.datetime(tip.created_at)))
    buttons = card_buttons(t, tip)
    if links.suggesting:  # its "Duplicate of TB-…" stands for the plain one
        buttons = tuple(b for b in buttons if b.key != action_key(TIP_ACTION, f"dup:{tip.id}"))
    return OutboundMessage(text="\n".join(lines), choices=buttons + links.choices)


def card_buttons(t: Translator, tip: Tip) -> tuple[Choice, ...]:
    buttons = [
        Choice(action_key(TIP_ACTION, f"{op}:{tip.id}"), t.gettext(label))
        for op, label, status in BUTTONS
        if status is None or status != tip.status
    ]
    if not tip.anonymous:
        op, label = SHOW_REPORTER
        buttons.append(Choice(action_key(TIP_ACTION, f"{op}:{tip.id}"), t.gettext(label)))
    return tuple(buttons)


async def _village_group(session: AsyncSession, tip: Tip) -> str | None:
    group, village = await group_and_village(session, tip.group_id, tip.village_id)
    return ", ".join(unit.name for unit in (group, village) if unit is not None) or None


REPORTER_UPDATES = {
    TipStatus.ACKNOWLEDGED: N_("Commune police have received your tip {code}."),
    TipStatus.VERIFYING: N_("Commune police are checking your tip {code}."),
    TipStatus.FORWARDED: N_(
        "Your tip {code} has been forwarded to the investigating body. Thank you for your help."
    ),
    TipStatus.DUPLICATE: N_(
        "Your tip {code} is about something commune police already know of; they are handling it "
        "under another report. Thank you."
    ),
}


def reporter_update(status: TipStatus) -> str | None:
    return REPORTER_UPDATES.get(status)
