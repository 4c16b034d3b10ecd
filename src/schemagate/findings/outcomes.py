"""What a run found, per migration and per test file: the parts a report is made of.

Defined here, below the report, so the judge and the proofs fill them without importing the report;
report.model assembles them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemagate.findings import Finding, Severity
from schemagate.findings.fixes import Edit
from schemagate.repofiles import display_path


@dataclass
class DraftResult:
    """A generated down migration and what the throwaway database said of it."""

    text: str
    complete: bool
    needs_human: list[str]
    proof: str = "not run"  # proven | failed | nothing to undo | not run (incomplete: not run)
    problem: str | None = None


@dataclass
class MigrationResult:
    version: str
    filename: str
    path: Path
    status: str = "not run"  # applied | failed | unverified | not run
    seconds: float | None = None
    transactional: bool = True
    down_file: Path | None = None
    draft: DraftResult | None = None
    findings: list[Finding] = field(default_factory=list)
    statements: dict[int, str] = field(default_factory=dict)  # first line -> the statement, short
    edits: list[Edit] = field(default_factory=list)  # the mechanical fixes, one per statement

    def item_level(self, item: str) -> Severity | None:
        """The worst finding for one checklist item, None when it passes."""
        levels = [f.level for f in self.findings if f.rule.item == item]
        return max(levels) if levels else None

    @property
    def worst(self) -> Severity | None:
        return max((f.level for f in self.findings), default=None)


@dataclass
class TestFileResult:
    """One of the project's pgTAP files, as the check ran it after the migrations."""

    path: Path
    status: str  # passed | failed | skipped | unverified
    tests: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    detail: str = ""  # why a file was skipped or could not be verified

    def to_json(self) -> dict[str, Any]:
        return {
            "file": display_path(self.path),
            "status": self.status,
            "tests": self.tests,
            "failed": self.failed,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }


@dataclass
class Ignored:
    finding: Finding
    reason: str
