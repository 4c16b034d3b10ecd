"""Driving the Action as the runner drives it: env vars, an event payload file, output and summary
files, and a GitHub API over real HTTP. Shared by the Action's tests and the container's."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from checking import commit_base
from conftest import EXAMPLE, Project
from fakegithub import TOKEN, FakeGitHub

ROOT = Path(__file__).resolve().parents[1]
HEAD = "f00d" * 10  # the pull request's head commit
FLAWED = "create table public.open_table (id int primary key);\n"  # no RLS: an error


@dataclass
class Result:
    code: int
    log: str
    outputs: dict[str, str]
    summary: str


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, str]:
    """A checkout of the example app with a base commit, like actions/checkout with fetch-depth 0."""
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    (root / ".git").mkdir()
    base = commit_base(Project(root))
    return root, base


def runner_env(
    github: FakeGitHub, event: str, inputs: Mapping[str, str], *, workspace: str, event_path: str
) -> dict[str, str]:
    """What the runner passes an action: its GITHUB_* context and the inputs as INPUT_*."""
    return {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": event_path,
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_SHA": "c0ffee0000000000000000000000000000000000",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_ACTOR": "merger",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": github.url,
        "GITHUB_WORKSPACE": workspace,
        "SCHEMAGATE_GITHUB_BACKOFF": "0",
        "INPUT_GITHUB-TOKEN": TOKEN,
        **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
    }


def read_only_token(github: FakeGitHub) -> None:
    """A fork's pull request: the token may read, never comment."""
    github.fail(
        "POST",
        r"/issues/\d+/comments$",
        403,
        times=-1,
        body={"message": "Resource not accessible by integration"},
    )


def run_action(
    root: Path,
    github: FakeGitHub,
    event: str,
    payload: Mapping[str, object] | list[object] | str,
    inputs: dict[str, str],
    extra_env: dict[str, str] | None = None,
) -> Result:
    runner = root.parent / "runner"
    runner.mkdir(exist_ok=True)
    event_path, output, summary = runner / "event.json", runner / "output", runner / "summary.md"
    event_path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    for path in (output, summary):
        path.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    env |= runner_env(github, event, inputs, workspace=str(root), event_path=str(event_path))
    env |= {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    env |= extra_env or {}
    done = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint" / "main.py")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    outputs = parse_outputs(output.read_text())
    return Result(done.returncode, done.stdout + done.stderr, outputs, summary.read_text())


def parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT read as the runner reads it: `name=value` lines and `name<<DELIMITER` blocks,
    whichever of `=` and `<<` comes first on the line."""
    outputs: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            outputs[line[:equals]] = line[equals + 1 :]
            continue
        assert heredoc >= 0, f"the runner refuses the output line {line!r}"
        delimiter, value = line[heredoc + 2 :], []
        for inner in lines:
            if inner == delimiter:
                break
            value.append(inner)
        else:
            raise AssertionError(f"the runner refuses output {line[:heredoc]!r}: no closing delimiter")
        outputs[line[:heredoc]] = "\n".join(value)
    return outputs


def pr_payload(base: str, *, number: int = 7, fork: bool = False) -> dict[str, object]:
    head_repo = {"full_name": "someone/app" if fork else "acme/app", "fork": fork}
    return {
        "pull_request": {"number": number, "base": {"sha": base}, "head": {"sha": HEAD, "repo": head_repo}},
        "repository": {"full_name": "acme/app", "default_branch": "main"},
    }


PUSH = {
    "ref": "refs/heads/main",
    "after": "c0ffee",
    "repository": {"full_name": "acme/app", "default_branch": "main"},
}


@dataclass
class Commands:
    """What the runner acts on in a step's log: each command and its unescaped data, and the
    stop-commands token still in force at the end (None when commands are on)."""

    run: list[tuple[str, str]]
    stopped: str | None

    def named(self, name: str) -> list[str]:
        return [data for command, data in self.run if command == name]


def runner_commands(log: str) -> Commands:
    """Read a log as the runner does: line by line (\\r, \\n), leading whitespace trimmed, `::name
    props::data` acted on unless `::stop-commands::TOKEN` is in force until `::TOKEN::`."""
    run: list[tuple[str, str]] = []
    stopped: str | None = None
    for line in re.split(r"\r\n|\r|\n", log):
        text = line.lstrip()
        end = text.find("::", 2)
        if not text.startswith("::") or end < 0:
            assert stopped is not None or not text.startswith("##["), f"a legacy command: {line!r}"
            continue
        name, data = text[2:end].split(" ", 1)[0], text[end + 2 :]
        if stopped is not None:
            stopped = None if name == stopped else stopped
            continue
        if name == "stop-commands":
            stopped = data
            continue
        run.append((name, data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")))
    return Commands(run, stopped)
