"""The merged state, kept between runs: a stopped throwaway server's data folder after the base's
migrations (before the seed), so a check starts there and applies only what is new.

An entry's name is a content hash of everything that shapes that folder (the project, the base's
migration files, the server's binaries and major, the shim, Supabase's facts and the stand-ins;
never a time), and it holds a manifest with a SHA-256 of every file. A restore checks each file
against the manifest as it copies it: an entry that differs in any byte, lacks or adds a file, or
holds a symlink is deleted and the run builds the state again. The digest catches corruption and
stale entries, not an adversary who can write the folder: the folder is made private (0700), and
a folder that is a symlink, or that others can read or write, is not used.

Where: SCHEMAGATE_STATE_CACHE (the Action points it into the workspace, which `actions/cache`
keeps), else the user's cache folder (XDG_CACHE_HOME or ~/.cache, then schemagate/states).
SCHEMAGATE_STATE_CACHE=off, SCHEMAGATE_CACHE_DIR=off or `--no-cache` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from schemagate import __version__

FORMAT = "1"  # how an entry is laid out and keyed; a new layout must not read an old entry
KEEP = 6  # entries kept per cache folder, newest first: a branch's few bases
_OFF = {"0", "off", "false", "no"}
_MANIFEST = "manifest.json"
# the server writes these at start; a copy of a stopped server has none that matter
_SKIPPED = frozenset({"postmaster.pid", "postmaster.opts"})
_CHUNK = 1 << 20
PACKAGE = Path(__file__).resolve().parents[2]  # schemagate/


def folder() -> Path | None:
    """The private folder entries live in, made if missing; None when off or not private."""
    chosen = os.environ.get("SCHEMAGATE_STATE_CACHE")
    if chosen and chosen.lower() in _OFF:
        return None
    if not chosen and (os.environ.get("SCHEMAGATE_CACHE_DIR") or "").lower() in _OFF:
        return None
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "schemagate" / "states"
    return private(Path(chosen) if chosen else home)


def private(base: Path) -> Path | None:
    """`base`, created 0700, when it is a real folder (no symlink) that only we can reach."""
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(base)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & 0o077:
        return None
    # root reads the Action's workspace folder, which the runner's user owns after hand_over
    if info.st_uid != os.geteuid() and os.geteuid() != 0:
        return None
    return None if _tracked(base) else base


def _tracked(base: Path) -> bool:
    """Whether git tracks anything in the folder: then a commit put it there, and a pull request
    could have written the entry a check would start its server from (with a manifest to match:
    the digests guard against damage, not an author), whatever the folder's mode says."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "."],
            cwd=base,
            capture_output=True,
            timeout=30,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return False  # no git: nothing was committed through it
    return listed.returncode == 0 and bool(listed.stdout)


def shaping_sources(package: Path = PACKAGE) -> list[str]:
    """Digests of what this package puts into a server before any migration: the shim's SQL and
    code, Supabase's facts, the stand-ins, the server's settings and the history table."""
    server = package / "database" / "server"
    named = [
        server / "facts.json",
        server / "hardening.py",
        server / "ephemeral.py",
        server / "extensions.py",
        server / "sandbox.py",
        server / "hosted.py",
        package / "database" / "history" / "__init__.py",
    ]
    folders = [server / "shim", server / "standins"]
    found = [
        *named,
        *sorted(f for d in folders for f in d.iterdir() if f.suffix in {".sql", ".py", ".control"}),
    ]
    return [f"{f.relative_to(package)}:{hashlib.sha256(f.read_bytes()).hexdigest()}" for f in found]


def key(parts: Iterable[str]) -> str:
    """An entry's name: the hash of its parts, each framed by its length so none can run into the next."""
    digest = hashlib.sha256(f"schemagate-state {FORMAT} {__version__}\n".encode())
    for part in parts:
        data = part.encode()
        digest.update(f"{len(data)}:".encode() + data)
    return digest.hexdigest()


def file_parts(paths: Iterable[Path]) -> list[str]:
    """Each migration by its name and content: a renamed or edited file is a new state."""
    return [f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in paths]


def _walk(top: Path) -> tuple[list[str], list[Path]]:
    """The folders (relative, empty ones matter to the server) and files under `top`, refusing a
    symlink: an entry never holds one, and one would lead out of it."""
    folders: list[str] = []
    files: list[Path] = []
    pending = [top]
    while pending:
        with os.scandir(pending.pop()) as entries:  # the kind of each entry without a stat
            for entry in entries:
                path = Path(entry.path)
                if entry.is_symlink():
                    raise OSError(f"symlink in a cached state: {path}")
                if entry.is_dir():
                    folders.append(path.relative_to(top).as_posix())
                    pending.append(path)
                elif not entry.is_file():
                    raise OSError(f"not a plain file in a cached state: {path}")
                elif not (path.parent == top and entry.name in _SKIPPED):
                    files.append(path)
    return sorted(folders), files


def _copy_hashing(source: Path, target: Path) -> str:
    """Copy one file (its folder made already) and return the SHA-256 of the bytes written: read
    once, checked as used. A few thousand files: no call here that a copy does not need."""
    digest = hashlib.sha256()
    src = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            while chunk := os.read(src, _CHUNK):
                digest.update(chunk)
                if os.write(dst, chunk) != len(chunk):
                    raise OSError(f"short write copying {source}")
        finally:
            os.close(dst)
    finally:
        os.close(src)
    return digest.hexdigest()


def store(name: str, data: Path, facts: dict[str, list[str]]) -> bool:
    """Keep a stopped server's data folder as entry `name`, with `facts` the run needs back."""
    root = folder()
    if root is None:
        return False
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".state-"))
    try:
        folders, files = _walk(data)
        (staging / "data").mkdir(mode=0o700)
        for relative in folders:  # sorted: a parent before its children
            (staging / "data" / relative).mkdir(mode=0o700)
        digests = {
            str(p.relative_to(data).as_posix()): _copy_hashing(p, staging / "data" / p.relative_to(data))
            for p in files
        }
        manifest = {"format": FORMAT, "key": name, "folders": folders, "files": digests, "facts": facts}
        (staging / _MANIFEST).write_text(json.dumps(manifest, sort_keys=True))
        target = root / name
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        os.rename(staging, target)  # a concurrent run either wins or finds the same state there
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return False
    _prune(root)
    return True


def restore(name: str, data: Path) -> dict[str, list[str]] | None:
    """Copy entry `name` to `data` (which must not exist), checking every byte against its
    manifest; its facts, or None when there is no such entry or it is refused (then deleted)."""
    root = folder()
    entry = root / name if root else None
    if entry is None or not entry.is_dir() or entry.is_symlink():
        return None
    try:
        manifest = json.loads((entry / _MANIFEST).read_text())
        expected: dict[str, str] = manifest["files"]
        if manifest.get("format") != FORMAT or manifest.get("key") != name or not expected:
            raise ValueError("an entry of another format or key")
        folders, files = _walk(entry / "data")
        found = {p.relative_to(entry / "data").as_posix(): p for p in files}
        if set(found) != set(expected) or folders != manifest["folders"]:
            raise ValueError("files or folders added or missing")
        data.mkdir(mode=0o700)
        for relative in folders:  # sorted: a parent before its children
            (data / relative).mkdir(mode=0o700)
        for relative, path in found.items():
            if _copy_hashing(path, data / relative) != expected[relative]:
                raise ValueError(f"{relative} differs from its digest")
        facts: dict[str, list[str]] = manifest.get("facts") or {}
    except (OSError, ValueError, KeyError, TypeError):
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(entry, ignore_errors=True)  # refused: the run builds it again
        return None
    data.chmod(0o700)
    os.utime(entry)  # the newest used survive pruning
    return facts


def _prune(root: Path) -> None:
    """Keep the KEEP most recently used entries (a time orders them; it never names one)."""
    entries = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
