"""Several Supabase projects in one repository: `working-directory` names the project a job is about.

Each project gets its own sticky comment, its own reports in its own folder, and annotations and
SARIF locations that GitHub can place, relative to the repository rather than to the project.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from actionrun import FLAWED, pr_payload, run_action
from checking import commit_base
from conftest import EXAMPLE, Project, run_process
from fakegithub import FakeGitHub

ADDED = "supabase/migrations/20251201000000_open.sql"


@pytest.fixture
def monorepo(tmp_path: Path) -> tuple[Path, str]:
    """apps/api and apps/web, two copies of the example project, with a base commit."""
    root = tmp_path / "repo"
    for app in ("api", "web"):
        shutil.copytree(EXAMPLE, root / "apps" / app)
    (root / ".git").mkdir()
    return root, commit_base(Project(root))


def _ours(github: FakeGitHub, marker: str) -> list[str]:
    return [c["body"] for c in github.state.comments.get(7, []) if marker in c["body"]]


def test_each_project_keeps_its_own_sticky_comment(monorepo: tuple[Path, str], github: FakeGitHub) -> None:
    root, base = monorepo
    (root / "apps/web" / ADDED).write_text(FLAWED)
    web = run_action(root, github, "pull_request", pr_payload(base), {"working-directory": "apps/web"})
    api = run_action(root, github, "pull_request", pr_payload(base), {"working-directory": "apps/api/"})
    again = run_action(root, github, "pull_request", pr_payload(base), {"working-directory": "apps/web"})
    assert (web.code, api.code, again.code) == (1, 0, 1), web.log + api.log
    assert len(github.state.comments[7]) == 2, "one comment per project, each updated in place"
    (web_comment,) = _ours(github, "<!-- schemagate:check apps/web -->")
    (api_comment,) = _ours(github, "<!-- schemagate:check apps/api -->")
    assert "### ❌ schemagate · apps/web:" in web_comment and "rls-disabled" in web_comment
    assert "### ✅ schemagate · apps/api:" in api_comment and "rls-disabled" not in api_comment
    assert _ours(github, "<!-- schemagate:check -->") == []


def test_annotations_and_sarif_name_files_from_the_repository_root(
    monorepo: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = monorepo
    (root / "apps/web" / ADDED).write_text(FLAWED)
    result = run_action(root, github, "pull_request", pr_payload(base), {"working-directory": "apps/web"})
    assert result.code == 1, result.log
    assert f"::error file=apps/web/{ADDED},line=1,title=rls-disabled::" in result.log
    assert result.outputs["report-json"] == "apps/web/.schemagate/report.json"  # from the workspace
    sarif = json.loads((root / result.outputs["sarif"]).read_text())
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r.get("locations", [])
    }
    assert f"apps/web/{ADDED}" in uris and all(u.startswith("apps/web/") for u in uris)
    assert not (root / ".schemagate").exists()


def test_the_project_s_own_config_file_is_read(monorepo: tuple[Path, str], github: FakeGitHub) -> None:
    root, _ = monorepo
    config = root / "apps/web/.github/schemagate.yml"
    config.parent.mkdir(exist_ok=True)  # the example has one: profile strict
    config.write_text("rules:\n  rls-disabled: off\n")
    base = commit_base(Project(root))  # a pull request reads the config as its base has it
    (root / "apps/web" / ADDED).write_text(FLAWED)
    result = run_action(root, github, "pull_request", pr_payload(base), {"working-directory": "apps/web"})
    assert "rls-disabled" not in result.log, result.log


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("apps/mobile", "input working-directory: the repository has no folder 'apps/mobile'"),
        ("../elsewhere", "input working-directory '../elsewhere' is outside the repository"),
    ],
)
def test_a_working_directory_that_is_not_a_project_folder_is_bad_input(
    monorepo: tuple[Path, str], github: FakeGitHub, folder: str, message: str
) -> None:
    root, base = monorepo
    result = run_action(root, github, "pull_request", pr_payload(base), {"working-directory": folder})
    assert result.code == 2
    assert f"::error title=schemagate::{message}" in result.log
    assert github.state.comments.get(7) is None


def test_the_cli_names_repository_paths_from_a_project_folder(monorepo: tuple[Path, str]) -> None:
    """`schemagate check` run inside apps/web, as a monorepo's own workflow step would."""
    root, base = monorepo
    (root / "apps/web" / ADDED).write_text(FLAWED)
    run = run_process("check", "--base", base, "--annotations", "--format", "sarif", cwd=root / "apps/web")
    assert run.code == 1, run.err
    assert f"::error file=apps/web/{ADDED},line=1,title=rls-disabled::" in run.out
    sarif = json.loads(run.out[run.out.index("{") :])
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r.get("locations", [])
    }
    assert uris == {f"apps/web/{ADDED}"}
