"""Joining: /start or /join, with or without an invitation code.

code (if none was given) → consent → name → phone (optional) → where: the invite's group and
household, or, without a code, the commune by name → the person is created, the leader asked to
confirm. Nothing about the person is written before they agree and the last step is answered;
"Không đồng ý" stores nothing and leaves emergency numbers and anonymous tips available.

Someone who already joined and opens another invite (a resident made leader) goes straight to
what the invite adds. Someone whose consent is outdated is sent here by the engine, and sees only
the consent question.

Joining keeps no draft when left half-way (issue #13): what it holds is a name and a phone number
of someone whose agreement is not recorded yet, and those are written nowhere before the last
step; two short answers are quicker to give again than a draft is to trust.
"""

from __future__ import annotations

import base64

from bot.authz import PRIVILEGED_ROLES
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.i18n import N_
from bot.messages import SHARE_PHONE, Choice, EventKind
from bot.people.consent import consent_text, has_current_consent, record_consent
from bot.people.invites import InviteProblem, redeem
from bot.people.listed_match import suggest_listed
from bot.people.membership import grant_role, request_membership
from bot.people.personal_data import audit
from bot.people.personal_invites import ROLE_NAMES
from bot.people.phone import normalise_phone
from bot.runtime.dialog.flows import MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from handlers.erasure import erase_me
from handlers.joining_place import PlaceSteps
from handlers.joining_steps import (
    AGREE,
    CONFIRM_ERASE,
    DISAGREE,
    INVITE_PROBLEMS,
    MAX_NAME,
    NOT_YOURS,
    REREAD,
    SKIP,
    USE_PROFILE_NAME,
    Step,
)
from storage.models import Commune, ConsentDecision, Household, Invite, Person, Role
from storage.repos.org import commune_by_code, group_by_id
from storage.repos.people import person_by_id


class Joining(PlaceSteps):
    name = "joining"

    async def begin(self, turn: Turn) -> None:
        """Takes a code typed with the command, or asks for consent, then how to find the person's
        group."""
        code = turn.event.args.strip() if turn.event.kind is EventKind.COMMAND else ""
        if code and not await self.take_code(turn, code):
            if turn.person is not None and not has_current_consent(turn.person):
                await self.ask_consent(turn)
            else:
                turn.leave()
            return
        if turn.person is not None and has_current_consent(turn.person):
            if turn.data.get("invite_id"):
                await self.after_contact(turn)
            else:
                turn.say(turn._("You have already joined. Here is your menu."))
                turn.leave()
            return
        if turn.person is None and not code and fold(turn.event.command or "") != "start":
            self.ask_code(turn)  # "Join my group" or /join: the code first
            return
        await self.ask_consent(turn)

    # --- consent -------------------------------------------------------------------------
    async def ask_consent(self, turn: Turn) -> None:
        commune = await self._commune_of(turn)
        invite = await self.invite(turn)
        staff = invite is not None and invite.role in PRIVILEGED_ROLES
        turn.ask(
            Step.CONSENT,
            consent_text(turn.t, commune, staff=staff),
            [Choice(AGREE, turn._("I agree")), Choice(DISAGREE, turn._("I do not agree"))],
        )

    async def _commune_of(self, turn: Turn) -> Commune | None:
        invite = await self.invite(turn)
        code = (
            invite.commune_code if invite else (turn.person.commune_code if turn.person else None)
        )
        return await commune_by_code(turn.session, code)

    async def on_consent(self, turn: Turn) -> None:
        """Agree: go on (or, for a member asked again, record it). Disagree: nothing kept."""
        renewal = turn.person is not None
        if turn.choice == AGREE:
            if renewal:
                record_consent(
                    turn.session,
                    turn.person,  # type: ignore[arg-type]
                    decision=ConsentDecision.GIVEN,
                    channel=turn.event.channel,
                    at=turn.now,
                )
                turn.identity_changed = True
                turn.say(turn._("Thank you. Your agreement has been recorded."))
                if turn.data.get("invite_id"):
                    await self.after_contact(turn)
                else:
                    turn.leave()
                return
            invite = await self.invite(turn)
            if invite is not None and invite.person_id is not None:
                await self.after_contact(turn)  # a personal code: the commune's list has them
            else:
                self._ask_name(turn)
        elif renewal:
            turn.ask(
                Step.CONFIRM_ERASE,
                turn._(
                    "Without your agreement we cannot keep your membership. If you confirm, "
                    "your personal data is deleted now. Tips you already sent stay with the "
                    "police, without your name."
                ),
                [
                    Choice(CONFIRM_ERASE, turn._("Delete my data")),
                    Choice(REREAD, turn._("Read the text again")),
                ],
            )
        else:
            turn.say(
                turn._(
                    "Understood. Nothing about you has been stored. You can still see the "
                    "emergency numbers and send a tip to commune police anonymously, from the menu."
                )
            )
            turn.leave()

    async def on_confirm_erase(self, turn: Turn) -> None:
        """Erases the person who declined the renewed notice, or shows the notice again."""
        if turn.choice == REREAD or turn.person is None:
            await self.ask_consent(turn)
            return
        await erase_me(turn, withdrawn=True)
        turn.leave()

    # --- name and phone ------------------------------------------------------------------
    def _ask_name(self, turn: Turn) -> None:
        profile = (turn.event.sender_name or "").strip()[:MAX_NAME]
        choices = [Choice(USE_PROFILE_NAME, profile)] if profile else []
        turn.update_data(profile_name=profile)
        turn.ask(
            Step.NAME,
            turn._("What is your full name? Press your name below, or type it as it should be."),
            choices,
            free_text=True,
        )

    async def on_name(self, turn: Turn) -> None:
        """Stores the name picked or typed and asks for a phone number (optional)."""
        if turn.choice == USE_PROFILE_NAME:
            name = turn.data.get("profile_name", "")
        else:
            name = " ".join(turn.event.text.split())
        if not _plausible_name(name):
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._(
                    "Please type your name in letters, at most {limit} characters.", limit=MAX_NAME
                ),
            )
            return
        turn.update_data(name=name)
        if turn.has_share_buttons:
            question = turn._(
                "Your phone number lets your group leader call you back. It is optional. "
                "Press the button to share it, or type it, or skip."
            )
        else:
            question = turn._(
                "Your phone number lets your group leader call you back. It is optional. "
                "Type it, or skip."
            )
        turn.ask(
            Step.PHONE,
            question,
            [Choice(SKIP, turn._("Skip"))],
            free_text=True,
            offer_share=SHARE_PHONE,
            share_label=turn._("Share my phone number"),
        )

    async def on_phone(self, turn: Turn) -> None:
        """Stores the phone number, sealed, or none; asks where the person belongs."""
        if turn.choice != SKIP:
            typed = turn.event.phone if turn.event.kind is EventKind.CONTACT else turn.event.text
            phone = normalise_phone(typed or "")
            if phone is None:
                turn.show(
                    turn.prompt,  # type: ignore[arg-type]
                    prefix=turn._(
                        "That does not look like a Vietnamese phone number (for example "
                        "0912 345 678)."
                    ),
                )
                return
            sealed = FieldCipher.of(turn.settings).encrypt(phone, PERSON_PHONE)
            turn.update_data(phone=base64.b64encode(sealed).decode())
        await self.after_contact(turn)

    async def finish(
        self,
        turn: Turn,
        *,
        invite: Invite | None = None,
        household: Household | None = None,
        commune_code: str | None = None,
    ) -> None:
        """Everything is written here, in this one transaction, or nothing is."""
        turn.identity_changed = True
        if invite is not None and not await redeem(turn.session, invite):
            problem = InviteProblem.USED_UP
            turn.say(turn._(INVITE_PROBLEMS[problem], code=invite.code))
            turn.leave()
            return
        commune_code = invite.commune_code if invite else commune_code
        new_person = turn.person is None
        person = turn.person or await self._listed_or_new_person(turn, invite, commune_code)
        if person is None:
            turn.say(turn._(NOT_YOURS, code=invite.code if invite else ""))
            turn.leave()
            return
        if turn.person is None:
            turn.account.person_id = person.id
            record_consent(
                turn.session,
                person,
                decision=ConsentDecision.GIVEN,
                channel=turn.event.channel,
                at=turn.now,
            )
        if invite is None:
            commune = await commune_by_code(turn.session, commune_code)
            turn.say(
                turn._(
                    "Thank you, {name}. You are registered as a resident of {commune}. To join "
                    "your group, type the code your group leader gives you: /join CODE",
                    name=person.full_name,
                    commune=commune.name if commune else "",
                )
            )
        elif invite.role in PRIVILEGED_ROLES:
            if invite.person_id is not None:
                audit(
                    turn.session,
                    actor=invite.created_by,
                    action="role.claim",
                    subject_kind="person",
                    subject_id=person.id,
                    at=turn.now,
                    detail=f"invite:{invite.id} {turn.account.channel}:{turn.account.id}",
                )
            await grant_role(
                turn.session,
                person.id,
                invite.role,
                invite.scope_kind,
                invite.scope_id,
                actor=invite.created_by,
                at=turn.now,
                detail=f"invite:{invite.id}",
            )
            turn.say(
                turn._(
                    "Welcome, {name}. You are now registered as {role}.",
                    name=person.full_name,
                    role=turn._(ROLE_NAMES[Role(invite.role)]),
                )
            )
        else:
            group = await group_by_id(turn.session, turn.data["group_id"])
            assert group is not None
            await request_membership(
                turn.work,
                person=person,
                group=group,
                household=household,
                invite_id=invite.id,
                suggested=await suggest_listed(turn.session, person) if new_person else None,
            )
            turn.say(
                turn._(
                    "Thank you, {name}. Your request to join {group} has been sent to your group "
                    "leader; you will get a message when it is confirmed.",
                    name=person.full_name,
                    group=group.name,
                )
            )
        turn.leave()

    async def _listed_or_new_person(
        self, turn: Turn, invite: Invite | None, commune_code: str | None
    ) -> Person | None:
        """The person a personal invite was made for (None if they erased their data since),
        or a new person. Never one found by name: a name proves nothing about who types it."""
        if invite is not None and invite.person_id is not None:
            listed = await person_by_id(turn.session, invite.person_id)
            return listed if listed is not None and listed.erased_at is None else None
        phone = turn.data.get("phone")
        person = Person(
            full_name=turn.data["name"],
            commune_code=commune_code,
            phone_encrypted=base64.b64decode(phone) if phone else None,
            created_at=turn.now,
        )
        turn.session.add(person)
        await turn.session.flush()
        return person


def _plausible_name(name: str) -> bool:
    letters = sum(ch.isalpha() for ch in name)
    return 2 <= len(name) <= MAX_NAME and letters >= 2 and not name.startswith("/")


def _not_in_a_group(roles: frozenset[str]) -> bool:
    return not roles & {Role.RESIDENT, *PRIVILEGED_ROLES}


# "/join CODE" and "/thamgia CODE" work everywhere, like /start (see bot.runtime.dialog.commands).
joining_entry = MenuEntry(
    key="join",
    label=N_("Join my group"),
    flow=Joining.name,
    visible_to=_not_in_a_group,
    order=30,
)
