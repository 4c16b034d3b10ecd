"""A project's pgTAP files on the throwaway database: read as psql reads them, run as pg_prove runs
them, judged as TAP::Parser judges them; in `schemagate test` and in `check`'s report.

The SQL here is written for these tests; real pgTAP (Debian's postgresql-15-pgtap) runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from actionrun import pr_payload, run_action
from checking import commit_base, run_check
from conftest import Database, Project, Run
from fakegithub import FakeGitHub
from schemagate.commands import checking
from schemagate.config import Config
from schemagate.database.dbtests import execute, parallel
from schemagate.database.dbtests.psqlscript import Echo, Session, Sql, steps
from schemagate.database.dbtests.tap import FileResult, TapReader, Where
from schemagate.errors import InputError
from schemagate.report import markdown

NOTES = """
create table public.notes (
  id bigint generated always as identity primary key,
  owner uuid not null default auth.uid(),
  body text not null
);
alter table public.notes enable row level security;
create policy "own notes" on public.notes for select to authenticated using (owner = (select auth.uid()));
grant select, insert on public.notes to authenticated, anon;
"""
ALICE = "00000000-0000-0000-0000-00000000000a"
BOB = "00000000-0000-0000-0000-00000000000b"
# RLS as the Data API applies it: a role and the JWT's claims, for this transaction only
RLS_TEST = f"""
begin;
select plan(3);
insert into public.notes (owner, body) values ('{ALICE}', 'alice'), ('{BOB}', 'bob');
set local role authenticated;
set local request.jwt.claims = '{{"sub": "{ALICE}", "role": "authenticated"}}';
select results_eq('select body from public.notes', $$values ('alice')$$, 'alice sees only her note');
reset role;
set local role anon;
set local request.jwt.claims = '{{"role": "anon"}}';
select is_empty('select * from public.notes', 'anon sees no note');
reset role;
select is((select count(*)::int from public.notes), 2, 'both notes are there');
select * from finish();
rollback;
"""


def _tap(text: str) -> FileResult:
    result = FileResult(Path("t.sql"))
    reader = TapReader(result)
    for number, line in enumerate(textwrap.dedent(text).strip().splitlines(), 1):
        reader.feed(line, Where(Path("t.sql"), number))
    return result


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), "utf-8")
    return path


# TAP ---------------------------------------------------------------------------------------------
def test_tap_plans_skips_todos_and_diagnostics() -> None:
    result = _tap(
        """
        1..4
        ok 1 - has a \\# in it
        not ok 2 - not there yet # TODO next sprint
        ok 3 # SKIP no network here
        not ok 4 - arithmetic
        # Failed test 4: "arithmetic"
        #         have: 2
        #         want: 3
        a row that is not TAP
        """
    )
    assert result.status == "failed"
    assert [a.description for a in result.assertions] == ["has a # in it", "not there yet", "", "arithmetic"]
    assert [(a.directive, a.reason) for a in result.assertions[1:3]] == [
        ("todo", "next sprint"),
        ("skip", "no network here"),
    ]
    [failure] = result.failures  # the TODO does not count
    assert failure.where.line == 5
    assert failure.diagnostics == ['Failed test 4: "arithmetic"', "        have: 2", "        want: 3"]
    assert result.problems == []


@pytest.mark.parametrize(
    ("tap", "status", "problems"),
    [
        ("1..2\nok 1\nok 2", "passed", []),
        ("ok 1\nok 2\n1..2", "passed", []),  # no_plan(): the plan comes last
        ("1..0 # Skipped: no pgsodium", "skipped", []),
        ("1..3\nok 1\nok 2", "failed", ["Bad plan. You planned 3 tests but ran 2."]),
        ("ok 1", "failed", ["No plan found in TAP output"]),
        ("1..2\nok 1\nBail out! no database\nnot ok 2", "failed", ["Bail out! no database"]),
        ("1..2\nok 1\nok 3", "failed", ["Tests out of sequence: 3"]),
    ],
)
def test_tap_file_verdicts(tap: str, status: str, problems: list[str]) -> None:
    result = _tap(tap)
    assert (result.status, result.problems) == (status, problems)


# psql scripts ------------------------------------------------------------------------------------
def _steps(path: Path, root: Path) -> list[Sql | Echo]:
    return list(steps(path, Session(root, root)))


def test_psql_variables_includes_and_where_statements_end(tmp_path: Path) -> None:
    _write(tmp_path, "helpers/setup.sql", "select 'from setup';\n\\ir more.sql\n")
    _write(tmp_path, "helpers/more.sql", "select 'nested';\n")
    path = _write(
        tmp_path,
        "db/t.test.sql",
        r"""
        \set uid '00000000-0000-0000-0000-000000000001'
        \set tbl notes
        \i helpers/setup.sql
        select :'uid'::uuid, :"tbl", ':uid', $$ :uid; $$, 1::int; -- :uid; not here
        /* ; */ select
          ';' as semi;
        \echo # a diagnostic
        create function f() returns int language sql begin atomic select 1; select 2; end;
        select E'it\'s; fine', :missing;
        """,
    )
    got = _steps(path, tmp_path)
    assert [(type(s).__name__, s.path.name, s.line) for s in got] == [
        ("Sql", "setup.sql", 1),
        ("Sql", "more.sql", 1),
        ("Sql", "t.test.sql", 4),
        ("Sql", "t.test.sql", 5),
        ("Echo", "t.test.sql", 7),
        ("Sql", "t.test.sql", 8),
        ("Sql", "t.test.sql", 9),
    ]
    assert got[2].text == (
        "select '00000000-0000-0000-0000-000000000001'::uuid, \"notes\", ':uid', $$ :uid; $$, 1::int"
    )
    assert got[4].text == "# a diagnostic"
    assert got[5].text.endswith("select 2; end")
    assert got[6].text == "select E'it\\'s; fine', :missing"


def test_set_arguments_interpolate_and_quote_as_psql_does(tmp_path: Path) -> None:
    # what psql 15 prints for each \echo (checked by hand): suites build a value from others with
    # `\set whole :'first' ...`, and the value is what their tests then compare
    path = _write(
        tmp_path,
        "vars.sql",
        r"""
        \set greeting 'it''s me'
        \set path 'C:\\tmp'
        \set joined :'greeting' || ' ' || :'path'
        \echo [:joined]
        \set mixed x:'greeting'y :"greeting" :'unset' "q:greeting" ':greeting'
        \echo [:mixed]
        \set cut 'a\\b' \\ select :'path';
        """,
    )
    got = _steps(path, tmp_path)
    assert [s.text for s in got] == [
        "['it''s me'|| || E'C:\\\\tmp']",
        """[x'it''s me'y"it's me":'unset'"q:greeting":greeting]""",
        "select  E'C:\\\\tmp'",
    ]


def test_a_byte_order_mark_is_skipped_as_psql_skips_it(tmp_path: Path) -> None:
    path = tmp_path / "bom.sql"
    path.write_bytes("\ufeffbegin;\r\nselect 1;\r\n".encode())
    assert [(s.text, s.line) for s in _steps(path, tmp_path)] == [("begin", 1), ("select 1", 2)]


def test_psql_meta_commands_refused_with_file_and_line(tmp_path: Path) -> None:
    gexec = _write(tmp_path, "a.sql", "select 1;\n\n\\gexec\n")
    with pytest.raises(InputError) as refused:
        _steps(gexec, tmp_path)
    assert (refused.value.path, refused.value.line) == (gexec, 3)
    assert "\\gexec is not supported" in refused.value.message
    loop = _write(tmp_path, "loop.sql", "\\ir loop.sql\n")
    with pytest.raises(InputError, match="includes itself"):
        _steps(loop, tmp_path)


# on the database ---------------------------------------------------------------------------------
def _run(db: Database, root: Path, *names: str) -> execute.Suite:
    files = [root / n for n in names]
    return execute.run(db.url, files, folder=root, root=root)


def _mixed_suite(db: Database, tmp_path: Path) -> list[str]:
    """Files that depend on what the files before them left, and on what they rolled back."""
    with db.connect() as conn:
        conn.execute(NOTES)
    _write(tmp_path, "a_rls.sql", RLS_TEST)
    _write(
        tmp_path,
        "b_00000_helpers.sql",  # no transaction of its own: it keeps what it made, as with pg_prove
        """
        create schema helpers;
        create function helpers.answer() returns int language sql as 'select 42';
        """,
    )
    _write(
        tmp_path,
        "b_left_open.sql",  # a transaction it never ends: rolled back as psql's exit rolls it back
        """
        begin;
        select plan(1);
        create table public.left_open (id int);
        select pass('made a table');
        """,
    )
    _write(
        tmp_path,
        "c_after.sql",
        """
        begin;
        select plan(3);
        select is(helpers.answer(), 42, 'the helpers file kept its function');
        select hasnt_table('public', 'left_open', 'the open transaction was rolled back');
        select is((select count(*)::int from public.notes), 0, 'the RLS file rolled back its rows');
        select * from finish();
        rollback;
        """,
    )
    _write(
        tmp_path,
        "d_error.sql",
        """
        begin;
        select plan(3);
        select pass('one');
        select *
          from public.nowhere;
        select pass('never runs');
        """,
    )
    return ["a_rls.sql", "b_00000_helpers.sql", "b_left_open.sql", "c_after.sql", "d_error.sql"]


def test_files_run_as_pg_prove_runs_them(db: Database, tmp_path: Path) -> None:
    suite = _run(db, tmp_path, *_mixed_suite(db, tmp_path))
    assert [(f.path.name, f.status, len(f.assertions)) for f in suite.files] == [
        ("a_rls.sql", "passed", 3),
        ("b_00000_helpers.sql", "failed", 0),  # no plan: pg_prove fails such a file too
        ("b_left_open.sql", "passed", 1),
        ("c_after.sql", "passed", 3),
        ("d_error.sql", "failed", 1),
    ]
    error = suite.files[4].error
    assert error is not None and error.where is not None
    assert (error.where.line, error.sqlstate) == (5, "42P01")  # the line the server points at
    assert suite.files[4].problems[1] == "Bad plan. You planned 3 tests but ran 1."
    assert db.tables() == ["notes", "notes_pkey"]


def _seen(suite: execute.Suite) -> list[object]:
    """All a run says about its files, but how long they took."""
    return [
        (f.path.name, f.status, f.assertions, f.planned, f.problems, f.error, f.unverified, f.skip_all)
        for f in suite.files
    ]


def _on_which_database(db: Database, tmp_path: Path) -> list[str]:
    names = _mixed_suite(db, tmp_path)
    for name in ("e_where.sql", "f_where.sql"):  # each says which database it ran on
        _write(tmp_path, name, "begin;\nselect plan(1);\nselect pass(current_database());\nrollback;\n")
    return [*names, "e_where.sql", "f_where.sql"]


def test_files_side_by_side_give_the_results_of_one_after_the_other(db: Database, tmp_path: Path) -> None:
    files = [tmp_path / n for n in _on_which_database(db, tmp_path)]
    # the helpers file may keep something: the files after it start from the state it left
    assert [[p.name for p in step] for step in parallel.schedule(files, tmp_path, tmp_path)] == [
        ["a_rls.sql"],
        ["b_00000_helpers.sql"],
        ["b_left_open.sql", "c_after.sql", "d_error.sql", "e_where.sql", "f_where.sql"],
    ]
    serial = execute.run(db.url, files, folder=tmp_path, root=tmp_path)
    with db.connect(admin=True) as conn:  # the helpers file kept its schema: start again without it
        conn.execute("drop schema helpers cascade")
    side = execute.run(db.url, files, folder=tmp_path, root=tmp_path, jobs=3, admin_url=db.admin_url)
    assert _seen(side)[:-2] == _seen(serial)[:-2]
    assert [f.assertions[0].description for f in serial.files[-2:]] == [db.name, db.name]
    # three lanes (the database and two copies), each running its share of the batch in order:
    # b_left_open then e on the database, c_after then f on the first copy, d_error on the second
    assert [f.assertions[0].description for f in side.files[-2:]] == [db.name, f"{db.name}_copy0"]
    assert db.scalar("select count(*) from pg_database where datname like '%%\\_copy%%'") == 0


def test_a_database_that_cannot_be_copied_runs_its_files_one_after_the_other(
    db: Database, tmp_path: Path
) -> None:
    files = [tmp_path / n for n in _on_which_database(db, tmp_path)]
    with db.connect():  # a session on the database: CREATE DATABASE … TEMPLATE refuses to copy it
        side = execute.run(db.url, files, folder=tmp_path, root=tmp_path, jobs=2, admin_url=db.admin_url)
    assert [f.status for f in side.files] == [
        "passed",
        "failed",
        "passed",
        "passed",
        "failed",
        "passed",
        "passed",
    ]
    assert [f.assertions[0].description for f in side.files[-2:]] == [db.name, db.name]


def test_a_policy_that_leaks_fails_the_rls_test_at_its_line(db: Database, tmp_path: Path) -> None:
    with db.connect() as conn:
        conn.execute(NOTES.replace("using (owner = (select auth.uid()))", "using (true)"))
    path = _write(tmp_path, "rls.sql", RLS_TEST)
    [result] = _run(db, tmp_path, "rls.sql").files
    [failure] = result.failures
    assert (failure.number, failure.where.path, failure.where.line) == (1, path, 6)
    assert failure.description == "alice sees only her note"
    assert any("Extra records" in d or "Results differ" in d for d in failure.diagnostics), (
        failure.diagnostics
    )


def test_a_helper_library_the_server_lacks_is_could_not_verify(db: Database, tmp_path: Path) -> None:
    _write(
        tmp_path,
        "helpers.sql",
        """
        begin;
        create extension if not exists "acme-test_helpers" version '0.0.6';  -- from database.dev
        select plan(1);
        select pass('never runs');
        rollback;
        """,
    )
    _write(
        tmp_path,
        "dbdev.sql",  # the network install database.dev documents: the http stand-in sends nothing
        """
        create extension if not exists http with schema extensions;
        select plan(1);
        select extensions.http_get('https://example.invalid/package');
        """,
    )
    [helpers, dbdev] = _run(db, tmp_path, "helpers.sql", "dbdev.sql").files
    assert helpers.status == "unverified"
    assert helpers.unverified == (
        "could not verify: needs acme-test_helpers from database.dev, which a check cannot download "
        '(no network): extension "acme-test_helpers" is not available'
    )
    assert helpers.error is not None and helpers.error.where == Where(tmp_path / "helpers.sql", 2)
    assert dbdev.status == "unverified" and "http stand-in sends no requests" in (dbdev.unverified or "")


BASEJUMP = "basejump-supabase_test_helpers"


def test_a_missing_database_dev_package_is_named_and_the_files_that_need_it_not_blamed(
    db: Database, tmp_path: Path
) -> None:
    """basejump's documented setup downloads dbdev, then its test helpers: without a network the
    setup file, and each later file that stops on the helpers it would have made, could not be
    verified, naming the package; every other file runs and is judged as usual."""
    _write(
        tmp_path,
        "00000-supabase_test_helpers.sql",
        f"""
        create extension if not exists http with schema extensions;
        select extensions.http_get('https://database.dev/supabase/dbdev');
        create extension if not exists "supabase-dbdev";
        select dbdev.install('{BASEJUMP}');
        create extension if not exists "{BASEJUMP}" version '0.0.6';
        """,
    )
    uses = (
        "begin;\nselect plan(2);\nselect tests.create_supabase_user('alice');\nselect pass('a');\nrollback;\n"
    )
    _write(tmp_path, "01_uses_helpers.sql", uses)
    _write(tmp_path, "02_own.sql", "begin;\nselect plan(1);\nselect pass('needs nothing');\nrollback;\n")
    _write(tmp_path, "03_fails.sql", "begin;\nselect plan(1);\nselect ok(false, 'broken');\nrollback;\n")
    _write(tmp_path, "04_error.sql", "begin;\nselect plan(1);\nselect 1/0;\nrollback;\n")
    _write(tmp_path, "05_install_here.sql", f"begin;\nselect dbdev.install('{BASEJUMP}');\nrollback;\n")
    names = ["00000-supabase_test_helpers.sql", "01_uses_helpers.sql", "02_own.sql"]
    names += ["03_fails.sql", "04_error.sql", "05_install_here.sql"]
    suite = _run(db, tmp_path, *names)
    assert [f.status for f in suite.files] == [
        "unverified",
        "unverified",
        "passed",
        "failed",
        "failed",
        "unverified",
    ]
    setup, uses_helpers, _, _, _, here = suite.files
    needs = f"could not verify: needs {BASEJUMP} from database.dev"
    assert setup.unverified is not None and setup.unverified.startswith(
        needs + ", which a check cannot download"
    )
    assert "http stand-in sends no requests" in setup.unverified
    assert uses_helpers.unverified == (
        f'{needs}, which was not installed here (no network in a check): schema "tests" does not exist'
    )
    assert (
        here.unverified
        == f'{needs}, which a check cannot download (no network): schema "dbdev" does not exist'
    )
    files = [tmp_path / n for n in names]
    side = execute.run(db.url, files, folder=tmp_path, root=tmp_path, jobs=2, admin_url=db.admin_url)
    assert _seen(side) == _seen(suite)


def test_without_a_missing_package_an_undefined_function_fails_the_file(db: Database, tmp_path: Path) -> None:
    _write(
        tmp_path, "a.sql", "begin;\nselect plan(1);\nselect tests.create_supabase_user('alice');\nrollback;\n"
    )
    [result] = _run(db, tmp_path, "a.sql").files
    assert result.status == "failed" and result.error is not None and result.error.sqlstate == "3F000"


def test_bail_out_stops_the_run(db: Database, tmp_path: Path) -> None:
    _write(tmp_path, "a.sql", "select plan(2);\nselect pass('one');\nselect 'Bail out! no seed data';\n")
    _write(tmp_path, "b.sql", "select plan(1);\nselect pass('one');\n")
    suite = _run(db, tmp_path, "a.sql", "b.sql")
    assert [f.status for f in suite.files] == ["failed", "unverified"]
    assert suite.files[0].problems == ["Bail out! no seed data"]  # and no plan to complain of
    assert suite.files[1].unverified == "not run: " + (tmp_path / "a.sql").as_posix() + " bailed out"


# the command ---------------------------------------------------------------------------------------
def _tests_project(project: Project, leak: bool = False) -> None:
    notes = NOTES.replace("using (owner = (select auth.uid()))", "using (true)") if leak else NOTES
    project.write("20250101000000_notes.sql", notes)
    tests = project.root / "supabase" / "tests"
    _write(tests, "database/rls.test.sql", RLS_TEST)
    _write(tests, "database/skipped.pg", "select '1..0 # Skipped: needs pg_net';\n")  # TAP by hand
    _write(
        tests,
        "functions.sql",
        r"""
        \ir helpers/uid.psql
        begin;
        select plan(1);
        select is(:'uid'::uuid, '00000000-0000-0000-0000-00000000000a'::uuid, 'the helper set the id');
        select * from finish();
        rollback;
        """,
    )
    _write(tests, "helpers/uid.psql", "\\set uid '00000000-0000-0000-0000-00000000000a'\n")


def test_schemagate_test_prints_each_file_and_writes_junit(project: Project, cli: Callable[..., Run]) -> None:
    _tests_project(project, leak=True)
    run = cli("test", "--junit", "results.xml")
    assert run.code == 1, run.text
    assert "ok       supabase/tests/functions.sql .. 1/1 passed" in run.out
    assert "skipped  supabase/tests/database/skipped.pg .. skipped all: needs pg_net" in run.out
    assert "FAILED   supabase/tests/database/rls.test.sql .. 2/3 passed" in run.out
    assert "  supabase/tests/database/rls.test.sql:6: not ok 1 - alice sees only her note" in run.out
    assert "Files=3, Tests=4; files: 1 passed, 1 failed, 1 skipped" in run.out
    suites = ET.parse(project.root / "results.xml").getroot()
    assert (suites.get("tests"), suites.get("failures")) == ("5", "1")
    rls = suites.find("testsuite[@name='supabase/tests/database/rls.test.sql']")
    assert rls is not None
    failed = rls.find("testcase/failure/..")
    assert failed is not None
    assert (failed.get("name"), failed.get("line")) == ("1 - alice sees only her note", "6")
    skipped = suites.find("testsuite[@name='supabase/tests/database/skipped.pg']/testcase/skipped")
    assert skipped is not None and skipped.get("message") == "needs pg_net"

    project.write("20250101000000_notes.sql", NOTES)
    again = cli("test", "supabase/tests/database/rls.test.sql")
    assert again.code == 0, again.text
    assert "Files=1, Tests=3; files: 1 passed, 0 failed" in again.out


def test_local_runs_the_tests_after_applying_unless_told_not_to(
    project: Project, cli: Callable[..., Run]
) -> None:
    _tests_project(project, leak=True)
    run = cli("local", "--jobs", "2")
    assert run.code == 1, run.text  # the project's own test fails: "test locally first" says so
    assert "applied 20250101000000_notes.sql" in run.text
    assert "  supabase/tests/database/rls.test.sql:6: not ok 1 - alice sees only her note" in run.out
    assert "Files=3, Tests=4; files: 1 passed, 1 failed, 1 skipped" in run.out
    assert "1 migration(s) applied on a throwaway database" in run.out
    skipped = cli("local", "--no-tests")
    assert skipped.code == 0, skipped.text
    assert "Files=" not in skipped.out and "rls.test.sql" not in skipped.out

    project.write("20250101000000_notes.sql", NOTES)
    fixed = cli("local")
    assert fixed.code == 0, fixed.text
    assert "Files=3, Tests=4; files: 2 passed, 0 failed, 1 skipped" in fixed.out


def test_no_pgtap_for_the_major_is_could_not_verify(project: Project, cli: Callable[..., Run]) -> None:
    bindirs = [Path(p) for p in os.environ.get("SCHEMAGATE_TEST_PG_PATH", "").split(os.pathsep) if p]
    lacking = [
        b for b in bindirs if (b / "postgres").is_file() and not list(b.parent.glob("share/**/pgtap.control"))
    ]
    if not lacking:
        pytest.skip("no PostgreSQL without pgTAP here (SCHEMAGATE_TEST_PG_PATH)")
    _tests_project(project)
    run = cli("test", "--pg-bin", str(lacking[0]))
    assert run.code == 0, run.text
    assert (
        "could not verify supabase/tests/functions.sql .. pgTAP is not installed for PostgreSQL 1" in run.out
    )
    assert "Files=3, Tests=0; files: 0 passed, 0 failed, 3 could not verify" in run.out


# in the check ------------------------------------------------------------------------------------
def test_check_reports_a_failing_test_at_its_line(project: Project, db: Database) -> None:
    _tests_project(project, leak=True)
    report = run_check(db)
    [failed] = [f for f in report.findings if f.rule.id == "test-failed"]
    assert failed.path is not None and failed.path.as_posix().endswith("supabase/tests/database/rls.test.sql")
    assert (failed.line, failed.message) == (6, "not ok 1 - alice sees only her note")
    assert failed.rule.item == "tests" and report.failed
    assert [(t.path.name, t.status, t.tests, t.failed) for t in report.tests] == [
        ("rls.test.sql", "failed", 3, 1),
        ("skipped.pg", "skipped", 0, 0),
        ("functions.sql", "passed", 1, 0),
    ]
    comment = markdown.render(report)
    assert "🧪 Tests: 1 of 3 files failed" in comment
    assert comment.index("alice sees only her note") < comment.index("functions\\.sql")


def test_check_runs_the_files_side_by_side_on_its_throwaway_server(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check's watchdog keeps a session on the database: it lets go while the copies are made."""
    monkeypatch.setattr(parallel, "default_jobs", lambda: 2)  # as on a machine of two cores or more
    project.write("20250101000000_notes.sql", NOTES)
    for name in ("a.sql", "b.sql"):
        _write(
            project.root / "supabase" / "tests",
            name,
            "begin;\nselect plan(1);\nselect pass(current_database());\nrollback;\n",
        )
    report = checking.run(Config(), checking.Options(), lambda _line: None)
    assert report.suite is not None
    assert [f.assertions[0].description for f in report.suite.files] == ["postgres", "postgres_copy0"]


def test_check_passes_with_passing_tests(project: Project, db: Database) -> None:
    _tests_project(project)
    report = run_check(db)
    assert [f for f in report.findings if f.rule.item == "tests"] == []
    assert [t.status for t in report.tests] == ["passed", "skipped", "passed"]
    assert "🧪 Tests: 3 files, 4 tests, none failed" in markdown.render(report)


# pg_prove on the same database and files ---------------------------------------------------------
def test_same_counts_as_pg_prove(db: Database, tmp_path: Path) -> None:
    if shutil.which("pg_prove") is None:
        if os.environ.get("SCHEMAGATE_REQUIRE_PG_PROVE"):
            pytest.fail("pg_prove is required here (.ci/run installs libtap-parser-sourcehandler-pgtap-perl)")
        pytest.skip("pg_prove (libtap-parser-sourcehandler-pgtap-perl) is not installed")
    with db.connect() as conn:
        conn.execute(NOTES.replace("using (owner = (select auth.uid()))", "using (true)"))
    _write(tmp_path, "rls.sql", RLS_TEST)
    todo = "select plan(2);\nselect todo('later', 1);\nselect ok(false, 'a');\nselect pass('b');\n"
    _write(tmp_path, "todo.sql", f"begin;\n{todo}select * from finish();\nrollback;\n")
    _write(tmp_path, "error.sql", "begin;\nselect plan(2);\nselect pass('one');\nselect 1/0;\nrollback;\n")
    # a value joined from others with \\set, as real suites build the text they then compare
    joined = (
        "\\set subject 'Hello, it''s me'\n\\set body 'Any news?'\n"
        "\\set message :'subject' ' / ' :'body'\n"
        "select is(:'message'::text, $$'Hello, it''s me' / 'Any news?'$$::text, 'joins both');\n"
    )
    _write(tmp_path, "vars.sql", f"begin;\nselect plan(1);\n{joined}select * from finish();\nrollback;\n")
    names = ["rls.sql", "todo.sql", "error.sql", "vars.sql"]
    ours = {f.path.name: (len(f.assertions), f.status == "passed") for f in _run(db, tmp_path, *names).files}
    theirs = {}
    for name in names:
        done = subprocess.run(
            ["pg_prove", "--verbose", "--dbname", db.url, str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        tap = [line for line in done.stdout.splitlines() if line.startswith(("ok ", "not ok "))]
        theirs[name] = (len(tap), done.returncode == 0)
    expected = {"rls.sql": (3, False), "todo.sql": (2, True), "error.sql": (1, False), "vars.sql": (1, True)}
    assert ours == theirs == expected


def test_a_test_failing_on_the_base_too_is_already_failing(project: Project, cli: Callable[..., Run]) -> None:
    _tests_project(project)
    _write(
        project.root / "supabase" / "tests",
        "broken.sql",
        "begin;\nselect plan(2);\nselect is(1, 2, 'wrong since before');\nselect pass('fine');\nrollback;\n",
    )
    base = commit_base(project)
    project.write(
        "20250201000000_open_notes.sql",
        'drop policy "own notes" on public.notes;\n'
        'create policy "own notes" on public.notes for select to authenticated using (true);\n',
    )
    run = cli("check", "--base", base, "--format", "json", "--junit", "tests.xml")
    found = {(f["rule"], f["file"], f["line"], f["message"]) for f in json.loads(run.out)["findings"]}
    tests = {f for f in found if f[0].startswith("test-")}
    assert tests == {
        ("test-failed", "supabase/tests/database/rls.test.sql", 6, "not ok 1 - alice sees only her note"),
        (
            "test-already-failing",
            "supabase/tests/broken.sql",
            3,
            "already failing on the base: not ok 1 - wrong since before",
        ),
    }
    assert run.code == 1  # the PR's own breakage fails it; the old one alone would not
    suites = ET.parse(project.root / "tests.xml").getroot()
    assert (suites.get("tests"), suites.get("failures")) == ("7", "2")


def test_the_action_annotates_a_failing_test_and_writes_junit(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    _write(
        root / "supabase" / "tests",
        "change.test.sql",
        "begin;\nselect plan(2);\nselect pass('fine');\n"
        "select is(1, 2, 'a test the change breaks');\nrollback;\n",
    )
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 1, result.log
    assert "::error file=supabase/tests/change.test.sql,line=4,title=test-failed::" in result.log
    assert result.outputs["junit"] == ".schemagate/tests.junit.xml"  # relative to the workspace
    suites = ET.parse(root / result.outputs["junit"]).getroot()
    assert (suites.get("tests"), suites.get("failures")) == ("2", "1")
    [comment] = [c["body"] for c in github.state.comments[7] if "<!-- schemagate:check -->" in c["body"]]
    assert "🧪 Tests: 1 of 1 file failed" in comment and "a test the change breaks" in comment
