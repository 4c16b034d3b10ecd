"""Proving that a new table keeps signed-in users apart, by trying it.

A new table whose policies compare a column with `auth.uid()` is meant to give each user their own
rows. Inside a transaction that is rolled back, two synthetic users each get a row (written as the
table's owner, so that no policy is needed to set the stage); then, as `authenticated` with the
first user's JWT claims, the first user tries to read, change, delete and create the second user's
row. Any that works is tried again with each policy for that command alone, to name the one that
lets it through: a policy that reads only the row and auth.uid() is a leak for certain; one that
asks the project's own functions or tables (is the caller an admin, a member?) may have been
satisfied by the made-up rows themselves, so the proof says it is unsure, never passed. A table
the proof cannot stage rows for is said so too.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from schemagate.database.connection import OWN_SEARCH_PATH_LOCAL, Connection
from schemagate.database.rows import staging
from schemagate.database.rows.staging import Column
from schemagate.statements.tree import quoted

# `auth.uid() = owner` either way round, the uid perhaps in a sub-select; a qualified column
# (`c.user_id`) is another table's, in a subquery, and no owner of this one
_OWNER = re.compile(
    r"(?:\(\s*SELECT\s+)?auth\.uid\(\)(?:\s+AS\s+uid\))?\s*\)?\s*=\s*\(?\s*(?<![.\w])\"?(?P<a>\w+)\"?(?![.\w(])"
    r"|(?<![.\w\"])\"?(?P<b>\w+)\"?\s*\)?\s*=\s*\(?\s*(?:\(\s*SELECT\s+)?auth\.uid\(\)",
    re.IGNORECASE,
)
_CANDIDATES = """
SELECT c.oid, format('%%s.%%I', c.relnamespace::regnamespace, c.relname), c.relforcerowsecurity,
       string_agg(coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' '
                  || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''), ' ')
FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid
WHERE c.oid = ANY (%(tables)s::oid[]) AND c.relkind = 'r' AND c.relrowsecurity
GROUP BY c.oid
"""
# the permissive policies a signed-in user meets for a command, and whether each asks more than the
# row and auth.uid(): a function of the project's, or another table
_POLICIES = """
SELECT p.polname::text, coalesce(pg_get_expr(p.polqual, p.polrelid), 'true') = 'true'
         AND coalesce(pg_get_expr(p.polwithcheck, p.polrelid), 'true') = 'true', EXISTS (
         SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
           AND ((d.refclassid = 'pg_proc'::regclass
                 AND (SELECT f.pronamespace FROM pg_proc f WHERE f.oid = d.refobjid) <> 'auth'::regnamespace)
                OR (d.refclassid = 'pg_class'::regclass AND d.refobjid <> p.polrelid)))
FROM pg_policy p
WHERE p.polrelid = %s::regclass AND p.polpermissive AND p.polcmd IN ('*', %s)
  AND (p.polroles = '{0}' OR 'authenticated'::regrole = ANY (p.polroles))
ORDER BY 1
"""


@dataclass
class Proof:
    table: str
    owner: str  # the column compared with auth.uid()
    held: list[str] = field(default_factory=list)  # what the other user could not do
    leaks: list[str] = field(default_factory=list)  # what they could
    unproven: str | None = None  # why no rows could be staged
    open: list[str] = field(default_factory=list)  # reads a policy gives every caller alike, by design
    through: dict[str, list[str]] = field(default_factory=dict)  # a leak -> the policies letting it
    always_true: set[str] = field(default_factory=set)  # leaks only through USING (true) policies
    unsure: list[str] = field(default_factory=list)  # reached through policies that ask more than the row

    def opened(self, policies: str) -> None:
        """Reading another's row is no leak where a policy gives every caller the same rows on
        purpose (public profiles): that is the access matrix's to show, not a leak to prove."""
        if "read" in self.leaks:
            self.leaks.remove("read")
            self.through.pop("read", None)
            self.open.append(f"read, through {policies}")

    def to_json(self) -> dict[str, object]:
        return {
            "table": self.table,
            "owner": self.owner,
            "held": self.held,
            "leaks": [{"what": w, "through": self.through.get(w, [])} for w in self.leaks],
            "unproven": self.unproven,
            "unsure": self.unsure,
            "open": self.open,
        }


def candidates(conn: Connection, tables: list[int]) -> list[tuple[int, str, bool, str]]:
    """New tables with RLS whose policies compare a column of theirs with auth.uid():
    (oid, name, forced, owner)."""
    out = []
    for oid, name, forced, expressions in conn.execute(_CANDIDATES.encode(), {"tables": tables}).fetchall():
        own = {str(r[0]) for r in conn.execute(_NAMES, (oid,)).fetchall()}
        owner = next((n for n in owner_names(str(expressions)) if n in own), None)
        if owner is not None:
            out.append((int(str(oid)), str(name), bool(forced), owner))
    return out


def owner_names(expressions: str) -> list[str]:
    """The columns policy expressions compare with auth.uid(), in order: each row's owner."""
    return [str(m["a"] or m["b"]) for m in _OWNER.finditer(expressions)]


_NAMES = b"SELECT attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped"


def prove(conn: Connection, oid: int, table: str, forced: bool, owner: str) -> Proof:
    proof = Proof(table, owner)
    if forced:
        proof.unproven = "FORCE ROW LEVEL SECURITY keeps even its owner from staging rows"
        return proof
    columns = staging.columns_of(conn, oid)
    keyed = next(c for c in columns if c.name == owner)
    users = [uuid.uuid4(), uuid.uuid4()]
    with _rolled_back(conn):
        try:
            for n, user in enumerate(users, 1):
                conn.execute(staging.NEW_USER, (user, f"isolation-{n}@example.invalid"))
                staging.stage(conn, table, columns, keyed, user, n, reuse=True)
        except (psycopg.Error, ValueError) as exc:
            proof.unproven = f"no row could be staged: {str(exc).splitlines()[0]}"
            return proof
        for attempt in _attempts(conn, table, columns, keyed, users):
            _judge(conn, proof, table, attempt)
    return proof


@contextlib.contextmanager
def _rolled_back(conn: Connection) -> Iterator[None]:
    """A transaction that is always rolled back, with the settings PostgREST gives every request
    (a trigger may read request.headers without a default)."""
    conn.execute(b"BEGIN")
    conn.execute(
        b"SELECT set_config('request.headers', '{}', true), set_config('request.method', 'POST', true)"
    )
    try:
        yield
    finally:
        conn.execute(b"ROLLBACK")


def as_caller(conn: Connection, role: str, user: uuid.UUID) -> None:
    """The role and JWT claims PostgREST gives a request: anon's token names no user."""
    claims = f'{{"sub": "{user}", "role": "{role}"}}' if role == "authenticated" else f'{{"role": "{role}"}}'
    conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
    conn.execute(b"SELECT set_config('request.jwt.claims', %s, true)", (claims,))
    conn.execute(
        b"SELECT set_config('request.jwt.claim.sub', %s, true)", (str(user) if role != "anon" else "",)
    )
    conn.execute(b"SELECT set_config('request.jwt.claim.role', %s, true)", (role,))


@dataclass(frozen=True)
class _Attempt:
    what: str  # read, update, delete, create
    privilege: str
    command: str  # pg_policy.polcmd
    reached: Callable[[], bool]  # tried as the first user: was the second user's row reached?


def _ours(conn: Connection) -> None:
    """Before each query of ours in the proof's transaction: the project's triggers ran in it, and
    one may have set a search_path that puts its own `=` for uuid first (answering false: no row
    reached, a leak "held"); SET LOCAL, so the rollback takes it back."""
    conn.execute(OWN_SEARCH_PATH_LOCAL)


def _judge(conn: Connection, proof: Proof, table: str, attempt: _Attempt) -> None:
    _ours(conn)
    if not _may(conn, table, attempt.privilege):
        return
    if not attempt.reached():
        proof.held.append(attempt.what)
        return
    alone = _alone(conn, table, attempt)
    certain = [(name, true) for name, true, asks_more in alone if not asks_more]
    if certain:
        proof.leaks.append(attempt.what)
        proof.through[attempt.what] = [name for name, _ in certain]
        if all(true for _, true in certain):
            proof.always_true.add(attempt.what)
        return
    names = ", ".join(quoted(name) for name, _, _ in alone) or "policies that reach it only together"
    proof.unsure.append(
        f"{attempt.what} reached another's row through {names}, which ask the project's own functions "
        "or tables: the made-up rows may have given the user that access"
    )


def _alone(conn: Connection, table: str, attempt: _Attempt) -> list[tuple[str, bool, bool]]:
    """The policies that let the attempt through on their own, each tried with the others dropped
    (inside the proof's transaction, rolled back with it): (name, always true, asks more)."""
    _ours(conn)
    found_policies = conn.execute(_POLICIES.encode(), (table, attempt.command)).fetchall()
    policies = [(str(n), bool(t), bool(m)) for n, t, m in found_policies]
    found = []
    for name, true, asks_more in policies:
        conn.execute(b"SAVEPOINT alone")
        try:
            for other, _, _ in policies:
                _ours(conn)
                if other != name:
                    conn.execute(
                        sql.SQL("DROP POLICY {} ON {}").format(sql.Identifier(other), sql.SQL(table))
                    )
            if attempt.reached():
                found.append((name, true, asks_more))
        except psycopg.Error:
            pass  # not the table's owner: the policy cannot be told apart
        finally:
            conn.execute(b"ROLLBACK TO SAVEPOINT alone")
    return found


def _attempts(
    conn: Connection, table: str, columns: list[Column], owner: Column, users: list[uuid.UUID]
) -> list[_Attempt]:
    """As the first user, each thing the second user's row must be safe from, written the way an API
    call is: a write without a filter on the owner, since a filter would bring in the SELECT
    policies and hide a write policy that lets anyone through. Whether the second user's row was
    touched is then read back as the table's owner. Over 60 lines on purpose: the four attempts
    (read, update, delete, create the other's row) share the statements built at the top and the
    `tried` closure that runs each under a savepoint; apart, each piece would take them all as
    arguments, and the list of what a user must be kept from would no longer read as one."""
    me, other = users
    target, column = sql.SQL(table), sql.Identifier(owner.name)
    theirs = sql.SQL("{} = {}").format(column, sql.Literal(str(other)) + sql.SQL("::" + owner.type))
    plain = sorted(
        (c for c in columns if c.settable and c.name != owner.name), key=lambda c: c.category != "S"
    )
    settable = next((c for c in plain if staging.typed_value(c, me, 9) is not None), None)
    change = (
        sql.SQL("{} = {}").format(sql.Identifier(settable.name), staging.typed_value(settable, me, 9))
        if settable
        else sql.SQL("{} = {}").format(column, column)
    )

    mine = sql.SQL("{} = {}").format(column, sql.Literal(str(me)) + sql.SQL("::" + owner.type))
    clear = sql.SQL("DELETE FROM {} WHERE {}").format(target, mine)
    still = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(target, theirs)
    versions = sql.SQL("SELECT ctid FROM {} WHERE {}").format(target, theirs)

    def tried(
        statement: sql.Composed, counted: sql.SQL | sql.Composed | None, alone: bool = False
    ) -> Callable[[], bool]:
        """Run as the first user; the count that says the other's row was reached is read as the
        user (for a read) or back as the owner. With `alone`, the first user's own rows go first
        (as the owner), so that what a trigger on them does to the other's row is no leak."""

        def reached() -> bool:
            conn.execute(b"SAVEPOINT attempt")
            try:
                _ours(conn)
                if alone:
                    conn.execute(clear)
                    _ours(conn)
                    left = conn.execute(still).fetchone()
                    if not (left and left[0]):
                        return False  # the other's row went with the first user's: nothing to try
                _ours(conn)
                before = [str(r[0]) for r in conn.execute(versions).fetchall()]
                as_caller(conn, "authenticated", me)
                _ours(conn)
                done = conn.execute(statement)
                seen = done.fetchone() if counted is None else None
                conn.execute(b"RESET ROLE")
                _ours(conn)
                row = seen if counted is None else conn.execute(counted, {"before": before}).fetchone()
                return bool(row and row[0])
            except psycopg.Error:
                return False
            finally:
                conn.execute(b"ROLLBACK TO SAVEPOINT attempt")

        return reached

    read = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(target, theirs)
    update = sql.SQL("UPDATE {} SET {}").format(target, change)
    # a new row version, whatever the value written: a made-up value may equal the one there
    updated = sql.SQL("SELECT count(*) FROM {} WHERE {} AND NOT ctid = ANY (%(before)s::tid[])").format(
        target, theirs
    )
    delete = sql.SQL("DELETE FROM {}").format(target)
    # fewer of the other's rows than before (a trigger may have given them more than one)
    deleted = sql.SQL("SELECT cardinality(%(before)s::tid[]) - count(*) FROM {} WHERE {}").format(
        target, theirs
    )
    attempts = [
        _Attempt("read", "SELECT", "r", tried(read, None)),
        _Attempt("update", "UPDATE", "w", tried(update, updated, alone=True)),
        _Attempt("delete", "DELETE", "d", tried(delete, deleted, alone=True)),
    ]
    conn.execute(b"SAVEPOINT made_up")
    try:  # the other user's new row, made up as the owner: its parent rows are no attempt
        chosen, values = staging.row(conn, columns, owner, other, 3)
    except (psycopg.Error, ValueError):
        conn.execute(b"ROLLBACK TO SAVEPOINT made_up")
        return attempts  # no row to try creating with: neither held nor leaked
    create = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        target, sql.SQL(", ").join(sql.Identifier(c.name) for c in chosen), sql.SQL(", ").join(values)
    )
    created = sql.SQL("SELECT 1")
    return [*attempts, _Attempt("create", "INSERT", "a", tried(create, created))]


def _may(conn: Connection, table: str, privilege: str) -> bool:
    row = conn.execute(b"SELECT has_table_privilege(current_user, %s, %s)", (table, privilege)).fetchone()
    return bool(row and row[0])
