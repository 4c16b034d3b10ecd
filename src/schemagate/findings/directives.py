"""`-- schemagate: ignore <rule> -- <reason>` and `-- schemagate: backup-plan <text>` comments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemagate.statements.sql import LineIndex, ParsedMigration

_DIRECTIVE = re.compile(r"schemagate:\s*(?P<verb>[a-z-]+)\s*(?P<rest>.*)", re.S)
_IGNORE = re.compile(r"^(?P<rule>[a-z0-9-]+)\s*(?:--\s*(?P<reason>.*))?$", re.S)


@dataclass
class Directives:
    ignores: dict[int, dict[str, str]] = field(default_factory=dict)  # statement index -> rule -> reason
    backup_plan: str | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)

    def ignored(self, statement: int | None, rule_id: str) -> str | None:
        if statement is None:
            return None
        return self.ignores.get(statement, {}).get(rule_id)


def _comment_text(raw: str) -> str:
    return raw[2:-2] if raw.startswith("/*") else raw[2:]


def _owner(parsed: ParsedMigration, lines: LineIndex, start: int) -> int | None:
    """The statement a comment speaks for: the one ending on its line, else the next one."""
    line = lines.position(start)[0]
    for index, statement in enumerate(parsed.statements):
        end = statement.start + len(statement.text)
        if statement.start <= start < end:
            return index
        if lines.position(end)[0] == line and end <= start:
            return index
        if statement.start > start:
            return index
    return None


def read(parsed: ParsedMigration) -> Directives:
    text = parsed.migration.text
    found = Directives()
    if "schemagate" not in text:
        return found
    lines = LineIndex(text)
    for start, end in parsed.comments:
        if "schemagate" not in text[start:end]:
            continue
        match = _DIRECTIVE.search(_comment_text(text[start:end]))
        if match is None:
            continue
        line = lines.position(start)[0]
        verb, rest = match["verb"], match["rest"].strip()
        if verb == "backup-plan" and rest:
            found.backup_plan = rest
        elif verb == "ignore":
            ignore = _IGNORE.match(rest)
            if ignore is None or not (ignore["reason"] or "").strip():
                found.problems.append(
                    (
                        line,
                        "an ignore needs a rule id and a reason: -- schemagate: ignore <rule-id> -- <reason>",
                    )
                )
                continue
            owner = _owner(parsed, lines, start)
            if owner is not None:
                found.ignores.setdefault(owner, {})[ignore["rule"]] = ignore["reason"].strip()
        else:
            found.problems.append(
                (line, f"unknown schemagate directive {verb!r} (known: ignore, backup-plan)")
            )
    return found
