"""Rules that ask the catalog after the migrations ran: one set-based query per rule.

The catalog is the final word: a policy a later migration replaced is judged as it now is, and an
object made by EXECUTE inside a DO block is judged like any other. Each query takes the objects the
change's new migrations created or changed (its scope, read from the catalog before and after
them), so a 2,000-table schema costs the same queries as a 2-table one. Where a rule matches a
Supabase database-advisor lint (splinter), its `alias` names it.

Every query yields rows of (kind, key, subject, message, advisor):
- kind and key name the object the finding is about, to find the statement that made it:
  `table` / `schema.table`, `policy` / `schema.table|policy`, `function` / `schema.name`,
  `view` / `schema.name`, `extension` / name, `constraint` / `schema.table|constraint`,
  `bucket` / bucket id;
- subject is what the report names (the advisor's object: a policy's table, say);
- advisor is the advisor lint the row matches where a rule matches several, else NULL;
- an optional sixth column is the fix for this object: SQL that goes after the statement that
  made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemagate.findings import Rule
from schemagate.findings.rules.catalog_rules import conventions, keys, rls, security

if TYPE_CHECKING:
    from schemagate.database.connection import Connection

QUERIES: list[tuple[Rule, str]] = [*rls.QUERIES, *keys.QUERIES, *conventions.QUERIES, *security.QUERIES]
# Fixes that need the author's words or a decision: shown, never committed for them
STARTS_ONLY = frozenset({conventions.MISSING_TIMESTAMPS.id, conventions.MISSING_TABLE_COMMENT.id})


@dataclass
class Scope:
    tables: list[int] = field(default_factory=list)  # oids of judged tables
    created: list[int] = field(default_factory=list)  # oids of tables the change created
    functions: list[str] = field(default_factory=list)  # schema.name created or replaced
    views: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=lambda: ["public"])
    # schema.table whose policies the change made, altered or dropped: a finding on a policy of
    # another table is about a policy older than the change (an ALTER TABLE on it brings the table
    # into scope, not the policy), and is the base's to answer for
    policies_changed: list[str] | None = None


@dataclass(frozen=True)
class Row:
    rule: Rule
    kind: str
    key: str
    subject: str
    message: str
    advisor: str | None = None
    fix: str | None = None


def check(conn: Connection, scope: Scope) -> list[Row]:
    """A row for every catalog rule broken within the scope."""
    params = {
        "tables": scope.tables,
        "created": scope.created,
        "functions": scope.functions,
        "views": scope.views,
        "extensions": scope.extensions,
        "schemas": scope.schemas,
    }
    found = []
    present = {name for name, exists in _needed(conn) if exists}
    for made, query in QUERIES:
        if not set(security.NEEDS.get(made.id, ())) <= present:
            continue
        # Queries are written with plain % (format(), LIKE); only %(name)s are parameters.
        sql = query.replace("%", "%%").replace("%%(", "%(")
        for kind, key, subject, message, advisor, *fix in conn.execute(sql.encode(), params).fetchall():
            if kind == "policy" and not _policies_changed(scope, str(key)):
                continue
            found.append(
                Row(
                    made,
                    str(kind),
                    str(key),
                    str(subject),
                    str(message),
                    str(advisor) if advisor else None,
                    str(fix[0]) if fix and fix[0] else None,
                )
            )
    return found


def _policies_changed(scope: Scope, key: str) -> bool:
    """Whether the policies of the table a policy row names (schema.table|policy) changed; with
    no record of what changed (None), every one counts."""
    return scope.policies_changed is None or key.split("|", 1)[0] in scope.policies_changed


def _needed(conn: Connection) -> list[tuple[str, bool]]:
    names = sorted({name for needs in security.NEEDS.values() for name in needs})
    rows = conn.execute(
        "SELECT n, CASE WHEN n LIKE 'role:%%' THEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = substr(n, 6))"
        " ELSE to_regclass(n) IS NOT NULL END FROM unnest(%s::text[]) n",
        (names,),
    ).fetchall()
    return [(str(name), bool(exists)) for name, exists in rows]


# What a change made or changed, read from the catalog: each object of a kind with a fingerprint
# of its definition. Compared before and after the change's migrations, it is the scope.
_FINGERPRINTS = """
SELECT 'table', c.oid::text, md5(concat_ws('|', c.relname, c.relrowsecurity, c.relforcerowsecurity,
         c.relacl::text, obj_description(c.oid, 'pg_class'),
         (SELECT string_agg(concat_ws(' ', a.attname, a.atttypid, a.attnotnull, a.attacl::text,
                                      pg_get_expr(d.adbin, d.adrelid)), ',' ORDER BY a.attnum)
          FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
         (SELECT string_agg(pg_get_constraintdef(k.oid), ',' ORDER BY k.conname)
          FROM pg_constraint k WHERE k.conrelid = c.oid),
         (SELECT string_agg(pg_get_indexdef(i.indexrelid), ',' ORDER BY i.indexrelid::regclass::text)
          FROM pg_index i WHERE i.indrelid = c.oid),
         (SELECT string_agg(concat_ws(' ', p.polname, p.polcmd, p.polpermissive, p.polroles::text,
                                      pg_get_expr(p.polqual, p.polrelid),
                                      pg_get_expr(p.polwithcheck, p.polrelid)), ',' ORDER BY p.polname)
          FROM pg_policy p WHERE p.polrelid = c.oid)))
FROM pg_class c
WHERE c.relkind IN ('r', 'p', 'f') AND c.relnamespace::regnamespace::text NOT IN
      ('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations')
UNION ALL
SELECT 'function', format('%s.%s', p.pronamespace::regnamespace, p.proname),
       md5(concat_ws('|', pg_get_functiondef(p.oid), p.proacl::text))
FROM pg_proc p
WHERE p.prokind IN ('f', 'p') AND p.pronamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'view', format('%s.%s', c.relnamespace::regnamespace, c.relname),
       md5(concat_ws('|', pg_get_viewdef(c.oid), c.reloptions::text, c.relacl::text))
FROM pg_class c
WHERE c.relkind IN ('v', 'm') AND c.relnamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'extension', e.extname::text, md5(concat_ws('|', e.extversion, e.extnamespace))
FROM pg_extension e
UNION ALL
SELECT 'policies', format('%s.%s', c.relnamespace::regnamespace, c.relname),
       md5(string_agg(concat_ws(' ', p.polname, p.polcmd, p.polpermissive, p.polroles::text,
                                pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)),
                      ',' ORDER BY p.polname))
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
GROUP BY c.oid, c.relnamespace, c.relname
"""


@dataclass(frozen=True)
class Fingerprints:
    """Every object a scope can hold, with a digest of its definition: (kind, name) -> digest."""

    digests: dict[tuple[str, str], str]

    def changed_since(self, before: Fingerprints) -> dict[str, set[str]]:
        """Per kind, the objects that are new or changed since `before`."""
        out: dict[str, set[str]] = {
            "table": set(),
            "function": set(),
            "view": set(),
            "extension": set(),
            "policies": set(),  # schema.table whose policies are new, changed or dropped
        }
        for (kind, name), digest in self.digests.items():
            if before.digests.get((kind, name)) != digest:
                out[kind].add(name)
        out["policies"] |= {name for kind, name in before.digests if kind == "policies"} - {
            name for kind, name in self.digests if kind == "policies"
        }
        return out


def fingerprints(conn: Connection) -> Fingerprints:
    """Under our own search_path, every name qualified: the session's path may differ between
    the two takes (a seed's set_config('search_path', '', false)), and a digest must not. Not an
    empty path: pg_temp would then come first, and a migration's temp pg_class would answer."""
    from schemagate.database.connection import OWN_SEARCH_PATH_LOCAL  # lint starts without psycopg

    with conn.transaction():
        conn.execute(OWN_SEARCH_PATH_LOCAL)
        rows = conn.execute(_FINGERPRINTS.encode()).fetchall()  # no parameters: % is plain SQL
    return Fingerprints({(str(kind), str(name)): str(digest) for kind, name, digest in rows})
