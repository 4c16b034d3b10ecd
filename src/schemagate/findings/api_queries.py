"""Querying every exposed table as the Data API's roles, the way the first request after a deploy does.

A policy that reads its own table (infinite recursion, 42P17) or calls a function the caller may not
execute (42501) passes every catalog rule and fails the first `select` from the app. After the
migrations and the seed, inside a transaction that is rolled back, each table and view of the
exposed schemas is read as `anon` and as `authenticated` (with JWT claims set as PostgREST sets
them), and a made-up row is inserted where an INSERT policy lets the role try. An error becomes a
finding at the policy that most likely causes it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import psycopg
from psycopg import sql

from schemagate.database.connection import OWN_SEARCH_PATH_LOCAL, Connection
from schemagate.database.rows import staging
from schemagate.findings.isolation import as_caller, owner_names
from schemagate.findings.rules.catalog_rules import Row
from schemagate.findings.rules.dataapi import DATA_API_QUERY_FAILS
from schemagate.statements.tree import quoted

ROLES = ("anon", "authenticated")
TIMEOUT = "10s"  # a policy slower than this is not this rule's to judge: the query is given up
_SAMPLE = 100  # rows read per table: enough for a policy's functions to run on real (seeded) rows

_RELATIONS = """
SELECT c.oid::int, format('%%I.%%I', n.nspname, c.relname), n.nspname::text, c.relname::text,
       CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE 'table' END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY (%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 2
"""
# every policy on those tables: its command, roles, what it asks beyond the row (a relation, its
# own table included, or a function not of auth's), the functions it calls, its WITH CHECK
_POLICIES = """
SELECT p.polrelid::int, n.nspname::text, c.relname::text, p.polname::text, p.polcmd::text,
       p.polroles = '{0}' OR %(role)s::regrole = ANY (p.polroles),
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
                 AND (d.refclassid = 'pg_class'::regclass
                      OR (d.refclassid = 'pg_proc'::regclass AND (SELECT f.pronamespace FROM pg_proc f
                          WHERE f.oid = d.refobjid) <> 'auth'::regnamespace))),
       ARRAY(SELECT f.proname::text FROM pg_depend d JOIN pg_proc f ON f.oid = d.refobjid
             WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
               AND d.refclassid = 'pg_proc'::regclass),
       coalesce(pg_get_expr(p.polwithcheck, p.polrelid), pg_get_expr(p.polqual, p.polrelid), '')
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE p.polrelid = ANY (%(oids)s::oid[]) AND p.polpermissive
ORDER BY n.nspname, c.relname, p.polname
"""
_RECURSION_IN = re.compile(r'for relation "(?P<name>[^"]+)"')
_DENIED_FUNCTION = re.compile(r"permission denied for function (?P<name>\S+)")
# a made-up row refused is no finding: only what no row could pass is
_INSERT_STATES = {"42P17", "42501", "42883", "42P01"}
_REFUSED_ROW = "new row violates row-level security policy"


@dataclass(frozen=True)
class Relation:
    oid: int
    name: str  # schema.name, quoted as SQL
    schema: str
    bare: str
    kind: str  # table or view


@dataclass(frozen=True)
class Policy:
    table_oid: int
    schema: str
    table: str
    name: str
    command: str  # pg_policy.polcmd
    applies: bool  # to the role asked about
    asks_more: bool
    functions: tuple[str, ...]
    check: str

    def serves(self, command: str) -> bool:
        return self.applies and self.command in {"*", command}


@dataclass(frozen=True)
class Failure:
    relation: Relation
    role: str
    command: str  # select or insert
    state: str
    message: str


def query_as_roles(conn: Connection, schemas: list[str]) -> list[Row]:
    """A row for each policy (or table, or view) a Data API role's query fails on."""
    present = conn.execute(
        b"SELECT count(*) FROM pg_roles WHERE rolname = ANY (%s)", (list(ROLES),)
    ).fetchone()
    if not present or present[0] != len(ROLES):
        return []  # not a Supabase-shaped database: there is no Data API to ask as
    relations = [
        Relation(int(str(o)), str(n), str(s), str(b), str(k))
        for o, n, s, b, k in conn.execute(_RELATIONS.encode(), {"schemas": schemas}).fetchall()
    ]
    failures: list[Failure] = []
    blame: dict[str, list[Policy]] = {}
    user = uuid.uuid4()
    conn.execute(b"BEGIN")
    try:
        conn.execute(OWN_SEARCH_PATH_LOCAL)
        conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(TIMEOUT)))
        _sign_up(conn, user)
        for role in ROLES:
            blame[role] = _policies(conn, relations, role)
            readable, writable = _privileged(conn, relations, role)
            failures += _reads(conn, readable, role, user)
            failures += _inserts(conn, writable, role, user, blame[role])
    finally:
        conn.execute(b"ROLLBACK")
    return _rows(failures, blame)


def _sign_up(conn: Connection, user: uuid.UUID) -> None:
    """The signed-in caller's row in auth.users, for the foreign keys a made-up row has."""
    conn.execute(b"SAVEPOINT data_api_user")
    try:
        conn.execute(staging.NEW_USER, (user, "data-api@example.invalid"))
    except psycopg.Error:
        conn.execute(b"ROLLBACK TO SAVEPOINT data_api_user")


def _policies(conn: Connection, relations: list[Relation], role: str) -> list[Policy]:
    conn.execute(OWN_SEARCH_PATH_LOCAL)
    params = {"oids": [r.oid for r in relations], "role": role}
    return [
        Policy(int(str(o)), str(s), str(t), str(n), str(c), bool(a), bool(m), _texts(f), str(k))
        for o, s, t, n, c, a, m, f, k in conn.execute(_POLICIES.encode(), params).fetchall()
    ]


def _texts(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


_PRIVILEGES = """
SELECT r.oid::int, has_any_column_privilege(%(role)s, r.oid, 'SELECT'),
       has_any_column_privilege(%(role)s, r.oid, 'INSERT')
FROM unnest(%(oids)s::oid[]) r(oid)
"""


def _privileged(
    conn: Connection, relations: list[Relation], role: str
) -> tuple[list[Relation], list[Relation]]:
    """The relations the role may read, and the tables it may insert into: what it is not granted
    is PostgREST's 401 or 403, by design, no failure."""
    conn.execute(OWN_SEARCH_PATH_LOCAL)
    params = {"oids": [r.oid for r in relations], "role": role}
    granted = {
        int(str(o)): (bool(s), bool(i)) for o, s, i in conn.execute(_PRIVILEGES.encode(), params).fetchall()
    }
    readable = [r for r in relations if granted.get(r.oid, (False, False))[0]]
    writable = [r for r in relations if r.kind == "table" and granted.get(r.oid, (False, False))[1]]
    return readable, writable


def _reads(conn: Connection, relations: list[Relation], role: str, user: uuid.UUID) -> list[Failure]:
    """A sample of each relation's rows, read as the role: set once (SET LOCAL, outside the
    savepoints each read is undone in), so that a schema of thousands of tables costs little."""
    out = []
    as_caller(conn, role, user)
    try:
        for relation in relations:
            read = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT {}) sampled").format(
                sql.SQL(relation.name), sql.Literal(_SAMPLE)
            )
            failed = _attempt(conn, read)
            if failed:
                out.append(Failure(relation, role, "select", *failed))
    finally:
        conn.execute(b"RESET ROLE")
    return out


def _inserts(
    conn: Connection, relations: list[Relation], role: str, user: uuid.UUID, policies: list[Policy]
) -> list[Failure]:
    """A made-up row inserted as the role into each table an INSERT policy lets it try; a row the
    policy refuses is no finding (the row is made up), only an error no row could pass."""
    out = []
    for relation in relations:
        mine = [p for p in policies if p.table_oid == relation.oid and p.serves("a")]
        failed = _insert(conn, relation, role, user, mine) if mine else None
        if failed and failed[0] in _INSERT_STATES and not failed[1].startswith(_REFUSED_ROW):
            out.append(Failure(relation, role, "insert", *failed))
    return out


def _attempt(conn: Connection, statement: sql.Composed) -> tuple[str, str] | None:
    """(SQLSTATE, first line of the error) of the statement, or None when it ran; undone either way."""
    conn.execute(b"SAVEPOINT data_api")
    try:
        conn.execute(statement)
        return None
    except psycopg.errors.QueryCanceled:
        return None  # slow, not failing: the timeout is only a bound
    except psycopg.Error as exc:
        state = exc.sqlstate or ""
        first = str(exc).splitlines()[0] if str(exc) else state
        return state, first
    finally:
        conn.execute(b"ROLLBACK TO SAVEPOINT data_api")


def _insert(
    conn: Connection, relation: Relation, role: str, user: uuid.UUID, policies: list[Policy]
) -> tuple[str, str] | None:
    """A made-up row, owned by the caller where the policy names an owner, inserted as the role."""
    columns = staging.columns_of(conn, relation.oid)
    owner = _owner(columns, policies)
    if owner is None:
        return None
    conn.execute(b"SAVEPOINT data_api_row")
    try:
        chosen, values = staging.row(conn, columns, owner, user, 1)  # its parent rows made as the owner
        statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            sql.SQL(relation.name),
            sql.SQL(", ").join(sql.Identifier(c.name) for c in chosen),
            sql.SQL(", ").join(values),
        )
        as_caller(conn, role, user)  # undone with the savepoint, as the row is
        return _attempt(conn, statement)
    except (psycopg.Error, ValueError):
        return None  # no row to try with: neither passed nor failed
    finally:
        conn.execute(b"ROLLBACK TO SAVEPOINT data_api_row")


def _owner(columns: list[staging.Column], policies: list[Policy]) -> staging.Column | None:
    """The column the INSERT policy compares with auth.uid(), else one that references auth.users,
    else any uuid column: the caller's id goes there."""
    named = owner_names(" ".join(p.check for p in policies))
    for wanted in (
        lambda c: c.name in named,
        lambda c: c.references == "auth.users",
        lambda c: c.type == "uuid",
    ):
        found = next((c for c in columns if wanted(c)), None)
        if found is not None:
            return found
    return None


def _rows(failures: list[Failure], policies: dict[str, list[Policy]]) -> list[Row]:
    """One row per object to blame and error, naming every role and command it failed for."""
    grouped: dict[tuple[str, str, str, str], tuple[Failure, list[str]]] = {}
    blamed: dict[tuple[str, str], str] = {}
    for failure in failures:
        kind, key, subject = _blame(failure, policies[failure.role])
        blamed[(kind, key)] = subject
        group = grouped.setdefault((kind, key, failure.state, failure.message), (failure, []))
        group[1].append(f"`{failure.command}` as {failure.role} on {failure.relation.name}")
    out = []
    for (kind, key, _, message), (_, who) in grouped.items():
        queries = list(dict.fromkeys(who))
        text = f"{', '.join(queries)} {'fails' if len(queries) == 1 else 'fail'}: {message}"
        out.append(Row(DATA_API_QUERY_FAILS, kind, key, blamed[(kind, key)], text))
    return out


def _blame(failure: Failure, policies: list[Policy]) -> tuple[str, str, str]:
    """(kind, key, subject) of what most likely fails the query: a policy of the table the error
    names (or the table queried) for the command, one that asks more than the row first."""
    relation = failure.relation
    command = "r" if failure.command == "select" else "a"
    named = _RECURSION_IN.search(failure.message)
    on = [p for p in policies if p.serves(command)]
    if named:  # a sub-select on the named table meets its SELECT policies, whatever the command
        reading = [p for p in policies if p.serves("r") and p.table == named["name"]]
        on = sorted(reading, key=lambda p: p.schema != relation.schema) or on
    else:
        on = [p for p in on if p.table_oid == relation.oid]
    denied = _DENIED_FUNCTION.search(failure.message)
    if denied:  # the policy calling it, wherever the query reached it from
        function = denied["name"].rsplit(".", 1)[-1].strip('"')
        calling = [p for p in policies if p.serves(command) and function in p.functions]
        on = sorted(calling, key=lambda p: p.table_oid != relation.oid) or on
    ranked = sorted(on, key=lambda p: not p.asks_more)
    if not ranked:
        plain = f"{relation.schema}.{relation.bare}"
        return relation.kind, plain, plain
    chosen = ranked[0]
    table = f"{chosen.schema}.{chosen.table}"
    subject = f"policy {quoted(chosen.name)} on {table}"
    return "policy", f"{table}|{chosen.name}", subject
