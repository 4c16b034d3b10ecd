"""A private cache of things that are slow to make and never change: an initdb'd cluster per set
of binaries, and a readable copy of binaries root keeps out of reach.

A cache directory is used only when it belongs to us and nobody else can write to it; otherwise
schemagate simply does the slow thing every time. SCHEMAGATE_CACHE_DIR=off turns it off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_dir() -> Path | None:
    chosen = os.environ.get("SCHEMAGATE_CACHE_DIR")
    if chosen and chosen.lower() in {"0", "off", "false", "no"}:
        return None
    if chosen:
        base = Path(chosen)
    elif os.geteuid() == 0:
        base = Path("/var/tmp/schemagate-cache")  # the server's user must be able to read it
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "schemagate"
    try:
        base.mkdir(mode=0o755, parents=True, exist_ok=True)
        info = base.stat()
    except OSError:
        return None
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        return None  # someone else could plant files here
    return base


def key_for(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def build_once(name: str, build: Callable[[Path], None]) -> Path | None:
    """The cached directory `name`, built by `build(staging)` the first time; None if uncachable."""
    root = cache_dir()
    if root is None:
        return None
    target = root / name
    if target.is_dir():
        return target
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{name}-"))
    try:
        build(staging)
        os.rename(staging, target)  # atomic: a concurrent builder either wins or finds it done
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return target if target.is_dir() else None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
