"""`schemagate check` end to end: what is new, git history rules, directives, config, the seed."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from checking import GOOD, commit_base, fresh_database, rule_ids, run_check
from conftest import Database, Project, Run
from schemagate.commands import settings
from schemagate.config import Config, Overrides
from schemagate.errors import InputError
from schemagate.findings import Severity

Cli = Callable[..., Run]


def test_only_migrations_new_since_the_base_are_judged(db: Database, project: Project) -> None:
    project.write("20251101000000_old_sins.sql", "create table public.legacy (id int);")  # no RLS, no pk
    base = commit_base(project)
    project.write("20251201000000_new.sql", GOOD)
    report = run_check(db, base=base)
    assert [m.filename for m in report.migrations] == ["20251201000000_new.sql"]
    assert report.verdict == "pass", [f.message for f in report.findings]
    assert [m.status for m in report.migrations] == ["applied"]


def test_without_a_base_every_migration_is_judged(db: Database, project: Project) -> None:
    project.write("20251101000000_old_sins.sql", "create table public.legacy (id int);")
    report = run_check(db)
    assert "rls-disabled" in rule_ids(report) and report.verdict == "fail"


def test_history_rules_edited_deleted_out_of_order_and_names(db: Database, project: Project) -> None:
    edited = project.write("20251101000000_a.sql", "create table if not exists public.a (id int);")
    deleted = project.write("20251102000000_b.sql", "select 1;")
    project.write("20251103000000_c.sql", "select 1;")
    base = commit_base(project)
    edited.write_text("create table if not exists public.a (id bigint);")
    deleted.unlink()
    project.write("20251102120000_late.sql", "select 1;")
    project.write("7_small.sql", "select 1;")
    report = run_check(db, base=base)
    found = {(f.rule.id, f.path.name if f.path else None) for f in report.findings}
    assert ("edited-merged-migration", "20251101000000_a.sql") in found
    assert ("deleted-merged-migration", "20251102000000_b.sql") in found
    assert ("out-of-order-version", "20251102120000_late.sql") in found
    assert ("timestamped-file-name", "7_small.sql") in found
    assert ("timestamped-file-name", "20251102120000_late.sql") not in found


def test_an_unknown_base_is_a_clear_error(db: Database, project: Project) -> None:
    project.write("20251101000000_a.sql", "select 1;")
    commit_base(project)
    with pytest.raises(InputError, match="--base 'nope' is not a commit"):
        run_check(db, base="nope")


def test_ignore_with_a_reason_moves_the_finding_aside(db: Database, project: Project) -> None:
    project.write(
        "20251201000000_lookup.sql",
        GOOD + "\n-- schemagate: ignore rls-disabled -- public lookup table, read-only by grants\n"
        "create table if not exists public.countries (code text primary key, "
        "created_at timestamptz default now(),"
        " updated_at timestamptz default now());\ncomment on table public.countries is 'ISO countries';\n",
    )
    report = run_check(db)
    assert "rls-disabled" not in rule_ids(report)
    assert [(i.finding.rule.id, i.reason) for i in report.ignored] == [
        ("rls-disabled", "public lookup table, read-only by grants")
    ]


def test_an_ignore_without_a_reason_is_an_error(db: Database, project: Project) -> None:
    project.write("20251201000000_x.sql", GOOD + "\n-- schemagate: ignore rls-disabled\nselect 1;\n")
    report = run_check(db)
    (problem,) = [f for f in report.findings if f.rule.id == "invalid-directive"]
    assert problem.line == GOOD.lstrip().count("\n") + 2 and "needs a rule id and a reason" in problem.message


def test_a_backup_plan_turns_destructive_into_a_quoted_note(db: Database, project: Project) -> None:
    project.write("20251101000000_a.sql", GOOD)
    base = commit_base(project)
    project.write(
        "20251201000000_drop.sql",
        "-- schemagate: backup-plan nightly pg_dump of public.things, kept 30 days\n"
        "alter table public.things drop column if exists updated_at;\n",
    )
    report = run_check(db, base=base)
    (finding,) = [f for f in report.findings if f.rule.id == "destructive-statement"]
    assert finding.level == Severity.INFO
    assert finding.detail == "backup plan: nightly pg_dump of public.things, kept 30 days"
    assert finding.line == 2
    project.write("20251201000000_drop.sql", "alter table public.things drop column if exists updated_at;\n")
    with fresh_database(db) as other:
        errors = {f.rule.id for f in run_check(other, base=base).findings if f.level == Severity.ERROR}
    assert "destructive-statement" in errors


def test_config_sets_severities_and_turns_rules_off(db: Database, project: Project) -> None:
    project.write(
        "20251201000000_x.sql", GOOD.replace("comment on table public.things is 'Things a user owns.';", "")
    )
    report = run_check(db, config=Config(rules={"missing-table-comment": "error"}))
    assert report.verdict == "fail"
    assert {f.rule.id: f.level for f in report.findings}["missing-table-comment"] == Severity.ERROR
    with fresh_database(db) as other:
        quiet = run_check(other, config=Config(rules={"missing-table-comment": "off"}))
    assert "missing-table-comment" not in rule_ids(quiet)


def test_unknown_rule_ids_in_config_are_an_error(project: Project) -> None:
    config_file = project.root / ".schemagate.yml"
    config_file.write_text("rules:\n  rls-disabledd: off\n")
    expected = "line 2: unknown rule id 'rls-disabledd' \\(did you mean 'rls-disabled'"
    with pytest.raises(InputError, match=expected):
        settings(Overrides(config_file=config_file))


def test_not_idempotent_points_at_the_statement(db: Database, project: Project) -> None:
    project.write("20251201000000_x.sql", GOOD + "alter table public.things add constraint c check (true);\n")
    report = run_check(db)
    (finding,) = [f for f in report.findings if f.rule.id == "not-idempotent"]
    assert finding.line == GOOD.lstrip().count("\n") + 1
    assert finding.message == 'second run fails: 42710 constraint "c" for relation "things" already exists'


def test_a_broken_seed_fails_the_check(db: Database, project: Project) -> None:
    project.write("20251201000000_x.sql", GOOD)
    (project.root / "supabase" / "seed.sql").write_text("select 1;\ninsert into public.nope values (1);\n")
    report = run_check(db)
    (finding,) = [f for f in report.findings if f.rule.id == "seed-failed"]
    assert finding.path is not None and finding.path.name == "seed.sql" and finding.line == 2


def test_a_failing_seed_or_migration_carries_the_servers_detail(db: Database, project: Project) -> None:
    project.write("20251201000000_x.sql", GOOD)
    (project.root / "supabase" / "seed.sql").write_text(
        "insert into public.things (user_id) values ('00000000-0000-0000-0000-000000000001');\n"
    )
    report = run_check(db)
    (finding,) = [f for f in report.findings if f.rule.id == "seed-failed"]
    assert finding.detail and "is not present in table" in finding.detail, finding.detail


def test_unparseable_file_is_reported_not_crashed(db: Database, project: Project) -> None:
    project.write("20251201000000_x.sql", "create tabel x ();")
    report = run_check(db)
    (finding,) = report.findings
    assert finding.rule.id == "invalid-migration-file" and finding.line == 1
    assert report.verdict == "fail"


def test_a_failed_migration_stops_the_rest(db: Database, project: Project) -> None:
    project.write("20251201000000_a.sql", "select 1/0;")
    project.write("20251202000000_b.sql", GOOD)
    report = run_check(db)
    assert [m.status for m in report.migrations] == ["failed", "not run"]
    (failed,) = [f for f in report.findings if f.rule.id == "apply-failed"]
    assert failed.message.startswith("22012 division by zero")


def test_round_trip_passes_with_a_correct_down_file(db: Database, project: Project) -> None:
    project.write("20251201000000_x.sql", GOOD)
    rollbacks = project.root / "supabase" / "rollbacks"
    rollbacks.mkdir()
    (rollbacks / "20251201000000_x.sql").write_text("drop table if exists public.things;\n")
    report = run_check(db)
    assert "round-trip-failed" not in rule_ids(report)
    assert report.migrations[0].down_file is not None
    (rollbacks / "20251201000000_x.sql").write_text("drop index if exists public.things_user_id_idx;\n")
    with fresh_database(db) as other:
        broken = run_check(other)
    (finding,) = [f for f in broken.findings if f.rule.id == "round-trip-failed"]
    assert "does not restore the schema" in finding.message
    assert finding.detail and "left behind by the down file: relation: public.things table" in finding.detail


def test_round_trip_runs_the_up_file_again_on_the_databases_search_path(
    db: Database, project: Project
) -> None:
    """Names without a schema, as hand-written migrations often have them: the second up lands
    where the first did (it failed in pg_catalog, on the path schemagate reads the catalog with)."""
    project.write("20251201000000_tags.sql", "create table if not exists tags (id bigint primary key);\n")
    rollbacks = project.root / "supabase" / "rollbacks"
    rollbacks.mkdir()
    (rollbacks / "20251201000000_tags.sql").write_text("drop table if exists tags;\n")
    report = run_check(db)
    assert "round-trip-failed" not in rule_ids(report), [f.message for f in report.findings]


def test_a_second_up_that_differs_says_how(db: Database, project: Project) -> None:
    project.write("20251201000000_t.sql", "create table if not exists public.t (id bigint primary key);\n")
    rollbacks = project.root / "supabase" / "rollbacks"
    rollbacks.mkdir()
    (rollbacks / "20251201000000_t.sql").write_text(  # undoes the table, and the grants of the next
        "drop table if exists public.t;\n"
        "alter default privileges in schema public revoke all on tables from anon;\n"
    )
    report = run_check(db)
    (finding,) = [f for f in report.findings if f.rule.id == "round-trip-failed"]
    assert "applied again after 20251201000000_t.sql gives a different schema" in finding.message
    assert finding.detail and "missing the second time: grant: " in finding.detail, finding.detail
    assert "anon" in finding.detail


def test_check_cli_exit_codes_and_fail_on(cli: Cli, db: Database, project: Project) -> None:
    project.write(
        "20251201000000_x.sql", GOOD.replace("comment on table public.things is 'Things a user owns.';", "")
    )
    ok = cli("check", "--check-database-url", db.url)
    assert ok.code == 0 and "PASS" in ok.out and "missing-table-comment" in ok.out
    with fresh_database(db) as other:
        strict = cli("check", "--check-database-url", other.url, "--fail-on", "warning")
    assert strict.code == 1 and "FAIL" in strict.out


def test_check_refuses_a_database_that_already_has_history(db: Database, project: Project) -> None:
    project.write("20251201000000_x.sql", GOOD)
    run_check(db)
    with pytest.raises(InputError, match="needs an empty database"):
        run_check(db)


FLAWED = """
-- The usual mistakes, in one migration.
CREATE TABLE sensitive_data (id uuid PRIMARY KEY, note text);          -- mistakes 1 and 2
CREATE TABLE orders (
  id uuid PRIMARY KEY,
  customer_id uuid REFERENCES public.organizations (id) ON DELETE CASCADE
);                                                                      -- mistake 3
ALTER TABLE user_preferences ADD COLUMN status TEXT;                    -- mistake 4
"""


def test_the_usual_mistakes_are_each_caught_on_the_example(example: Project) -> None:
    from conftest import run_process

    base = commit_base(example)
    example.write("20251201000000_flawed.sql", FLAWED)
    run = run_process("check", "--base", base, "--format", "json", cwd=example.root)
    assert run.code == 1, run.text
    data = json.loads(run.out)
    assert [m["file"] for m in data["migrations"]] == ["supabase/migrations/20251201000000_flawed.sql"]
    found = {(f["rule"], f["line"]) for f in data["findings"]}
    assert ("create-without-if-not-exists", 2) in found  # 1: forgetting IF NOT EXISTS
    assert ("rls-disabled", 2) in found  # 2: no RLS
    assert ("unindexed-foreign-key", 3) in found  # 3: missing index on a foreign key
    assert ("add-column-without-guard", 7) in found  # 4: non-idempotent ADD COLUMN
    # ... and proven by running it twice, in the same finding: one mistake, one finding (an error:
    # the example's profile is strict)
    (proven,) = [f for f in data["findings"] if f["line"] == 2 and f["item"] == "idempotent"]
    assert proven["rule"] == "create-without-if-not-exists" and proven["severity"] == "error"
    assert "second run fails: 42P07" in proven["message"]


def test_lint_runs_the_static_rules_without_a_database(project: Project) -> None:
    import subprocess
    import sys

    project.write("20251201000000_x.sql", "create table public.t (id int references public.p);")
    script = (
        "import sys\nfrom schemagate.cli import main\ncode = main(['lint'])\n"
        "assert 'psycopg' not in sys.modules, 'lint must not load the database driver'\n"
        "assert 'pglast.ast' not in sys.modules, 'lint parses through libpg_query directly'\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=project.root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr  # warnings only
    assert "create-without-if-not-exists" in result.stdout
    assert "foreign-key-without-on-delete" in result.stdout
    assert "rls-disabled" not in result.stdout  # needs the catalog: only `check` knows


def test_lint_with_a_base_parses_only_the_new_migrations(project: Project) -> None:
    from schemagate.commands.linting import lint
    from schemagate.findings.judge import Options

    project.write("20251101000000_old.sql", "create tabel legacy (id int);")  # merged long ago
    base = commit_base(project)
    project.write("20251201000000_new.sql", GOOD)
    report = lint(Config(), Options(base=base))
    assert [m.filename for m in report.migrations] == ["20251201000000_new.sql"]
    assert "invalid-migration-file" not in {f.rule.id for f in report.findings}
    everything = lint(Config(), Options())  # without a base every file is new, and judged
    assert {f.rule.id for f in everything.findings} == {"invalid-migration-file"}


def test_every_rule_has_its_page_and_its_row_in_docs_rules_as_the_registry_says() -> None:
    from pathlib import Path

    from schemagate.findings import docs, registry

    root = Path(__file__).resolve().parents[1]
    assert docs.stale(root) == []  # python -m schemagate.findings.docs writes them
    listing = (root / "docs" / "rules.md").read_text()
    assert [r for r in registry.ids() if f"[`{r}`](rules/{r}.md)" not in listing] == []
    assert all((root / "docs" / "rules" / f"{r}.md").is_file() for r in registry.ids())


def test_a_major_that_is_not_installed_is_named_in_the_report(project: Project) -> None:
    from schemagate.commands import checking as check
    from schemagate.findings.judge import Options

    project.write("20251201000000_x.sql", GOOD)
    (project.root / "supabase" / "config.toml").write_text("[db]\nmajor_version = 9\n")
    from schemagate.config import postgres_major

    config = Config()
    assert postgres_major(config) == 9
    report = check.run(config, Options(pg_major=postgres_major(config)), lambda _line: None)
    assert report.notes and report.notes[0].startswith("PostgreSQL 9 was asked for")
    assert report.verdict == "pass"


def test_a_plain_postgres_project_with_foreign_keys_is_judged_without_supabase_s_schemas(
    project: Project,
) -> None:
    from conftest import run_process

    project.write(
        "20251201000000_a.sql",
        "create table if not exists a (id int primary key);\n"
        "create table if not exists b (id int primary key, a_id int references a (id) on delete cascade);\n",
    )
    run = run_process("check", "--supabase", "false", cwd=project.root)
    assert "does not exist" not in run.text and "Traceback" not in run.text
    assert run.code in {0, 1} and "unindexed-foreign-key" in run.out


def test_conventions_warn_by_default_and_are_errors_under_the_strict_profile(project: Project) -> None:
    from schemagate.commands.linting import lint
    from schemagate.config import Overrides, configure
    from schemagate.findings.judge import Options

    project.write("20251201000000_x.sql", "create table public.t (id int primary key);\n")
    default = lint(Config(), Options())
    assert {f.rule.id: f.level for f in default.findings}["create-without-if-not-exists"] == Severity.WARNING
    assert not default.failed and lint(Config(), Options(fail_on=Severity.WARNING)).failed
    (project.root / ".github").mkdir()
    (project.root / ".github" / "schemagate.yml").write_text(
        "profile: strict\nrules:\n  foreign-key-without-on-delete: warning\n"
    )
    strict = configure(Overrides())
    assert strict.profile == "strict"
    project.write("20251202000000_y.sql", "create table public.u (id int primary key references public.t);\n")
    levels = {f.rule.id: f.level for f in lint(strict, Options()).findings}
    assert levels["create-without-if-not-exists"] == Severity.ERROR
    assert levels["foreign-key-without-on-delete"] == Severity.WARNING  # a rule's own setting wins
    assert lint(strict, Options()).failed
    assert configure(Overrides(profile="default")).profile == "default"  # the flag over the file
    (project.root / ".github" / "schemagate.yml").write_text("profile: strickt\n")
    with pytest.raises(InputError, match="line 1: profile must be default or strict, not 'strickt'"):
        configure(Overrides())


def test_check_says_which_new_file_runs_outside_a_transaction(
    cli: Cli, db: Database, project: Project
) -> None:
    project.write("20251201000000_t.sql", "create table if not exists public.t (id int primary key);")
    project.write(
        "20251202000000_idx.sql", "create index concurrently if not exists t_id_idx on public.t (id);"
    )
    run = cli("check", "--check-database-url", db.url)
    assert "applied 20251201000000_t.sql\n" in run.out  # a transactional file: nothing more
    assert "applied 20251202000000_idx.sql (outside a transaction: create index concurrently" in run.out


TODOS = """create table if not exists public.todos (id bigint primary key, user_id uuid not null, title text);
alter table public.todos enable row level security;
drop policy if exists "own todos" on public.todos;
create policy "own todos" on public.todos for select to authenticated using (auth.uid() = user_id);
"""


def test_a_policy_older_than_the_change_is_not_judged_again_when_its_table_is_altered(
    db: Database, project: Project
) -> None:
    project.write("20251101000000_todos.sql", TODOS)
    base = commit_base(project)
    project.write(
        "20251201000000_done.sql", "alter table public.todos add column if not exists done boolean;"
    )
    report = run_check(db, base=base)
    assert "auth-call-per-row" not in rule_ids(report), [f.message for f in report.findings]


def test_a_policy_the_change_replaces_is_judged(db: Database, project: Project) -> None:
    project.write("20251101000000_todos.sql", TODOS)
    base = commit_base(project)
    project.write(
        "20251201000000_own.sql",
        'drop policy if exists "own todos" on public.todos;\n'
        'create policy "own todos" on public.todos for select to authenticated\n'
        "  using (auth.uid() = user_id and title is not null);\n",
    )
    report = run_check(db, base=base)
    assert "auth-call-per-row" in rule_ids(report)
