"""The throwaway server's extensions: real first, stand-ins second, rights as on hosted Supabase."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from checking import run_check
from conftest import Database, Project
from schemagate.commands import checking as check
from schemagate.config import Config, postgres_major
from schemagate.database.server import binaries, extensions
from schemagate.database.server.sandbox import throwaway
from schemagate.findings.judge import Options

SYSTEM = binaries.system_bindirs()
needs_system = pytest.mark.skipif(not SYSTEM, reason="no system PostgreSQL on this machine")


def _tree(root: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in root.iterdir()}


@needs_system
def test_the_overlay_adds_stand_ins_without_writing_to_the_system_server() -> None:
    real = SYSTEM[0]
    sharedir = Path(binaries.pg_config(real, "sharedir") or "/nonexistent") / "extension"
    before = _tree(sharedir)
    with throwaway(supabase=True, pg_bin=str(real)) as box, psycopg.connect(box.url, autocommit=True) as conn:
        conn.execute(b"create extension pg_cron with schema pg_catalog")
        comment = conn.execute(
            b"select comment from pg_available_extensions where name = 'pg_cron'"
        ).fetchone()
    assert comment and str(comment[0]).startswith(extensions.STANDIN_MARK)
    assert _tree(sharedir) == before
    assert (
        not (sharedir / "pg_cron.control").exists()
        or "stand-in" not in (sharedir / "pg_cron.control").read_text()
    )


@needs_system
def test_postgres_creates_what_supabase_lets_it_and_nothing_else(db: Database, project: Project) -> None:
    project.write(
        "20250101000000_ok.sql", "create extension if not exists btree_gist with schema extensions;\n"
    )
    project.write("20250102000000_refused.sql", "create extension if not exists file_fdw;\n")
    report = run_check(db)
    (refused,) = [f for f in report.findings if f.rule.id == "apply-failed"]
    assert refused.path is not None and refused.path.name == "20250102000000_refused.sql"
    assert 'permission denied to create extension "file_fdw"' in refused.message
    assert "hosted Supabase refuses it too: file_fdw is not among the extensions" in refused.message


def test_a_stand_in_is_used_only_where_the_real_extension_is_missing(db: Database) -> None:
    """citext is real on a server with contrib and a stand-in on one without."""
    with db.connect() as conn:
        conn.execute(b"create extension if not exists citext with schema extensions")
        comment = conn.execute(
            b"select comment from pg_available_extensions where name = 'citext'"
        ).fetchone()
        equal = conn.execute(b"select 'Ada'::extensions.citext = 'ADA'::extensions.citext").fetchone()
    sharedir = Path(str(binaries.pg_config(db.server.binaries.bindir, "sharedir")))
    has_contrib = (sharedir / "extension" / "citext.control").exists()
    assert comment is not None
    assert str(comment[0]).startswith(extensions.STANDIN_MARK) is (not has_contrib)
    assert equal == (True,)  # case-insensitive either way


MAJOR_SENSITIVE = "select to_regprocedure('f(public.dropped_type[])');\n"


@pytest.mark.skipif(
    not SYSTEM or binaries.pgserver_bindir() is None, reason="needs PostgreSQL 15 and the bundled 16"
)
@pytest.mark.parametrize(("major", "fails"), [(15, True), (16, False)])
def test_the_check_runs_on_the_major_in_config_toml(project: Project, major: int, fails: bool) -> None:
    """to_regprocedure() of a missing type raises on 15 and returns NULL from 16 on."""
    if not any(binaries.PgBinaries(d, "system").major == 15 for d in SYSTEM):
        pytest.skip("no system PostgreSQL 15")
    project.write("20250101000000_probe.sql", MAJOR_SENSITIVE)
    (project.root / "supabase" / "config.toml").write_text(f"[db]\nmajor_version = {major}\n")
    config = Config()
    report = check.run(config, Options(pg_major=postgres_major(config)), lambda _line: None)
    assert report.server.startswith(f"PostgreSQL {major}.")
    failed = [f.message for f in report.findings if f.rule.id == "apply-failed"]
    assert bool(failed) is fails, failed


def test_an_extension_installed_later_is_seen_by_the_next_server(tmp_path: Path) -> None:
    """The overlay is cached; installing an extension into the server must not be hidden by it."""
    bundled = binaries.pgserver_bindir()
    if bundled is None:
        pytest.skip("pgserver is not installed")
    install = tmp_path / "pginstall"  # a private installation we may write to, as apt would
    shutil.copytree(bundled.parent, install, symlinks=True)
    bindir = install / "bin"
    first = extensions.overlay(bindir, tmp_path)
    assert first is not None and not any(first.bindir.parent.rglob("demo.control"))
    sharedir = Path(str(binaries.pg_config(bindir, "sharedir")))
    (sharedir / "extension" / "demo.control").write_text("default_version = '1.0'\n")
    second = extensions.overlay(bindir, tmp_path)
    assert second is not None and second.bindir != first.bindir
    assert [p.name for p in second.bindir.parent.rglob("demo.control")] == ["demo.control"]


def test_index_parameters_the_vector_stand_in_cannot_take_are_explained(
    db: Database, project: Project
) -> None:
    project.write(
        "20250101000000_vectors.sql",
        "create extension if not exists vector with schema extensions;\n"
        "create table if not exists public.items (id bigint primary key, embedding extensions.vector(3));\n"
        "create index if not exists items_embedding_idx on public.items\n"
        "  using ivfflat (embedding extensions.vector_cosine_ops) with (lists = 100);\n",
    )
    with db.connect() as conn:
        conn.execute(b"create extension if not exists vector with schema extensions")
        comment = conn.execute(
            b"select comment from pg_available_extensions where name = 'vector'"
        ).fetchone()
        conn.execute(b"drop extension vector")
    report = run_check(db)
    failed = [f for f in report.findings if f.rule.id == "apply-failed"]
    if comment is None or not str(comment[0]).startswith(extensions.STANDIN_MARK):
        assert failed == []  # the real pgvector takes them
        return
    assert failed == []  # the stand-in's gap is no verdict on the project
    (found,) = [f for f in report.findings if f.rule.id == "could-not-verify"]
    assert found.line == 3 and "vector is a stand-in, which takes no index parameters" in found.message
