"""My data (/dulieu): what is stored about me; export it; correct name or phone; withdraw
consent; delete my account. Every request is completed in the same message exchange."""

from __future__ import annotations

from enum import StrEnum

from bot.crypto import PERSON_PHONE
from bot.i18n import N_, Translator
from bot.messages import SHARE_PHONE, Choice, EventKind, OutboundMessage
from bot.messengers import DECLARED
from bot.people.consent import CONSENT_VERSION
from bot.people.personal_data import audit, cipher, collect, export_document
from bot.people.personal_data_text import readable_export
from bot.people.phone import normalise_phone
from bot.runtime.dialog.engine import JOINED
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from handlers.erasure import erase_me
from storage.models import ChannelAccount
from storage.repos.accounts import other_accounts

EXPORT, NAME, PHONE, WITHDRAW, DELETE = "export", "name", "phone", "withdraw", "delete"
UNLINK = "unlink"
# By whether the messenger carries no files.
EXPORT_LABEL = {False: N_("Send me all my data as a file"), True: N_("Send me all my data")}
YES, NO = "yes", "no"
MAX_NAME = 80


class Step(StrEnum):
    ACTION = "action"
    NEW_NAME = "new_name"
    NEW_PHONE = "new_phone"
    CONFIRM = "confirm"
    UNLINK_WHICH = "unlink_which"


class MyData(Flow):
    name = "my_data"

    async def begin(self, turn: Turn) -> None:
        """Shows what is stored about the person and asks what to do with it."""
        if turn.person is None:
            turn.say(turn._("Nothing is stored about you: you have not joined a group."))
            turn.leave()
            return
        data = await collect(turn.session, turn.person, cipher(turn.settings))
        turn.say(self._summary(turn, data), private=True)
        self._ask_action(turn, linked=len(data["messenger_accounts"]) > 1)

    def _summary(self, turn: Turn, data: dict) -> str:  # type: ignore[type-arg]
        person, household = data["person"], data["household"]
        lines = [
            turn._("What Bình Yên stores about you:"),
            turn._("• Name: {name}", name=person["full_name"]),
            turn._("• Phone: {phone}", phone=person["phone"] or turn._("not given")),
            turn._("• Commune: {commune}", commune=person["commune"] or "—"),
        ]
        if household:
            lines.append(turn._("• Household: {address}", address=household["address"]))
        for membership in data["memberships"]:
            lines.append(
                turn._(
                    "• Group: {group}, {village} ({status})",
                    group=membership["group"],
                    village=membership["village"],
                    status=turn._(STATUS_NAMES.get(membership["status"], membership["status"])),
                )
            )
        lines.append(
            turn._(
                "• Agreement to the data notice: version {version}",
                version=person["consent_version"] or CONSENT_VERSION,
            )
        )
        for account in data["messenger_accounts"]:
            lines.append(
                turn._(
                    "• Linked account: {messenger}, since {since}",
                    messenger=DECLARED.title(account["channel"]),
                    since=account["since"][:10],
                )
            )
        return "\n".join(lines)

    def _ask_action(self, turn: Turn, *, linked: bool) -> None:
        choices = [
            Choice(EXPORT, turn._(EXPORT_LABEL[not turn.capabilities.files])),
            Choice(NAME, turn._("Correct my name")),
            Choice(PHONE, turn._("Correct my phone number")),
        ]
        if linked:
            choices.append(Choice(UNLINK, turn._("Unlink one of my messenger accounts")))
        choices += [
            Choice(WITHDRAW, turn._("Withdraw my consent")),
            Choice(DELETE, turn._("Delete my account")),
        ]
        turn.ask(Step.ACTION, turn._("What would you like to do?"), choices)

    async def on_action(self, turn: Turn) -> None:
        """Sends the export, or asks for the new name, phone, account to unlink, or a yes."""
        person = turn.person
        assert person is not None
        if turn.choice == EXPORT:
            data = await collect(turn.session, person, cipher(turn.settings))
            audit(
                turn.session,
                actor=person.id,
                action="person.export",
                subject_kind="person",
                subject_id=person.id,
                at=turn.now,
            )
            if not turn.capabilities.files:  # no files there: a message to read
                intro = turn._("Here is everything stored about you.")
                turn.say(f"{intro}\n\n{readable_export(turn.t, data)}", private=True)
            else:
                turn.say(
                    turn._("Here is everything stored about you."),
                    file_name=f"binhyen-du-lieu-{person.id}.json",
                    file_content=export_document(data),
                    private=True,
                )
            turn.leave()
        elif turn.choice == NAME:
            turn.ask(
                Step.NEW_NAME, turn._("Please type your full name as it should be."), free_text=True
            )
        elif turn.choice == UNLINK:
            others = await _other_accounts(turn)
            turn.ask(
                Step.UNLINK_WHICH,
                turn._("Which account should no longer be you?"),
                [Choice(str(a.id), DECLARED.title(a.channel)) for a in others],
            )
        elif turn.choice == PHONE:
            question = (
                turn._("Press the button to share your number, or type it. To remove it, type 0.")
                if turn.has_share_buttons
                else turn._("Type your phone number. To remove it, type 0.")
            )
            turn.ask(
                Step.NEW_PHONE,
                question,
                free_text=True,
                offer_share=SHARE_PHONE,
                share_label=turn._("Share my phone number"),
            )
        else:
            turn.update_data(erase=turn.choice)
            text = (
                turn._(
                    "If you withdraw your consent, your personal data is deleted now and you "
                    "leave your group. Are you sure?"
                )
                if turn.choice == WITHDRAW
                else turn._(
                    "If you delete your account, your personal data is deleted now and you "
                    "leave your group. Are you sure?"
                )
            )
            turn.ask(
                Step.CONFIRM,
                text,
                [Choice(YES, turn._("Yes, delete")), Choice(NO, turn._("No, keep it"))],
            )

    async def on_new_name(self, turn: Turn) -> None:
        """Stores the corrected name (audited) and ends."""
        name = " ".join(turn.event.text.split())
        if not 2 <= len(name) <= MAX_NAME or sum(c.isalpha() for c in name) < 2:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._(
                    "Please type your name in letters, at most {limit} characters.", limit=MAX_NAME
                ),
            )
            return
        person = turn.person
        assert person is not None
        person.full_name = name
        audit(
            turn.session,
            actor=person.id,
            action="person.correct_name",
            subject_kind="person",
            subject_id=person.id,
            at=turn.now,
        )
        turn.say(turn._("Your name is now: {name}", name=name), private=True)
        turn.leave()

    async def on_new_phone(self, turn: Turn) -> None:
        """Stores the new phone number sealed, or removes it on 0 (audited), and ends."""
        person = turn.person
        assert person is not None
        typed = turn.event.phone if turn.event.kind is EventKind.CONTACT else turn.event.text
        if (typed or "").strip() == "0":
            person.phone_encrypted = None
            turn.say(turn._("Your phone number has been removed."))
        else:
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
            person.phone_encrypted = cipher(turn.settings).encrypt(phone, PERSON_PHONE)
            turn.say(turn._("Your phone number is now: {phone}", phone=phone), private=True)
        audit(
            turn.session,
            actor=person.id,
            action="person.correct_phone",
            subject_kind="person",
            subject_id=person.id,
            at=turn.now,
        )
        turn.leave()

    async def on_unlink_which(self, turn: Turn) -> None:
        """That account is detached from the person (audited) and told so."""
        person = turn.person
        account = next((a for a in await _other_accounts(turn) if str(a.id) == turn.choice), None)
        turn.leave()
        if person is None or account is None:
            turn.say(turn._("Nothing was changed."))
            return
        account.person_id = None
        audit(
            turn.session,
            actor=person.id,
            action="account.unlink",
            subject_kind="person",
            subject_id=person.id,
            at=turn.now,
            detail=f"{account.channel}:{account.id}",
        )
        messenger = DECLARED.title(account.channel)
        turn.say(turn._("Done: your {messenger} account is no longer linked.", messenger=messenger))
        t = Translator(account.language, turn.settings.timezone)
        await turn.notify(
            channel=account.channel,
            chat_id=account.chat_id,
            message=OutboundMessage(
                text=t.gettext(
                    "This account is no longer linked with your member account; it was undone "
                    "from your other messenger."
                )
            ),
        )

    async def on_confirm(self, turn: Turn) -> None:
        """On yes, erases the person's data (handlers/erasure.py); else changes nothing."""
        if turn.choice != YES or turn.person is None:
            turn.say(turn._("Nothing was changed."))
            turn.leave()
            return
        await erase_me(turn, withdrawn=turn.data.get("erase") == WITHDRAW)
        turn.leave()


async def _other_accounts(turn: Turn) -> list[ChannelAccount]:
    """The person's messenger accounts other than the one writing now."""
    if turn.person is None:
        return []
    return await other_accounts(turn.session, person_id=turn.person.id, except_id=turn.account.id)


STATUS_NAMES = {
    "pending": N_("waiting for the leader"),
    "confirmed": N_("member"),
    "rejected": N_("not confirmed"),
}

my_data_entry = MenuEntry(
    key="mydata",
    label=N_("My data"),
    flow=MyData.name,
    commands=("dulieu", "mydata"),
    visible_to=lambda roles: JOINED in roles,
    order=70,
)
