"""Every mechanical fix for one statement as one edit of the file's lines.

An edit replaces whole lines: the statement, rewritten as its findings' remedies say, with what goes
before and after it. It is what a review suggestion offers and what `schemagate fix` writes, so the
two never disagree. A statement that shares a line with another, or that no remedy can rewrite
cleanly, gets no edit: its fix is left to the author.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from schemagate.findings import Finding, remedies
from schemagate.findings.rules import parse_tree
from schemagate.statements.sql import ParsedMigration, Statement

_SUFFIX = re.compile(r"^\s*;?\s*(--.*)?$")


@dataclass(frozen=True)
class Edit:
    path: Path
    first: int  # the first line replaced, 1-based
    last: int  # the last line replaced, inclusive
    old: str  # those lines as they are, without the final newline
    new: str  # what replaces them
    rules: tuple[str, ...]  # the rules it fixes
    line: int  # the statement's first line: where its findings are


def _span(text: str, stmt: Statement) -> tuple[int, int] | None:
    """Offsets of the whole lines the statement fills, or None when it shares them."""
    begin = text.rfind("\n", 0, stmt.start) + 1
    end = text.find("\n", stmt.start + len(stmt.text))
    end = len(text) if end < 0 else end
    if text[begin : stmt.start].strip() or not _SUFFIX.match(text[stmt.start + len(stmt.text) : end]):
        return None
    return begin, end


def _rewritten(stmt: Statement, fixes: list[Finding]) -> str | None:
    """The statement with every replacing remedy applied in turn, each checked by the parser."""
    text = stmt.text
    for finding in fixes:
        current = stmt if text == stmt.text else _statement(text)
        if current is None:
            return None
        fires = functools.partial(parse_tree.fires, finding.rule)
        remedy = remedies.for_statement(finding.rule, current, fires)
        if remedy is not None and remedy.place == "replace":
            text = remedy.sql
    return text


def _statement(text: str) -> Statement | None:
    parsed = remedies.reparse(text)
    return parsed.statements[0] if parsed and len(parsed.statements) == 1 else None


def for_statement(parsed: ParsedMigration, stmt: Statement, found: list[Finding]) -> Edit | None:
    mechanical = [f for f in found if f.remedy and f.remedy.mechanical]
    if not mechanical:
        return None
    text = parsed.migration.text
    span = _span(text, stmt)
    if span is None:
        return None
    begin, end = span
    old = text[begin:end]
    indent = old[: len(old) - len(old.lstrip())]
    replacing = [f for f in mechanical if f.remedy and f.remedy.place == "replace"]
    body = _rewritten(stmt, replacing) if replacing else stmt.text
    if body is None:
        return None
    new = old.replace(stmt.text, body, 1)
    before = _unique(f.remedy.sql for f in mechanical if f.remedy and f.remedy.place == "before")
    after = _unique(f.remedy.sql for f in mechanical if f.remedy and f.remedy.place == "after")
    lines = [indent + sql for sql in before] + [new] + [indent + sql for sql in after]
    first = text.count("\n", 0, begin) + 1
    # lines as "\n" ends them: a file with Windows line endings is edited as text and written back
    # with its own (the review and `fix` both see lines, never the "\r" at their ends)
    return Edit(
        parsed.migration.path,
        first,
        first + old.count("\n"),
        _unix(old),
        _unix("\n".join(lines)),
        tuple(dict.fromkeys(f.rule.id for f in mechanical)),
        stmt.line,
    )


def _unix(text: str) -> str:
    return "\n".join(line.rstrip("\r") for line in text.split("\n"))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def edits(parsed: ParsedMigration, findings: list[Finding]) -> list[Edit]:
    """One edit per statement with mechanical fixes, in file order."""
    by_line: dict[int, list[Finding]] = {}
    for f in findings:
        if f.path == parsed.migration.path and f.line is not None:
            by_line.setdefault(f.line, []).append(f)
    out = []
    for stmt in parsed.statements:
        edit = for_statement(parsed, stmt, by_line.pop(stmt.line, []))
        if edit is not None:
            out.append(edit)
    return out


def fits(text: str, edit: Edit) -> bool:
    """The file still holds the lines the edit was made for."""
    lines = text.split("\n")
    return "\n".join(lines[edit.first - 1 : edit.last]) == edit.old


def apply(text: str, chosen: list[Edit]) -> str:
    """The file's text with the edits made, last first so that earlier line numbers hold."""
    lines = text.split("\n")
    for edit in sorted(chosen, key=lambda e: e.first, reverse=True):
        lines[edit.first - 1 : edit.last] = edit.new.split("\n")
    return "\n".join(lines)
