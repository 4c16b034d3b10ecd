"""The real Supabase CLI, for tests that check schemagate against it (npm `supabase`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def supabase_cli() -> str:
    """The CLI's path; CI requires it, a laptop without it skips."""
    candidates = [os.environ.get("SUPABASE_CLI"), shutil.which("supabase")]
    root = Path(__file__).resolve().parents[1]
    candidates.append(str(root / ".ci" / "node" / "node_modules" / ".bin" / "supabase"))
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    if os.environ.get("SCHEMAGATE_REQUIRE_SUPABASE_CLI"):
        pytest.fail("the Supabase CLI is required here (npm install supabase) but was not found")
    pytest.skip("the Supabase CLI is not installed (npm install supabase)")


def run_supabase(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        [supabase_cli(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "DO_NOT_TRACK": "1", "SUPABASE_TELEMETRY_DISABLED": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
