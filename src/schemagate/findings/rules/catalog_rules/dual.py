"""Rules that `check` judges from the catalog and `lint`, without a database, from the parse tree.

Each rule here is one unit: its declaration, its catalog query (the final word once the migrations
ran: a policy a later migration replaced is judged as it now is) and its reading of one statement's
parse tree. The reading stands in for the query where there is no database (`lint`) or where the
catalog was never reached (a check stopped early), and it tells whether a rewrite of a statement
still breaks the rule (the remedies). The catalog family runs `QUERIES`; the statements family runs
`on_tree`; once the catalog has judged, `check` drops the tree's stand-ins (`superseded`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from schemagate.findings import Finding, Rule, rule
from schemagate.findings.rules.catalog_rules.fragments import CONSTRAINT, POLICY, POLICY_NAME, TABLE, TABLES
from schemagate.statements.sql import Statement
from schemagate.statements.tree import Node, quoted, relation, strings, walk

FOREIGN_KEY_WITHOUT_ON_DELETE = rule(
    "foreign-key-without-on-delete",
    "warning",
    "on-delete",
    "Foreign keys say ON DELETE",
    "Without an explicit ON DELETE the default (NO ACTION) makes deleting a parent fail at run time; "
    "the cascade behaviour should be a decision (an explicit NO ACTION reads the same "
    "as none in the parse tree, so write RESTRICT to mean it).",
    "user_id uuid REFERENCES auth.users (id) ON DELETE CASCADE",
    bad=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid references auth.users (id)\n"
        ");"
    ),
    good=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid references auth.users (id) on delete cascade\n"
        ");"
    ),
)


def _constraints(element: Node) -> Iterator[Node]:
    """Constraints of one table element: a column's own, or a table constraint."""
    if "ColumnDef" in element:
        for constraint in element["ColumnDef"].get("constraints", ()):
            yield constraint.get("Constraint", {})
    elif "Constraint" in element:
        yield element["Constraint"]


def _foreign_keys(stmt: Statement) -> Iterator[Node]:
    """FOREIGN KEY constraints in CREATE TABLE and ALTER TABLE, where the grammar allows them."""
    if stmt.node_type == "CreateStmt":
        elements = stmt.node.get("tableElts", [])
    elif stmt.node_type == "AlterTableStmt":
        elements = [
            c["AlterTableCmd"]["def"]
            for c in stmt.node.get("cmds", ())
            if "def" in c.get("AlterTableCmd", {})
        ]
    else:
        return
    for element in elements:
        for constraint in _constraints(element):
            if constraint.get("contype") == "CONSTR_FOREIGN":
                yield constraint


def _foreign_key_without_on_delete(stmt: Statement) -> Iterator[str]:
    for fk in _foreign_keys(stmt):
        if fk.get("fk_del_action", "a") == "a":
            yield f"foreign key to {relation(fk.get('pktable'))} has no ON DELETE action"


AUTH_CALL_PER_ROW = rule(
    "auth-call-per-row",
    "warning",
    "policies",
    "Policies call auth functions once per query",
    "auth.uid() / auth.jwt() (or current_setting()) written bare in a policy, or inside an EXISTS "
    "sub-query, is evaluated for every row; alone in a sub-select, PostgreSQL evaluates it once "
    "per statement.",
    "USING ((SELECT auth.uid()) = user_id)",
    alias="auth_rls_initplan",
    bad=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "alter table public.notes enable row level security;\n"
        'create policy "own notes" on public.notes for select to authenticated\n'
        "  using (auth.uid() = user_id);"
    ),
    good=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "alter table public.notes enable row level security;\n"
        'create policy "own notes" on public.notes for select to authenticated\n'
        "  using ((select auth.uid()) = user_id);"
    ),
)


_AUTH_FUNCTIONS = {"uid", "jwt", "role", "email"}


def _per_row_call(names: list[str]) -> str | None:
    """The calls the advisor wants wrapped: auth's helpers and current_setting()."""
    if len(names) == 2 and names[0] == "auth" and names[1] in _AUTH_FUNCTIONS:
        return f"auth.{names[1]}()"
    if names in (["current_setting"], ["pg_catalog", "current_setting"]):
        return "current_setting()"
    return None


def _wrapped(node: Node) -> int | None:
    """Where the call is that a scalar sub-select of only that call, `(SELECT auth.uid())`, holds:
    PostgreSQL evaluates that once per statement (an initplan)."""
    if node.get("subLinkType") != "EXPR_SUBLINK":
        return None
    select = node.get("subselect", {}).get("SelectStmt", {})
    targets = select.get("targetList", [])
    if select.get("fromClause") or len(targets) != 1:
        return None
    call = targets[0].get("ResTarget", {}).get("val", {}).get("FuncCall")
    return int(call["location"]) if call else None


def _auth_per_row(stmt: Statement) -> Iterator[str]:
    """Calls in a policy evaluated for every row: any not alone in a scalar sub-select, including
    those inside an EXISTS or IN sub-query, which runs per outer row."""
    if stmt.node_type not in {"CreatePolicyStmt", "AlterPolicyStmt"}:
        return
    for part in ("qual", "with_check"):
        nodes = list(walk({"_": stmt.node.get(part) or {}}))
        once = {at for key, node, _ in nodes if key == "SubLink" and (at := _wrapped(node)) is not None}
        for key, node, _ in nodes:
            if key == "FuncCall" and node.get("location") not in once:
                call = _per_row_call(strings(node.get("funcname")))
                if call:
                    yield call


def _auth_call_per_row(stmt: Statement) -> Iterator[str]:
    for call in sorted(set(_auth_per_row(stmt))):
        yield f"policy {quoted(str(stmt.node.get('policy_name')))} calls {call} per row; write (SELECT {call})"


# auth_rls_initplan, as the advisor reads a policy: an auth function (or current_setting()) in its
# expression, and no sub-select of it anywhere in that expression.
_PER_ROW = " OR ".join(
    f"(e.expr LIKE '%{call}%' AND lower(e.expr) NOT LIKE '%select {call}%')"
    for call in ("auth.uid()", "auth.jwt()", "auth.role()", "auth.email()", "current\\_setting(%)")
)

QUERIES: dict[Rule, str] = {
    FOREIGN_KEY_WITHOUT_ON_DELETE: f"""
        SELECT 'constraint', {CONSTRAINT}, {TABLE},
               format('foreign key %s on %s to %s has no ON DELETE action', k.conname, {TABLE},
                      k.confrelid::regclass), NULL
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE {TABLES} AND k.contype = 'f' AND k.confdeltype = 'a'""",
    AUTH_CALL_PER_ROW: f"""
        SELECT 'policy', {POLICY}, {TABLE},
               format('policy %s on %s calls an auth function or current_setting() per row; '
                      'write (SELECT auth.uid()), for instance', {POLICY_NAME}, {TABLE}), NULL
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        CROSS JOIN LATERAL (VALUES (coalesce(pg_get_expr(p.polqual, p.polrelid), '')),
                                   (coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''))) e(expr)
        WHERE {TABLES} AND c.relrowsecurity AND ({_PER_ROW})
        GROUP BY c.oid, c.relnamespace, c.relname, p.polname""",
}
_TREE: dict[Rule, Callable[[Statement], Iterator[str]]] = {
    FOREIGN_KEY_WITHOUT_ON_DELETE: _foreign_key_without_on_delete,
    AUTH_CALL_PER_ROW: _auth_call_per_row,
}


def on_tree(made: Rule, stmt: Statement) -> Iterator[tuple[Rule, str]]:
    """(rule, message) for each way one statement breaks the rule, read from its parse tree."""
    for message in _TREE[made](stmt):
        yield made, message


def superseded(finding: Finding) -> bool:
    """Whether the finding is a parse-tree stand-in for a rule the catalog has now judged."""
    return finding.rule.id in {made.id for made in _TREE}
