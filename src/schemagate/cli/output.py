"""Every line schemagate prints goes through here, so no secret can reach a terminal or a log, and
no name from a repository or a database can send the terminal a control sequence (ESC, CR) or a
bidi override: those show as escapes. Nor a workflow command: the CLI runs in workflows too
(`--annotations`), and a line of the pull request's text that starts `::` (a test's description, a
migration's error) is printed between `::stop-commands::<random token>` and `::<token>::`."""

from __future__ import annotations

import re
import sys
from secrets import token_hex
from typing import TextIO

from schemagate import secrets
from schemagate.report.escape import visible


class Console:
    def __init__(self, out: TextIO | None = None, err: TextIO | None = None, *, quiet: bool = False) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet

    def say(self, line: str = "") -> None:
        _print(_shown(line), self.out)

    def command(self, line: str) -> None:
        """A workflow command of schemagate's own (an annotation, its data escaped): as it is."""
        print(_shown(line), file=self.out, flush=True)

    def info(self, line: str) -> None:
        if not self.quiet:
            self.say(line)

    def notice(self, line: str) -> None:
        _print(f"notice: {_shown(line)}", self.err)

    def error(self, line: str) -> None:
        _print(f"error: {_shown(line)}", self.err)

    def error_detail(self, text: str) -> None:
        """What follows an error, indented under it: PostgreSQL's DETAIL (which key, which row)."""
        _print("\n".join(f"  {_shown(line)}" for line in text.splitlines()), self.err)


# where GitHub's runner starts a line and reads a command there, leading whitespace trimmed (as
# action.runner reads it for the Action's log)
_RUNNER_COMMAND = re.compile(r"(?:^|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029])\s*(?:::|##\[)")


def _print(text: str, out: TextIO) -> None:
    if _RUNNER_COMMAND.search(text):
        token = token_hex(16)  # 128 random bits: no text printed here holds it
        text = f"::stop-commands::{token}\n{text}\n::{token}::"
    print(text, file=out, flush=True)


def _shown(line: str) -> str:
    return visible(secrets.redact(line), keep="\n\t")


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*headers), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in rows]
    return [line.rstrip() for line in lines]
