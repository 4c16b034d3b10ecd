"""errors.interruption: the line after Ctrl-C or SIGTERM says a migration was rolled back only
when one was running (not during a catalog comparison or a proof)."""

from __future__ import annotations

import pytest

from schemagate.errors import Terminated, interruption, running


def _stopped(exc: KeyboardInterrupt, *files: str) -> KeyboardInterrupt:
    """The exception as it leaves the files that were running, innermost last."""
    try:
        if not files:
            raise exc
        with running(files[0]):
            if len(files) > 1:
                with running(files[1]):
                    raise exc
            raise exc
    except KeyboardInterrupt as caught:
        return caught


def test_nothing_running_says_no_migration_was_rolled_back() -> None:
    line, code = interruption(_stopped(KeyboardInterrupt()))
    assert (line, code) == ("interrupted; no migration was running, so none was left half-applied", 130)
    assert "rolled back" not in line


def test_a_running_migration_is_named() -> None:
    line, code = interruption(_stopped(KeyboardInterrupt(), "20250101000000_a.sql"))
    assert (line, code) == ("interrupted; the current migration, 20250101000000_a.sql, was rolled back", 130)


def test_the_innermost_file_is_named_and_sigterm_says_so() -> None:
    line, code = interruption(_stopped(Terminated("terminated (SIGTERM)"), "outer.sql", "inner.sql"))
    assert (line, code) == ("terminated (SIGTERM); the current migration, inner.sql, was rolled back", 143)


def test_a_finished_migration_is_not_blamed_for_a_later_interruption() -> None:
    with running("done.sql"):
        pass
    with pytest.raises(KeyboardInterrupt) as caught:
        raise KeyboardInterrupt
    assert interruption(caught.value)[0].endswith("no migration was running, so none was left half-applied")
