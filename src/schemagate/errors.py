"""Errors that end a run with one clear line and a known exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
    TERMINATED = 143  # SIGTERM: a cancelled workflow, `podman stop`, `docker stop`


class SchemagateError(Exception):
    """An expected failure: printed as one line, never as a traceback.

    Its parts are kept apart, as psycopg's diagnostics are, and composed only where it is shown:
    `message` is the cause, `sqlstate` the server's code when the server said it, `hint` what to do
    or what hosted Supabase would say, `detail` more of the cause, and `outcome` what became of the
    work (the migration was rolled back, N statements stay applied).
    """

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        sqlstate: str | None = None,
        hint: str | None = None,
        detail: str | None = None,
        outcome: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        self.sqlstate = sqlstate
        self.hint = hint
        self.detail = detail
        self.outcome = outcome

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception pickling keeps only args; a lint worker's error must keep its file and line
        fields = {name: getattr(self, name) for name in _FIELDS}
        return (partial(type(self), **fields), (self.message,))

    @property
    def reason(self) -> str:
        """The cause and its hint, without the outcome: what a report's finding says."""
        cause = f"{self.sqlstate} {self.message}" if self.sqlstate else self.message
        return "; ".join(part for part in (cause, self.hint) if part)

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
        text = "; ".join(part for part in (self.reason, self.outcome) if part)
        return f"{where}: {text}" if where else text


_FIELDS = ("path", "line", "column", "sqlstate", "hint", "detail", "outcome")


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


class Unverified(MigrationFailed):
    """A statement failed for a gap of the throwaway database's, not the project's: an extension
    hosted Supabase offers that this server has no build of, or a stand-in's limit. It is no
    verdict on the project: the front ends say "could not verify", and it fails a build only
    where the project asks (`rules: could-not-verify: error`)."""

    @property
    def reason(self) -> str:
        return f"could not verify: {super().reason}"


class Terminated(KeyboardInterrupt):
    """SIGTERM (a cancelled workflow, `docker stop`), handled as Ctrl-C is.

    A KeyboardInterrupt in the middle of a query makes psycopg cancel the query in the server and
    wait for that, so the transaction rolls back and the lock goes before the process exits. Any
    other exception would leave the server running the statement, holding both, until it ended.
    """

    exit_code = ExitCode.TERMINATED


def terminate(signum: int, frame: object) -> None:
    """The SIGTERM handler of every front end: unwind, so that every `finally` runs."""
    raise Terminated("terminated (SIGTERM)")


@contextmanager
def running(filename: str) -> Iterator[None]:
    """A migration (or a down file) is running: a Ctrl-C or SIGTERM that stops it is told so, since
    the line said afterwards, once everything unwound, can no longer see what was running."""
    try:
        yield
    except KeyboardInterrupt as exc:
        if getattr(exc, "migration", None) is None:  # the innermost file is the one that ran
            exc.migration = filename  # type: ignore[attr-defined]
        raise


def interruption(exc: KeyboardInterrupt) -> tuple[str, int]:
    """The one line and the exit code for a run stopped by Ctrl-C or SIGTERM: what became of the
    migration that was running, or that none was (a catalog comparison, a check's proof)."""
    migration = getattr(exc, "migration", None)
    became = (
        f"the current migration, {migration}, was rolled back"
        if migration
        else "no migration was running, so none was left half-applied"
    )
    if isinstance(exc, Terminated):
        return f"terminated (SIGTERM); {became}", int(ExitCode.TERMINATED)
    return f"interrupted; {became}", int(ExitCode.INTERRUPTED)


class ApiError(SchemagateError):
    """GitHub kept failing after the retries, or refused outright."""

    def __init__(self, message: str, status: int | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        rebuild, args = super().__reduce__()
        return (partial(rebuild, status=self.status), args)


class NotApproved(SchemagateError):
    """A deploy's approval was denied, or did not come in time."""
