"""Production's catalog against the migrations it recorded: edits made in the dashboard.

The history table says which migrations ran; it cannot say that someone added a column, dropped an
index or loosened a policy in the dashboard since. So the migrations production recorded are
applied, in order, to a throwaway database (the same major, with the Supabase shim when production
has Supabase's auth schema), and the two catalogs are compared, reading nothing but the catalog of
production: tables, columns, indexes, constraints, RLS, policies, functions, triggers and grants.

Only what a project makes counts. Supabase's own schemas hold whatever their services' versions
put there, which the shim only approximates: in them only what the migrations made, the policies
(Supabase ships none) and triggers calling the project's functions are compared. What an extension
made and what lives in an extension's own schema are the extension's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemagate.config import Config
from schemagate.database import history
from schemagate.database.catalog import diff, inventory
from schemagate.database.connection import Connection
from schemagate.database.history.plan import MigrationPlan
from schemagate.database.server import replica
from schemagate.database.server.hosted import MANAGED_SCHEMAS
from schemagate.errors import SchemagateError
from schemagate.statements.sql import ParsedMigration

KINDS = frozenset({"table", "column", "index", "constraint", "rls", "policy", "function", "trigger", "grant"})
# Supabase's schemas beyond those its services own, and the shim's own (`schemagate`)
_MANAGED = MANAGED_SCHEMAS | {
    "extensions",
    "graphql",
    "graphql_public",
    "supabase_functions",
    "_realtime",
    "pgmq",
    "schemagate",
}
_CALLS = re.compile(r"EXECUTE (?:FUNCTION|PROCEDURE) (?P<schema>[^.(\s]+)\.")
_WHERE = {
    "added": "exists in production and in no migration",
    "removed": "is in the migrations, not in production",
}
# Who gets which rights on what a role creates later: the replica has Supabase's (anon,
# authenticated and service_role on every new table in public); a database that is not a hosted
# project's may have none, and then lacks grants no statement of the migrations' made.
_DEFAULT_PRIVILEGES = b"""
SELECT format('%s %s %s %s', d.defaclrole::regrole, coalesce(d.defaclnamespace::regnamespace::text, '*'),
              d.defaclobjtype, d.defaclacl::text)
FROM pg_default_acl d ORDER BY 1
"""


@dataclass
class CatalogDrift:
    differences: list[diff.Change] = field(default_factory=list)
    compared: bool = True
    why_not: str | None = None  # why the catalog could not be compared
    versions: int = 0  # how many recorded migrations the expected catalog holds
    # production's default privileges are not the replica's (Supabase's): a grant it lacks may
    # be one those give, not one a migration wrote
    defaults_differ: bool = False

    def lines(self) -> list[str]:
        """One line per difference, as `status` prints and a refused deploy says."""
        return [describe(c, defaults_differ=self.defaults_differ) for c in self.differences]


def describe(change: diff.Change, *, defaults_differ: bool = False) -> str:
    if change.kind == "grant" and change.change == "removed" and defaults_differ:
        return (
            f"grant {change.object} is not in production, whose default privileges differ from "
            "Supabase's: the replica's default privileges gave it (or a migration's GRANT did)"
        )
    if change.change == "changed":
        return f"{change.kind} {change.object} differs: migrations → production: {change.detail}"
    return f"{change.kind} {change.object} {_WHERE[change.change]}"


def compare(
    config: Config, production: Connection, local: list[ParsedMigration], pg_bin: str | None = None
) -> CatalogDrift:
    """The differences between production's catalog and the one its recorded migrations build."""
    found_history, found = _read(production)
    plan = MigrationPlan.build(local, found_history)
    if plan.drifted or plan.missing:  # the history's own refusal comes first, and says more
        return CatalogDrift(compared=False, why_not="the history and the files disagree (schemagate doctor)")
    recorded = {r.version for r in found_history}
    applied = [p for p in local if p.migration.version in recorded]
    of = replica.shape(production)
    try:
        if applied:
            baseline, expected, defaults = _expected(config, of, applied, pg_bin)
        else:  # nothing recorded: a project's own objects are none yet, and no server is needed
            baseline, expected, defaults = inventory.Inventory({}), inventory.Inventory({}), []
    except SchemagateError as exc:
        return CatalogDrift(compared=False, why_not=f"the migrations do not build here: {exc.reason}")
    theirs = inventory.extension_schemas(expected, found)
    managed = _managed(baseline) | theirs if of.supabase else theirs
    changes = diff.between(_ours(expected, baseline, managed), _ours(found, baseline, managed))
    differ = bool(applied) and defaults != _default_privileges(production)
    return CatalogDrift(diff.folded(changes), versions=len(applied), defaults_differ=differ)


def _default_privileges(conn: Connection) -> list[str]:
    return [str(row[0]) for row in conn.execute(_DEFAULT_PRIVILEGES).fetchall()]


def _read(production: Connection) -> tuple[list[history.Recorded], inventory.Inventory]:
    """The history and the catalog from one snapshot: a migration commits its objects and its
    history row together, so a run applying meanwhile (through a pooler, no session lock keeps it
    out) shows in both or in neither."""
    with production.transaction():
        production.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return history.recorded(production), inventory.take(production)


def _expected(
    config: Config, of: replica.Shape, applied: list[ParsedMigration], pg_bin: str | None
) -> tuple[inventory.Inventory, inventory.Inventory, list[str]]:
    with replica.replica(config, of, applied, pg_bin) as (_, conn, baseline):
        return baseline, inventory.take(conn), _default_privileges(conn)


def _schema(name: str) -> str:
    return name.split(".", 1)[0].strip('"')


def _managed(baseline: inventory.Inventory) -> set[str]:
    """Supabase's schemas: its services', and the shim's (what it made before any migration)."""
    return set(_MANAGED) | {_schema(name) for _, name in baseline.objects}


def _ours(
    found: inventory.Inventory, baseline: inventory.Inventory, managed: set[str]
) -> inventory.Inventory:
    """The objects a project makes: every one outside Supabase's schemas; inside them, what is
    not the shim's and is a policy, a trigger calling a function of the project's, or something
    the migrations made (the baseline is what the shim made before them)."""
    kept = {}
    for (kind, name), definition in found.objects.items():
        if kind not in KINDS or ((kind, name) in baseline.objects and _schema(name) in managed):
            continue
        if _schema(name) in managed and not _projects(kind, definition, managed):
            continue
        kept[(kind, name)] = definition
    return inventory.Inventory(kept)


def _projects(kind: str, definition: str, managed: set[str]) -> bool:
    if kind == "policy":
        return True
    if kind == "trigger":
        calls = _CALLS.search(definition)
        return bool(calls and calls["schema"].strip('"') not in managed)
    return False
