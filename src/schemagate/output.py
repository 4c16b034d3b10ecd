"""Every line schemagate prints goes through here, so no secret can reach a terminal or a log."""

from __future__ import annotations

import sys
from typing import TextIO

from schemagate import secrets


class Console:
    def __init__(self, out: TextIO | None = None, err: TextIO | None = None, *, quiet: bool = False) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet

    def say(self, line: str = "") -> None:
        print(secrets.redact(line), file=self.out, flush=True)

    def info(self, line: str) -> None:
        if not self.quiet:
            self.say(line)

    def notice(self, line: str) -> None:
        print(f"notice: {secrets.redact(line)}", file=self.err, flush=True)

    def error(self, line: str) -> None:
        print(f"error: {secrets.redact(line)}", file=self.err, flush=True)


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*headers), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in rows]
    return [line.rstrip() for line in lines]
