"""Errors that end a run with one clear line and a known exit code."""

from __future__ import annotations

from enum import IntEnum
from functools import partial
from pathlib import Path
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # a migration failed, or findings at or above --fail-on
    INPUT = 2  # bad files, bad config, bad arguments, drift: fix the repository
    CONNECTION = 3  # the database could not be reached or refused us
    LOCKED = 4  # another run holds the migration lock
    INTERRUPTED = 130


class SchemagateError(Exception):
    """An expected failure: printed as one line, never as a traceback."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception pickling keeps only args; a lint worker's error must keep its file and line
        rebuild = partial(type(self), path=self.path, line=self.line, column=self.column)
        return (rebuild, (self.message,))

    def location(self) -> str:
        if self.path is None:
            return ""
        parts = [str(self.path)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class InputError(SchemagateError):
    """The repository's files or configuration are not usable as they are."""

    exit_code = ExitCode.INPUT


class DriftError(InputError):
    """What the database recorded no longer matches the files."""


class ConnectionFailure(SchemagateError):
    exit_code = ExitCode.CONNECTION


class LockTimeout(SchemagateError):
    exit_code = ExitCode.LOCKED


class MigrationFailed(SchemagateError):
    """A statement failed; its migration was rolled back."""

    exit_code = ExitCode.FAILED


class Interrupted(SchemagateError):
    exit_code = ExitCode.INTERRUPTED
