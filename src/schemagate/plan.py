"""Compare the files with the recorded history: what is pending, drifted, missing or out of order."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from schemagate.errors import DriftError
from schemagate.history import Recorded
from schemagate.sql import ParsedMigration, normalize


class State(StrEnum):
    APPLIED = "applied"
    PENDING = "pending"
    DRIFTED = "drifted"
    MISSING = "missing"


@dataclass(frozen=True)
class Row:
    version: str
    name: str
    local: bool
    remote: bool
    state: State
    recorded: Recorded | None = None


@dataclass
class Plan:
    local: list[ParsedMigration]
    recorded: list[Recorded]
    pending: list[ParsedMigration] = field(default_factory=list)
    drifted: list[ParsedMigration] = field(default_factory=list)
    missing: list[Recorded] = field(default_factory=list)
    out_of_order: list[ParsedMigration] = field(default_factory=list)

    @classmethod
    def build(cls, local: list[ParsedMigration], recorded: list[Recorded]) -> Plan:
        plan = cls(local, recorded)
        by_version = {r.version: r for r in recorded}
        by_number = {r.number: r for r in recorded if r.version.isdigit()}
        newest = max((r.number for r in recorded if r.version.isdigit()), default=-1)
        for parsed in local:
            migration = parsed.migration
            record = by_version.get(migration.version) or by_number.get(migration.number)
            if record is None:
                plan.pending.append(parsed)
                if migration.number < newest:
                    plan.out_of_order.append(parsed)
            elif normalize(record.statements) != normalize(parsed.history_statements):
                plan.drifted.append(parsed)
        local_numbers = {p.migration.number for p in local}
        plan.missing = [r for r in recorded if not (r.version.isdigit() and r.number in local_numbers)]
        return plan

    def verify(self, *, include_all: bool = False) -> None:
        """Refuse before anything is applied when history and files disagree."""
        if self.drifted:
            first = self.drifted[0].migration
            others = f" (and {len(self.drifted) - 1} more)" if len(self.drifted) > 1 else ""
            raise DriftError(
                f"migration {first.version} was changed after it was applied{others}: its statements "
                "no longer match the history; restore the file and put the change in a new migration",
                path=first.path,
            )
        if self.missing:
            versions = ", ".join(r.version for r in self.missing)
            raise DriftError(
                f"applied version(s) {versions} have no migration file; restore the file(s), or "
                f"record the revert with `supabase migration repair --status reverted {versions}`"
            )
        if self.out_of_order and not include_all:
            first = self.out_of_order[0].migration
            raise DriftError(
                f"migration {first.version} is older than the newest applied version "
                f"{self.newest_recorded}; rename it with a newer timestamp, or pass --include-all "
                "to apply it anyway",
                path=first.path,
            )

    @property
    def newest_recorded(self) -> str:
        numbered = [r for r in self.recorded if r.version.isdigit()]
        return max(numbered, key=lambda r: r.number).version if numbered else ""

    def rows(self) -> list[Row]:
        pending = {p.migration.version for p in self.pending}
        drifted = {p.migration.version for p in self.drifted}
        by_number = {r.number: r for r in self.recorded if r.version.isdigit()}
        rows = []
        for parsed in self.local:
            m = parsed.migration
            record = by_number.get(m.number)
            state = (
                State.PENDING
                if m.version in pending
                else State.DRIFTED
                if m.version in drifted
                else State.APPLIED
            )
            rows.append(Row(m.version, m.name, True, record is not None, state, record))
        rows += [Row(r.version, r.name, False, True, State.MISSING, r) for r in self.missing]
        return sorted(rows, key=lambda r: int(r.version) if r.version.isdigit() else -1)
