"""The fix for the statement at hand: the author's own statement, rewritten so that the rule holds.

Each rewrite keeps the author's text and layout and changes only what the rule asks (an `IF NOT
EXISTS` put in, a call wrapped in a sub-select). A rewrite is kept only when PostgreSQL's parser
reads the result as one statement of the same kind on which the rule no longer fires; anything
else is left to the author, with the rule's generic fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from schemagate.files.migrations import Migration
from schemagate.findings import Remedy, Rule
from schemagate.statements.sql import ParsedMigration, Statement, parse
from schemagate.statements.tree import Node, relation

Rewrite = Callable[[Statement], str | None]

_FLAGS = re.IGNORECASE
# CREATE … and the words after which IF NOT EXISTS goes, by parse node
_CREATE_PREFIX = {
    "CreateStmt": r"create\s+(?:(?:global|local)\s+)?(?:(?:temp|temporary|unlogged)\s+)?table",
    "CreateTableAsStmt": r"create\s+(?:(?:temp|temporary|unlogged)\s+)?(?:materialized\s+view|table)",
    "IndexStmt": r"create\s+(?:unique\s+)?index(?:\s+concurrently)?",
    "CreateSchemaStmt": r"create\s+schema",
    "CreateSeqStmt": r"create\s+(?:(?:temp|temporary|unlogged)\s+)?sequence",
    "CreateExtensionStmt": r"create\s+extension",
}
# CREATE … that take OR REPLACE instead
_REPLACEABLE = {
    "ViewStmt": r"create(?=\s+(?:(?:temp|temporary)\s+)?(?:recursive\s+)?view)",
    "CreateFunctionStmt": r"create(?=\s+(?:function|procedure))",
    "CreateTrigStmt": r"create(?=\s+(?:constraint\s+)?trigger)",
}
_DROP_PREFIX = (
    r"drop\s+(?:materialized\s+view|foreign\s+table|foreign\s+data\s+wrapper|event\s+trigger"
    r"|access\s+method|text\s+search\s+\w+|\w+)(?:\s+concurrently)?"
)
_TYPES = {"CreateEnumStmt", "CompositeTypeStmt", "CreateDomainStmt"}
_AUTH_CALL = re.compile(r"\bauth\s*\.\s*(uid|jwt|role|email)\s*\(\s*\)", _FLAGS)
_SIMPLE = re.compile(r"^[a-z_][a-z0-9_$]*\Z")  # \Z: `$` passes "name\n" unquoted


def _ident(name: str) -> str:
    return name if _SIMPLE.match(name) else '"' + name.replace('"', '""') + '"'


def _table(node: Node | None) -> str:
    schema, _, name = relation(node).partition(".")
    return f"{_ident(schema)}.{_ident(name)}"


def _cased(words: str, like: str) -> str:
    """Keywords in the author's case: upper beside upper-case SQL, lower otherwise."""
    letters = [c for c in like if c.isalpha()]
    return words.upper() if letters and all(c.isupper() for c in letters) else words


def _insert_after(prefix: str, words: str) -> Rewrite:
    pattern = re.compile(rf"^(\s*{prefix})(\s+)(?!if\s)", _FLAGS)

    def rewrite(stmt: Statement) -> str | None:
        found = pattern.match(stmt.text)
        if found is None:
            return None
        return f"{found[1]} {_cased(words, found[1])}{found[2]}{stmt.text[found.end() :]}"

    return rewrite


def _if_not_exists(stmt: Statement) -> str | None:
    kind = stmt.node_type
    if kind == "IndexStmt" and not stmt.node.get("idxname"):
        return None  # IF NOT EXISTS needs the index's name, which is for the author to choose
    if kind in _CREATE_PREFIX:
        return _insert_after(_CREATE_PREFIX[kind], "if not exists")(stmt)
    if kind in _REPLACEABLE:
        found = re.match(rf"^(\s*{_REPLACEABLE[kind]})", stmt.text, _FLAGS)
        if found is None:
            return None
        return f"{found[1]} {_cased('or replace', found[1])}{stmt.text[found.end() :]}"
    if kind in _TYPES:
        # no IF NOT EXISTS for types, and dropping one first fails once a column uses it
        tag = "$schemagate$" if "$schemagate$" not in stmt.text else None
        if tag is None:
            return None
        body = stmt.text.strip()
        return f"do {tag} begin\n  {body};\nexception when duplicate_object then null;\nend {tag}"
    return None


def _drop_first(stmt: Statement) -> Remedy | None:
    if stmt.node_type != "CreatePolicyStmt":
        return None
    name = str(stmt.node.get("policy_name"))
    quoted = '"' + name.replace('"', '""') + '"'
    return Remedy(f"drop policy if exists {quoted} on {_table(stmt.node.get('table'))};", "before")


def _add_column_guard(stmt: Statement) -> str | None:
    pattern = re.compile(r"(\badd\s+column)(\s+)(?!if\s+not\s+exists\b)", _FLAGS)

    def guard(found: re.Match[str]) -> str:
        return f"{found[1]} {_cased('if not exists', found[1])}{found[2]}"

    unguarded = sum(
        1
        for cmd in stmt.node.get("cmds", ())
        if cmd.get("AlterTableCmd", {}).get("subtype") == "AT_AddColumn"
        and not cmd["AlterTableCmd"].get("missing_ok")
    )
    # ADD without COLUMN reads like ADD CONSTRAINT to a pattern: only the explicit form is rewritten
    if len(pattern.findall(stmt.text)) != unguarded:
        return None
    return pattern.sub(guard, stmt.text)


def _auth_once(stmt: Statement) -> str | None:
    text, out, last = stmt.text, [], 0
    for match in _AUTH_CALL.finditer(text):
        before = text[: match.start()].rstrip()
        if re.search(r"\bselect$", before, _FLAGS):
            continue  # already (select auth.uid())
        out += [text[last : match.start()], f"(select {match.group(0)})"]
        last = match.end()
    return "".join([*out, text[last:]]) if out else None


REWRITES: dict[str, Rewrite] = {
    "create-without-if-not-exists": _if_not_exists,
    "drop-without-if-exists": _insert_after(_DROP_PREFIX, "if exists"),
    "add-column-without-guard": _add_column_guard,
    "add-value-without-guard": _insert_after(r"alter\s+type\s+.+?\s+add\s+value", "if not exists"),
    "auth-call-per-row": _auth_once,
}


def reparse(text: str) -> ParsedMigration | None:
    """The text as PostgreSQL's parser reads it, or None when it does not parse."""
    try:
        return parse(Migration("0", "remedy", Path("remedy.sql"), text, ""))
    except Exception:  # a rewrite that does not parse is simply not offered
        return None


def for_statement(rule: Rule, stmt: Statement, still_broken: Callable[[Statement], bool]) -> Remedy | None:
    """The remedy for `rule` on `stmt`, if a mechanical one exists and the parser agrees with it.

    `still_broken` says whether the rule would still fire on a statement (the rule's own detector).
    """
    if rule.id == "create-without-if-not-exists" and stmt.node_type == "CreatePolicyStmt":
        return _drop_first(stmt)
    rewrite = REWRITES.get(rule.id)
    text = rewrite(stmt) if rewrite else None
    if text is None or text == stmt.text:
        return None
    again = reparse(text)
    if again is None or len(again.statements) != 1:
        return None
    fixed = again.statements[0]
    if fixed.node_type != stmt.node_type and not (stmt.node_type in _TYPES and fixed.node_type == "DoStmt"):
        return None
    if fixed.node_type == stmt.node_type and still_broken(fixed):
        return None
    return Remedy(text, "replace")
