"""Rules for what hosted Supabase refuses and a throwaway PostgreSQL cannot: supautils guards
Supabase's own roles in the server, and on PostgreSQL 15 no event trigger sees role commands, so
the parse tree is where the shim learns of them. Reported as the failure they will be."""

from __future__ import annotations

from collections.abc import Iterator

from schemagate.database.server.hosted import RESERVED_MEMBERSHIPS, RESERVED_ROLES, SETTINGS_ALLOWED_ROLES
from schemagate.findings import Finding, rule
from schemagate.statements.sql import ParsedMigration, Statement
from schemagate.statements.tree import Node

SUPABASE_RESERVED_ROLE = rule(
    "supabase-reserved-role",
    "error",
    "applies",
    "Supabase's own roles are left alone",
    "Hosted Supabase reserves the roles its services log in as (supautils' reserved_roles): "
    "`postgres` may not alter, drop, rename or grant to them, nor hand out their memberships. "
    "The statement applies on plain PostgreSQL and fails on every Supabase project.",
    "-- create a role of your own and grant it what it needs:\n"
    "CREATE ROLE reporting NOLOGIN;\nGRANT SELECT ON public.orders TO reporting;",
    bad="alter role authenticator nologin;",
    good="alter role authenticated set statement_timeout = '10s';",
)

_PRIVILEGED_ROLE = "postgres"  # supautils.privileged_role: only a superuser may alter it


def _role(spec: Node | None) -> str | None:
    node = (spec or {}).get("RoleSpec", spec or {})
    return str(node["rolename"]) if node.get("roletype") == "ROLESPEC_CSTRING" else None


def _refusals(stmt: Statement) -> Iterator[str]:
    node, kind = stmt.node, stmt.node_type
    if kind == "AlterRoleStmt":
        role = _role(node.get("role"))
        if role in RESERVED_ROLES:
            yield f'"{role}" is a reserved role, only superusers can modify it'
        elif role == _PRIVILEGED_ROLE:
            yield "only superusers can alter postgres, the role migrations run as"
        elif any(o.get("DefElem", {}).get("defname") == "superuser" for o in node.get("options", ())):
            yield "only superusers can give or take the SUPERUSER attribute"
    elif kind == "AlterRoleSetStmt":
        role = _role(node.get("role"))
        if role in RESERVED_ROLES - SETTINGS_ALLOWED_ROLES:
            yield f'"{role}" is a reserved role, only superusers can change its settings'
    elif kind == "DropRoleStmt":
        for role in filter(None, map(_role, node.get("roles", ()))):
            if role in RESERVED_ROLES:
                yield f'"{role}" is a reserved role, only superusers can drop it'
    elif kind == "RenameStmt" and node.get("renameType") == "OBJECT_ROLE":
        for role in (node.get("subname"), node.get("newname")):
            if role in RESERVED_ROLES:
                yield f'"{role}" is a reserved role, only superusers can rename it'
    elif kind == "GrantRoleStmt":
        yield from _grant_refusals(node)


def _grant_refusals(node: Node) -> Iterator[str]:
    if node.get("is_grant", False):
        for granted in node.get("granted_roles", ()):
            name = granted.get("AccessPriv", {}).get("priv_name")
            if name in RESERVED_MEMBERSHIPS:
                yield f'"{name}" role memberships are reserved, only superusers can grant them'
    for role in filter(None, map(_role, node.get("grantee_roles", ()))):
        if role in RESERVED_ROLES - SETTINGS_ALLOWED_ROLES:
            yield f'"{role}" is a reserved role, only superusers can change its memberships'


def check(parsed: ParsedMigration) -> list[tuple[int, Finding]]:
    """(statement index, finding) for every statement hosted Supabase will refuse."""
    path = parsed.migration.path
    return [
        (index, Finding(SUPABASE_RESERVED_ROLE, f"hosted Supabase refuses this: {reason}", path, stmt.line))
        for index, stmt in enumerate(parsed.statements)
        for reason in _refusals(stmt)
    ]
