"""Joining: /start or /join, with or without an invitation code.

code (if none was given) → consent → name → phone (optional) → where: the invite's group and
household, or, without a code, the commune by name → the person is created, the leader asked to
confirm. Nothing about the person is written before they agree and the last step is answered;
"Không đồng ý" stores nothing and leaves emergency numbers and anonymous tips available.

Someone who already joined and opens another invite (a resident made leader) goes straight to
what the invite adds. Someone whose consent is outdated is sent here by the engine, and sees only
the consent question.
"""

from __future__ import annotations

import base64
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import PRIVILEGED_ROLES
from bot.crypto import PERSON_PHONE, FieldCipher
from bot.i18n import N_
from bot.messages import SHARE_PHONE, Choice, EventKind
from bot.people.consent import consent_text, has_current_consent, record_consent
from bot.people.invites import (
    ALPHABET,
    CODE_LENGTH,
    InviteProblem,
    check_invite,
    normalise_code,
    redeem,
)
from bot.people.listed_match import suggest_listed
from bot.people.membership import grant_role, request_membership
from bot.people.personal_data import audit
from bot.people.personal_invites import ROLE_NAMES
from bot.people.phone import normalise_phone
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from handlers.erasure import erase_me
from storage.models import (
    Commune,
    ConsentDecision,
    Group,
    Household,
    Invite,
    Person,
    Role,
    ScopeKind,
    Village,
)
from storage.repos.invites import invite_by_id, invite_code_exists
from storage.repos.org import find_communes
from storage.repos.people import household_at, person_by_id, resident_households
from storage.repos.places import commune_by_code, group_by_id, groups_with_villages, village_by_id

AGREE, DISAGREE = "agree", "disagree"
NO_CODE, SKIP, USE_PROFILE_NAME, NOT_LISTED = "no_code", "skip", "profile_name", "not_listed"
CONFIRM_ERASE, REREAD = "erase", "reread"
MAX_NAME = 80
MAX_HOUSEHOLD_BUTTONS = 30

INVITE_PROBLEMS = {
    InviteProblem.UNKNOWN: N_(
        "I do not know the code “{code}”. Please check it on the poster or ask your group leader."
    ),
    InviteProblem.EXPIRED: N_(
        "The code “{code}” has expired. Please ask your group leader for a new one."
    ),
    InviteProblem.REVOKED: N_(
        "The code “{code}” is no longer valid. Please ask your group leader for a new one."
    ),
    InviteProblem.USED_UP: N_(
        "The code “{code}” has already been used. Please ask whoever gave it to you for a new one."
    ),
}
NOT_YOURS = N_(
    "The code “{code}” was made for another person. Please ask your commune admin for your own."
)


class Step(StrEnum):
    CODE = "code"
    CONSENT = "consent"
    CONFIRM_ERASE = "confirm_erase"
    NAME = "name"
    PHONE = "phone"
    COMMUNE_NAME = "commune_name"
    PICK_COMMUNE = "pick_commune"
    GROUP = "group"
    HOUSEHOLD = "household"
    ADDRESS = "address"


class Joining(Flow):
    name = "joining"

    async def begin(self, turn: Turn) -> None:
        code = turn.event.args.strip() if turn.event.kind is EventKind.COMMAND else ""
        if code and not await self._take_code(turn, code):
            if turn.person is not None and not has_current_consent(turn.person):
                await self._ask_consent(turn)
            else:
                turn.leave()
            return
        if turn.person is not None and has_current_consent(turn.person):
            if turn.data.get("invite_id"):
                await self._after_contact(turn)
            else:
                turn.say(turn._("You have already joined. Here is your menu."))
                turn.leave()
            return
        if turn.person is None and not code and fold(turn.event.command or "") != "start":
            self._ask_code(turn)  # "Join my group" or /join: the code first
            return
        await self._ask_consent(turn)

    # --- the code ------------------------------------------------------------------------
    def _ask_code(self, turn: Turn) -> None:
        turn.ask(
            Step.CODE,
            turn._(
                "Please type the code from your group's poster or from your group leader, "
                "for example: ABC12345"
            ),
            [Choice(NO_CODE, turn._("I have no code"))],
            free_text=True,
        )

    async def on_code(self, turn: Turn) -> None:
        """A typed code; or none, and then joining goes on with the commune alone."""
        if turn.choice == NO_CODE:
            await self._ask_consent(turn)
            return
        if await self._take_code(turn, turn.event.text):
            await self._ask_consent(turn)
        else:
            self._ask_code(turn)

    async def _take_code(self, turn: Turn, code: str) -> bool:
        check = await check_invite(turn.session, code, turn.now)
        if not check.ok or check.invite is None:
            problem = check.problem or InviteProblem.UNKNOWN
            turn.say(turn._(INVITE_PROBLEMS[problem], code=code.strip()[:20]))
            return False
        invite = check.invite
        mine = turn.person is None or turn.person.id == invite.person_id
        if invite.person_id is not None and not mine:
            turn.say(turn._(NOT_YOURS, code=invite.code))
            return False
        turn.update_data(invite_id=invite.id)
        turn.say(await self._invite_text(turn, invite))
        return True

    async def _invite_text(self, turn: Turn, invite: Invite) -> str:
        commune = await commune_by_code(turn.session, invite.commune_code)
        place = commune.name if commune else ""
        if invite.scope_kind == ScopeKind.GROUP:
            group = await group_by_id(turn.session, int(invite.scope_id))
            village = await village_by_id(turn.session, group.village_id) if group else None
            if group and village:
                place = f"{group.name}, {village.name}, {place}"
        elif invite.scope_kind == ScopeKind.VILLAGE:
            village = await village_by_id(turn.session, int(invite.scope_id))
            if village:
                place = f"{village.name}, {place}"
        return turn._(
            "You are invited to join {place} as {role}.",
            place=place,
            role=turn._(ROLE_NAMES.get(Role(invite.role), invite.role)),
        )

    # --- consent -------------------------------------------------------------------------
    async def _ask_consent(self, turn: Turn) -> None:
        commune = await self._commune_of(turn)
        invite = await self._invite(turn)
        staff = invite is not None and invite.role in PRIVILEGED_ROLES
        turn.ask(
            Step.CONSENT,
            consent_text(turn.t, commune, staff=staff),
            [Choice(AGREE, turn._("I agree")), Choice(DISAGREE, turn._("I do not agree"))],
        )

    async def _commune_of(self, turn: Turn) -> Commune | None:
        invite = await self._invite(turn)
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
                    await self._after_contact(turn)
                else:
                    turn.leave()
                return
            invite = await self._invite(turn)
            if invite is not None and invite.person_id is not None:
                await self._after_contact(turn)  # a personal code: the commune's list has them
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
            await self._ask_consent(turn)
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
        await self._after_contact(turn)

    # --- where they belong ---------------------------------------------------------------
    async def _after_contact(self, turn: Turn) -> None:
        invite = await self._invite(turn)
        if invite is None:
            turn.ask(
                Step.COMMUNE_NAME,
                turn._("Which commune or ward do you live in? Type its name, e.g. Thanh Mỹ."),
                free_text=True,
            )
        elif invite.role in PRIVILEGED_ROLES:
            await self._finish(turn, invite=invite)
        elif invite.scope_kind == ScopeKind.GROUP:
            turn.update_data(group_id=int(invite.scope_id))
            await self._ask_household(turn)
        else:
            await self._ask_group(turn, invite)

    async def on_commune_name(self, turn: Turn) -> None:
        """Finds the commune typed: joins it, or asks which of several was meant."""
        matches = await find_communes(turn.session, turn.event.text)
        if not matches:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._(
                    "I found no commune or ward with that name. Please check the spelling."
                ),
            )
        elif len(matches) == 1:
            await self._finish(turn, commune_code=matches[0][0].code)
        else:
            choices = [Choice(c.code, f"{c.name}, {p.name}") for c, p in matches]
            turn.ask(Step.PICK_COMMUNE, turn._("Which commune or ward do you mean?"), choices)

    async def on_pick_commune(self, turn: Turn) -> None:
        """Joins the commune picked (as a resident without a group yet)."""
        if await commune_by_code(turn.session, turn.choice) is None:
            turn.leave()
            return
        await self._finish(turn, commune_code=turn.choice)

    async def _groups_of_invite(self, turn: Turn, invite: Invite) -> list[tuple[Group, Village]]:
        in_village = invite.scope_kind == ScopeKind.VILLAGE
        return await groups_with_villages(
            turn.session,
            commune_code=invite.commune_code,
            village_id=int(invite.scope_id) if in_village else None,
        )

    async def _ask_group(self, turn: Turn, invite: Invite) -> None:
        groups = await self._groups_of_invite(turn, invite)
        if not groups:
            await self._finish(turn, invite=invite)
            return
        choices = [Choice(str(g.id), f"{g.name}, {v.name}") for g, v in groups]
        turn.ask(Step.GROUP, turn._("Which group (tổ) does your household belong to?"), choices)

    async def on_group(self, turn: Turn) -> None:
        """Stores the group picked (one of the invite's) and asks for the household."""
        invite = await self._invite(turn)
        # The choice came from the user: it must be one of the invite's groups.
        allowed = (
            {str(g.id) for g, _ in await self._groups_of_invite(turn, invite)} if invite else set()
        )
        if turn.choice not in allowed:
            turn.leave()
            return
        turn.update_data(group_id=int(turn.choice or 0))
        await self._ask_household(turn)

    async def _households(self, turn: Turn) -> list[Household]:
        return await resident_households(turn.session, turn.data["group_id"])

    async def _ask_household(self, turn: Turn) -> None:
        households = await self._households(turn)
        choices = [Choice(str(h.id), h.address) for h in households[:MAX_HOUSEHOLD_BUTTONS]]
        text = turn._("Which household do you live in? Press its address, or type it.")
        if len(households) > MAX_HOUSEHOLD_BUTTONS:
            text = turn._(
                "Which household do you live in? Type the address (house number and street)."
            )
            choices = []
        turn.ask(
            Step.HOUSEHOLD,
            text,
            [*choices, Choice(NOT_LISTED, turn._("My household is not listed"))],
            free_text=True,
        )

    async def on_household(self, turn: Turn) -> None:
        """Sends the request for the household picked or typed, or asks for an address."""
        if turn.choice == NOT_LISTED:
            turn.ask(
                Step.ADDRESS,
                turn._("Please type your address (house number and street, or hamlet)."),
                free_text=True,
            )
            return
        households = await self._households(turn)
        if turn.choice is not None:
            picked = [h for h in households if str(h.id) == turn.choice]
        else:
            typed = set(fold(turn.event.text).split())
            picked = [h for h in households if typed and typed <= set(fold(h.address).split())]
        if len(picked) != 1:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("I could not find exactly one household with that address."),
            )
            return
        await self._finish(turn, invite=await self._invite(turn), household=picked[0])

    async def on_address(self, turn: Turn) -> None:
        """Adds the typed address as an unconfirmed household and sends the request."""
        address = " ".join(turn.event.text.split())
        if not 3 <= len(address) <= 200:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("Please type the address in words, at most 200 characters."),
            )
            return
        group_id = turn.data["group_id"]
        existing = await household_at(turn.session, group_id=group_id, address=address)
        household = existing or Household(
            group_id=group_id,
            address=address,
            head_name=turn.data.get("name") or (turn.person.full_name if turn.person else ""),
            members=1,
            confirmed=False,
            created_at=turn.now,
        )
        turn.session.add(household)
        await turn.session.flush()
        await self._finish(turn, invite=await self._invite(turn), household=household)

    # --- the end -------------------------------------------------------------------------
    async def _invite(self, turn: Turn) -> Invite | None:
        invite_id = turn.data.get("invite_id")
        return await invite_by_id(turn.session, invite_id)

    async def _finish(
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


async def is_invite_code(session: AsyncSession, text: str) -> bool:
    """Whether a typed text is the code of an invitation (valid or not: joining then says what
    is wrong with it); only an existing code counts, so no word is ever taken for one."""
    code = normalise_code(text)
    if len(text.strip()) > 2 * CODE_LENGTH or len(code) != CODE_LENGTH:
        return False
    if any(ch not in ALPHABET for ch in code):
        return False
    return await invite_code_exists(session, code)


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
