"""TAP, as pgTAP prints it and pg_prove's harness (TAP::Parser) judges it.

A file passes when it printed a plan, ran as many tests as it planned, none of them failed (a
`not ok` marked TODO does not count), it did not bail out, and psql did not stop on an error. A plan
of `1..0 # SKIP why` skips the whole file. Each line keeps the file and line of the statement that
printed it, so a failing test is reported where its `select` stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_RESULT = re.compile(r"^(not )?ok\b\s*(\d+)?\s*(?:-\s*)?(.*)$", re.IGNORECASE)
# the directive: after an unescaped '#', SKIP or TODO (TAP::Parser takes "skipped" and the like)
_DIRECTIVE = re.compile(r"(?<!\\)#\s*(SKIP\S*|TODO\b)\s*(.*)$", re.IGNORECASE)
_PLAN = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(?:SKIP\S*)?\s*(.*))?$", re.IGNORECASE)
_BAIL = re.compile(r"^Bail out!\s*(.*)$", re.IGNORECASE)
# What one file may print (rows and echoes): far beyond any suite's, and each line is kept as a test
# or a diagnostic, so a `select 'ok' from generate_series(1, 1e9)` would otherwise take the
# runner's memory
LINES_LIMIT = 250_000
BYTES_LIMIT = 64 * 1024 * 1024


class OutputLimit(Exception):
    """A file printed more than a test file may: it stops there."""


@dataclass(frozen=True)
class Where:
    """A place in a test file (or a file it included)."""

    path: Path
    line: int


@dataclass
class Assertion:
    number: int
    ok: bool
    description: str
    where: Where
    directive: str | None = None  # "skip" | "todo"
    reason: str = ""
    diagnostics: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return not self.ok and self.directive != "todo"

    @property
    def skipped(self) -> bool:
        return self.directive == "skip"


@dataclass
class Stopped:
    """Why a file stopped before its end: psql's error, or a refused file, at its place."""

    message: str
    where: Where | None
    sqlstate: str | None = None


@dataclass
class FileResult:
    path: Path
    assertions: list[Assertion] = field(default_factory=list)
    planned: int | None = None
    plan_where: Where | None = None
    skip_all: str | None = None  # the reason of a `1..0 # SKIP`
    bailed: str | None = None
    bail_where: Where | None = None
    error: Stopped | None = None
    unverified: str | None = None  # why the file could not run here: not a failure
    seconds: float = 0.0
    out_of_order: list[int] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)  # diagnostics before the first test
    # database.dev packages the file installs and could not here (no network, no package)
    packages: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Assertion]:
        return [a for a in self.assertions if a.failed]

    @property
    def skipped(self) -> list[Assertion]:
        return [a for a in self.assertions if a.skipped]

    @property
    def problems(self) -> list[str]:
        """What fails the file besides a failing test, in pg_prove's words where it has them."""
        if self.unverified:
            return []
        found = []
        if self.error:
            found.append(self.error.message)
        if self.bailed is not None:
            found.append(f"Bail out! {self.bailed}".rstrip())
        ran = len(self.assertions)
        if self.bailed is not None:
            return found  # the run stopped on purpose: its plan was never going to be met
        if self.planned is None and self.skip_all is None:
            found.append("No plan found in TAP output")
        elif self.planned is not None and self.planned != ran and self.skip_all is None:
            found.append(f"Bad plan. You planned {self.planned} tests but ran {ran}.")
        if self.out_of_order:
            found.append(f"Tests out of sequence: {', '.join(map(str, self.out_of_order))}")
        return found

    @property
    def status(self) -> str:
        """passed | failed | skipped | unverified"""
        if self.unverified:
            return "unverified"
        if self.failures or self.problems:
            return "failed"
        if self.skip_all is not None:
            return "skipped"
        return "passed"


class TapReader:
    """Feeds the lines of one file's output, in order, into its FileResult."""

    def __init__(self, result: FileResult) -> None:
        self.result = result
        self.lines = 0
        self.bytes = 0

    def feed(self, text: str, where: Where) -> None:
        self.bytes += len(text) + 1
        for line in text.split("\n"):
            self.lines += 1
            if self.lines > LINES_LIMIT or self.bytes > BYTES_LIMIT:
                raise OutputLimit(
                    f"the file printed more than {LINES_LIMIT:,} lines or "
                    f"{BYTES_LIMIT // (1024 * 1024)} MB (rows and echoes): stopped there"
                )
            self._line(line.rstrip("\r"), where)

    def _line(self, line: str, where: Where) -> None:
        result = self.result
        if result.bailed is not None:
            return  # nothing after a bail-out counts, as with pg_prove
        stripped = line.strip()
        if stripped.startswith("#"):
            diagnostic = stripped[1:].removeprefix(" ")  # keeps pgTAP's have/want alignment
            if result.assertions:
                result.assertions[-1].diagnostics.append(diagnostic)
            else:
                result.preamble.append(diagnostic)
            return
        if (found := _RESULT.match(line)) is not None:
            self._assertion(found, where)
        elif (plan := _PLAN.match(line)) is not None and result.planned is None:
            result.planned, result.plan_where = int(plan[1]), where
            if result.planned == 0:
                result.skip_all = (plan[2] or "").strip()
        elif (bail := _BAIL.match(line)) is not None:
            result.bailed, result.bail_where = bail[1].strip(), where
        # anything else is not TAP (a SELECT's rows, an \echo): TAP::Parser ignores it too

    def _assertion(self, found: re.Match[str], where: Where) -> None:
        result = self.result
        expected = len(result.assertions) + 1
        number = int(found[2]) if found[2] else expected
        if number != expected:
            result.out_of_order.append(number)
        description, directive, reason = found[3], None, ""
        if (marked := _DIRECTIVE.search(description)) is not None:
            directive = "skip" if marked[1].lower().startswith("skip") else "todo"
            reason = marked[2].strip()
            description = description[: marked.start()].rstrip()
        description = description.replace("\\#", "#")
        result.assertions.append(Assertion(number, not found[1], description, where, directive, reason))
