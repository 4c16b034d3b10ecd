"""Shared pieces for the benchmarks: a throwaway server, fresh databases, timing."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from schemagate.database.server import binaries
from schemagate.database.server.ephemeral import EphemeralPostgres

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def server() -> Iterator[EphemeralPostgres]:
    with EphemeralPostgres(binaries.find()) as pg:
        yield pg


def fresh_database(pg: EphemeralPostgres, name: str) -> str:
    with pg.connect() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return pg.url(dbname=name)


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def supabase_cli() -> str | None:
    local = ROOT / ".ci" / "node" / "node_modules" / ".bin" / "supabase"
    found = (
        os.environ.get("SUPABASE_CLI") or shutil.which("supabase") or (str(local) if local.exists() else None)
    )
    return found


def run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {(result.stderr or result.stdout)[-2000:]}")
