"""What the tip report says and asks, its steps and limits (handlers/report_tip)."""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import N_
from bot.runtime.dialog.turn import Turn

MAX_PART = 2000  # characters in one stored part of "what happened"; longer messages are split
MAX_DESCRIPTION = 10000  # all of them together (docs/GLOSSARY.md: far above one message)
MAX_PLACE = 300  # Tip.place_text
MAX_WHEN_TEXT = 100  # Tip.occurred_text
DATE_PATTERN = "dd/MM/yyyy"  # docs/GLOSSARY.md
EVIDENCE_KINDS = ("photo", "voice")


def takes_voice(turn: Turn) -> bool:
    """The Zalo Bot API never hands bots voice messages: no question there asks for one."""
    return turn.capabilities.voice


# By takes_voice(turn): what a question says it takes.
WHAT = {
    True: N_(
        "What happened? Tell it in your own words: who, what, how many people, vehicles, "
        "anything you noticed. You can send several messages, photos and voice messages. "
        "Press “Done” when you have finished."
    ),
    False: N_(
        "What happened? Tell it in your own words: who, what, how many people, vehicles, "
        "anything you noticed. You can send several messages and photos. "
        "Press “Done” when you have finished."
    ),
}
WHAT_AGAIN = {
    True: N_(
        "Type what happened again; it replaces the text you gave before. Photos and voice "
        "messages you sent are kept, and you can add more. Press “Done” when finished."
    ),
    False: N_(
        "Type what happened again; it replaces the text you gave before. Photos you sent are "
        "kept, and you can add more. Press “Done” when finished."
    ),
}
WHAT_IN = {
    True: N_(
        "Please tell what happened in text, photos or voice messages. You can share "
        "a location at the question “where”."
    ),
    False: N_("Please tell what happened in text or photos."),
}
EVIDENCE_LATER = {
    True: N_(
        "Photos and voice messages can be sent when you tell what happened. "
        "Please answer the question first."
    ),
    False: N_("Photos can be sent when you tell what happened. Please answer the question first."),
}
ADD_TO_TIP = {
    True: N_(
        "Type what you want to add to {code}, or send photos or voice messages. Each "
        "message goes to commune police at once, under the code only. Press “Done” "
        "when you have finished."
    ),
    False: N_(
        "Type what you want to add to {code}, or send photos. Each message goes to commune "
        "police at once, under the code only. Press “Done” when you have finished."
    ),
}
SEND_WHAT = {
    True: N_("Please send text, photos or voice messages."),
    False: N_("Please send text or photos."),
}


DONE, SEND, EDIT, MORE = "done", "send", "edit", "more"
MAX_PAGE = 9  # lines of a numbered list (issue #13)
COMMON_CATEGORIES = 7  # shown first, then "Something else…"
NOW, TODAY, YESTERDAY, UNKNOWN, KEEP_TYPED = "now", "today", "yesterday", "unknown", "typed"
MY_VILLAGE, NO_PLACE = "village", "noplace"
ANONYMOUS, NAMED, NO_PHONE = "anon", "named", "nophone"
YES, NO = "yes", "no"
# Words that end "what happened" when typed rather than pressed, besides the button's label.
DONE_WORDS = {"xong", "xong roi", "het", "het roi", "vay thoi", "done", "finished"}

SERVICES = {
    "113": N_("113 (police)"),
    "114": N_("114 (fire and rescue)"),
    "115": N_("115 (ambulance)"),
    "111": N_("111 (child protection)"),
}
ATTACHMENT_NAMES = {"photo": N_("photo"), "voice": N_("voice message")}


class Step(StrEnum):
    COMMUNE_NAME = "commune_name"
    PICK_COMMUNE = "pick_commune"
    CATEGORY = "category"
    WHAT = "what"
    WHEN = "when"
    WHERE = "where"
    ANONYMITY = "anonymity"
    NAME_CONSENT = "name_consent"
    PHONE = "phone"
    UPDATES = "updates"
    SUMMARY = "summary"
    EDIT = "edit"


# The order of the questions after the commune; "Sửa" jumps to one and comes back to the summary.
ORDER = (Step.CATEGORY, Step.WHAT, Step.WHEN, Step.WHERE, Step.ANONYMITY, Step.UPDATES)
# Where a photo or voice message sent out of turn is still taken as evidence.
TAKES_EVIDENCE = {Step.WHAT, Step.WHEN, Step.WHERE}
