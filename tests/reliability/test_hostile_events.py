"""Hostile and broken event payloads, table-driven: a clear one-line error, never a traceback,
never a payload value passed to git or the API as anything but what it claims to be."""

from __future__ import annotations

from pathlib import Path

import pytest

from actionrun import PUSH, pr_payload, run_action
from fakegithub import FakeGitHub

INJECTION = "--upload-pack=touch /tmp/schemagate-pwned"


def _pr(**changes: object) -> dict[str, object]:
    payload = pr_payload("0" * 40)
    pull = dict(payload["pull_request"])  # type: ignore[call-overload]
    pull.update(changes)
    return {**payload, "pull_request": pull}


CASES: list[tuple[str, str, object, str]] = [
    (
        "no pull_request",
        "pull_request",
        {"repository": {"full_name": "acme/app"}},
        "has no pull_request.base.sha",
    ),
    ("pull_request is a string", "pull_request", {"pull_request": "7"}, "has no pull_request.base.sha"),
    (
        "base sha is a git option",
        "pull_request",
        _pr(base={"sha": INJECTION}),
        "pull_request.base.sha is not a commit id",
    ),
    (
        "base sha is a number",
        "pull_request",
        _pr(base={"sha": 1234567}),
        "pull_request.base.sha is not a commit id",
    ),
    (
        "number is shell text",
        "pull_request",
        _pr(number="7; rm -rf /"),
        "pull_request.number is not a number",
    ),
    ("number is negative", "pull_request", _pr(number=-1), "pull_request.number is not a number"),
    ("push before is shell text", "push", {**PUSH, "before": "$(reboot)"}, "before is not a commit id"),
    ("payload is not JSON", "pull_request", "{not json", "cannot read the event payload"),
    ("payload is a list", "pull_request", [1, 2], "is not a JSON object"),
]


@pytest.mark.parametrize(("event", "payload", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_event_payload(
    workspace: tuple[Path, str],
    github: FakeGitHub,
    event: str,
    payload: object,
    expected: str,
) -> None:
    root, base = workspace
    if isinstance(payload, dict) and "pull_request" in payload and isinstance(payload["pull_request"], dict):
        pull = payload["pull_request"]
        if pull.get("base") == {"sha": "0" * 40}:
            pull["base"] = {"sha": base}  # a real base, so only the hostile field is wrong
    inputs = {"mode": "check"} if event == "push" else {}  # a push's base matters to a check
    result = run_action(root, github, event, payload, inputs)  # type: ignore[arg-type]
    assert result.code == 2, result.log
    errors = [line for line in result.log.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and expected in errors[0], result.log
    assert "Traceback" not in result.log
    assert not Path("/tmp/schemagate-pwned").exists()
