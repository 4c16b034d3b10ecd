"""Where the check writes its report, SARIF and drafts: the checkout may hold any of those names as
a symlink (git stores symlinks), pointing at ~/.bashrc or a folder outside it. Nothing is ever
written through one: one line naming the path, exit code 2, the target untouched."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from actionrun import pr_payload, run_action
from conftest import Project, Run
from fakegithub import FakeGitHub

NEW_TABLE = (
    "create table public.plans (id bigint primary key, name text);\n"
    "alter table public.plans enable row level security;\n"
)
DRAFT = "20251201000000_plans.sql"


def _folder(root: Path, outside: Path) -> Path:
    os.symlink(outside, root / ".schemagate")
    return root / ".schemagate"


def _report(root: Path, outside: Path) -> Path:
    (root / ".schemagate").mkdir()
    os.symlink(outside / "victim", root / ".schemagate" / "report.json")
    return root / ".schemagate" / "report.json"


def _sarif(root: Path, outside: Path) -> Path:
    (root / ".schemagate").mkdir()
    os.symlink(outside / "victim", root / ".schemagate" / "report.sarif")
    return root / ".schemagate" / "report.sarif"


def _drafts(root: Path, outside: Path) -> Path:
    (root / ".schemagate").mkdir()
    os.symlink(outside, root / ".schemagate" / "drafts")
    return root / ".schemagate" / "drafts"


def _draft(root: Path, outside: Path) -> Path:
    (root / ".schemagate" / "drafts").mkdir(parents=True)
    os.symlink(outside / "victim", root / ".schemagate" / "drafts" / DRAFT)
    return root / ".schemagate" / "drafts" / DRAFT


PLANTED: dict[str, Callable[[Path, Path], Path]] = {
    ".schemagate -> a folder outside": _folder,
    "report.json -> a file outside": _report,
    "report.sarif -> a file outside": _sarif,
    "drafts -> a folder outside": _drafts,
    "a draft -> a file outside": _draft,
}


@pytest.mark.parametrize("plant", PLANTED.values(), ids=PLANTED.keys())
def test_the_action_never_writes_through_a_planted_symlink(
    workspace: tuple[Path, str], github: FakeGitHub, tmp_path: Path, plant: Callable[[Path, Path], Path]
) -> None:
    root, base = workspace
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / "victim").write_text("export PATH=/usr/bin\n")
    (root / "supabase/migrations" / DRAFT).write_text(NEW_TABLE)
    planted = plant(root, outside)
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert (outside / "victim").read_text() == "export PATH=/usr/bin\n"
    assert sorted(p.name for p in outside.iterdir()) == ["victim"], result.log
    assert result.code == 2, result.log
    assert "Traceback" not in result.log
    (error,) = [line for line in result.log.splitlines() if line.startswith("::error ")]
    assert f"file={planted.relative_to(root).as_posix()}," in error and "symlink" in error, error


@pytest.mark.parametrize(
    ("flag", "planted"), [("--json", "report.json"), ("--drafts", f"drafts/{DRAFT}")], ids=["json", "a draft"]
)
def test_the_cli_writes_nothing_through_a_symlink(
    project: Project, tmp_path: Path, cli: Callable[..., Run], flag: str, planted: str
) -> None:
    victim = tmp_path.parent / f"{tmp_path.name}-victim"
    victim.write_text("keep\n")
    (project.root / planted).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(victim, project.root / planted)
    project.write(DRAFT, NEW_TABLE)
    result = cli("check", flag, planted.split("/")[0])
    assert victim.read_text() == "keep\n"
    assert result.code == 2 and planted in result.err and "symlink" in result.err, result
