"""Rules read from each new migration's parse tree, before or without a database."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace

from schemagate.findings import Finding, Rule, Severity, remedies, rule
from schemagate.findings.rules import hardcoded, idempotency
from schemagate.findings.rules.catalog_rules import dual
from schemagate.statements.sql import Kind, ParsedMigration, Statement
from schemagate.statements.tree import relation, strings, subject

DESTRUCTIVE_STATEMENT = rule(
    "destructive-statement",
    "error",
    "safety",
    "No destructive change without a backup plan",
    "Dropping tables, columns or schemas, truncating, unfiltered DELETE/UPDATE and type changes "
    "lose data or break running code; so each needs a backup plan.",
    "-- schemagate: backup-plan snapshot taken by the nightly backup; restore with pg_restore -t ...\n"
    "-- or: add the new column, backfill, switch the code, then drop in a later release",
    bad="alter table public.users drop column if exists nickname;",
    good="alter table public.users add column if not exists display_name text;",
    before="create table if not exists public.users (id bigint primary key, nickname text);",
)
RENAME_BREAKS_CLIENTS = rule(
    "rename-breaks-clients",
    "error",
    "safety",
    "No rename that breaks running clients",
    "Between the deploy and the release of the code that uses the new name, every client still "
    "using the old one fails: the app, supabase-js queries, generated types, views and RPC calls.",
    "-- expand, then contract: add the new column, write both, backfill, switch the code,\n"
    "-- and drop the old column in a later release (or keep the old name in a view)",
    bad="alter table public.customers rename column email to email_address;",
    good="alter table public.customers add column if not exists email_address text;",
    before="create table if not exists public.customers (id bigint primary key, email text);",
)
_RENAMED = {
    "OBJECT_TABLE": "table",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_SCHEMA": "schema",
    "OBJECT_FUNCTION": "function",
}
DATA_CHANGE_OUTSIDE_TRANSACTION = rule(
    "data-change-outside-transaction",
    "error",
    "safety",
    "Data changes run in a transaction",
    "This file runs outside a transaction (it has a statement PostgreSQL refuses inside one), "
    "so a failure halfway leaves its data changes half applied.",
    "-- move CREATE INDEX CONCURRENTLY (or VACUUM, ...) into a migration of its own",
    bad=(
        "update public.events set kind = lower(kind) where kind <> lower(kind);\n"
        "create index concurrently if not exists events_kind_idx on public.events (kind);"
    ),
    good="create index concurrently if not exists events_kind_idx on public.events (kind);",
    before="create table if not exists public.events (id bigint primary key, kind text);",
)
COMMIT_SPLITS_MIGRATION = rule(
    "commit-splits-migration",
    "error",
    "safety",
    "One migration, one transaction",
    "A COMMIT (or BEGIN) in the middle of a file splits it into several transactions: a failure "
    "after it leaves the migration half applied and unrecorded.",
    "-- split the file into two migrations instead of COMMIT; BEGIN;",
    bad=(
        "create table if not exists public.a (id int);\n"
        "commit;\n"
        "begin;\n"
        "create table if not exists public.b (id int);"
    ),
    good=("create table if not exists public.a (id int);\ncreate table if not exists public.b (id int);"),
)
NOT_NULL_WITHOUT_DEFAULT = rule(
    "not-null-without-default",
    "error",
    "safety",
    "NOT NULL columns on existing tables have a default",
    "Adding a NOT NULL column without a default fails on any table that already has rows.",
    "ALTER TABLE public.users ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'active';",
    bad="alter table public.users add column if not exists status text not null;",
    good="alter table public.users add column if not exists status text not null default 'active';",
    before="create table if not exists public.users (id bigint primary key);",
)
INDEX_WITHOUT_CONCURRENTLY = rule(
    "index-without-concurrently",
    "info",
    "safety",
    "Indexes on existing tables are built concurrently",
    "CREATE INDEX blocks writes to the table while it builds; on a large table that is an outage.",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON public.orders (customer_id);\n"
    "-- in a migration of its own: it cannot run inside a transaction",
    bad="create index if not exists orders_created_idx on public.orders (created_at);",
    good="create index concurrently if not exists orders_created_idx on public.orders (created_at);",
    before="create table if not exists public.orders (id bigint primary key, created_at timestamptz);",
)


@dataclass(frozen=True)
class Broken:
    """A finding on one statement. Some only hold for a table that existed before the change; the
    caller drops them once every new file has been read and the table turns out to be new."""

    index: int  # the statement's position in its file
    finding: Finding
    unless_created: str | None = None


def _destructive(stmt: Statement) -> Iterator[str]:
    node, kind = stmt.node, stmt.node_type
    if kind == "DropStmt" and node.get("removeType") in {"OBJECT_TABLE", "OBJECT_SCHEMA", "OBJECT_MATVIEW"}:
        yield idempotency.describe(stmt)
    elif kind == "TruncateStmt":
        yield "TRUNCATE " + ", ".join(relation(r.get("RangeVar")) for r in node.get("relations", ()))
    elif kind in {"DeleteStmt", "UpdateStmt"} and not node.get("whereClause"):
        verb = "DELETE FROM" if kind == "DeleteStmt" else "UPDATE"
        yield f"{verb} {relation(node.get('relation'))} without WHERE"
    elif kind == "AlterTableStmt":
        table = relation(node.get("relation"))
        for cmd in node.get("cmds", ()):
            c = cmd.get("AlterTableCmd", {})
            if c.get("subtype") == "AT_DropColumn":
                yield f"DROP COLUMN {c.get('name')} on {table}"
            elif c.get("subtype") == "AT_AlterColumnType":
                yield f"type change of {table}.{c.get('name')}"


def _not_null_without_default(stmt: Statement) -> Iterator[tuple[str, str]]:
    """(table, column name) for NOT NULL columns added without a default."""
    if stmt.node_type != "AlterTableStmt":
        return
    table = relation(stmt.node.get("relation"))
    for cmd in stmt.node.get("cmds", ()):
        c = cmd.get("AlterTableCmd", {})
        column = c.get("def", {}).get("ColumnDef", {})
        if c.get("subtype") != "AT_AddColumn":
            continue
        kinds = {k.get("Constraint", {}).get("contype") for k in column.get("constraints", ())}
        generated = kinds & {"CONSTR_IDENTITY", "CONSTR_GENERATED"}
        if "CONSTR_NOTNULL" in kinds and "CONSTR_DEFAULT" not in kinds and not generated:
            yield table, str(column.get("colname"))


def created_tables(parsed: ParsedMigration) -> set[str]:
    return {relation(s.node.get("relation")) for s in parsed.statements if s.node_type == "CreateStmt"}


def _on_existing_tables(stmt: Statement) -> Iterator[tuple[Rule, str, str]]:
    """(rule, message, table) for what only matters on a table that already has rows."""
    for table, column in _not_null_without_default(stmt):
        yield (
            NOT_NULL_WITHOUT_DEFAULT,
            f"NOT NULL column {table}.{column} added without a default to an existing table",
            table,
        )
    if stmt.node_type == "IndexStmt" and not stmt.node.get("concurrent"):
        table = relation(stmt.node.get("relation"))
        yield (
            INDEX_WITHOUT_CONCURRENTLY,
            f"index on existing table {table} is built without CONCURRENTLY",
            table,
        )


def _renamed(stmt: Statement) -> Iterator[str]:
    """`rename of column public.customers.email to email_address`, and the like."""
    node, kind = stmt.node, stmt.node_type
    if kind == "AlterEnumStmt" and node.get("oldVal"):
        enum = ".".join(strings(node.get("typeName")))
        yield f"rename of value '{node['oldVal']}' of enum {enum} to '{node.get('newVal')}'"
    if kind != "RenameStmt":
        return
    what, new = node.get("renameType"), node.get("newname")
    if what == "OBJECT_COLUMN":
        yield f"rename of column {relation(node.get('relation'))}.{node.get('subname')} to {new}"
    elif what in _RENAMED:
        old = relation(node.get("relation")) if node.get("relation") else node.get("subname")
        if what == "OBJECT_FUNCTION":
            old = ".".join(strings(node.get("object", {}).get("ObjectWithArgs", {}).get("objname")))
        yield f"rename of {_RENAMED[what]} {old} to {new}"


def _broken(stmt: Statement, context: idempotency.Context) -> Iterator[tuple[Rule, str]]:
    """Every (rule, message) one statement breaks, whatever the tables' age."""
    yield from idempotency.broken(stmt, context)
    for what in _destructive(stmt):
        yield DESTRUCTIVE_STATEMENT, f"destructive: {what}"
    for what in _renamed(stmt):
        yield RENAME_BREAKS_CLIENTS, what
    yield from dual.on_tree(dual.FOREIGN_KEY_WITHOUT_ON_DELETE, stmt)
    for label in sorted(set(hardcoded.found_in(stmt))):
        yield hardcoded.HARD_CODED_VALUE, f"literal {label} in `{idempotency.describe(stmt)}`"
    for what in dict.fromkeys(hardcoded.local_values(stmt)):
        yield hardcoded.LOCAL_ONLY_VALUE, f"{what} in `{idempotency.describe(stmt)}`"
    yield from dual.on_tree(dual.AUTH_CALL_PER_ROW, stmt)


def fires(made: Rule, stmt: Statement) -> bool:
    """Whether the rule breaks on this statement alone (a rewritten one, say)."""
    return any(broken is made for broken, _ in _broken(stmt, idempotency.Context()))


def _file_level(parsed: ParsedMigration) -> Iterator[tuple[Statement, Rule, str]]:
    for split in parsed.transaction_splits():
        yield split, COMMIT_SPLITS_MIGRATION, f"{split.first_line.upper()} splits the migration"
    if not parsed.transactional:
        data = [s for s in parsed.body if s.kind is Kind.DATA]
        if data:
            yield (
                data[0],
                DATA_CHANGE_OUTSIDE_TRANSACTION,
                "data change in a file that runs outside a transaction",
            )


def check(parsed: ParsedMigration, backup_plan: str | None) -> list[Broken]:
    """Every rule a statement of this migration breaks.

    A destructive statement in a file with a backup plan is reported as info, quoting the plan.
    """
    path = parsed.migration.path
    context = idempotency.Context()
    found: list[Broken] = []
    for index, stmt in enumerate(parsed.statements):
        named = subject(stmt.node_type, stmt.node)
        on = named[1] if named else None
        for broken, message in _broken(stmt, context):
            fix = remedies.for_statement(broken, stmt, functools.partial(fires, broken))
            finding = Finding(broken, message, path, stmt.line, subject=on, remedy=fix)
            if broken is DESTRUCTIVE_STATEMENT and backup_plan:
                finding = replace(finding, severity=Severity.INFO, detail=f"backup plan: {backup_plan}")
            found.append(Broken(index, finding))
        for broken, message, table in _on_existing_tables(stmt):
            found.append(Broken(index, Finding(broken, message, path, stmt.line, subject=on), table))
        idempotency.remember_drops(stmt, context)
    for stmt, broken, message in _file_level(parsed):
        found.append(Broken(parsed.statements.index(stmt), Finding(broken, message, path, stmt.line)))
    return found
