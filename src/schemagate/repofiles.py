"""Read a file the repository supplies: only a regular file, only up to a limit, never outside it.

A pull request controls every file it carries, and git stores symlinks: `seed.sql -> /dev/zero`, a
config that points at `/proc/self/environ`, a FIFO that never ends. Each is refused here with one
line naming the file, before a byte of it is trusted. A symlink to a regular file inside the same
repository is followed: the target is part of the same checkout, so it shows nothing the pull
request does not already carry, and it passes the same checks.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from schemagate import secrets
from schemagate.errors import InputError

MIB = 1024 * 1024
SQL_LIMIT = 10 * MIB  # a migration, a rollback, a schema file
SEED_LIMIT = 32 * MIB  # seed files carry data, so they may be larger
CONFIG_LIMIT = 1 * MIB  # .github/schemagate.yml, supabase/config.toml

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


class UnreadableFile(InputError):
    """A repository file that is not a regular file of bounded size inside the repository."""


def repository_root(path: Path) -> Path:
    """The checkout a file belongs to: the nearest folder up holding .git, else the working folder
    when the file lies under it, else the file's own folder."""
    start = Path(os.path.abspath(path)).parent
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    cwd = Path.cwd()
    return cwd if _within(start, cwd) else start


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _target(path: Path, root: Path | None) -> str:
    """The real file behind the name; a symlink may not lead out of the repository."""
    real = os.path.realpath(path)
    if root is not None:
        real_root = Path(os.path.realpath(root))
        if not _within(Path(real), real_root):
            if os.path.islink(path) or _within(Path(os.path.abspath(path)), Path(os.path.abspath(root))):
                raise UnreadableFile(f"symlink points outside the repository ({root})", path=path)
            raise UnreadableFile(f"file is outside the repository ({root})", path=path)
        if ".git" in Path(real).relative_to(real_root).parts:
            # git's own files are no project's: .git/config holds the job's token when the checkout
            # keeps its credentials (actions/checkout's default), and a pgTAP `\i ../../.git/config`
            # sent it to the server, where a test running beside read it from pg_stat_activity
            raise UnreadableFile("is inside .git, which holds git's files, not the project's", path=path)
    return real


def _open(path: Path, real: str) -> int:
    # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; O_NOFOLLOW: the
    # resolved name must still be the file, not a symlink swapped in since
    try:
        return os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UnreadableFile("file not found (a symlink to nothing?)", path=path) from None
    except OSError as exc:
        raise UnreadableFile(f"cannot open: {exc.strerror}", path=path) from None


def _too_big(path: Path, size: int | str, limit: int, advice: str) -> UnreadableFile:
    shown = f"{size / MIB:.1f} MB" if isinstance(size, int) else size
    return UnreadableFile(f"file is {shown}, over the {limit / MIB:.0f} MB limit{advice}", path=path)


def read_limited(path: Path, limit: int, *, root: Path | None = None, advice: str = "") -> bytes:
    """The file's bytes, when it is a regular file of at most `limit` bytes (inside `root`, when
    given); any other file is an UnreadableFile naming it. At most limit + 1 bytes are ever read, so
    a file that grows while it is read cannot exhaust memory either."""
    fd = _open(path, _target(path, root))
    try:
        info = os.fstat(fd)  # of what was opened, not of whatever the name means later
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise UnreadableFile(f"is {kind}, not a regular file", path=path)
        if info.st_size > limit:
            raise _too_big(path, info.st_size, limit, advice)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise _too_big(path, "growing", limit, advice)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_repository_file(path: Path, limit: int, *, advice: str = "") -> bytes:
    """A file of the checkout: symlinks may lead anywhere inside it and nowhere else."""
    return read_limited(path, limit, root=repository_root(path), advice=advice)


def present(path: Path) -> bool:
    """Whether the repository has something at this name: a dangling symlink counts, so that it is
    refused with its reason rather than skipped in silence."""
    return os.path.lexists(path)


class UnwritableOutput(InputError):
    """Where a report would go is a symlink or not a regular file: the repository may have put it
    there (git stores symlinks), so writing through it could overwrite any file the job can."""


def output_folder(folder: Path, *, under: Path | None = None) -> Path:
    """`folder`, made when missing; it and every folder between `under` and it must be real
    folders, never symlinks (a checkout's `.schemagate -> /home/runner` is refused)."""
    top = Path(os.path.abspath(under)) if under is not None else None
    target = Path(os.path.abspath(folder))
    if top is None:  # the folders above are the caller's own choice
        os.makedirs(target.parent, exist_ok=True)
    chain = [target] if top is None else [p for p in (*reversed(target.parents), target) if top in p.parents]
    for step in chain:
        if os.path.islink(step):
            raise UnwritableOutput("is a symlink; schemagate never writes through one", path=step)
        try:
            os.mkdir(step, 0o755)
        except FileExistsError:
            if not os.path.isdir(step):
                raise UnwritableOutput("is not a folder", path=step) from None
    return target


def write_output(path: Path, text: str) -> None:
    """Write a report file, redacted as every line schemagate prints is, never through a symlink
    and only over a regular file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        why = "is a symlink; schemagate never writes through one" if os.path.islink(path) else exc.strerror
        raise UnwritableOutput(f"cannot write the report: {why}", path=path) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # truncate only what is a plain file
            raise UnwritableOutput("cannot write the report: not a regular file", path=path)
        os.ftruncate(fd, 0)
        data = secrets.redact(text).encode("utf-8")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


def display_path(path: Path | None, project: str = "") -> str | None:
    """Relative to the project where possible: what people expect. With `project` (the project's
    folder in the repository), relative to the repository: what annotations and SARIF need."""
    if path is None:
        return None
    if not path.is_absolute():
        relative = path.as_posix()
    else:
        try:
            relative = Path(os.path.relpath(path, Path.cwd())).as_posix()
        except ValueError:
            return path.as_posix()
    if not project or relative.startswith("../"):
        return relative
    return f"{project.strip('/')}/{relative}"
