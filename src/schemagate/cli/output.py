"""Every line schemagate prints goes through here, so no secret can reach a terminal or a log, and
no name from a repository or a database can send the terminal a control sequence (ESC, CR) or a
bidi override: those show as escapes."""

from __future__ import annotations

import sys
from typing import TextIO

from schemagate import secrets
from schemagate.report.escape import visible


class Console:
    def __init__(self, out: TextIO | None = None, err: TextIO | None = None, *, quiet: bool = False) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet

    def say(self, line: str = "") -> None:
        print(_shown(line), file=self.out, flush=True)

    def info(self, line: str) -> None:
        if not self.quiet:
            self.say(line)

    def notice(self, line: str) -> None:
        print(f"notice: {_shown(line)}", file=self.err, flush=True)

    def error(self, line: str) -> None:
        print(f"error: {_shown(line)}", file=self.err, flush=True)

    def error_detail(self, text: str) -> None:
        """What follows an error, indented under it: PostgreSQL's DETAIL (which key, which row)."""
        for line in text.splitlines():
            print(f"  {_shown(line)}", file=self.err, flush=True)


def _shown(line: str) -> str:
    return visible(secrets.redact(line), keep="\n\t")


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*headers), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in rows]
    return [line.rstrip() for line in lines]
