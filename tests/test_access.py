"""The access matrix: what `anon` and `authenticated` may do to each table through the Data API,
read from a real catalog (grants, column privileges, RLS, permissive and restrictive policies), and
the rules on a change that widens it."""

from __future__ import annotations

import json

import pytest

from checking import commit_base, run_check
from conftest import Database, Project
from schemagate.database.catalog import access
from schemagate.database.catalog.access import Cell
from schemagate.report.markdown import render

NOTES = """
create table public.notes (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  body text not null
);
"""


def _matrix(db: Database, sql: str) -> dict[tuple[str, str, str], Cell]:
    with db.connect() as conn:  # as postgres, whose tables get Supabase's default grants
        conn.execute(sql.encode())
        return access.matrix(conn, ["public"])


def _cell(cells: dict[tuple[str, str, str], Cell], role: str, privilege: str) -> Cell:
    return cells[("public.notes", role, privilege)]


def test_rls_off_leaves_the_default_grants_open_to_both_roles(db: Database) -> None:
    cells = _matrix(db, NOTES)
    for role in access.ROLES:
        for privilege in access.PRIVILEGES:
            cell = _cell(cells, role, privilege)
            assert cell.allowed and cell.via == f"grant to {role}; RLS off", cell


def test_a_revoked_privilege_is_no_access_whatever_the_policies(db: Database) -> None:
    cells = _matrix(
        db,
        NOTES + "alter table public.notes enable row level security;"
        'create policy "all" on public.notes for all using (true);'
        "revoke delete on public.notes from anon;",
    )
    assert _cell(cells, "anon", "delete") == Cell(
        "public.notes", "anon", "delete", False, "no delete privilege"
    )
    assert _cell(cells, "authenticated", "delete").allowed  # a policy to PUBLIC is one for every role


def test_rls_on_without_a_policy_is_no_access(db: Database) -> None:
    cells = _matrix(db, NOTES + "alter table public.notes enable row level security;")
    cell = _cell(cells, "anon", "select")
    assert not cell.allowed and cell.via == "grant to anon; RLS on, no policy for it"


def test_a_permissive_policy_gives_its_role_and_command_only(db: Database) -> None:
    cells = _matrix(
        db,
        NOTES + "alter table public.notes enable row level security;"
        'create policy "read all" on public.notes for select to anon using (true);',
    )
    read = _cell(cells, "anon", "select")
    assert read.allowed and read.policies == ('"read all"',) and not read.scoped
    assert read.via == 'grant to anon; policy "read all"'
    assert not _cell(cells, "anon", "insert").allowed
    assert not _cell(cells, "authenticated", "select").allowed


def test_a_policy_naming_the_requesting_user_is_scoped_to_their_rows(db: Database) -> None:
    cells = _matrix(
        db,
        NOTES + "alter table public.notes enable row level security;"
        'create policy "own" on public.notes for update to authenticated'
        " using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);",
    )
    own = _cell(cells, "authenticated", "update")
    assert own.allowed and own.scoped


@pytest.mark.parametrize(
    ("setup", "expression"),
    [
        # a function of the project's may read who asks (and these do)
        (
            "create function public.may_read(n bigint) returns boolean language sql stable"
            " as $$ select auth.uid() is not null $$;",
            "public.may_read(id)",
        ),
        # another table, whose own policies depend on who asks
        (
            "create table public.shares (note_id bigint);",
            "exists (select 1 from public.shares s where s.note_id = notes.id)",
        ),
        ("", "current_setting('request.headers', true)::json ->> 'x-team' = 'red'"),
    ],
    ids=["function", "subquery", "headers"],
)
def test_a_policy_reading_who_asks_is_not_the_same_for_every_caller(
    setup: str, expression: str, db: Database
) -> None:
    cells = _matrix(
        db,
        NOTES + setup + "alter table public.notes enable row level security;"
        f'create policy "p" on public.notes for select to anon using ({expression});',
    )
    read = _cell(cells, "anon", "select")
    assert read.allowed and read.scoped and read.alike == ()


def test_a_policy_reading_only_the_row_is_the_same_for_every_caller(db: Database) -> None:
    cells = _matrix(
        db,
        NOTES + "alter table public.notes add column public boolean not null default false;"
        "alter table public.notes enable row level security;"
        "create policy \"published\" on public.notes for select to anon using (public and body <> '');",
    )
    read = _cell(cells, "anon", "select")
    assert not read.scoped
    assert read.alike == (("published", "using ((public AND (body <> ''::text)))"),)


def test_restrictive_policies_are_noted_and_never_count_as_access(db: Database) -> None:
    cells = _matrix(
        db,
        NOTES + "alter table public.notes enable row level security;"
        'create policy "only mine" on public.notes as restrictive for select to authenticated'
        " using ((select auth.uid()) = user_id);",
    )
    assert not _cell(cells, "authenticated", "select").allowed  # restrictive alone lets nothing in
    cells = _matrix(db, 'create policy "read all" on public.notes for select to authenticated using (true);')
    read = _cell(cells, "authenticated", "select")
    assert read.allowed and read.restricted_by == '"only mine"'


def test_column_privileges_give_access_to_the_columns_granted(db: Database) -> None:
    cells = _matrix(
        db, NOTES + "revoke all on public.notes from anon; grant select (id, body) on public.notes to anon;"
    )
    read = _cell(cells, "anon", "select")
    assert read.allowed and read.via == "column privileges; RLS off"
    assert not _cell(cells, "anon", "update").allowed


ALIKE = "gives every caller the same rows"


# the rules, on a checked change ------------------------------------------------------------------
TABLE = (
    NOTES
    + """
alter table public.notes enable row level security;
create policy "read own" on public.notes for select to authenticated using ((select auth.uid()) = user_id);
"""
)


def _widened(
    db: Database, project: Project, change: str, base: str = TABLE
) -> tuple[dict[str, object], list[str], str]:
    project.write("20251101000000_notes.sql", base)
    commit = commit_base(project)
    project.write("20251201000000_open.sql", change)
    report = run_check(db, base=commit)
    data = json.loads(json.dumps(report.to_json()))
    messages = [f"{f.rule.id}: {f.message}" for f in report.findings if f.rule.id.endswith("-access-widened")]
    return data, messages, render(report)


def test_a_policy_opening_an_existing_table_to_anon_is_an_error_naming_it(
    db: Database, project: Project
) -> None:
    data, messages, comment = _widened(
        db, project, 'create policy "public read" on public.notes for select to anon using (true);'
    )
    assert messages == [
        f'anon-access-widened: anon can now select public.notes: policy "public read" {ALIKE}, using (true)'
    ]
    cell = next(a for a in data["access"] if a["role"] == "anon" and a["privilege"] == "select")  # type: ignore[attr-defined]
    assert cell == {
        "table": "public.notes",
        "role": "anon",
        "privilege": "select",
        "before": False,
        "after": True,
        "via": 'grant to anon; policy "public read"',
        "depends_on_caller": False,
    }
    row = (
        "| public\\.notes | anon | select "
        '| 🔓 policy "public read" gives every caller the same rows\\: using \\(true\\) |'
    )
    assert row in comment.split("<details", 1)[0]  # open to anyone: never folded


def test_every_signed_in_user_reaching_every_row_is_a_warning(db: Database, project: Project) -> None:
    _, messages, _ = _widened(
        db, project, 'create policy "edit all" on public.notes for update to authenticated using (true);'
    )
    assert messages == [
        "authenticated-access-widened: authenticated can now update public.notes:"
        f' policy "edit all" {ALIKE}, using (true)'
    ]


def test_a_policy_that_stops_naming_the_user_widens_access(db: Database, project: Project) -> None:
    _, messages, _ = _widened(db, project, 'alter policy "read own" on public.notes using (true);')
    assert messages == [
        "authenticated-access-widened: authenticated can now select public.notes:"
        f' policy "read own" {ALIKE}, using (true)'
    ]


OPEN = (
    NOTES
    + """
alter table public.notes enable row level security;
create policy "read all" on public.notes for select to authenticated using (true);
"""
)


@pytest.mark.parametrize(
    ("change", "base"),
    [
        (
            'create policy "edit own" on public.notes for update to authenticated'
            " using ((select auth.uid()) = user_id);",
            TABLE,
        ),
        # access every caller had before is no widening
        ('create policy "read all too" on public.notes for select to authenticated using (true);', OPEN),
        # RLS off is rls-disabled's finding, not these rules'
        ("alter table public.notes disable row level security;", TABLE),
    ],
    ids=["scoped", "open-before", "rls-off"],
)
def test_no_widening_finding(change: str, base: str, db: Database, project: Project) -> None:
    data, messages, _ = _widened(db, project, change, base)
    assert messages == [], messages
    assert data["access"], "the matrix of the touched table is there all the same"


OPENED = """
create table if not exists public.projects (id bigint primary key, name text);
alter table public.projects disable row level security;
revoke all on public.projects from anon, authenticated;
grant select, insert on public.projects to authenticated;
create or replace view public.note_titles as select id from public.notes;
create or replace function public.note_count() returns bigint language sql security definer
  set search_path = '' as 'select count(*) from public.notes';
"""


def test_the_access_section_names_rls_off_with_grants_views_and_functions(
    db: Database, project: Project
) -> None:
    _, _, comment = _widened(db, project, OPENED)
    opened = comment.split("**🔑 Access this change opens:**", 1)[1].split("<details", 1)[0]
    rows = [line for line in opened.splitlines() if line.startswith("| public")]
    assert "| public\\.projects | authenticated | select, insert | 🔓 RLS off\\: every row |" in rows
    assert not [r for r in rows if r.startswith("| public\\.projects | anon")]  # revoked: not reached
    (view,) = [r for r in rows if r.startswith("| public\\.note\\_titles |")]
    assert "anon, authenticated | select" in view and "a view" in view
    assert "| public\\.note\\_count\\(\\) | anon, authenticated | call it (rpc) |" in opened
    assert "SECURITY DEFINER" in opened
