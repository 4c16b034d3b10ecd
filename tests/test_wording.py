"""How findings read: policy names in quotes, snippets cut between clauses, and a file that does not
parse counted among the migrations it is an error in."""

from __future__ import annotations

from pathlib import Path

from checking import commit_base, run_check
from conftest import Database, Project
from schemagate.commands.linting import lint
from schemagate.config import Config
from schemagate.files.migrations import Migration
from schemagate.findings.judge import Options
from schemagate.report.markdown import headline
from schemagate.statements.sql import parse

PROFILES = "create table if not exists public.profiles (id uuid primary key);\n"
POLICY = (
    'create policy "Public profiles are viewable by everyone." on public.profiles for select using (true);\n'
)


def _label(sql: str) -> str:
    return parse(Migration("1", "x", Path("x.sql"), sql, "")).statements[0].label


def test_a_policy_is_named_in_quotes(project: Project) -> None:
    project.write(
        "20251201000000_profiles.sql", PROFILES + POLICY.replace("using (true)", "using (auth.uid() = id)")
    )
    messages = [f.message for f in lint(Config(), Options()).findings]
    assert (
        'policy "Public profiles are viewable by everyone." on public.profiles is created without a DROP … '
        "IF EXISTS before it"
    ) in messages
    assert (
        'policy "Public profiles are viewable by everyone." calls auth.uid() per row;'
        " write (SELECT auth.uid())"
    ) in messages


def test_a_long_statement_is_cut_before_a_clause_never_inside_a_name() -> None:
    assert _label(POLICY) == 'create policy "Public profiles are viewable by everyone." …'
    assert (
        _label("create trigger orders_hook after insert on public.orders for each row execute function f();")
        == "create trigger orders_hook after insert on public.orders …"
    )
    # short ones whole, as before: up to the first parenthesis
    assert _label("create table public.line_items (id bigint);") == "create table public.line_items"
    assert _label("alter table public.orders add column note text;") == (
        "alter table public.orders add column note text"
    )


def test_a_syntax_error_counts_the_file_that_failed(project: Project, db: Database) -> None:
    base = commit_base(project)
    project.write("20251201000000_ok.sql", PROFILES)
    broken = project.write("20251202000000_broken.sql", "create tabel public.oops (id int);\n")
    for report in (lint(Config(), Options(base=base)), run_check(db, base=base)):
        assert headline(report).endswith("1 error in 2 new migrations"), headline(report)
        failed = [m for m in report.migrations if m.status == "failed"]
        assert [m.filename for m in failed] == [broken.name]
        assert [f.rule.id for f in failed[0].findings] == ["invalid-migration-file"]


def test_a_long_line_is_cut_between_words() -> None:
    from schemagate.statements.drafts import draft

    sql = (
        "update public.orders set status = 'archived', archived_at = now()"
        " where created_at < now() - interval '1 year';"
    )
    (needs,) = draft(parse(Migration("1", "x", Path("x.sql"), sql, ""))).needs_human
    assert needs == (
        "line 1: `update public.orders set status = 'archived', archived_at = now() …`"
        " — the old values are gone"
    )
