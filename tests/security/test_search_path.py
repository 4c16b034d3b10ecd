"""schemagate's own catalog queries run on the session the migrations ran on. A migration's SET (not
LOCAL) outlives its COMMIT, and a temp table lives as long as the session: with an operator
`public.=(oid, oid)` that answers false and `SET search_path = public, pg_catalog`, or a temp
`pg_class` with no rows, every catalog query afterwards would see nothing, and a table without
row level security would pass. Each trick leaves the findings as they are without it."""

from __future__ import annotations

import pytest
from attacks import check_attack

from conftest import Project

OPEN = "create table if not exists public.open_table (id int primary key);\n"
TRICKS = {
    "operators in public first": """
        create or replace function public.never(oid, oid) returns boolean language sql
          as $$ select false $$;
        create operator public.= (leftarg = oid, rightarg = oid, function = public.never);
        create or replace function public.never(name, name) returns boolean language sql
          as $$ select false $$;
        create operator public.= (leftarg = name, rightarg = name, function = public.never);
        set search_path = public, pg_catalog;
    """,
    "a temp pg_class with no rows": """
        create temp table pg_class as select * from pg_catalog.pg_class where false;
        create temp table pg_namespace as select * from pg_catalog.pg_namespace where false;
    """,
}


@pytest.mark.parametrize("supabase", [True, False], ids=["shim", "plain"])
@pytest.mark.parametrize("trick", TRICKS.values(), ids=TRICKS.keys())
def test_a_migration_cannot_make_the_catalog_queries_lie(
    project: Project, trick: str, supabase: bool
) -> None:
    report = check_attack(project, OPEN + trick, major=17, supabase=supabase)
    ids = {f.rule.id for f in report.findings}
    assert "apply-failed" not in ids, [f.message for f in report.findings]
    assert "rls-disabled" in ids and "missing-timestamps" in ids, ids
