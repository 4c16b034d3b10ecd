"""The merged-state cache (snapshots): what keys an entry, that a damaged entry is refused and
built again, and that a check's verdict is the same without the cache, cold and warm.

Each check here runs on a throwaway server of its own, as a user's or the Action's does."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from checking import commit_base, git
from conftest import Project, copy_project
from schemagate import commands
from schemagate.commands import LocalOptions, LocalResult
from schemagate.commands import checking as check
from schemagate.config import Config
from schemagate.database.apply.engine import Settings
from schemagate.database.server import binaries, snapshots
from schemagate.database.server.sandbox import _state_name, throwaway
from schemagate.files.migrations import discover
from schemagate.findings.judge import Options
from schemagate.report.model import Report
from schemagate.statements.sql import parse

FIDELITY = Path(__file__).resolve().parent / "fidelity" / "project"
RESTORED = "started from the cached state"
KEPT = "kept the merged state"


@pytest.fixture
def states(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own (the suite turns the cache off elsewhere)."""
    folder = tmp_path / "states"
    monkeypatch.setenv("SCHEMAGATE_STATE_CACHE", str(folder))
    return folder


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Project, str]:
    """The fidelity project with its last two migrations new: a PR on a merged history."""
    project = copy_project(FIDELITY, tmp_path / "app", monkeypatch)
    newest = sorted(project.migrations.glob("*.sql"))[-2:]
    held = {path: path.read_bytes() for path in newest}
    for path in newest:
        path.unlink()
    base = commit_base(project)
    for path, body in held.items():
        path.write_bytes(body)
    return project, base


def _check(base: str, *, cache: bool = True) -> tuple[Report, list[str]]:
    said: list[str] = []
    report = check.run(Config(), Options(base=base, cache=cache), said.append)
    return report, said


def _verdict(report: Report) -> tuple[str, list[tuple[str, str, str, int | None]]]:
    findings = [(f.rule.id, f.message, str(f.path), f.line) for f in report.findings]
    return report.verdict, sorted(findings)


def _entries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if not p.name.startswith(".")]


def test_the_verdict_is_the_same_without_the_cache_cold_and_warm(
    app: tuple[Project, str], states: Path
) -> None:
    _, base = app
    without, said = _check(base, cache=False)
    assert not states.exists() or _entries(states) == []
    assert not any(KEPT in line or RESTORED in line for line in said)
    cold, said = _check(base)
    assert any(KEPT in line for line in said)
    assert len(_entries(states)) == 1
    warm, said = _check(base)
    assert any(RESTORED in line for line in said)
    assert without.findings, "the fidelity project's new files are judged"
    assert _verdict(cold) == _verdict(without) == _verdict(warm)
    assert [m.status for m in warm.migrations] == [m.status for m in without.migrations]


def test_the_seed_is_not_in_the_key_and_a_base_migration_is(app: tuple[Project, str], states: Path) -> None:
    project, base = app
    _check(base)
    seed = project.root / "supabase" / "seed.sql"
    seed.write_text(seed.read_text() + "\nselect 1;\n")
    _, said = _check(base)
    assert any(RESTORED in line for line in said)  # the state is from before the seed
    first = sorted(project.migrations.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\ncomment on schema public is 'edited';\n")
    git(project.root, "commit", "-qam", "a base migration edited")
    _, said = _check(git(project.root, "rev-parse", "HEAD"))
    assert not any(RESTORED in line for line in said)
    assert any(KEPT in line for line in said)


def _damage_bytes(data: Path) -> None:
    victim = max((p for p in (data / "global").iterdir() if p.is_file()), key=lambda p: p.stat().st_size)
    body = bytearray(victim.read_bytes())
    body[len(body) // 2] ^= 0xFF
    victim.write_bytes(bytes(body))


def _damage_extra(data: Path) -> None:
    (data / "base" / "planted").write_text("not the server's")


def _damage_link(data: Path) -> None:
    target = data / "global" / "pg_filenode.map"
    target.unlink()
    target.symlink_to("/etc/hostname")


@pytest.mark.parametrize("damage", [_damage_bytes, _damage_extra, _damage_link])
def test_a_damaged_entry_is_refused_and_built_again(
    app: tuple[Project, str], states: Path, damage: Callable[[Path], None]
) -> None:
    _, base = app
    first, _ = _check(base)
    (entry,) = _entries(states)
    damage(entry / "data")
    again, said = _check(base)
    assert not any(RESTORED in line for line in said)
    assert any(KEPT in line for line in said)  # rebuilt, and whole again
    assert _verdict(again) == _verdict(first)
    _, said = _check(base)
    assert any(RESTORED in line for line in said)


def test_a_folder_others_can_reach_or_a_symlink_is_not_used(tmp_path: Path) -> None:
    assert snapshots.private(tmp_path / "new") == tmp_path / "new"
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    assert snapshots.private(shared) is None
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "new")
    assert snapshots.private(link) is None


def _package_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "schemagate"
    shutil.copytree(snapshots.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.parametrize(
    "changed",
    [
        "database/server/facts.json",
        "database/server/shim/30_auth.sql",
        "database/server/standins/pgjwt--0.2.0.sql",
    ],
)
def test_the_shim_the_facts_and_the_stand_ins_are_in_the_key(tmp_path: Path, changed: str) -> None:
    package = _package_copy(tmp_path)
    before = snapshots.shaping_sources(package)
    assert before == snapshots.shaping_sources()
    with (package / changed).open("a") as edited:
        edited.write("\n")
    assert snapshots.shaping_sources(package) != before


def test_the_server_s_major_and_the_project_are_in_the_key(tmp_path: Path) -> None:
    found = [
        binaries.PgBinaries(Path(p), "PG_BIN")
        for p in os.environ.get("SCHEMAGATE_TEST_PG_PATH", "").split(":")
    ]
    majors = {b.major: b for b in found if (b.bindir / "postgres").is_file()}
    if len(majors) < 2:
        pytest.skip("two PostgreSQL majors are needed (SCHEMAGATE_TEST_PG_PATH)")
    one, other = list(majors.values())[:2]
    parts = ["owner/repo", "/w/supabase/migrations", "20250101000000_a.sql:00"]
    assert _state_name(parts, one, "supabase_admin", supabase=True, superuser=False) != _state_name(
        parts, other, "supabase_admin", supabase=True, superuser=False
    )
    same = _state_name(parts, one, "supabase_admin", supabase=True, superuser=False)
    assert same == _state_name(list(parts), one, "supabase_admin", supabase=True, superuser=False)


def test_two_projects_with_the_same_files_have_two_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings()
    keys = []
    for name in ("one", "two"):
        project = copy_project(FIDELITY, tmp_path / name, monkeypatch)
        files = [parse(m) for m in discover(project.migrations).migrations]
        keys.append(check.state_parts(Config(), settings, files))
    assert keys[0] != keys[1]
    assert keys[0][2:] == keys[1][2:]  # the same files and settings: only the project differs


def _local(cache: bool = True) -> tuple[LocalResult, list[str]]:
    said: list[str] = []
    return commands.local(LocalOptions(Config(), cache=cache), progress=said.append), said


def test_local_starts_from_the_state_before_the_newest_file(app: tuple[Project, str], states: Path) -> None:
    project, _ = app
    without, _ = _local(cache=False)
    assert without.cached == 0 and not states.exists()
    first, said = _local()
    assert first.cached == 0 and any("kept the state before" in line for line in said)
    files = sorted(project.migrations.glob("*.sql"))
    newest = files[-1]
    newest.write_text(newest.read_text() + "\ncreate table if not exists public.loop (id int);\n")
    again, said = _local()
    assert any(RESTORED in line for line in said)
    assert again.cached == len(files) - 1
    assert [a.parsed.migration.filename for a in again.applied] == [newest.name]
    assert again.seeded == without.seeded
    older = files[0]
    older.write_text(older.read_text() + "\ncomment on schema public is 'edited';\n")
    _, said = _local()
    assert not any(RESTORED in line for line in said)


def test_with_the_cache_off_there_is_no_entry_to_stop_the_server_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGATE_STATE_CACHE", "off")
    with throwaway(supabase=False, state=["a project", "its files"]) as box:
        assert box.keep is None and box.restored is None


def test_a_cache_folder_a_commit_put_there_is_not_used(tmp_path: Path) -> None:
    """A pull request could commit an entry (a data folder and a manifest to match it); the mode a
    checkout gives its folders is no guard, since a runner's umask may make them private."""
    repo = tmp_path / "repo"
    entry = repo / ".schemagate-cache" / "entry"
    entry.mkdir(parents=True)
    (entry / "manifest.json").write_text("{}")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "an entry")
    for folder in (repo / ".schemagate-cache", entry):
        folder.chmod(0o700)
    assert snapshots.private(repo / ".schemagate-cache") is None
    untracked = repo / ".schemagate-other"
    assert snapshots.private(untracked) == untracked  # restored by actions/cache: nothing tracked
