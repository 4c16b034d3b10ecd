"""Split migration files into statements with PostgreSQL's own parser, and classify them.

Statements come from libpg_query (through pglast), so dollar quotes, function bodies, `DO` blocks,
`BEGIN ATOMIC` bodies and comments split exactly as the server would read them. Each statement keeps
its text and where it starts in the file; the rest of schemagate only ever talks in those terms.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

import orjson

from schemagate.errors import InputError
from schemagate.files.migrations import Migration
from schemagate.statements import pgquery
from schemagate.statements.tree import walk


class Kind(StrEnum):
    DDL = "ddl"
    DATA = "data"
    QUERY = "query"
    PROCEDURAL = "procedural"
    SESSION = "session"
    TRANSACTION = "transaction"


_DATA = {"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "CopyStmt"}
_QUERY = {"SelectStmt", "ExplainStmt"}
_PROCEDURAL = {"DoStmt", "CallStmt"}
_SESSION = {"VariableSetStmt", "VariableShowStmt", "DiscardStmt", "LockStmt"}
# Statements that act on the whole server, not the migrated database: outside any transaction and
# any history, so migrations may not hold them (engine.validate refuses them).
SERVER_WIDE = {
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "AlterSystemStmt": "ALTER SYSTEM",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
}
# Statements PostgreSQL refuses inside a transaction block, whatever their options.
_NEVER_IN_TRANSACTION = {*SERVER_WIDE, "CreateSubscriptionStmt", "DropSubscriptionStmt"}
_COMMENT_TOKENS = {"SQL_COMMENT", "C_COMMENT"}
_BEGIN = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_END = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"}


# words before which a statement's next clause starts: a snippet that must be cut is cut there
_CLAUSE_WORDS = (
    "on for to using with as where from returns language execute references after before instead "
    "set values default check add drop alter rename owner select into in when is by"
)
_CLAUSES = frozenset(_CLAUSE_WORDS.split())
# a word of SQL: a double-quoted name or a single-quoted string, each kept whole, or a bare word
_WORD = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'|\S+?(?=[\s"\']|$)|\S+')


def snippet(line: str, limit: int = 60) -> str:
    """A statement's first line as a reviewer reads it: up to its first parenthesis, and when longer
    than `limit`, cut before a clause (else between words, never inside a quoted name) with " …"."""
    head = _before_parenthesis(line).rstrip().removesuffix(";")
    words = _WORD.findall(head)
    whole = " ".join(words)
    if len(whole) <= limit:
        return whole
    cuts = [i for i, w in enumerate(words) if i >= 2 and w.lower() in _CLAUSES]
    fitting = [i for i in cuts if len(" ".join(words[:i])) <= limit]
    if fitting:
        return " ".join(words[: fitting[-1]]) + " …"
    return shortened(whole, limit)


def shortened(text: str, limit: int) -> str:
    """The text whole when it fits, else cut between words with " …" (inside a word only when its
    first word alone is longer than the limit)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return (text[:cut] if cut > 0 else text[: limit - 2]) + " …"


def _before_parenthesis(line: str) -> str:
    """The line up to its first `(` outside quotes."""
    quote = ""
    for i, c in enumerate(line):
        if quote:
            quote = "" if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c == "(":
            return line[:i]
    return line


class LineIndex:
    """Character offset -> (line, column), both 1-based."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        find = text.find
        position = find("\n")
        while position != -1:
            self._starts.append(position + 1)
            position = find("\n", position + 1)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


@dataclass(frozen=True)
class Statement:
    text: str
    start: int
    line: int
    column: int
    node_type: str  # the parse node's name, e.g. CreateStmt
    node: dict[str, Any]  # the parse tree of the statement, as libpg_query's JSON

    @cached_property
    def kind(self) -> Kind:
        name = self.node_type
        if name == "TransactionStmt":
            return Kind.TRANSACTION
        for kind, names in (
            (Kind.DATA, _DATA),
            (Kind.QUERY, _QUERY),
            (Kind.PROCEDURAL, _PROCEDURAL),
            (Kind.SESSION, _SESSION),
        ):
            if name in names:
                return kind
        return Kind.DDL

    @cached_property
    def nodes(self) -> list[tuple[str, dict[str, Any], bool]]:
        """Every node of the parse tree once: (type, node, inside a sub-select)."""
        return list(walk(self.node))

    @cached_property
    def transactional(self) -> bool:
        """False for statements PostgreSQL will not run inside a transaction block."""
        return not _refuses_transaction(self.node_type, self.node)

    @property
    def transaction_kind(self) -> str | None:
        if self.node_type == "TransactionStmt":
            return str(self.node.get("kind", ""))
        return None

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0] if self.text.strip() else ""

    @property
    def label(self) -> str:
        """The statement in a few words, as a reviewer names it: `create table public.line_items`."""
        return snippet(self.first_line)


def _refuses_transaction(name: str, node: dict[str, Any]) -> bool:
    if name in _NEVER_IN_TRANSACTION:
        return True
    if name == "VacuumStmt":
        return bool(node.get("is_vacuumcmd"))
    if name in {"IndexStmt", "DropStmt"}:
        return bool(node.get("concurrent"))
    if name == "ReindexStmt":
        return any(_defelem_on(p, "concurrently") for p in node.get("params", ()))
    if name == "AlterTableStmt":
        return any(_detaches_concurrently(cmd) for cmd in node.get("cmds", ()))
    return False


def _defelem_on(param: dict[str, Any], name: str) -> bool:
    element = param.get("DefElem", {})
    if element.get("defname") != name:
        return False
    arg = element.get("arg", {})
    return arg.get("Boolean", {}).get("boolval", True) is not False if "Boolean" in arg else True


def _detaches_concurrently(cmd: dict[str, Any]) -> bool:
    definition = cmd.get("AlterTableCmd", {}).get("def", {})
    return bool(definition.get("PartitionCmd", {}).get("concurrent"))


_DUMP_PREAMBLE = "SELECT pg_catalog.set_config('search_path', '', false);"


@dataclass(frozen=True)
class ParsedMigration:
    migration: Migration
    statements: tuple[Statement, ...]

    @cached_property
    def _tokens(self) -> list[Any]:
        # Lexing again is cheap next to parsing, and most callers never need tokens at all.
        from pglast import parser  # pglast's Python layer loads only when tokens are needed

        return list(parser.scan(self.migration.text))

    @cached_property
    def history_statements(self) -> tuple[str, ...]:
        """The statements as the Supabase CLI stores them (see history_statements())."""
        spans = [(s.start, s.start + len(s.text)) for s in self.statements]
        semicolons = [t.start for t in self._tokens if t.name == "ASCII_59"]
        return tuple(history_statements(self.migration.text, spans, semicolons))

    @cached_property
    def comments(self) -> tuple[tuple[int, int], ...]:
        """(start, end) of every comment, end exclusive."""
        return tuple((t.start, t.end + 1) for t in self._tokens if t.name in _COMMENT_TOKENS)

    @property
    def pulled(self) -> bool:
        """A baseline of the whole schema, as `supabase db pull` writes it (named remote_schema by
        default) or pg_dump does (its preamble empties search_path): thousands of statements, none
        written to run twice."""
        return self.migration.name == "remote_schema" or _DUMP_PREAMBLE in self.migration.text[:2048]

    @property
    def wrapped(self) -> bool:
        """The whole file sits in one BEGIN ... COMMIT, as a data migration often is."""
        if len(self.statements) < 2:
            return False
        first, last = self.statements[0], self.statements[-1]
        return (
            first.transaction_kind in _BEGIN
            and last.transaction_kind == "TRANS_STMT_COMMIT"
            and not any(s.transaction_kind in _BEGIN | _END for s in self.statements[1:-1])
        )

    @property
    def body(self) -> tuple[Statement, ...]:
        """What to run: a wrapping BEGIN/COMMIT folds into the migration's own transaction."""
        return self.statements[1:-1] if self.wrapped else self.statements

    @property
    def transactional(self) -> bool:
        return all(s.transactional for s in self.body)

    def transaction_splits(self) -> list[Statement]:
        """BEGIN/COMMIT/ROLLBACK that would cut the migration into several transactions."""
        return [s for s in self.body if s.transaction_kind in _BEGIN | _END]


def _syntax_error(migration: Migration, exc: pgquery.ParseError, lines: LineIndex) -> InputError:
    message = exc.message
    offset = min(max(exc.index or 0, 0), max(len(migration.text) - 1, 0))
    line, column = lines.position(offset)
    hint = ""
    if migration.text[offset : offset + 1] == "\\":
        hint = " (psql meta-commands such as \\i or \\set are not SQL; the server cannot run them)"
    if not message.startswith("syntax error"):
        message = f"syntax error: {message}"
    return InputError(f"{message}{hint}", path=migration.path, line=line, column=column)


def _lex_error(migration: Migration, exc: Exception) -> InputError:
    message = str(exc.args[0]) if exc.args else str(exc)
    return InputError(f"syntax error: {message}", path=migration.path, line=1, column=1)


def history_statements(text: str, spans: list[tuple[int, int]], semicolons: list[int]) -> list[str]:
    """The statements as the Supabase CLI stores them in schema_migrations.statements.

    The CLI cuts the file at every top-level semicolon and keeps each trimmed, non-empty piece,
    leading comments included, and a trailing comment as a piece of its own.
    """
    starts = [start for start, _ in spans]

    def inside(pos: int) -> bool:
        index = bisect.bisect_right(starts, pos) - 1
        return index >= 0 and pos < spans[index][1]

    cuts = [pos for pos in semicolons if not inside(pos)]
    pieces, previous = [], 0
    for cut in cuts:
        pieces.append(text[previous:cut])
        previous = cut + 1
    pieces.append(text[previous:])
    return [p.strip() for p in pieces if p.strip()]


def _char_offsets(text: str, byte_offsets: list[int]) -> dict[int, int]:
    """libpg_query reports bytes; Python slices characters. Convert only where they differ."""
    raw = text.encode("utf-8")
    if len(raw) == len(text):
        return {b: b for b in byte_offsets}
    result, chars, previous = {}, 0, 0
    for offset in sorted(set(byte_offsets)):
        chars += len(raw[previous:offset].decode("utf-8", errors="replace"))
        result[offset], previous = chars, offset
    return result


def parse(migration: Migration) -> ParsedMigration:
    """Parse a migration; a syntax error is an InputError at file:line:column."""
    text = migration.text
    lines = LineIndex(text)
    try:
        # libpg_query's tree as JSON, decoded by orjson: several times faster than the json module
        raw = orjson.loads(pgquery.parse_json(text)).get("stmts", [])
    except pgquery.ParseError as exc:
        raise _syntax_error(migration, exc, lines) from None
    except Exception as exc:  # the lexer raises plain errors for unterminated quotes
        raise _lex_error(migration, exc) from None
    total = len(text.encode("utf-8"))
    bounds = [(item.get("stmt_location", 0), item.get("stmt_len", 0)) for item in raw]
    edges = [start for start, _ in bounds] + [start + length if length else total for start, length in bounds]
    chars = _char_offsets(text, edges)
    statements = []
    for item, (start_b, length) in zip(raw, bounds, strict=True):
        start, end = chars[start_b], chars[start_b + length if length else total]
        line, column = lines.position(start)
        ((node_type, node),) = item["stmt"].items()
        statements.append(Statement(text[start:end], start, line, column, node_type, node))
    # no statement at all (an empty or comments-only file) is allowed: the CLI applies such files
    return ParsedMigration(migration, tuple(statements))


def extensions_created(migrations: Iterable[ParsedMigration]) -> frozenset[tuple[str, str | None]]:
    """(extension, version asked for or None) for every CREATE EXTENSION of the migrations: what a
    server must have to apply them."""
    found = set()
    for parsed in migrations:
        for s in parsed.statements:
            if s.node_type != "CreateExtensionStmt":
                continue
            version = None
            for option in s.node.get("options", ()):
                element = option.get("DefElem", {})
                if element.get("defname") == "new_version":
                    version = str(element.get("arg", {}).get("String", {}).get("sval"))
            found.add((str(s.node.get("extname")), version))
    return frozenset(found)


def settings_altered(migrations: Iterable[ParsedMigration], node_type: str) -> frozenset[str]:
    """The settings the migrations' `ALTER ROLE ... SET` (node_type AlterRoleSetStmt) or `ALTER
    DATABASE ... SET` (AlterDatabaseSetStmt) statements name, RESET included."""
    found = set()
    for parsed in migrations:
        for s in parsed.statements:
            if s.node_type == node_type:
                setstmt = s.node.get("setstmt", {})
                name = setstmt.get("VariableSetStmt", setstmt).get("name")
                if name:
                    found.add(str(name))
    return frozenset(found)


def normalize(statements: list[str] | tuple[str, ...]) -> str:
    """Statements compared for drift: comments, whitespace and line endings do not count
    (production ran the same statements). A comment inside a function's body does: it is part
    of the body the server keeps."""
    return " ".join(_tokens_of(s.replace("\ufeff", "")) for s in statements)


def _tokens_of(text: str) -> str:
    """The statement's tokens as PostgreSQL's lexer reads them, comments left out, one space
    between them (and inside one, each run of whitespace as one space); text the lexer refuses
    is compared by its words."""
    from pglast import parser

    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return " ".join(text.split())
    kept = (text[t.start : t.end + 1] for t in tokens if t.name not in _COMMENT_TOKENS)
    return " ".join(" ".join(token.split()) for token in kept)
    spans = [(t.start, t.end + 1) for t in tokens if t.name in _COMMENT_TOKENS]
    for start, end in reversed(spans):
        text = text[:start] + " " + text[end:]
    return text
