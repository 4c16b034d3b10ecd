"""`[db.seed]` of supabase/config.toml read as the Supabase CLI reads it (apps/cli-go/pkg/config:
`enabled`, and `sql_paths` globs relative to supabase/, each pattern's matches sorted, every file
once, a pattern matching nothing passed over)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from checking import rule_ids
from conftest import EXAMPLE, Project, Run
from schemagate.commands import checking as check
from schemagate.config import Config, seed_files
from schemagate.findings.judge import Options

TABLE = "create table public.plans (id int primary key, name text not null);\n"


def _write(project: Project, relative: str, text: str) -> None:
    path = project.root / "supabase" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def _names() -> list[str]:
    return [p.relative_to("supabase").as_posix() for p in seed_files(Config())]


def test_sql_paths_are_globbed_in_order_each_file_once(project: Project) -> None:
    _write(
        project,
        "config.toml",
        '[db.seed]\nsql_paths = ["./seeds/b_*.sql", "./seeds/*.sql", "seed.sql", "./none/*.sql"]\n',
    )
    for name in ("seeds/a.sql", "seeds/b_2.sql", "seeds/b_1.sql", "seeds/deep/c.sql", "seed.sql"):
        _write(project, name, "select 1;\n")
    assert _names() == ["seeds/b_1.sql", "seeds/b_2.sql", "seeds/a.sql", "seed.sql"]


def test_seed_sql_is_the_default_and_enabled_false_turns_seeding_off(project: Project) -> None:
    _write(project, "seed.sql", "select 1;\n")
    assert _names() == ["seed.sql"]
    _write(project, "config.toml", "[db.seed]\nenabled = false\n")
    assert _names() == []


def test_the_check_runs_every_seed_the_config_names(project: Project) -> None:
    """Seeds in a folder, in the order sql_paths gives: the second needs the first's row, and a
    broken third is reported at its own file."""
    project.write("20250101000000_plans.sql", TABLE)
    _write(project, "config.toml", '[db.seed]\nsql_paths = ["./seeds/*.sql"]\n')
    _write(project, "seeds/01_plans.sql", "insert into public.plans values (1, 'free');\n")
    _write(project, "seeds/02_more.sql", "insert into public.plans select id + 1, name from public.plans;\n")
    _write(project, "seeds/03_broken.sql", "insert into public.plans values (1, 'again');\n")
    report = check.run(Config(), Options(), lambda _line: None)
    (failed,) = [f for f in report.findings if f.rule.id == "seed-failed"]
    assert failed.path is not None and Path(failed.path).name == "03_broken.sql"
    assert "duplicate key" in failed.message


def test_enabled_false_seeds_nothing_in_the_check(project: Project) -> None:
    project.write("20250101000000_plans.sql", TABLE)
    _write(project, "config.toml", "[db.seed]\nenabled = false\n")
    _write(project, "seed.sql", "insert into public.missing values (1);\n")
    report = check.run(Config(), Options(), lambda _line: None)
    assert "seed-failed" not in rule_ids(report)


def test_a_config_toml_with_a_byte_order_mark_is_read_as_without(project: Project) -> None:
    """A UTF-8 BOM before config.toml's first key: the Supabase CLI reads the file as if it were
    not there (tests/test_interop.py shows it), and so does schemagate."""
    _write(project, "seeds/one.sql", "select 1;\n")
    path = project.root / "supabase" / "config.toml"
    path.write_bytes(b'\xef\xbb\xbf[db.seed]\nsql_paths = ["./seeds/*.sql"]\n')
    assert _names() == ["seeds/one.sql"]


def test_outside_git_the_seed_beside_the_migrations_folder_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Run]
) -> None:
    """A project copied out of any checkout (the bundled example, as a new user tries it): its
    supabase/seed.sql lies outside supabase/migrations and inside the project, so it is read."""
    app = tmp_path / "app"
    shutil.copytree(EXAMPLE, app)
    assert not any((folder / ".git").exists() for folder in (app, *app.parents))
    monkeypatch.chdir(app)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    run = cli("local", "--no-cache", "--no-tests")
    assert run.code == 0, run.text
    assert "seed.sql" in run.text and "outside the repository" not in run.text
