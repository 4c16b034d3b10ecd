"""What the change opens through the Data API: access widened to every caller, and isolation leaks.

Judged from the access matrix before and after the change (`access.py`) and from trying two
synthetic users against each new table that means to keep them apart (`isolation.py`). A table
with RLS off is left to `rls-disabled`: one mistake, one finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from schemagate.findings import rule
from schemagate.findings.rules.catalog_rules import Row
from schemagate.statements.sql import shortened
from schemagate.statements.tree import quoted

if TYPE_CHECKING:  # `lint` loads every rule and no database driver
    from schemagate.database.catalog.access import Access
    from schemagate.findings.isolation import Proof

_READ_OWN = (
    'create policy "read own" on public.notes for select to authenticated\n'
    "  using ((select auth.uid()) = user_id);"
)
_TABLE = (
    "create table if not exists public.notes (\n"
    "  id bigint generated always as identity primary key,\n"
    "  user_id uuid not null references auth.users (id) on delete cascade,\n"
    "  body text not null\n"
    ");\n"
    "alter table public.notes enable row level security;\n"
)
ANON_ACCESS_WIDENED = rule(
    "anon-access-widened",
    "error",
    "security",
    "anon can do no more than before",
    "Anyone with the project's public anon key, which ships in every client, can now read or write "
    "these rows: a policy lets anon in on the row's data alone, the same rows for every caller.",
    'DROP POLICY IF EXISTS "p" ON public.notes;\n'
    'CREATE POLICY "p" ON public.notes FOR SELECT TO authenticated USING ((select auth.uid()) = user_id);\n'
    "-- or, for rows meant for everyone: -- schemagate: ignore anon-access-widened -- <why>",
    bad=_TABLE + 'create policy "read all" on public.notes for select to anon using (true);',
    good=_TABLE + _READ_OWN,
)
AUTHENTICATED_ACCESS_WIDENED = rule(
    "authenticated-access-widened",
    "warning",
    "security",
    "Signed-in users reach only the rows meant for them",
    "Every signed-in user, whoever they are, can now read or write the same rows: the policy reads "
    "the row alone, never who asks (auth.uid(), the JWT, a function or a table of the project's).",
    'CREATE POLICY "p" ON public.notes FOR SELECT TO authenticated USING ((select auth.uid()) = user_id);',
    bad=_TABLE + 'create policy "read all" on public.notes for select to authenticated using (true);',
    good=_TABLE + _READ_OWN,
)
ISOLATION_LEAK = rule(
    "isolation-leak",
    "error",
    "policies",
    "One user cannot reach another's rows",
    "The table's policies compare a column with auth.uid() to keep users apart, yet one synthetic "
    "user could reach the other's row (tried in a transaction that was rolled back).",
    "-- every command's policy names the user:\n"
    'CREATE POLICY "p" ON public.notes FOR UPDATE TO authenticated\n'
    "  USING ((select auth.uid()) = user_id) WITH CHECK ((select auth.uid()) = user_id);",
    bad=_TABLE
    + _READ_OWN
    + '\ncreate policy "delete any" on public.notes for delete to authenticated using (user_id is not null);',
    good=_TABLE + _READ_OWN + '\ncreate policy "delete own" on public.notes for delete to authenticated\n'
    "  using ((select auth.uid()) = user_id);",
)
_ROLE_RULE = {"anon": ANON_ACCESS_WIDENED, "authenticated": AUTHENTICATED_ACCESS_WIDENED}


_LEAKED = {"read": "select", "update": "update", "delete": "delete", "create": "insert"}


def widened(matrix: Iterable[Access], proofs: Iterable[Proof] = ()) -> list[Row]:
    """One finding per table, role and policy that opens rows to every caller of the role alike;
    what an isolation proof caught leaking is that proof's finding (one mistake, one finding)."""
    leaked = {(p.table, "authenticated", _LEAKED[what]) for p in proofs for what in p.leaks}
    grouped: dict[tuple[str, str, str, str], list[str]] = {}
    for cell in matrix:
        if cell.widened and (cell.table, cell.role, cell.privilege) not in leaked:
            policy, expression = cell.alike[0]
            grouped.setdefault((cell.table, cell.role, policy, expression), []).append(cell.privilege)
    rows = []
    for (table, role, policy, expression), privileges in grouped.items():
        what = ", ".join(privileges)
        shown = shortened(expression, 80)
        alike = f"policy {quoted(policy)} gives every caller the same rows"
        message = f"{role} can now {what} {table}: {alike}, {shown}"
        rows.append(Row(_ROLE_RULE[role], "policy", f"{table}|{policy}", table, message))
    return rows


def leaks(proofs: Iterable[Proof]) -> list[Row]:
    rows = []
    for proof in proofs:
        # a write through USING (true) alone is policy-always-true-write's, at its statement
        leaked = [what for what in proof.leaks if what not in proof.always_true]
        if leaked:
            policies = sorted({name for what in leaked for name in proof.through.get(what, [])})
            through = ", ".join(quoted(name) for name in policies)
            message = (
                f"one signed-in user could {', '.join(leaked)} another's row of {proof.table} "
                f"through policy {through}, although its policies compare {proof.owner} with auth.uid()"
            )
            rows.append(Row(ISOLATION_LEAK, "table", proof.table, proof.table, message))
    return rows
