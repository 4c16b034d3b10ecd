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

MIGRATION_NAME = re.compile(r"^(?P<version>[0-9]+)_(?P<name>.*)\.sql$")
EXPECTED = "expected <digits>_<name>.sql, e.g. 20251120170000_add_user_preferences.sql"
MAX_FILE_BYTES = 10 * 1024 * 1024
_BOM = "\ufeff"


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path
    text: str
    sha256: str

    @property
    def number(self) -> int:
        return int(self.version)

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


def parse_name(filename: str) -> tuple[str, str] | None:
    match = MIGRATION_NAME.match(filename)
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


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    # os-level calls: half the cost of a Python file object, which counts at a thousand files
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size  # of the file that is read, not of whatever the name means later
        if size > max_bytes:
            raise InputError(
                f"file is {size / 1_048_576:.1f} MB, over the {max_bytes / 1_048_576:.0f} MB limit for a "
                "migration; load bulk data from supabase/seed.sql or COPY instead",
                path=path,
            )
        chunks = [os.read(fd, size + 1)]
        while chunks[-1]:  # a short read is allowed; the file ends at an empty one
            chunks.append(os.read(fd, 1 << 16))
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_migration(path: Path, version: str, name: str, max_bytes: int = MAX_FILE_BYTES) -> Migration:
    # An empty or comments-only file is a migration too: the Supabase CLI applies and records it.
    raw = _read_bytes(path, max_bytes)
    return Migration(version, name, path, decode(path, raw), hashlib.sha256(raw).hexdigest())


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def project_root(directory: Path) -> Path:
    """The repository that owns the folder: symlinks may not leave it."""
    for candidate in (directory.resolve(), *directory.resolve().parents):
        if (candidate / ".git").exists():
            return candidate
    return directory.resolve()


def _candidates(directory: Path) -> list[os.DirEntry[str]]:
    # scandir's entries know their type from the directory listing: no stat per file
    with os.scandir(directory) as listing:
        return sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)


def _check_entry(entry: os.DirEntry[str], path: Path, root: Path) -> None:
    if entry.is_symlink() and not _inside(path, root):
        raise InputError(f"symlink points outside the repository ({root})", path=path)
    if not entry.is_file():
        raise InputError("is not a regular file", path=path)


def discover(directory: Path, *, root: Path | None = None, max_bytes: int = MAX_FILE_BYTES) -> Discovery:
    """Every migration in the folder, sorted by version as an integer."""
    if not directory.is_dir():
        raise InputError(f"migrations folder not found: {directory}")
    root = root or project_root(directory)
    found: dict[int, Migration] = {}
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
        if parsed[1].endswith(".down"):
            raise InputError(
                "down migrations belong in supabase/rollbacks/<version>_<name>.sql: "
                "`supabase db push` would run this file as a migration",
                path=path,
            )
        _check_entry(entry, path, root)
        migration = read_migration(path, *parsed, max_bytes=max_bytes)
        twin = found.get(migration.number)
        if twin is not None:
            raise InputError(
                f"version {migration.version} is also used by {twin.filename}; "
                "every migration needs its own version",
                path=path,
            )
        found[migration.number] = migration
    return Discovery([found[k] for k in sorted(found)], notices, skipped)


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
    for path in sorted(directory.glob("*.sql")):
        parsed = parse_name(path.name)
        if parsed is None:
            raise InputError("rollback file name does not fit <version>_<name>.sql", path=path)
        if parsed[0] in downs:
            raise InputError(
                f"version {parsed[0]} has two down files, this and {downs[parsed[0]].filename}", path=path
            )
        downs[parsed[0]] = read_migration(path, *parsed)
    return downs
