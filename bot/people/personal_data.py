"""A person's rights over their data: see it, export it, correct it, erase it.

Every export, correction and erasure is written to the audit log (ids and action names only).
Erasure keeps the person row as an empty shell, so that records others need (a membership
decision, and later the tips already forwarded to police) still resolve, without the identity.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.crypto import PERSON_PHONE, DecryptionError, FieldCipher
from bot.sealed_messages import open_payload
from bot.text_match import fold
from bot.tips.own_tips import forget_own_tips
from bot.tips.vault import forget_reporter
from bot.work import Work
from storage.models import (
    ChannelAccount,
    ConsentDecision,
    ConsentRecord,
    Household,
    Person,
)
from storage.repos.accounts import account_keys_of, unlink_accounts
from storage.repos.audit import audit
from storage.repos.drafts import drop_drafts_of_user
from storage.repos.notices import forget_notice_buttons
from storage.repos.org import commune_by_code
from storage.repos.outbox import unsent_payloads, withdraw_messages
from storage.repos.own_tips import accounts_of_person
from storage.repos.people import drop_household, household_by_id, reminder_opt_out
from storage.repos.personal_data import (
    consents_of,
    conversations_of_user,
    detach_household,
    drop_roles,
    forget_activity,
    household_requested,
    households_delegating_to,
    meeting_answers_of,
    memberships_with_places,
    own_unconfirmed_households,
    pledges_confirmed_by,
    reject_pending_requests,
    roles_of,
    tasks_owned_by,
)

ERASED_NAME = "—"


def cipher(settings: Settings) -> FieldCipher:
    return FieldCipher.of(settings)


async def collect(
    session: AsyncSession, person: Person, field_cipher: FieldCipher
) -> dict[str, Any]:
    """Everything stored about this person, and nothing about anyone else."""
    household = await household_by_id(session, person.household_id)
    commune = await commune_by_code(session, person.commune_code)
    memberships = await memberships_with_places(session, person.id)
    roles = await roles_of(session, person.id)
    consents = await consents_of(session, person.id)
    accounts = await accounts_of_person(session, person_id=person.id)
    return {
        "person": {
            "id": person.id,
            "full_name": person.full_name,
            "phone": field_cipher.decrypt_optional(person.phone_encrypted, PERSON_PHONE),
            "commune": commune.name if commune else None,
            "registered_at": person.created_at.isoformat(),
            "consent_version": person.consent_version,
        },
        "household": _household(household, person),
        "memberships": [
            {
                "group": group_name,
                "village": village_name,
                "status": membership.status,
                "requested_at": membership.created_at.isoformat(),
                "decided_at": membership.decided_at.isoformat() if membership.decided_at else None,
            }
            for membership, group_name, village_name in memberships
        ],
        "roles": [{"role": r.role, "scope": r.scope_kind, "scope_id": r.scope_id} for r in roles],
        "consents": [
            {
                "text_version": c.text_version,
                "decision": c.decision,
                "channel": c.channel,
                "at": c.at.isoformat(),
            }
            for c in consents
        ],
        **await _activity(session, person),
        "messenger_accounts": [
            {
                "channel": a.channel,
                "user_id": a.external_user_id,
                "language": a.language,
                "since": a.created_at.isoformat(),
            }
            for a in accounts
        ],
    }


async def _activity(session: AsyncSession, person: Person) -> dict[str, Any]:
    """What the person did in the group's life: pledges they confirmed, households that let them
    sign, their meeting answers, the tasks they own, whether they turned reminders off."""
    pledges = await pledges_confirmed_by(session, person.id)
    delegations = await households_delegating_to(session, person.id)
    answers = await meeting_answers_of(session, person.id)
    tasks = await tasks_owned_by(session, person.id)
    opted_out = await reminder_opt_out(session, person.id)
    return {
        "pledges_confirmed": [
            {
                "year": p.year,
                "household_id": p.household_id,
                "assisted": p.assisted,
                "at": p.at.isoformat(),
                "withdrawn_at": p.withdrawn_at.isoformat() if p.withdrawn_at else None,
            }
            for p in pledges
        ],
        "may_sign_pledge_for_households": list(delegations),
        "meeting_answers": [
            {
                "meeting_at": scheduled.isoformat(),
                "answer": rsvp.answer,
                "reason": rsvp.reason,
                "answered_at": rsvp.answered_at.isoformat(),
            }
            for rsvp, scheduled in answers
        ],
        "tasks": [
            {
                "text": t.text,
                "due": t.due_date.isoformat() if t.due_date else None,
                "status": t.status,
            }
            for t in tasks
        ],
        "campaign_reminders_off": opted_out is not None,
    }


def _household(household: Household | None, person: Person) -> dict[str, Any] | None:
    if household is None:
        return None
    # The head's name is someone else's data unless the head is this person.
    is_head = fold(household.head_name) == fold(person.full_name)
    return {
        "address": household.address,
        "members": household.members,
        "head": household.head_name if is_head else None,
        "status": household.status,
    }


def export_document(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


async def erase_person(
    work: Work, person: Person, *, withdrawn: bool, account: ChannelAccount
) -> None:
    """Delete the personal data of `person` now, asked from `account` (which is unlinked too)."""
    session = work.session
    if withdrawn:
        session.add(
            ConsentRecord(
                person_id=person.id,
                text_version=person.consent_version or "",
                decision=ConsentDecision.WITHDRAWN,
                channel=account.channel,
                at=work.now,
            )
        )
    await _drop_own_unconfirmed_households(session, person)
    await _unlink_tips(work, account)
    await _forget_copies(work, person, account)
    # Answers, permissions and preferences go; a household's pledge and a group's tasks stay
    # (they belong to the household and the group), without the name.
    await forget_activity(session, person.id, erased_name=ERASED_NAME)
    await drop_roles(session, person.id)
    await reject_pending_requests(session, person.id, at=work.now)
    accounts = await account_keys_of(session, person.id)
    account_ids = [account_id for account_id, _, _ in accounts]
    for _, channel, user_id in {*accounts, (0, account.channel, account.external_user_id)}:
        await drop_drafts_of_user(session, channel=channel, user_id=user_id)  # unsent texts
    await unlink_accounts(session, account_ids)
    person.full_name = ERASED_NAME
    person.phone_encrypted = None
    person.household_id = None
    person.consent_version = None
    person.erased_at = work.now
    account.person_id = None
    audit(
        session,
        actor=person.id,
        action="person.withdraw_consent" if withdrawn else "person.erase",
        subject_kind="person",
        subject_id=person.id,
        at=work.now,
    )


async def _unlink_tips(work: Work, account: ChannelAccount) -> None:
    """Tips stay with police (the law asks them to keep what they received), but nothing in
    them leads back to this person any more: no identity, no route for updates, and no list of
    them on any of the person's accounts."""
    tip_ids = await forget_own_tips(work.session, cipher(work.settings), account=account)
    await forget_reporter(work.session, sorted(tip_ids))


async def _forget_copies(work: Work, person: Person, account: ChannelAccount) -> None:
    """Messages not sent yet to the person, or showing their name or phone to someone else,
    are withdrawn; the person's other conversations forget what they were in the middle of.
    (Sent messages keep no text already: storage.repos.outbox.mark_all_sent; the buttons kept
    for their typed forms are deleted here.)"""
    session, field_cipher = work.session, cipher(work.settings)
    accounts = await accounts_of_person(session, person_id=person.id)
    own_chats = {other.chat_id for other in accounts} | {account.chat_id}
    phone = field_cipher.decrypt_optional(person.phone_encrypted, PERSON_PHONE)
    secrets = [value for value in (person.full_name, phone) if value and len(value) >= 4]
    withdrawn = []
    for row_id, chat_id, payload in await unsent_payloads(session):
        try:
            text = json.dumps(asdict(open_payload(payload, field_cipher)), ensure_ascii=False)
        except DecryptionError:  # sealed under another key: it cannot go out anyway
            withdrawn.append(row_id)
            continue
        if chat_id in own_chats or any(secret in text for secret in secrets):
            withdrawn.append(row_id)
    await withdraw_messages(session, ids=withdrawn, reason="withdrawn: personal data erased")
    chats = {(other.channel, other.chat_id) for other in [*accounts, account]}
    await forget_notice_buttons(session, field_cipher, chats=chats, now=work.now)
    for other in accounts:
        if other.id == account.id:
            continue  # this conversation is the one ending the flow
        for conversation in await conversations_of_user(
            session, channel=other.channel, user_id=other.external_user_id
        ):
            conversation.flow = conversation.step = conversation.prompt = None
            conversation.data, conversation.history = {}, []


async def _drop_own_unconfirmed_households(session: AsyncSession, person: Person) -> None:
    """A household only this person added, never confirmed, goes with them."""
    for membership_id, household in await own_unconfirmed_households(session, person.id):
        await detach_household(session, membership_id)
        if not await household_requested(session, household.id):
            await drop_household(session, household)
