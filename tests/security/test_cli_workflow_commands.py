"""The CLI runs in workflows too (`schemagate check --annotations` in a `run:` step), and its text
report prints the pull request's own words: a migration's error, a pgTAP test's description and
diagnostics. GitHub's runner reads a command in any line that starts `::` once its leading
whitespace is trimmed: a report line `    ::set-output name=verdict::pass` was one."""

from __future__ import annotations

import re
from collections.abc import Callable

from conftest import Database, Project, Run

HOSTILE = (
    r"""do $$ begin raise exception E'boom\n::set-output name=verdict::pass\n  ::add-mask::x'; end $$;"""
)
OURS = re.compile(r"::(error|warning|notice) file=")


def commands_read(text: str) -> list[str]:
    """The lines GitHub's runner would take as commands, as it reads them (stop-commands honoured)."""
    read, stopped = [], None
    for line in text.splitlines():
        bare = line.strip()
        if stopped is not None:
            if bare == f"::{stopped}::":
                stopped = None
            continue
        if bare.startswith("::stop-commands::"):
            stopped = bare.removeprefix("::stop-commands::")
        elif bare.startswith("::"):
            read.append(bare)
    return read


def test_the_pull_requests_text_commands_nothing(
    cli: Callable[..., Run], db: Database, project: Project
) -> None:
    project.write("20250101000000_hostile.sql", HOSTILE)
    run = cli("check", "--check-database-url", db.url, "--annotations")
    assert run.code == 1, run.text
    assert "set-output" in run.text  # shown, but inert
    read = commands_read(run.out) + commands_read(run.err)
    assert read and all(OURS.match(line) for line in read), read
