"""What an import did, or would have done, in words commune staff can act on."""

from __future__ import annotations

from dataclasses import dataclass, field


class OrgFileError(Exception):
    """A problem with a whole file or its commune (unreadable, wrong columns, unknown commune).

    Nothing is imported; the message says what to fix.
    """


@dataclass(frozen=True)
class Rejection:
    """One row or entry that cannot be imported, and why."""

    source: str  # the file's name
    where: str  # "row 7" (as the spreadsheet numbers it), "person 'Nguyễn Văn Hùng'"
    reason: str

    def line(self) -> str:
        return f"{self.source}, {self.where}: {self.reason}"


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
    changes: list[str] = field(default_factory=list)
    # Every row's outcome, shown with --verbose.
    rows: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
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
        return len({r.where for r in self.rejections if r.where.startswith(f"{kind} ")})

    def render(self, *, verbose: bool = False) -> str:
        if self.error is not None:
            return f"Import failed, nothing was written.\n{self.error}"
        lines = [f"Commune {self.commune}" if self.commune else "Import"]
        lines += self._summary()
        for title, items in (
            ("Rows", self.rows if verbose else []),
            ("Changes", self.changes),
            ("Notes", self.notes),
            ("Rejected", [r.line() for r in self.rejections]),
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
