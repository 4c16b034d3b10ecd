"""The report of a check: per new migration, per checklist item, with every finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemagate import __version__, repofiles
from schemagate.findings import ITEMS, Finding, Severity
from schemagate.findings.outcomes import Ignored, MigrationResult, TestFileResult
from schemagate.repofiles import display_path

if TYPE_CHECKING:  # the picture and the tests need a database; `lint` never loads one
    from schemagate.database.dbtests.execute import Suite
    from schemagate.findings.change_picture import Picture

JSON_SCHEMA_VERSION = 1


@dataclass
class Report:
    migrations: list[MigrationResult]
    findings: list[Finding]  # every finding, including those on no new migration
    base: str | None
    server: str
    fail_on: Severity = Severity.ERROR
    ignored: list[Ignored] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    project: str = ""  # the project's folder in its repository; "" at the repository's root
    picture: Picture | None = None  # what the change did to the database, and who can reach it
    tests: list[TestFileResult] = field(default_factory=list)  # the project's pgTAP files, when it has any
    suite: Suite | None = None  # their every test, for JUnit

    @property
    def failed(self) -> bool:
        return any(f.level >= self.fail_on for f in self.findings)

    @property
    def unverified(self) -> bool:
        """The throwaway database could not judge part of the change (a gap of its own)."""
        return any(f.rule.id == "could-not-verify" for f in self.findings)

    @property
    def verdict(self) -> str:
        if self.failed:
            return "fail"
        return "unverified" if self.unverified else "pass"

    @property
    def unreadable(self) -> bool:
        """A file could not be read or parsed: bad input, the same exit code as every command."""
        return any(f.rule.id == "invalid-migration-file" for f in self.findings)

    def write_drafts(self, folder: Path, *, under: Path | None = None) -> list[Path]:
        """Every generated down-migration draft, as supabase/rollbacks/ would hold it; never
        through a symlink (see repofiles.write_output)."""
        written = []
        for m in self.migrations:
            if m.draft is not None:
                repofiles.output_folder(folder, under=under)
                repofiles.write_output(folder / m.filename, m.draft.text)
                written.append(folder / m.filename)
        return written

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.level == severity)

    @property
    def orphans(self) -> list[Finding]:
        """Findings on no new migration: deleted merged files, supabase/seed.sql."""
        mine = {id(f) for m in self.migrations for f in m.findings}
        return [f for f in self.findings if id(f) not in mine]

    def items(self) -> list[str]:
        """Checklist columns worth showing: every item, in the checklist's order."""
        return list(ITEMS)

    def reproduce(self) -> str:
        """The command that judges the same files: without a base every file was new, which is
        `--all` (a bare `check` on a feature branch would take the merge-base)."""
        return "schemagate check " + (f"--base {self.base}" if self.base else "--all")

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": JSON_SCHEMA_VERSION,
            "tool": {"name": "schemagate", "version": __version__},
            "verdict": self.verdict,
            "fail_on": self.fail_on.label,
            "base": self.base,
            "server": self.server,
            "seconds": round(self.seconds, 3),
            "counts": {s.label: self.count(s) for s in Severity},
            "migrations": [
                {
                    "version": m.version,
                    "file": display_path(m.path),
                    "status": m.status,
                    "seconds": None if m.seconds is None else round(m.seconds, 3),
                    "transactional": m.transactional,
                    "down_file": display_path(m.down_file),
                    "draft": None
                    if m.draft is None
                    else {
                        "complete": m.draft.complete,
                        "proof": m.draft.proof,
                        "problem": m.draft.problem,
                        "needs_human": m.draft.needs_human,
                        "text": m.draft.text,
                    },
                    "checklist": {item: _level(m.item_level(item)) for item in ITEMS},
                    # the mechanical fixes: lines first..last of the file become `new`
                    "fixes": [
                        {"first": e.first, "last": e.last, "new": e.new, "rules": list(e.rules)}
                        for e in m.edits
                    ],
                }
                for m in self.migrations
            ],
            "findings": [_finding_json(f) for f in self.findings],
            "ignored": [{**_finding_json(i.finding), "reason": i.reason} for i in self.ignored],
            "notes": self.notes,
            "diff": [c.to_json() for c in self.picture.changes] if self.picture else [],
            "access": [a.to_json() for a in self.picture.access] if self.picture else [],
            "isolation": [p.to_json() for p in self.picture.proofs] if self.picture else [],
            "tests": [t.to_json() for t in self.tests],
        }


def _level(severity: Severity | None) -> str:
    return severity.label if severity else "pass"


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule.id,
        "alias": f.alias,
        "severity": f.level.label,
        "item": f.rule.item,
        "message": f.message,
        "object": f.subject,
        "file": display_path(f.path),
        "line": f.line,
        "detail": f.detail,
        "why": f.rule.why,
        "fix": f.rule.fix,
        # the fix for this object: SQL that replaces the statement or goes before or after it
        "remedy": (
            {"sql": f.remedy.sql, "place": f.remedy.place, "mechanical": f.remedy.mechanical}
            if f.remedy
            else None
        ),
    }
