"""Text from the repository, the event or a database never commands the runner: every log line,
annotation, group title and step output is read here as the runner reads it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from actionrun import PUSH, run_action, runner_commands
from conftest import Database
from fakegithub import FakeGitHub
from schemagate import action
from schemagate.action.runner import Runner
from schemagate.errors import InputError

# a merged migration's file name that would switch commands off, then forge an error
HOSTILE_NAME = "x\n::error title=forged::forged\n::stop-commands::adv\n.sql"
APPROVED = [{"state": "approved", "user": {"login": "reviewer"}, "environments": []}]


def _ours_only(log: str) -> list[tuple[str, str]]:
    """The commands the runner acted on; never left stopped, never a forged error."""
    seen = runner_commands(log)
    assert seen.stopped is None, f"commands left off by {seen.stopped!r}:\n{log}"
    assert not [d for d in seen.named("error") if d.startswith("forged")], log
    return seen.run


def test_runner_lines_from_untrusted_text_command_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    runner = Runner({})
    runner.log(f"applied {HOSTILE_NAME}")
    runner.log("  ::error::forged in one line")
    runner.log("##[error]forged the old way")
    runner.warning(f"skipped {HOSTILE_NAME}")
    runner.error(f"drift: {HOSTILE_NAME}")
    runner.group(f"apply {HOSTILE_NAME}")
    runner.mask("pw\n::error::forged")
    out = capsys.readouterr().out
    run = _ours_only(out)
    assert [name for name, _ in run] == ["warning", "error", "group", "add-mask"]
    assert run[0][1] == f"skipped {HOSTILE_NAME}"  # the runner shows the text as it was
    assert "applied x\n::error title=forged::forged" in out  # still in the log, verbatim, inert


def test_a_hostile_merged_file_name_in_deploy_and_status_logs(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    (root / "supabase/migrations" / HOSTILE_NAME).write_text("select 1;\n")
    github.state.approvals = APPROVED
    deploy = run_action(root, github, "push", PUSH, {"database-url": db.url})
    assert deploy.code == 0, deploy.log
    warnings = [name for name, data in _ours_only(deploy.log) if name == "warning" and HOSTILE_NAME in data]
    assert warnings, deploy.log  # the notice about the skipped file reached the runner, escaped
    status = run_action(root, github, "workflow_dispatch", {"inputs": {}}, {"database-url": db.url})
    assert status.outputs["mode"] == "status", status.log
    _ours_only(status.log)


def test_a_production_object_name_in_drift_errors(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    github.state.approvals = APPROVED
    assert run_action(root, github, "push", PUSH, {"database-url": db.url}).code == 0
    with db.connect(admin=True) as conn:  # a dashboard edit whose name is text of the attacker's
        conn.execute('create table public."t\n::error title=forged::forged\n::stop-commands::adv" (id int)')
    status = run_action(root, github, "workflow_dispatch", {"inputs": {}}, {"database-url": db.url})
    assert status.code == 2, status.log
    errors = [data for name, data in _ours_only(status.log) if name == "error"]
    assert any("::stop-commands::adv" in data for data in errors), status.log


def test_a_dispatch_mode_with_a_newline_writes_no_output(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, _ = workspace
    dispatch = {"inputs": {"mode": "status\nverdict=pass"}}
    result = run_action(root, github, "workflow_dispatch", dispatch, {})
    assert result.code == 2, result.log
    assert result.outputs == {}
    assert (root.parent / "runner" / "output").read_text() == ""
    (error,) = runner_commands(result.log).named("error")
    assert "the dispatch's mode input must be auto, check, deploy, rollback, status or plan" in error


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            {"approval": "issue", "approval-timeout": "abc"},
            "input approval-timeout must be a number of seconds",
        ),
        ({"approval-timeout": "nan"}, "input approval-timeout must be a number of seconds"),
        ({"statement-timeout": "99999999999999999999"}, "input statement-timeout must be a timeout"),
        ({"statement-timeout": "600h"}, "at most 596h (PostgreSQL's limit)"),
        ({"lock-retries": "²"}, "input lock-retries must be a whole number"),
    ],
)
def test_bad_inputs_are_one_line_before_any_output(
    workspace: tuple[Path, str], github: FakeGitHub, inputs: dict[str, str], expected: str
) -> None:
    root, _ = workspace
    url = "postgresql://postgres@127.0.0.1:1/postgres"  # never reached: the inputs are wrong first
    result = run_action(root, github, "push", PUSH, {"database-url": url, **inputs})
    assert result.code == 2, result.log
    assert "Traceback" not in result.log
    (error,) = runner_commands(result.log).named("error")
    assert expected in error and "\n" not in error
    assert result.outputs == {}


def test_outputs_are_heredocs_that_no_value_can_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actionrun import parse_outputs

    output = tmp_path / "output"
    runner = Runner({"GITHUB_OUTPUT": str(output)})
    runner.output("verdict", "fail\nverdict=pass\nmode<<EOF")
    runner.output("mode", "check")
    assert parse_outputs(output.read_text()) == {"verdict": "fail\nverdict=pass\nmode<<EOF", "mode": "check"}
    with pytest.raises(InputError, match="is not an output name"):
        runner.output("verdict\nmode", "x")
    fixed = uuid.UUID(int=7)
    monkeypatch.setattr(uuid, "uuid4", lambda: fixed)
    with pytest.raises(InputError, match="holds its own delimiter"):
        runner.output("verdict", f"x\nghadelimiter_{fixed}\nverdict=pass")
    assert parse_outputs(output.read_text()) == {"verdict": "fail\nverdict=pass\nmode<<EOF", "mode": "check"}


def test_an_unexpected_failure_is_one_error_and_an_inert_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(job: object) -> int:
        raise RuntimeError(f"bug near {HOSTILE_NAME}")

    monkeypatch.setitem(action.MODES, "check", broken)
    monkeypatch.setattr(action, "configure", lambda folder, inputs, trusted_base=None: (None, None))
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"default_branch": "main"}}))
    env = {
        "GITHUB_EVENT_NAME": "merge_group",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_WORKSPACE": str(tmp_path),
    }
    monkeypatch.chdir(tmp_path)
    assert action.main(env) == 1
    run = _ours_only(capsys.readouterr().out)
    assert [name for name, _ in run] == ["error"] and "RuntimeError: bug near x" in run[0][1]
