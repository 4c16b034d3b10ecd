"""Find migration files, name and version them, and read them safely.

A migration is `<digits>_<name>.sql`, exactly the Supabase CLI's pattern, so both tools see the
same set of files: anything else in the folder is skipped, with a notice, as the CLI skips it.
Everything here is about files; nothing here parses SQL or touches a database.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from schemagate.errors import InputError
from schemagate.repofiles import SQL_LIMIT, read_limited, repository_root

# \Z, not $: `$` also matches before a final newline, so `1_x.sql\n` would pass; Go's `$` (the
# Supabase CLI's) is the end of the text. `.` never matches a newline, so a name holds none.
MIGRATION_NAME = re.compile(r"(?P<version>[0-9]+)_(?P<name>.*)\.sql\Z")
EXPECTED = "expected <digits>_<name>.sql, e.g. 20251120170000_add_user_preferences.sql"
MAX_FILE_BYTES = SQL_LIMIT
_TOO_BIG = " for a migration; load bulk data from supabase/seed.sql or COPY instead"
_BOM = "\ufeff"

# (0 for a number, else -1; the text as its file name sorts; the text as written): see version_order
VersionOrder = tuple[int, str, str]


def is_number(version: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²" and "٣", which int() reads or refuses."""
    return version.isascii() and version.isdigit()


def version_order(version: str) -> VersionOrder:
    """Where a version sorts: as the Supabase CLI applies files, in the order of their names
    (`fs.ReadDir` in its pkg/migration/list.go), so a 12-digit version sorts among 14-digit ones
    by its text, not by its size; anything that is not a number sorts first.

    The `_` after the version makes two versions compare as their file names do (`2024_a.sql`
    after `20240_b.sql`). Whether a file was applied is decided, as the CLI decides it, by the
    version's text: `020250103000000` in the history is not `20250103000000`."""
    if not is_number(version):
        return (-1, "", version)
    return (0, version + "_", version)


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path
    text: str
    sha256: str

    @property
    def order(self) -> VersionOrder:
        return version_order(self.version)

    @property
    def filename(self) -> str:
        return self.path.name


@dataclass
class Discovery:
    migrations: list[Migration]
    notices: list[str] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # .sql files the Supabase CLI never applies

    def by_version(self) -> dict[str, Migration]:
        return {m.version: m for m in self.migrations}


def _refuse_hidden(path: Path) -> None:
    """A name holding a control or invisible character (ESC, CR, U+202E, U+200B) would print as
    another name, rewrite a terminal line or end the SQL comment a draft names it in: refused."""
    hidden = next((c for c in path.name if not c.isprintable()), None)
    if hidden is not None:
        raise InputError(
            f"file name holds an invisible or control character (U+{ord(hidden):04X}); rename the file",
            path=path,
        )


def parse_name(filename: str) -> tuple[str, str] | None:
    match = MIGRATION_NAME.fullmatch(filename)
    if match is None:
        return None
    return match["version"], match["name"]


def decode(path: Path, raw: bytes) -> str:
    """UTF-8 text with a BOM dropped; every other encoding problem is a clear error."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("file is UTF-16; save it as UTF-8", path=path, line=1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"invalid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8",
            path=path,
            line=line,
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError("file contains a NUL byte, which PostgreSQL cannot take", path=path, line=line)
    return text.removeprefix(_BOM)


def read_migration(
    path: Path,
    version: str,
    name: str,
    max_bytes: int = MAX_FILE_BYTES,
    *,
    root: Path | None = None,
    advice: str = _TOO_BIG,
) -> Migration:
    """A SQL file of the repository (a migration, a down file, a seed, a schema file): refused
    unless it is a regular file of at most max_bytes inside the repository (repofiles.py)."""
    # An empty or comments-only file is a migration too: the Supabase CLI applies and records it.
    raw = read_limited(path, max_bytes, root=root or repository_root(path), advice=advice)
    return Migration(version, name, path, decode(path, raw), hashlib.sha256(raw).hexdigest())


def project_root(directory: Path) -> Path:
    """The repository that owns the folder: symlinks may not leave it."""
    for candidate in (directory.resolve(), *directory.resolve().parents):
        if (candidate / ".git").exists():
            return candidate
    return directory.resolve()


def project_files_root(migrations_dir: Path) -> Path:
    """The folder a project's other files (seeds, schema files) may not leave: the repository,
    else, outside git, the project folder that holds supabase/ (not the migrations folder itself,
    beside which supabase/seed.sql lies)."""
    root = project_root(migrations_dir)
    return root if (root / ".git").exists() else migrations_dir.resolve().parent.parent


def _candidates(directory: Path) -> list[os.DirEntry[str]]:
    # scandir's entries know their type from the directory listing: no stat per file
    with os.scandir(directory) as listing:
        return sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)


def discover(directory: Path, *, root: Path | None = None, max_bytes: int = MAX_FILE_BYTES) -> Discovery:
    """Every migration in the folder, in the order the Supabase CLI applies them (version_order)."""
    if not directory.is_dir():
        raise InputError(
            f"migrations folder not found: {directory}",
            hint="run schemagate in the project (the folder that holds supabase/, or one in it), or "
            "name the folder with --migrations-dir (the Action's migrations-dir, the config's "
            "migrations_dir)",
        )
    root = root or project_root(directory)
    found: dict[str, Migration] = {}  # by number: 0001 and 1 are one number, so both are refused
    notices: list[str] = []
    skipped: list[Path] = []
    for entry in _candidates(directory):
        path = directory / entry.name
        parsed = parse_name(path.name)
        if parsed is None or entry.is_dir():
            notice = _ignored(path)
            if path.name.endswith(".sql") and not entry.is_dir():
                skipped.append(path)
            notices.append(notice)
            continue
        _refuse_hidden(path)
        if parsed[1].endswith(".down"):
            raise InputError(
                "down migrations belong in supabase/rollbacks/<version>_<name>.sql: "
                "`supabase db push` would run this file as a migration",
                path=path,
            )
        migration = read_migration(path, *parsed, max_bytes=max_bytes, root=root)
        number = migration.version.lstrip("0")
        twin = found.get(number)
        if twin is not None:
            raise InputError(
                f"version {migration.version} is also used by {twin.filename}; "
                "every migration needs its own version",
                path=path,
            )
        found[number] = migration
    return Discovery(sorted(found.values(), key=lambda m: m.order), notices, skipped)


def _ignored(path: Path) -> str:
    """The notice for a folder entry that is no migration; the Supabase CLI skips the same ones."""
    if path.is_dir():
        return f"{path}: skipped (a folder, not a migration file)"
    if path.name.endswith(".sql"):
        return f"{path}: skipped, the Supabase CLI never applies it (file name does not fit: {EXPECTED})"
    return f"{path}: skipped (not a .sql file)"


def find_downs(directory: Path) -> dict[str, Migration]:
    """Reviewed down files (supabase/rollbacks/<version>_<name>.sql) by the version they undo; a
    folder that does not exist simply has none."""
    if not directory.is_dir():
        return {}
    downs: dict[str, Migration] = {}
    root = project_root(directory)
    for path in sorted(directory.glob("*.sql")):
        parsed = parse_name(path.name)
        _refuse_hidden(path)
        if parsed is None:
            raise InputError("rollback file name does not fit <version>_<name>.sql", path=path)
        if parsed[0] in downs:
            raise InputError(
                f"version {parsed[0]} has two down files, this and {downs[parsed[0]].filename}", path=path
            )
        downs[parsed[0]] = read_migration(path, *parsed, root=root)
    return downs
