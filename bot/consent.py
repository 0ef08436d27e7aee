"""The consent text people agree to before anything about them is kept, and its records.

Decree 13/2023/NĐ-CP asks for consent that is explicit, informed and specific, and provable:
we record which version of the text was agreed to, when, and on which messenger. Changing the
text means raising CONSENT_VERSION; everyone who agreed to an older version is asked again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from storage.models import ConsentDecision, ConsentRecord, Person

CONSENT_VERSION = "2026-11"


def consent_text(t: Translator, commune_name: str | None) -> str:
    controller = commune_name or t.gettext("the People's Committee of your commune")
    return t.gettext(
        "Before you join, please read how your data is used.\n\n"
        "• Who is responsible: {controller}, through its commune police and the self-governing "
        "groups.\n"
        "• What we keep: your name, your phone number if you give it, your household and group, "
        "your roles, your pledges and meeting attendance.\n"
        "• Why: to run your group (members, meetings, yearly pledge), to send you reminders and "
        "to let commune police answer your reports.\n"
        "• Who sees what: your group leader sees your name and household; commune police see "
        "members of their commune. The identity of someone who reports a tip is seen only by "
        "commune police, and never when the tip is anonymous.\n"
        "• How long: while you are a member; when you leave or delete your account your data is "
        "deleted within a minute.\n"
        "• Your rights: see, export, correct or delete your data, and withdraw this consent at "
        "any time with /dulieu (My data).\n\n"
        "Do you agree?",
        controller=controller,
    )


def record_consent(
    session: AsyncSession, person: Person, *, decision: ConsentDecision, channel: str, at: datetime
) -> None:
    person.consent_version = CONSENT_VERSION if decision is ConsentDecision.GIVEN else None
    session.add(
        ConsentRecord(
            person_id=person.id,
            text_version=CONSENT_VERSION,
            decision=decision,
            channel=channel,
            at=at,
        )
    )


def has_current_consent(person: Person | None) -> bool:
    return person is not None and person.consent_version == CONSENT_VERSION
