"""Idempotency read from the parse tree: a migration that runs twice without error, statement by
statement (IF NOT EXISTS, OR REPLACE, DROP ... IF EXISTS before what has neither)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from schemagate.findings import Rule, rule
from schemagate.statements.sql import Statement
from schemagate.statements.tree import qualified, quoted, relation, strings

CREATE_WITHOUT_IF_NOT_EXISTS = rule(
    "create-without-if-not-exists",
    "warning",
    "idempotent",
    "CREATE uses IF NOT EXISTS",
    "A migration that fails when run twice turns a half-applied deploy or a local rerun into a "
    "manual repair. Use IF NOT EXISTS / OR REPLACE, or a DROP … IF EXISTS first.",
    "CREATE TABLE IF NOT EXISTS public.things (...);\nCREATE INDEX IF NOT EXISTS things_x_idx ON "
    "public.things (x);\n"
    'DROP POLICY IF EXISTS "p" ON public.things;\nCREATE POLICY "p" ON public.things ...;',
    bad="create table public.things (id bigint primary key);",
    good="create table if not exists public.things (id bigint primary key);",
)
DROP_WITHOUT_IF_EXISTS = rule(
    "drop-without-if-exists",
    "warning",
    "idempotent",
    "DROP uses IF EXISTS",
    "DROP without IF EXISTS fails on the second run, so the migration is not idempotent.",
    "DROP INDEX IF EXISTS public.things_x_idx;",
    bad=(
        "create table if not exists public.t (id int);\n"
        "create index if not exists t_id_idx on public.t (id);\n"
        "drop index public.t_id_idx;"
    ),
    good=(
        "create table if not exists public.t (id int);\n"
        "create index if not exists t_id_idx on public.t (id);\n"
        "drop index if exists public.t_id_idx;"
    ),
)
ADD_COLUMN_WITHOUT_GUARD = rule(
    "add-column-without-guard",
    "warning",
    "idempotent",
    "ADD COLUMN is guarded",
    "ALTER TABLE … ADD COLUMN fails when the column exists, so a second run stops there.",
    "ALTER TABLE public.users ADD COLUMN IF NOT EXISTS status text;",
    bad=(
        "create table if not exists public.users (id bigint primary key);\n"
        "alter table public.users add column status text;"
    ),
    good=(
        "create table if not exists public.users (id bigint primary key);\n"
        "alter table public.users add column if not exists status text;"
    ),
)
ADD_VALUE_WITHOUT_GUARD = rule(
    "add-value-without-guard",
    "warning",
    "idempotent",
    "ADD VALUE is guarded",
    "ALTER TYPE … ADD VALUE fails when the enum already has the value, so a second run stops there.",
    "ALTER TYPE public.status ADD VALUE IF NOT EXISTS 'archived';",
    bad=(
        "create type public.status as enum ('draft', 'published');\n"
        "alter type public.status add value 'archived';"
    ),
    good=(
        "create type public.status as enum ('draft', 'published');\n"
        "alter type public.status add value if not exists 'archived';"
    ),
)
# CREATE statements and the flag that makes each idempotent.
_CREATE_FLAGS = {
    "CreateStmt": "if_not_exists",
    "CreateTableAsStmt": "if_not_exists",
    "IndexStmt": "if_not_exists",
    "CreateSchemaStmt": "if_not_exists",
    "CreateSeqStmt": "if_not_exists",
    "CreateExtensionStmt": "if_not_exists",
    "ViewStmt": "replace",
    "CreateFunctionStmt": "replace",
    "CreateTrigStmt": "replace",
}
# Objects with no IF NOT EXISTS: idempotent only after a matching DROP … IF EXISTS.
_DROP_FIRST = {"CreatePolicyStmt", "CreateEnumStmt", "CompositeTypeStmt", "CreateDomainStmt"}


@dataclass
class Context:
    """What the rules need to know beyond one statement, within its file."""

    dropped: set[tuple[str, str]] = field(default_factory=set)  # (kind, name) dropped IF EXISTS so far


def _name_of_create(stmt: Statement) -> tuple[str, str] | None:
    node = stmt.node
    if stmt.node_type == "CreatePolicyStmt":
        return "policy", f"{node.get('policy_name')} on {relation(node.get('table'))}"
    if stmt.node_type == "CreateEnumStmt":
        return "type", qualified(strings(node.get("typeName")))
    if stmt.node_type == "CreateDomainStmt":
        # a domain's typeName is its base type; its own name is domainname
        return "type", qualified(strings(node.get("domainname")))
    if stmt.node_type == "CompositeTypeStmt":
        return "type", relation(node.get("typevar"))
    return None


def _spoken(stmt: Statement, kind: str, name: str) -> str:
    """`policy "Public profiles are viewable by everyone." on public.profiles`, `type public.mood`."""
    if kind == "policy":
        return f"policy {quoted(str(stmt.node.get('policy_name')))} on {relation(stmt.node.get('table'))}"
    return f"{kind} {name}"


def _dropped_names(stmt: Statement) -> Iterator[tuple[str, str]]:
    node = stmt.node
    if stmt.node_type != "DropStmt" or not node.get("missing_ok"):
        return
    kind = node.get("removeType")
    for obj in node.get("objects", ()):
        if kind == "OBJECT_POLICY":
            names = strings(obj.get("List", {}).get("items"))
            table, policy = names[:-1], names[-1]
            yield "policy", f"{policy} on {qualified(table)}"
        elif kind in {"OBJECT_TYPE", "OBJECT_DOMAIN"}:
            names = strings(obj.get("TypeName", {}).get("names"))
            yield "type", qualified(names)


def describe(stmt: Statement) -> str:
    return stmt.label


def broken(stmt: Statement, context: Context) -> Iterator[tuple[Rule, str]]:
    node, kind = stmt.node, stmt.node_type
    if kind in _CREATE_FLAGS and not node.get(_CREATE_FLAGS[kind]):
        if kind == "CreateTrigStmt" and ("trigger", str(node.get("trigname"))) in context.dropped:
            return
        keyword = "OR REPLACE" if _CREATE_FLAGS[kind] == "replace" else "IF NOT EXISTS"
        yield CREATE_WITHOUT_IF_NOT_EXISTS, f"`{describe(stmt)}` without {keyword}"
    if kind in _DROP_FIRST:
        name = _name_of_create(stmt)
        if name and name not in context.dropped:
            yield (
                CREATE_WITHOUT_IF_NOT_EXISTS,
                f"{_spoken(stmt, *name)} is created without a DROP … IF EXISTS before it",
            )
    if kind == "DropStmt" and not node.get("missing_ok"):
        yield DROP_WITHOUT_IF_EXISTS, f"`{describe(stmt)}` without IF EXISTS"
    adds_value = kind == "AlterEnumStmt" and node.get("newVal") and not node.get("oldVal")
    if adds_value and not node.get("skipIfNewValExists"):
        enum = qualified(strings(node.get("typeName")))
        yield ADD_VALUE_WITHOUT_GUARD, f"ADD VALUE '{node.get('newVal')}' to {enum} without IF NOT EXISTS"
    if kind == "AlterTableStmt":
        for cmd in node.get("cmds", ()):
            c = cmd.get("AlterTableCmd", {})
            if c.get("subtype") == "AT_AddColumn" and not c.get("missing_ok"):
                column = c.get("def", {}).get("ColumnDef", {}).get("colname")
                yield (
                    ADD_COLUMN_WITHOUT_GUARD,
                    f"ADD COLUMN {column} on {relation(node.get('relation'))} without IF NOT EXISTS",
                )


def remember_drops(stmt: Statement, context: Context) -> None:
    context.dropped.update(_dropped_names(stmt))
    node = stmt.node
    if stmt.node_type == "DropStmt" and node.get("removeType") == "OBJECT_TRIGGER" and node.get("missing_ok"):
        for obj in node.get("objects", ()):
            context.dropped.add(("trigger", strings(obj.get("List", {}).get("items"))[-1]))
