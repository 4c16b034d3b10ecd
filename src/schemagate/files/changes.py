"""What a change adds to the migrations: compare HEAD's files with a base commit through git."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from schemagate.config import DEFAULT_PATH, Config, load
from schemagate.errors import InputError
from schemagate.files.migrations import Migration, parse_name, version_order


@dataclass
class BaseFile:
    version: str
    name: str
    path: str  # repository-relative
    content: bytes


@dataclass
class Changes:
    base: str | None
    new: set[str] = field(default_factory=set)  # versions new in this change
    edited: list[tuple[Migration, BaseFile]] = field(default_factory=list)
    deleted: list[BaseFile] = field(default_factory=list)
    base_newest: str | None = None  # the version, as written
    base_names: set[str] = field(default_factory=set)  # every file name in the folder at base

    def is_new(self, migration: Migration) -> bool:
        return self.base is None or migration.version in self.new

    def is_added(self, path: Path) -> bool:
        """A file of the folder that the base did not have (every file, without a base)."""
        return self.base is None or path.name not in self.base_names


def _git(cwd: Path, *args: str) -> bytes:
    import subprocess  # git runs only with a base to compare with

    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise InputError(f"git {args[0]} failed: {message[-1] if message else result.returncode}")
    return result.stdout


def head_or_none(folder: Path) -> str | None:
    """HEAD's commit, or None outside a repository or before its first commit."""
    try:
        return _git(folder, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").decode().strip() or None
    except (InputError, OSError):
        return None


@dataclass(frozen=True)
class DefaultBase:
    commit: str | None  # None: no git history here
    said: str  # which base, in words, for the line the CLI prints


def _default_branch(folder: Path) -> str | None:
    """The repository's default branch: origin/HEAD as the clone recorded it, else main or master
    (the remote's, then the local one)."""
    try:
        named = (
            _git(folder, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD").decode().strip()
        )
        if named:
            return named
    except (InputError, OSError):
        pass
    for candidate in ("origin/main", "origin/master", "main", "master"):
        try:
            _git(folder, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
        except (InputError, OSError):
            continue
        return candidate
    return None


def default_base(folder: Path) -> DefaultBase:
    """What `check` and `fix` compare with when told nothing: the merge-base of HEAD and the default
    branch, so that a feature branch's committed migrations are new and the merged ones are not; on
    the default branch itself that is HEAD (only migrations not yet committed are new)."""
    head = head_or_none(folder)
    if head is None:
        return DefaultBase(None, "no git history here")
    branch = _default_branch(folder)
    if branch is None:
        return DefaultBase(head, f"HEAD ({head[:12]}): no origin/HEAD, main or master to compare with")
    try:
        fork = _git(folder, "merge-base", "HEAD", branch).decode().strip()
    except (InputError, OSError):
        return DefaultBase(head, f"HEAD ({head[:12]}): HEAD and {branch} share no history")
    if fork == head:
        return DefaultBase(head, f"HEAD ({head[:12]}), already in {branch}: new means not committed yet")
    return DefaultBase(fork, f"{fork[:12]}, the merge-base of HEAD and {branch}")


def repository_prefix(folder: Path) -> str:
    """The folder's path inside its git repository: "" at the root, or outside a repository."""
    try:
        return _git(folder, "rev-parse", "--show-prefix").decode().strip().rstrip("/")
    except (InputError, OSError):
        return ""


def _base_files(directory: Path, base: str) -> tuple[list[BaseFile], set[str]]:
    """The migrations in the folder at base, and the names of every file there."""
    top = Path(_git(directory, "rev-parse", "--show-toplevel").decode().strip())
    relative = directory.resolve().relative_to(top.resolve()).as_posix()
    listing = _git(top, "ls-tree", "-r", "-z", "--name-only", base, "--", relative).decode()
    files, names = [], set()
    for path in filter(None, listing.split("\0")):
        if Path(path).parent.as_posix() != relative:
            continue
        name = Path(path).name
        names.add(name)
        parsed = parse_name(name)
        if parsed is not None:
            files.append(BaseFile(*parsed, path, _git(top, "cat-file", "blob", f"{base}:{path}")))
    return files, names


def compare(directory: Path, migrations: list[Migration], base: str | None) -> Changes:
    """Migrations at HEAD and not at base are new; ones at base that changed or vanished are errors."""
    if base is None:
        return Changes(None, {m.version for m in migrations})
    try:
        _git(directory, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    except InputError:
        raise InputError(f"--base {base!r} is not a commit in this repository (fetch it first?)") from None
    files, names = _base_files(directory, base)
    # by the version's text, as the Supabase CLI tells files apart: 0001 is not 1
    at_base = {f.version: f for f in sorted(files, key=lambda f: version_order(f.version))}
    newest = max(at_base, key=version_order, default=None)
    changes = Changes(base, base_newest=newest, base_names=names)
    here = {m.version: m for m in migrations}
    for version, migration in here.items():
        before = at_base.get(version)
        if before is None:
            changes.new.add(migration.version)
        elif hashlib.sha256(before.content).hexdigest() != migration.sha256:  # the bytes that were read
            changes.edited.append((migration, before))
    changes.deleted = [f for v, f in at_base.items() if v not in here]
    return changes


def base_blob(path: Path, base: str) -> bytes | None:
    """The file at `path` (as the working tree names it) in the base revision, or None where the
    base has no such file."""
    # the name, not what it points at: the pull request may have made the file a symlink
    relative = os.path.relpath(path.parent.resolve() / path.name, Path.cwd().resolve())
    try:
        return _git(Path.cwd(), "cat-file", "blob", f"{base}:./{Path(relative).as_posix()}")
    except InputError:
        return None


def base_tree(folder: Path, base: str) -> dict[str, bytes]:
    """Every file under `folder` in the base revision, by its path relative to the folder; empty
    where the base has no such folder."""
    top = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())
    relative = folder.resolve().relative_to(top.resolve()).as_posix()
    listing = _git(top, "ls-tree", "-r", "-z", "--name-only", base, "--", relative).decode()
    return {
        Path(path).relative_to(relative).as_posix(): _git(top, "cat-file", "blob", f"{base}:{path}")
        for path in filter(None, listing.split("\0"))
    }


def superuser_from_base(config: Config, base: str | None) -> None:
    """A change cannot give its own SQL a superuser's rights (a program on the runner): with a
    base revision to compare with, a pull request's, `superuser: true` counts only when the base's
    config says it too."""
    if not config.superuser or base is None:
        return
    path = config.path or DEFAULT_PATH
    blob = base_blob(path, base)
    if blob is not None:
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "base.yml").write_bytes(blob)
            if load(Path(folder) / "base.yml", problems=[]).superuser:
                return
    raise InputError(
        "superuser: true is not in the base revision's config: a change cannot give its own SQL "
        "a superuser's rights (they reach the runner); merge the setting first, on its own",
        path=path,
    )
