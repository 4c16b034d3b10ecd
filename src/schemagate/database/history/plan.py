"""Compare the files with the recorded history: what is pending, drifted, missing or out of order."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from schemagate.database.history import Recorded
from schemagate.errors import DriftError
from schemagate.files.migrations import is_number, version_order
from schemagate.statements.sql import ParsedMigration, normalize


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
class MigrationPlan:
    local: list[ParsedMigration]
    recorded: list[Recorded]
    pending: list[ParsedMigration] = field(default_factory=list)
    drifted: list[ParsedMigration] = field(default_factory=list)
    missing: list[Recorded] = field(default_factory=list)
    out_of_order: list[ParsedMigration] = field(default_factory=list)

    @classmethod
    def build(cls, local: list[ParsedMigration], recorded: list[Recorded]) -> MigrationPlan:
        plan = cls(local, recorded)
        # A file is applied when its version's text is in the history, as `supabase db push`
        # decides (pkg/migration/apply.go): a row 020250103000000 does not stand for 20250103000000.
        by_version = {r.version: r for r in recorded}
        newest = max((r.order for r in recorded if is_number(r.version)), default=None)
        for parsed in local:
            migration = parsed.migration
            record = by_version.get(migration.version)
            if record is None:
                plan.pending.append(parsed)
                if newest is not None and migration.order < newest:
                    plan.out_of_order.append(parsed)
            elif normalize(record.statements) != normalize(parsed.history_statements):
                plan.drifted.append(parsed)
        local_versions = {p.migration.version for p in local}
        plan.missing = [r for r in recorded if r.version not in local_versions]
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
            versions = [r.version for r in self.missing]
            arguments = " ".join(versions)  # the command takes them apart by spaces, not commas
            raise DriftError(
                f"applied version(s) {', '.join(versions)} have no migration file; restore the file(s), "
                f"or record the revert with `supabase migration repair --status reverted {arguments}`"
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
        numbered = [r for r in self.recorded if is_number(r.version)]
        return max(numbered, key=lambda r: r.order).version if numbered else ""

    def rows(self) -> list[Row]:
        pending = {p.migration.version for p in self.pending}
        drifted = {p.migration.version for p in self.drifted}
        by_version = {r.version: r for r in self.recorded}
        rows = []
        for parsed in self.local:
            m = parsed.migration
            record = by_version.get(m.version)
            state = (
                State.PENDING
                if m.version in pending
                else State.DRIFTED
                if m.version in drifted
                else State.APPLIED
            )
            rows.append(Row(m.version, m.name, True, record is not None, state, record))
        rows += [Row(r.version, r.name, False, True, State.MISSING, r) for r in self.missing]
        return sorted(rows, key=lambda r: version_order(r.version))
