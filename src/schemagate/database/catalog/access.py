"""Who can read or write what through the Data API: `anon` and `authenticated`, per table.

A role may select, insert, update or delete rows of a table when it holds the privilege (on the
table, or on a column of it) and, when row level security is on, a permissive policy for that role
(or PUBLIC) and command lets it: restrictive policies only narrow what a permissive one allows, so
they are noted, never counted as access. Read twice, before and after a change, it says what the
change opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemagate.database.connection import Connection

ROLES = ("anon", "authenticated")
# A policy whose rows depend on who asks keeps callers apart (or means to: whether it does is the
# isolation proof's question); one whose expression reads only the row gives every caller the same
# rows. Who asks is read through auth.uid() and friends, the JWT and headers in settings, the role,
# a function of the project's own (it may read any of these: only built-ins are pinned, so only the
# project's functions are recorded as a policy's dependencies) or another table (whose own RLS
# depends on who asks).
CALLER = r"auth\.(uid|jwt|email|role)\(\)|current_user|session_user|current_role|current_setting|request\.jwt"
PRIVILEGES = ("select", "insert", "update", "delete")

_MATRIX = """
WITH pol AS (
  SELECT p.polrelid, p.polname, p.polpermissive, p.polcmd, p.polroles,
         concat_ws(' ', 'using (' || pg_get_expr(p.polqual, p.polrelid) || ')',
                   'with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')') AS expr,
         coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' '
           || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') ~* %(caller)s
         OR EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
                      AND (d.refclassid = 'pg_proc'::regclass
                           OR (d.refclassid = 'pg_class'::regclass AND d.refobjid <> p.polrelid))) AS caller
  FROM pg_policy p
)
SELECT format('%%s.%%I', c.relnamespace::regnamespace, c.relname), r.rolname, lower(v.priv),
       coalesce(has_table_privilege(r.oid, c.oid, v.priv)
                OR (v.priv <> 'DELETE' AND has_any_column_privilege(r.oid, c.oid, v.priv)), false),
       c.relrowsecurity,
       CASE WHEN EXISTS (SELECT 1 FROM aclexplode(c.relacl) g
                         WHERE g.grantee = r.oid AND g.privilege_type = v.priv) THEN 'grant to ' || r.rolname
            WHEN EXISTS (SELECT 1 FROM aclexplode(c.relacl) g
                         WHERE g.grantee = 0 AND g.privilege_type = v.priv) THEN 'grant to public'
            WHEN has_table_privilege(r.oid, c.oid, v.priv) THEN 'a role it is a member of'
            ELSE 'column privileges' END,
       (SELECT string_agg(quote_ident(p.polname), ', ' ORDER BY p.polname) FROM pol p
        WHERE p.polrelid = c.oid AND p.polpermissive AND p.polcmd IN ('*', v.cmd)
          AND (p.polroles = '{0}' OR r.oid = ANY (p.polroles))),
       (SELECT string_agg(quote_ident(p.polname), ', ' ORDER BY p.polname) FROM pol p
        WHERE p.polrelid = c.oid AND NOT p.polpermissive AND p.polcmd IN ('*', v.cmd)
          AND (p.polroles = '{0}' OR r.oid = ANY (p.polroles))),
       (SELECT array_agg(array[p.polname::text, p.expr] ORDER BY p.polname) FROM pol p
        WHERE p.polrelid = c.oid AND p.polpermissive AND p.polcmd IN ('*', v.cmd) AND NOT p.caller
          AND (p.polroles = '{0}' OR r.oid = ANY (p.polroles))),
       c.relkind::text
FROM pg_class c
CROSS JOIN pg_roles r
CROSS JOIN (VALUES ('SELECT', 'r'), ('INSERT', 'a'), ('UPDATE', 'w'), ('DELETE', 'd')) v(priv, cmd)
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND r.rolname = ANY (%(roles)s)
  AND c.relnamespace::regnamespace::text = ANY (%(schemas)s)
"""


@dataclass(frozen=True)
class Cell:
    table: str
    role: str
    privilege: str
    allowed: bool
    via: str  # the grant and the policies that allow it, or why not
    restricted_by: str | None = None  # restrictive policies that narrow it
    policies: tuple[str, ...] = ()  # the permissive policies allowing it, quoted as identifiers
    alike: tuple[tuple[str, str], ...] = ()  # (name, expression) of those that give every caller alike
    kind: str = "r"  # pg_class.relkind: r and p tables, v and m views, f foreign tables

    @property
    def scoped(self) -> bool:
        """Policies allow it, and none of them gives every caller the same rows."""
        return bool(self.policies) and not self.alike


@dataclass(frozen=True)
class Access:
    """One cell of the matrix before and after a change."""

    table: str
    role: str
    privilege: str
    before: bool
    after: bool
    via: str
    scoped: bool = False  # the rows it reaches depend on who asks
    alike: tuple[tuple[str, str], ...] = ()  # (policy, expression) giving every caller the same rows
    was_scoped: bool = False  # before the change, the rows depended on who asked
    kind: str = "r"  # pg_class.relkind of the relation

    def to_json(self) -> dict[str, object]:
        return {
            "table": self.table,
            "role": self.role,
            "privilege": self.privilege,
            "before": self.before,
            "after": self.after,
            "via": self.via,
            "depends_on_caller": self.scoped,
        }

    @property
    def widened(self) -> bool:
        """Open to every caller of the role alike now, and not before (no access, or rows that
        depended on who asked): through a policy, since RLS off is a finding of its own."""
        opened = not self.before or self.was_scoped
        return self.after and opened and bool(self.alike)

    @property
    def opened(self) -> bool:
        """Reachable now and not before, or now every caller's alike where rows depended on who
        asked: what the reviewer is shown, however it came (a policy, RLS off, a view)."""
        return self.after and (not self.before or self.widened)


def _cell(row: tuple[object, ...]) -> Cell:
    table, role, privilege, granted, rls, grant, permissive, restrictive, alike, kind = row
    what = (str(table), str(role), str(privilege))
    if not granted:
        return Cell(*what, False, f"no {privilege} privilege", kind=str(kind))
    if kind in {"v", "m"}:
        return Cell(*what, True, f"{grant}; a view", kind=str(kind))
    if not rls:
        return Cell(*what, True, f"{grant}; RLS off", kind=str(kind))
    if permissive is None:
        return Cell(*what, False, f"{grant}; RLS on, no policy for it", kind=str(kind))
    via = f"{grant}; policy {permissive}"
    names = tuple(str(permissive).split(", "))
    narrowed = str(restrictive) if restrictive else None
    open_to_all = tuple((str(name), str(expr)) for name, expr in (alike or []))  # type: ignore[attr-defined]
    return Cell(*what, True, via, narrowed, names, open_to_all, str(kind))


def matrix(conn: Connection, schemas: list[str]) -> dict[tuple[str, str, str], Cell]:
    """Every table of the exposed schemas, for each API role and privilege."""
    found = conn.execute(b"SELECT count(*) FROM pg_roles WHERE rolname = ANY (%s)", (list(ROLES),)).fetchone()
    if not found or found[0] != len(ROLES):
        return {}  # a plain PostgreSQL project: no API roles, nothing served
    rows = conn.execute(_MATRIX.encode(), {"roles": list(ROLES), "schemas": schemas, "caller": CALLER})
    cells = (_cell(tuple(row)) for row in rows.fetchall())
    return {(c.table, c.role, c.privilege): c for c in cells}


def compare(
    before: dict[tuple[str, str, str], Cell], after: dict[tuple[str, str, str], Cell], tables: list[str]
) -> list[Access]:
    """The matrix of the given tables, before and after; a table that is new had no access before."""
    out = []
    for table in tables:
        for role in ROLES:
            for privilege in PRIVILEGES:
                now = after.get((table, role, privilege))
                if now is None:
                    continue  # not in an exposed schema, or gone
                then = before.get((table, role, privilege))
                narrowed = f"; narrowed by restrictive {now.restricted_by}" if now.restricted_by else ""
                via = now.via + narrowed
                was = bool(then and then.allowed)
                own = bool(then and then.allowed and then.scoped)
                out.append(
                    Access(
                        table, role, privilege, was, now.allowed, via, now.scoped, now.alike, own, now.kind
                    )
                )
    return out


def new_views(before: dict[tuple[str, str, str], Cell], after: dict[tuple[str, str, str], Cell]) -> list[str]:
    """The views an API role reaches now and did not before: no table change names them."""
    reached = [
        key[0]
        for key, cell in after.items()
        if cell.kind in {"v", "m"} and cell.allowed and not (key in before and before[key].allowed)
    ]
    return list(dict.fromkeys(reached))


_CALLABLE = """
SELECT format('%%s.%%I(%%s)', p.pronamespace::regnamespace, p.proname,
              pg_get_function_identity_arguments(p.oid)), r.rolname, p.prosecdef
FROM pg_proc p CROSS JOIN pg_roles r
WHERE r.rolname = ANY (%(roles)s) AND p.pronamespace::regnamespace::text = ANY (%(schemas)s)
  AND p.prokind IN ('f', 'p') AND p.prorettype <> 'trigger'::regtype
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
  AND has_function_privilege(r.oid, p.oid, 'EXECUTE')
"""


def callable_functions(conn: Connection, schemas: list[str]) -> dict[tuple[str, str], bool]:
    """(function, role) -> whether it is SECURITY DEFINER: what the Data API lets each role call
    (an RPC), apart from trigger functions and what extensions own."""
    found = conn.execute(b"SELECT count(*) FROM pg_roles WHERE rolname = ANY (%s)", (list(ROLES),)).fetchone()
    if not found or found[0] != len(ROLES):
        return {}
    rows = conn.execute(_CALLABLE.encode(), {"roles": list(ROLES), "schemas": schemas}).fetchall()
    return {(str(name), str(role)): bool(definer) for name, role, definer in rows}
