"""What the police card says of a fraud tip's items: the commune's earlier tips that held the
same number, account or link ("Cùng số 0912 345 678 với TB-AB12, TB-CD34"), a "duplicate?"
suggestion when their texts are also close, and the "Mark as fraud" button."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.messages import Choice, action_key
from bot.scams.extract import extract_items
from bot.scams.service import SCAM_CATEGORIES, item_label
from bot.text_match import fold
from storage.models import CLOSED_STATUSES, Tip, TipStatus
from storage.repos.scams import dismissed_duplicates, earlier_tips_sharing, keys_of_tip

SCAM_ACTION = "scam"  # "a:scam:mark:<tip id>": put the tip's items on the warning list
LINK_ACTION = "scamlink"  # "a:scamlink:dup|keep:<tip id>:<other tip id>"
MAX_CODES = 5
# Texts this close are suggested as the same report: shared words, or the same characters.
CLOSE_WORDS = 0.5
CLOSE_CHARACTERS = 0.75


@dataclass(frozen=True)
class CardLinks:
    lines: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    suggesting: bool = False  # a "duplicate of …?" suggestion is on the card


def similarity(first: str, second: str) -> float:
    """Share of words in common (Jaccard), or of characters in order, whichever is higher,
    each against its own threshold: 1.0 means close enough to suggest."""
    a, b = fold(first), fold(second)
    words_a, words_b = set(a.split()), set(b.split())
    union = words_a | words_b
    jaccard = len(words_a & words_b) / len(union) if union else 0.0
    ratio = SequenceMatcher(None, a, b).ratio()
    return max(jaccard / CLOSE_WORDS, ratio / CLOSE_CHARACTERS)


async def tip_links(session: AsyncSession, t: Translator, tip: Tip) -> CardLinks:
    if tip.category_key not in SCAM_CATEGORIES or not tip.description:
        return CardLinks()
    positions = await keys_of_tip(session, tip_id=tip.id)
    items = extract_items(tip.description)
    shown = {key: items[at] for key, at in positions.items() if at < len(items)}
    shared = await earlier_tips_sharing(session, tip=tip, keys=list(shown))
    lines = []
    others: dict[int, Tip] = {}
    for key in sorted(shared, key=lambda k: positions[k]):
        tips = shared[key]
        others.update((other.id, other) for other in tips)
        codes = ", ".join(other.code for other in tips[-MAX_CODES:])
        if len(tips) > MAX_CODES:
            codes = "…, " + codes
        lines.append(
            t.gettext("Same {item} as {codes}", item=item_label(t, shown[key]), codes=codes)
        )
    choices = []
    suggested = await _suggestion(session, tip, list(others.values()))
    if suggested is not None:
        lines.append(
            t.gettext(
                "The texts of {code} and {other} are close: a duplicate?",
                code=tip.code,
                other=suggested.code,
            )
        )
        choices += [
            Choice(
                action_key(LINK_ACTION, f"dup:{tip.id}:{suggested.id}"),
                t.gettext("Duplicate of {code}", code=suggested.code),
            ),
            Choice(
                action_key(LINK_ACTION, f"keep:{tip.id}:{suggested.id}"),
                t.gettext("Not a duplicate"),
            ),
        ]
    # At most 9 choices on a text channel: while a suggestion waits, its two replace the card's
    # plain "Duplicate" (cards.py) and "Mark as fraud" comes once it is settled.
    if shown and tip.purged_at is None and suggested is None:
        choices.append(
            Choice(action_key(SCAM_ACTION, f"mark:{tip.id}"), t.gettext("Mark as fraud"))
        )
    return CardLinks(tuple(lines), tuple(choices), suggesting=suggested is not None)


async def _suggestion(session: AsyncSession, tip: Tip, others: list[Tip]) -> Tip | None:
    """The closest earlier tip, when close enough and the police have not decided already."""
    if tip.status in CLOSED_STATUSES or not others:
        return None
    dismissed = await dismissed_duplicates(session, tip_id=tip.id)
    scored = [
        (similarity(tip.description or "", other.description or ""), other)
        for other in others
        if other.code not in dismissed and other.status != TipStatus.DUPLICATE and other.description
    ]
    best = max(scored, key=lambda pair: pair[0], default=None)
    return best[1] if best is not None and best[0] >= 1.0 else None
