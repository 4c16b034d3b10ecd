"""A file name is the pull request's text too. One holding ESC sequences, a carriage return or a
bidi override would rewrite a terminal or log line ("PASS all good"), show as another name, or end
the SQL comment a draft down migration names it in (the rest of the name then runs as SQL). Such a
name is refused with one line, the name shown with its characters escaped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from actionrun import pr_payload, run_action
from conftest import Project, Run
from fakegithub import FakeGitHub

TABLE = "create table public.t (id int primary key);\n"
NAMES = {
    "ESC and CR": "20251201000000_a\x1b[2K\r\x1b[32mPASS all good\x1b[0m.sql",
    "CR then SQL": "20251201000000_x\rdrop table public.t;--.sql",
    "bidi override": "20251201000000_safe\u202elqs.exe.sql",
    "zero width": "20251201000000_se\u200bed.sql",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_a_hostile_migration_name_is_refused_and_printed_inert(
    cli: Callable[..., Run], project: Project, name: str
) -> None:
    project.write(name, TABLE)
    run = cli("check")
    assert run.code == 2, run.text
    assert "invisible or control character" in run.text
    for raw in ("\x1b", "\r", "\u202e", "\u200b"):
        assert raw not in run.text
    assert name.encode("unicode_escape").decode()[:20] in run.text.replace("\\u001b", "\\x1b")


@pytest.mark.parametrize("folder", ["migrations", "rollbacks"])
def test_the_action_prints_no_control_sequence_from_a_name(
    workspace: tuple[Path, str], github: FakeGitHub, folder: str
) -> None:
    root, base = workspace
    (root / "supabase" / folder).mkdir(exist_ok=True)
    (root / "supabase" / folder / NAMES["ESC and CR"]).write_text(TABLE)
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code in {1, 2}, result.log  # a finding (migrations) or an input error (rollbacks)
    assert "\x1b" not in result.log and "\r" not in result.log, result.log
    assert "invisible or control character" in result.log
