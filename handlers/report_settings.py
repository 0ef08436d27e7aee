"""The documents' header and signer (/mauvanban, "Mẫu văn bản báo cáo"), set once by the
commune admin: issuing body, its superior, the number's suffix, the signer's title and name,
the recipients (Decree 30/2020/NĐ-CP's header and closing blocks; bot.reports.layout).

shows what is set → which line to change → its words (or "Để trống") → shows it again … →
"Xong". The same settings as `python -m bot report settings`; every change is audited.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.authz import POLICY, Action, load_actor
from bot.i18n import N_
from bot.messages import Choice
from bot.people.personal_data import audit
from bot.reports.layout import BLANK
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.tips.reach import communes_in_reach
from storage.models import Commune
from storage.repos.org import commune_by_code
from storage.repos.reports import report_settings, save_report_settings

DONE, CLEAR = "done", "clear"
FIELDS = {
    "body": (N_("Issuing body"), 200),
    "superior": (N_("Its superior body"), 200),
    "number_suffix": (N_("Number suffix (…/BC-…)"), 40),
    "signer_title": (N_("Signer's title"), 200),
    "signer_name": (N_("Signer's name"), 120),
    "recipients": (N_("Recipients"), 1000),
}
RECIPIENT_SPLIT = re.compile(r"\s*[;\n]\s*")


class Step(StrEnum):
    FIELD = "field"
    VALUE = "value"


class ReportSettings(Flow):
    name = "report_settings"

    async def begin(self, turn: Turn) -> None:
        """Shows the commune's header and signer; asks which line to change."""
        commune = await self._commune(turn)
        if commune is not None:
            await self._show(turn, commune)

    async def _show(self, turn: Turn, commune: Commune) -> None:
        """Shows each line as the documents will print it, asks which to change."""
        row = await report_settings(turn.session, commune.code)
        values = {
            key: ("; ".join(row.recipients or []) if key == "recipients" else getattr(row, key))
            if row
            else ""
            for key in FIELDS
        }
        lines = [turn._("The header and signer of {commune}'s reports:", commune=commune.name)]
        lines += [
            f"• {turn._(label)}: {values[key] or BLANK}" for key, (label, _) in FIELDS.items()
        ]
        lines.append(turn._("Which line do you want to change?"))
        choices = [Choice(key, turn._(label)) for key, (label, _) in FIELDS.items()]
        turn.ask(Step.FIELD, "\n".join(lines), [*choices, Choice(DONE, turn._("Done"))])

    async def on_field(self, turn: Turn) -> None:
        """Remembers the line, asks for its words."""
        if turn.choice == DONE or turn.choice not in FIELDS:
            turn.say(turn._("Saved. The next reports print these lines."))
            turn.leave()
            return
        turn.update_data(field=turn.choice)
        label = turn._(FIELDS[turn.choice][0])
        text = (
            turn._("Type the recipients, separated by “;”.")
            if turn.choice == "recipients"
            else turn._("Type the new words for “{line}”.", line=label)
        )
        turn.ask(Step.VALUE, text, [Choice(CLEAR, turn._("Leave blank"))], free_text=True)

    async def on_value(self, turn: Turn) -> None:
        """Stores the words (checked again: the admin's own commune), shows the lines again."""
        commune = await self._commune(turn)
        if commune is None:
            return
        field = turn.data["field"]
        typed = "" if turn.choice == CLEAR else turn.event.text.strip()
        if len(typed) > FIELDS[field][1]:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("At most {n} characters, please.", n=FIELDS[field][1]),
            )
            return
        value: object = (
            [" ".join(r.split()) for r in RECIPIENT_SPLIT.split(typed) if r.strip()]
            if field == "recipients"
            else " ".join(typed.split())
        )
        await save_report_settings(turn.session, commune.code, **{field: value})
        audit(
            turn.session,
            actor=turn.person.id if turn.person else None,
            action="commune.report_settings",
            subject_kind="commune",
            subject_id=commune.code,
            at=turn.now,
            detail=field,
        )
        await self._show(turn, commune)

    async def _commune(self, turn: Turn) -> Commune | None:
        """The admin's commune (the first, for the rare admin of several), re-authorised."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        codes = communes_in_reach(actor, Action.SET_REPORT_SETTINGS)
        commune = await commune_by_code(turn.session, codes[0]) if codes else None
        if commune is None:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
        return commune


def sets_report_settings(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.SET_REPORT_SETTINGS])


report_settings_entry = MenuEntry(
    key="reportset",
    label=N_("Report header and signer"),
    flow=ReportSettings.name,
    commands=("mauvanban", "reportsettings"),
    visible_to=sets_report_settings,
    order=78,
)
