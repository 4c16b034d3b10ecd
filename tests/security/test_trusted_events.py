"""Production only from events that only the repository's writers can start, whatever `mode` says;
and the example workflows leave no token behind and grant each job only what it needs."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from actionrun import PUSH, ROOT, pr_payload, run_action, runner_commands
from fakegithub import FakeGitHub
from schemagate.action.context import Context
from schemagate.action.events import choose_mode
from schemagate.action.runner import Inputs
from schemagate.errors import InputError

EVENTS = (
    "push",
    "push to a branch",
    "workflow_dispatch",
    "schedule",
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
    "merge_group",
    "workflow_run",
)
MODES = ("check", "deploy", "rollback", "plan", "status")
# docs/action.md's table, as code: the events on which each mode may run
ALLOWED = {
    "check": set(EVENTS),
    "deploy": {"push", "workflow_dispatch"},
    "rollback": {"push", "workflow_dispatch"},
    "plan": {"push", "workflow_dispatch"},
    "status": {"push", "workflow_dispatch", "schedule"},
}


def _context(event: str) -> Context:
    name, ref = ("push", "refs/heads/feature") if event == "push to a branch" else (event, "refs/heads/main")
    payload = {"repository": {"default_branch": "main"}}
    return Context(name, "acme/app", "c0ffee", ref, "1", "someone", "", "", Path("."), payload)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("event", EVENTS)
def test_the_event_by_mode_table(event: str, mode: str) -> None:
    inputs = Inputs({"INPUT_MODE": mode})
    if event in ALLOWED[mode]:
        assert choose_mode(_context(event), inputs) == mode
    else:
        with pytest.raises(InputError, match=f"mode {mode} never runs on .*production is off limits"):
            choose_mode(_context(event), inputs)


def test_the_action_docs_show_the_same_table() -> None:
    page = (ROOT / "docs" / "action.md").read_text()
    section = page.split("## Which events may touch production", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    shown: dict[str, set[str]] = {}
    columns = ("push", "workflow_dispatch", "schedule", "other")
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for mode in re.findall(r"`(\w+)`", cells[0]):
            shown[mode] = {col for col, cell in zip(columns, cells[1:], strict=True) if cell == "✅"}
    for mode in MODES:
        expected = {"other"} | set(columns[:3]) if mode == "check" else ALLOWED[mode] & set(columns)
        assert shown[mode] == expected, mode


@pytest.fixture
def production_trap() -> Iterator[tuple[str, list[int]]]:
    """A database address that counts every connection it is offered and drops it at once."""
    accepted: list[int] = []
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen()
        trap.settimeout(0.05)
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = trap.accept()
                except TimeoutError:
                    continue
                accepted.append(1)
                conn.close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        yield f"postgresql://postgres:prod-Secret-pw@127.0.0.1:{trap.getsockname()[1]}/postgres", accepted
        stop.set()
        thread.join()


@pytest.mark.parametrize(
    ("event", "mode", "extra"),
    [
        ("pull_request_review", "deploy", {"require-approval": "false"}),
        ("issue_comment", "rollback", {"rollback-to": "20251120170000", "reason": "x"}),
        ("schedule", "deploy", {"require-approval": "false"}),
        ("push to a branch", "deploy", {"require-approval": "false"}),
        ("workflow_run", "plan", {}),
    ],
)
def test_production_modes_on_untrusted_events_never_connect(
    workspace: tuple[Path, str],
    github: FakeGitHub,
    production_trap: tuple[str, list[int]],
    event: str,
    mode: str,
    extra: dict[str, str],
) -> None:
    root, base = workspace
    url, accepted = production_trap
    payload: dict[str, object] = pr_payload(base) if event.startswith("pull_request") else dict(PUSH)
    env = {"GITHUB_REF": "refs/heads/feature"} if event == "push to a branch" else {}
    name = "push" if event == "push to a branch" else event
    result = run_action(root, github, name, payload, {"mode": mode, "database-url": url, **extra}, env)
    assert accepted == [], result.log  # nothing ever reached the production address
    assert result.code == 2, result.log
    (error,) = runner_commands(result.log).named("error")
    assert (
        f"mode {mode} never runs on {name} events" in error and "nothing was read from database-url" in error
    )
    assert result.outputs == {}


def _workflows() -> list[Path]:
    found = sorted((ROOT / "examples" / "workflows").glob("*.yml"))
    assert len(found) >= 7
    return found


@pytest.mark.parametrize("path", _workflows(), ids=lambda p: p.name)
def test_example_workflows_leave_no_token_and_grant_little(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text())
    assert "permissions" in workflow, "the workflow declares its token's permissions"
    assert workflow["permissions"] in ({}, {"contents": "read"}), workflow["permissions"]
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", workflow["permissions"])
        assert set(granted.values()) <= {"read", "write"} and "write-all" not in str(granted), name
        writes = {scope for scope, level in granted.items() if level == "write"}
        assert writes <= {"pull-requests", "deployments", "issues"}, (name, writes)
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout"):
                assert step.get("with", {}).get("persist-credentials") is False, (name, step)


def test_the_readme_s_snippet_checks_out_without_credentials() -> None:
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("# .github/workflows/schemagate-check.yml", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(snippet)
    (checkout,) = [s for s in workflow["jobs"]["check"]["steps"] if s["uses"].startswith("actions/checkout")]
    assert checkout["with"]["persist-credentials"] is False
    assert workflow["permissions"] == {}


def test_the_action_runs_exactly_the_modes_the_event_table_names() -> None:
    from schemagate import action
    from schemagate.action.events import MAY_RUN_ON

    assert set(action.MODES) == set(MAY_RUN_ON) == set(MODES)
