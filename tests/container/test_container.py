"""The Action as users get it: the image, run as a container the way the runner runs a Docker action.

The runner mounts the checkout at /github/workspace (owned by its own user, not root), the file
commands at /github/file_commands and the event at /github/workflow/event.json, and passes INPUT_*
and GITHUB_* variables. Here podman does the same, on the host's network, so the container reaches
a fake GitHub API and a "production" database on this machine.

.ci/run builds the image (.ci/container/build) and names it in SCHEMAGATE_TEST_IMAGE; without it
these tests skip, and under .ci/run they are required.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import psycopg
import pytest

from actionrun import FLAWED, PUSH, Result, parse_outputs, pr_payload, read_only_token, runner_env
from conftest import Database
from fakegithub import FakeGitHub

IMAGE = os.environ.get("SCHEMAGATE_TEST_IMAGE", "")
ENGINE = os.environ.get("SCHEMAGATE_CONTAINER_ENGINE", "podman")  # the project's GitHub CI: docker
RUNNER_UID = 1001  # the GitHub runner's user, who owns the checkout
pytestmark = pytest.mark.slow  # the built image in a container engine, as the runner runs it

if not IMAGE:
    if os.environ.get("SCHEMAGATE_REQUIRE_CONTAINER"):
        pytest.fail("the container image is required here (SCHEMAGATE_TEST_IMAGE)", pytrace=False)
    pytest.skip("no container image to test (.ci/container/build makes one)", allow_module_level=True)


def _own(root: Path) -> None:
    """As actions/checkout leaves a checkout: the runner's user owns it, others may read it."""
    root.parent.chmod(0o755)
    for path in (root, *root.rglob("*")):
        os.lchown(path, RUNNER_UID, RUNNER_UID)


def start(
    root: Path,
    github: FakeGitHub,
    event: str,
    payload: Mapping[str, object],
    inputs: dict[str, str],
    *,
    name: str,
) -> tuple[subprocess.Popen[str], Path]:
    _own(root)
    commands = root.parent / "file_commands"
    workflow = root.parent / "workflow"
    for folder in (commands, workflow):
        folder.mkdir(exist_ok=True)
    (workflow / "event.json").write_text(json.dumps(payload))
    for name_ in ("output", "summary"):
        (commands / name_).write_text("")
    env = runner_env(
        github, event, inputs, workspace="/github/workspace", event_path="/github/workflow/event.json"
    )
    env |= {
        "GITHUB_OUTPUT": "/github/file_commands/output",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/summary",
    }
    command = [ENGINE, "run", "--rm", "--name", name, "--network", "host", "--workdir", "/github/workspace"]
    command += ["-v", f"{root}:/github/workspace", "-v", f"{commands}:/github/file_commands"]
    command += ["-v", f"{workflow}:/github/workflow"]
    for key, value in env.items():
        command += ["-e", f"{key}={value}"]
    process = subprocess.Popen([*command, IMAGE], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, commands


def run_container(
    root: Path, github: FakeGitHub, event: str, payload: Mapping[str, object], inputs: dict[str, str]
) -> Result:
    name = f"schemagate-test-{os.getpid()}-{time.monotonic_ns()}"
    process, commands = start(root, github, event, payload, inputs, name=name)
    log, _ = process.communicate(timeout=600)
    outputs = parse_outputs((commands / "output").read_text())
    return Result(process.returncode, log, outputs, (commands / "summary").read_text())


def approve(github: FakeGitHub) -> None:
    github.state.approvals = [{"state": "approved", "user": {"login": "lead"}, "environments": []}]


def test_a_pr_with_a_flawed_migration_fails_with_its_findings(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    (root / "supabase" / "migrations" / "20251201000000_open.sql").write_text(FLAWED)
    result = run_container(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 1, result.log
    assert result.outputs["verdict"] == "fail"
    assert "::error file=supabase/migrations/20251201000000_open.sql" in result.log
    (comment,) = github.state.comments[7]
    assert "rls-disabled" in comment["body"]
    report = root / ".schemagate" / "report.json"
    assert json.loads(report.read_text())["verdict"] == "fail"
    # what the Action leaves in the workspace belongs to the runner's user, not to root
    assert {p.stat().st_uid for p in (root / ".schemagate").rglob("*")} == {RUNNER_UID}


def test_a_clean_pr_passes_with_one_sticky_comment(workspace: tuple[Path, str], github: FakeGitHub) -> None:
    root, base = workspace
    first = run_container(root, github, "pull_request", pr_payload(base), {})
    second = run_container(root, github, "pull_request", pr_payload(base), {})
    assert (first.code, second.code) == (0, 0), first.log + second.log
    assert first.outputs["verdict"] == "pass"
    (comment,) = github.state.comments[7]
    assert "schemagate" in comment["body"]


def test_a_fork_s_read_only_token_warns_and_does_not_fail(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    read_only_token(github)
    result = run_container(root, github, "pull_request", pr_payload(base, fork=True), {})
    assert result.code == 0, result.log
    assert "::warning::cannot comment on this pull request" in result.log
    assert "schemagate" in result.summary


def test_an_approved_deploy_applies_and_an_unapproved_one_is_refused(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    refused = run_container(root, github, "push", PUSH, {"database-url": db.url})
    assert refused.code == 1, refused.log
    assert "no approval recorded for run 4242" in refused.log
    assert db.history() == []
    approve(github)
    applied = run_container(root, github, "push", PUSH, {"database-url": db.url})
    assert applied.code == 0, applied.log
    assert applied.outputs["applied"] == str(len(list((root / "supabase" / "migrations").glob("*.sql"))))
    assert len(db.history()) == int(applied.outputs["applied"])


def test_a_dispatch_rollback_rolls_back_with_the_reviewed_down_files(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    migrations = sorted((root / "supabase" / "migrations").glob("*.sql"))
    # the newest migration gets its reviewed down file before it is deployed
    (root / "supabase" / "rollbacks" / migrations[-1].name).write_text(
        "alter table public.events drop constraint if exists events_kind_lowercase;\n"
    )
    approve(github)
    assert run_container(root, github, "push", PUSH, {"database-url": db.url}).code == 0
    dispatch = {"inputs": {"rollback-to": migrations[-3].name.split("_")[0], "reason": "bad backfill"}}
    back = run_container(root, github, "workflow_dispatch", dispatch, {"database-url": db.url})
    assert back.code == 0, back.log
    assert back.outputs["rolled-back"] == "2"
    target = migrations[-3].name.split("_")[0]
    assert [v for v, _ in db.history()][-1] == target


def test_stopping_the_container_mid_deploy_rolls_back_and_releases_the_lock(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    slow = root / "supabase" / "migrations" / "20991231000000_slow.sql"
    slow.write_text("create table if not exists public.half_done (id int);\nselect pg_sleep(120);\n")
    approve(github)
    name = f"schemagate-stop-{os.getpid()}"
    process, _ = start(root, github, "push", PUSH, {"database-url": db.url}, name=name)
    try:
        _wait_for(db, "pg_sleep(120)")
        subprocess.run([ENGINE, "stop", "-t", "30", name], check=True, capture_output=True)
        log, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, log
    assert "terminated (SIGTERM)" in log
    assert "half_done" not in db.tables()
    assert "20991231000000" not in [v for v, _ in db.history()]
    assert db.scalar("select count(*) from pg_locks where locktype = 'advisory'") == 0


def _wait_for(db: Database, query: str, timeout_s: float = 300) -> None:
    """Until a session runs the query: the container got that far."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(db.admin_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "select count(*) from pg_stat_activity where datname = %s and query like %s",
                (db.name, f"%{query}%"),
            ).fetchone()
            if row and row[0]:
                return
            conn.execute("select pg_sleep(0.2)")  # the database's clock, not the test's
    raise AssertionError(f"no session ran {query} within {timeout_s} s")


def test_the_image_s_real_extensions_load(workspace: tuple[Path, str], github: FakeGitHub) -> None:
    """What the image trims (JIT, perl, git's network programs, PROJ's grids) breaks none of them."""
    root, base = workspace
    (root / "supabase" / "migrations" / "20251201000000_places.sql").write_text(
        "create extension if not exists postgis with schema extensions;\n"
        "create extension if not exists postgis_raster with schema extensions;\n"
        "create extension if not exists pgrouting with schema extensions;\n"
        "create extension if not exists hypopg with schema extensions;\n"
        "create extension if not exists plpgsql_check with schema extensions;\n"
        "select extensions.st_astext(extensions.st_transform("
        "extensions.st_setsrid(extensions.st_makepoint(8.5, 47.4), 4326), 2056));\n"
    )
    result = run_container(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 0, result.log
    report = json.loads((root / ".schemagate" / "report.json").read_text())
    assert report["verdict"] == "pass"
    assert not [n for n in report["notes"] if "stand-in" in n], report["notes"]
