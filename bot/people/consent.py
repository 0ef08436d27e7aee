"""The data notices people agree to, and their records.

Law 91/2025/QH15 on personal data protection and Decree 356/2025/NĐ-CP (both in force from
1 January 2026; the decree replaced Decree 13/2023) ask for consent that is voluntary and
informed of the kinds of data, the purposes, the controller and the person's rights, given in
a clear way, never by default (sources in docs/PRIVACY.md). We record which version of the
text was agreed to, when, and on which messenger. Changing a text means raising
CONSENT_VERSION; everyone who agreed to an older version is asked again, before the next thing
that stores more about them.

Residents read the residents' notice; staff who claim their role with a personal code read a
short notice of their duties with other people's data instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from storage.models import Commune, ConsentDecision, ConsentRecord, Person

CONSENT_VERSION = "2026-12"

RESIDENTS_NOTICE = N_(
    "Before you join, please read how your data is used (Law 91/2025/QH15 on personal data "
    "protection, Decree 356/2025/NĐ-CP).\n\n"
    "• Responsible for your data: {controller}.\n"
    "• What is kept: your name, your phone number if you give it, your household, group and "
    "roles, your pledges and meeting answers. For a tip you send with your name: what you "
    "write, photos, voice messages and the place or location; these are sensitive data, seen "
    "only by commune police.\n"
    "• Why: to run your group (members, meetings, the yearly pledge), to send you reminders, "
    "and to let commune police receive and answer your tips.\n"
    "• Who sees what: your group leader sees your name and household; commune police see the "
    "members of their commune and, only for a tip with your name, who sent it (every look is "
    "logged). An anonymous tip never carries your name.\n"
    "• Your messages pass through Telegram or Zalo, whose own terms apply to what you send.\n"
    "• How long: while you are a member; when you leave or delete your account, your data is "
    "deleted at once. Tips already received stay with the police, without your name, as the "
    "law requires.\n"
    "• Your rights: to know, to agree or refuse, to withdraw your consent, to see, correct, "
    "get a copy of, delete or restrict your data, to object, and to complain. Use them here "
    "with My data (/dulieu); other requests are answered within 2 working days.\n\n"
    "Emergency numbers and anonymous tips work without agreeing. Do you agree?"
)
STAFF_NOTICE = N_(
    "Before you start in your role, please read your duties with other people's data (Law "
    "91/2025/QH15, Decree 356/2025/NĐ-CP). Responsible: {controller}.\n\n"
    "• You will see residents' names and households, and, as commune police, tips with their "
    "photos, voice messages and locations (sensitive data), and the name of a reporter who "
    "gave it.\n"
    "• Use them only for your task. Do not copy, forward or photograph them outside Bình Yên.\n"
    "• Every role given, account linked, reporter's identity viewed and data erased is "
    "written to the audit log, which the commune admin reads.\n"
    "• About you we keep your name, phone number and roles while you hold them; My data "
    "(/dulieu) shows, corrects or deletes them.\n\n"
    "Do you agree?"
)
DEFAULT_CONTROLLER = N_("the People's Committee of {commune}")
UNKNOWN_CONTROLLER = N_("the People's Committee of your commune")


def data_controller(t: Translator, commune: Commune | None) -> str:
    """The legal body responsible for the data, as the commune set it, else its committee."""
    if commune is None:
        return t.gettext(UNKNOWN_CONTROLLER)
    return commune.data_controller or t.gettext(DEFAULT_CONTROLLER, commune=commune.name)


def consent_text(t: Translator, commune: Commune | None, *, staff: bool = False) -> str:
    return t.gettext(
        STAFF_NOTICE if staff else RESIDENTS_NOTICE, controller=data_controller(t, commune)
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
