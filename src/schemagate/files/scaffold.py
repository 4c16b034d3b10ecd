"""`schemagate new`: a timestamped migration from a template that follows the checklist."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from schemagate.errors import InputError
from schemagate.files.migrations import parse_name

_NAME = re.compile(r"^[a-z][a-z0-9_]*\Z")  # \Z: `$` lets a final newline into a file name
_VERBS = ("add_", "create_", "new_")
STAMP = "%Y%m%d%H%M%S"


def _table_for(name: str) -> str:
    for verb in _VERBS:
        if name.startswith(verb) and len(name) > len(verb):
            return name[len(verb) :]
    return name


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
    fields = {"filename": filename, "table": _table_for(name)}
    created = [directory / filename]
    created[0].write_text(_template("migration.sql").format(**fields), "utf-8")
    if rollbacks is not None:
        rollbacks.mkdir(parents=True, exist_ok=True)
        down = rollbacks / filename
        down.write_text(_template("rollback.sql").format(**fields), "utf-8")
        created.append(down)
    return created
