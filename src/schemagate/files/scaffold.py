"""`schemagate new`: a timestamped migration from a template that follows the checklist."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from schemagate.errors import InputError
from schemagate.files.migrations import parse_name

_NAME = re.compile(r"^[a-z][a-z0-9_]*\Z")  # \Z: `$` lets a final newline into a file name
_TABLE_VERBS = ("create_", "new_", "add_")
# add_<column>_to_<table>, as Rails and Supabase's own examples name a new column's migration
_ADD_COLUMN = re.compile(r"add_(?P<column>[a-z0-9_]+?)(?:_columns?)?_to_(?P<table>[a-z][a-z0-9_]*)\Z")
STAMP = "%Y%m%d%H%M%S"


def _shape(name: str) -> tuple[str, dict[str, str]]:
    """The template a migration's name asks for, and what fills it: a column added to a table
    (add_<column>_to_<table>), a new table (create_/new_/add_<table>), or else an empty file to
    write (backfill_…, drop_…: no guess at a table)."""
    column = _ADD_COLUMN.match(name)
    if column and column["column"][:1].isalpha():
        return "add_column", {"table": column["table"], "column": column["column"]}
    for verb in _TABLE_VERBS:
        if name.startswith(verb) and len(name) > len(verb):
            return "migration", {"table": name[len(verb) :]}
    return "blank", {}


def _after(version: int) -> int:
    """The next version: one second later when it is a timestamp, else the next integer."""
    try:
        moment = datetime.strptime(str(version), STAMP)
    except ValueError:
        return version + 1
    return int((moment + timedelta(seconds=1)).strftime(STAMP))


def next_version(directory: Path, now: datetime | None = None) -> str:
    """Now as YYYYMMDDHHMMSS, but always after the newest existing version."""
    stamp = int((now or datetime.now(UTC)).strftime(STAMP))
    existing = [int(p[0]) for f in directory.glob("*.sql") if (p := parse_name(f.name))]
    return str(max([stamp, *(_after(v) for v in existing)]))


def _template(name: str) -> str:
    return resources.files("schemagate.files.templates").joinpath(name).read_text("utf-8")


def create(directory: Path, name: str, *, rollbacks: Path | None = None) -> list[Path]:
    if not _NAME.match(name):
        raise InputError(f"migration name {name!r}: use lower_snake_case, e.g. add_user_preferences")
    directory.mkdir(parents=True, exist_ok=True)
    filename = f"{next_version(directory)}_{name}.sql"
    template, fields = _shape(name)
    fields["filename"] = filename
    created = [directory / filename]
    created[0].write_text(_template(f"{template}.sql").format(**fields), "utf-8")
    if rollbacks is not None:
        rollbacks.mkdir(parents=True, exist_ok=True)
        down = rollbacks / filename
        undo = "rollback" if template == "migration" else f"{template}_rollback"
        down.write_text(_template(f"{undo}.sql").format(**fields), "utf-8")
        created.append(down)
    return created
