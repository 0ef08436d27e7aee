"""A person's data export as a message one can read, for messengers that carry no files (Zalo):
the same content as the JSON file (bot.people.personal_data.collect), in sections with words for
every field, dates as dates, and nothing left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.i18n import N_, Translator

SECTIONS = {
    "person": N_("You"),
    "household": N_("Household"),
    "memberships": N_("Groups"),
    "roles": N_("Roles"),
    "consents": N_("Agreements to the data notice"),
    "pledges_confirmed": N_("Pledges you confirmed"),
    "may_sign_pledge_for_households": N_("Households whose pledge you may sign"),
    "meeting_answers": N_("Your answers to meeting invitations"),
    "tasks": N_("Your tasks from meetings"),
    "campaign_reminders_off": N_("Campaign reminders turned off"),
    "messenger_accounts": N_("Messenger accounts"),
}
FIELDS = {
    "id": N_("number"),
    "full_name": N_("name"),
    "phone": N_("phone"),
    "commune": N_("commune"),
    "registered_at": N_("registered"),
    "consent_version": N_("data notice version"),
    "address": N_("address"),
    "members": N_("members"),
    "head": N_("head of household"),
    "status": N_("status"),
    "group": N_("group"),
    "village": N_("village"),
    "requested_at": N_("asked"),
    "decided_at": N_("decided"),
    "role": N_("role"),
    "scope": N_("where"),
    "scope_id": N_("which"),
    "text_version": N_("version"),
    "decision": N_("decision"),
    "channel": N_("messenger"),
    "at": N_("when"),
    "year": N_("year"),
    "household_id": N_("household number"),
    "assisted": N_("signed with a leader's help"),
    "withdrawn_at": N_("withdrawn"),
    "meeting_at": N_("meeting"),
    "answer": N_("answer"),
    "reason": N_("reason"),
    "answered_at": N_("answered"),
    "text": N_("task"),
    "due": N_("due"),
    "user_id": N_("account"),
    "language": N_("language"),
    "since": N_("since"),
}
NOTHING = N_("(nothing)")
YES, NO = N_("yes"), N_("no")


def readable_export(t: Translator, data: dict[str, Any]) -> str:
    lines: list[str] = []
    for key, value in data.items():
        lines += ["", t.gettext(SECTIONS[key]) if key in SECTIONS else key]
        if isinstance(value, dict):
            lines += _fields(t, value)
        elif isinstance(value, list):
            if not value:
                lines.append(t.gettext(NOTHING))
            for item in value:
                fields = _fields(t, item) if isinstance(item, dict) else [_value(t, item)]
                lines.append("• " + "; ".join(f.removeprefix("• ") for f in fields))
        else:
            lines.append(_value(t, value))
    return "\n".join(lines).strip()


def _fields(t: Translator, values: dict[str, Any]) -> list[str]:
    return [
        f"• {t.gettext(FIELDS[k]) if k in FIELDS else k}: {_value(t, v)}" for k, v in values.items()
    ]


def _value(t: Translator, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return t.gettext(YES if value else NO)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return t.datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)
