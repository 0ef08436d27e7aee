"""What an import did, or would have done, in words commune staff can act on.

What is said of a household row (why it is rejected, what it changes) is a `Said`: a message
id with its values, put in the reader's language by whoever shows it (the CLI, the console).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.i18n import Translator


class OrgFileError(Exception):
    """A problem with a whole file or its commune (unreadable, wrong columns, unknown commune).

    Nothing is imported; the message says what to fix.
    """


@dataclass(frozen=True)
class Said:
    """A text for the reader: a message id marked with N_ and its values, which may be texts
    themselves (a tuple of them is a list)."""

    msgid: str
    values: tuple[tuple[str, object], ...] = ()

    def render(self, t: Translator | None = None) -> str:
        """In the reader's language; without a translator, in the words of the message id."""
        values = {name: _rendered(value, t) for name, value in self.values}
        return t.gettext(self.msgid, **values) if t else self.msgid.format(**values)


Text = str | Said  # the structure file's messages are English only (an operator's CLI)


def said(msgid: str, **values: object) -> Said:
    return Said(msgid, tuple(values.items()))


def shown(text: Text, t: Translator | None = None) -> str:
    return text.render(t) if isinstance(text, Said) else text


def _rendered(value: object, t: Translator | None) -> object:
    if isinstance(value, Said):
        return value.render(t)
    if isinstance(value, tuple):
        return ", ".join(str(_rendered(item, t)) for item in value)
    return value


@dataclass(frozen=True)
class Rejection:
    """One row or entry that cannot be imported, and why."""

    source: str  # the file's name
    where: Text  # "row 7" (as the spreadsheet numbers it), "person 'Nguyễn Văn Hùng'"
    reason: Text | tuple[Said, ...]  # several: each problem of a household row

    @property
    def kind(self) -> str:
        """'row', 'person', 'village'…: the first word of `where`, in English."""
        return shown(self.where).split(" ", 1)[0]

    def line(self, t: Translator | None = None) -> str:
        if isinstance(self.reason, tuple):
            reason = "; ".join(problem.render(t) for problem in self.reason)
        else:
            reason = shown(self.reason, t)
        return f"{self.source}, {shown(self.where, t)}: {reason}"


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def line(self, rejected: int) -> str:
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {rejected} rejected"
        )


@dataclass
class Report:
    commune: str = ""
    commune_code: str = ""
    households: Tally = field(default_factory=Tally)
    villages: Tally = field(default_factory=Tally)
    groups: Tally = field(default_factory=Tally)
    people: Tally = field(default_factory=Tally)
    roles_added: int = 0
    empty_rows: int = 0
    commune_changes: list[str] = field(default_factory=list)
    # One line per created unit and per updated row or person: what staff will want to check.
    changes: list[Text] = field(default_factory=list)
    # Every row's outcome, shown with --verbose.
    rows: list[Text] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.rejections

    @property
    def changed(self) -> bool:
        tallies = (self.households, self.villages, self.groups, self.people)
        return (
            any(t.created or t.updated for t in tallies)
            or self.roles_added > 0
            or bool(self.commune_changes)
        )

    def reject(self, rejection: Rejection) -> None:
        self.rejections.append(rejection)

    def rejected(self, kind: str) -> int:
        """How many rows ("row") or entries ("person", "village") were rejected: one may
        have several reasons."""
        return len({r.where for r in self.rejections if r.kind == kind})

    def change_lines(self, t: Translator | None = None) -> list[str]:
        return [shown(change, t) for change in self.changes]

    def note_lines(self, t: Translator | None = None) -> list[str]:
        return [shown(note, t) for note in self.notes]

    def rejection_lines(self, t: Translator | None = None) -> list[str]:
        return [rejection.line(t) for rejection in self.rejections]

    def render(self, t: Translator | None = None, *, verbose: bool = False) -> str:
        """The whole report; `t` puts what is said of rows in the reader's language."""
        if self.error is not None:
            return f"Import failed, nothing was written.\n{self.error}"
        lines = [f"Commune {self.commune}" if self.commune else "Import"]
        lines += self._summary()
        for title, items in (
            ("Rows", [shown(row, t) for row in self.rows] if verbose else []),
            ("Changes", self.change_lines(t)),
            ("Notes", self.note_lines(t)),
            ("Rejected", self.rejection_lines(t)),
        ):
            if items:
                lines.append(f"{title}:")
                lines += [f"  {item}" for item in items]
        lines.append(self._verdict())
        return "\n".join(lines)

    def _summary(self) -> list[str]:
        rows = "row" if self.empty_rows == 1 else "rows"
        empty = f" ({self.empty_rows} empty {rows} skipped)" if self.empty_rows else ""
        lines = [
            f"  households: {self.households.line(self.rejected('row'))}{empty}",
            f"  villages:   {self.villages.line(self.rejected('village'))}",
            f"  groups:     {self.groups.line(self.rejected('group'))}",
            f"  people:     {self.people.line(self.rejected('person'))}",
            f"  roles:      {self.roles_added} added",
        ]
        if self.commune_changes:
            lines.append(f"  commune:    {', '.join(self.commune_changes)} updated")
        return lines

    def _verdict(self) -> str:
        if self.rejections:
            count = len(self.rejections)
            return (
                f"Nothing was written: {count} {'entry' if count == 1 else 'entries'} rejected. "
                "Fix them and import the file again (the counts above are what would have "
                "happened)."
            )
        if not self.changed:
            return "Nothing to change: the database already matches the file."
        return "Imported."
