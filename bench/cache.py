"""A PR check, and `local` run again, with and without the merged-state cache, side by side.

    python bench/cache.py [--count 300] [--rounds 2]

A generated project of --count merged migrations (bench/apply.py's tables) in a git repository,
and a pull request that adds one migration. Three ways, taking turns, best of --rounds:
`schemagate check --no-cache`, a cold cache (emptied before the run: it builds and keeps the
state) and a warm one (the state kept by a former run). Then `local` run again on the same
files, with `--no-cache` and from the state a former run kept.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

from apply import generate
from common import run, timed

NEW = """create table if not exists public.pr_notes (
  id bigint generated always as identity primary key,
  body text not null
);
alter table public.pr_notes enable row level security;
"""


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _project(work: Path, count: int) -> tuple[Path, str]:
    root = work / "project"
    generate(root / "supabase" / "migrations", count)
    _git(root, "init", "-q")
    _git(root, "-c", "user.email=bench@example.invalid", "-c", "user.name=bench", "add", "-A")
    _git(root, "-c", "user.email=bench@example.invalid", "-c", "user.name=bench", "commit", "-qm", "base")
    base = _git(root, "rev-parse", "HEAD")
    (root / "supabase" / "migrations" / "29990101000000_pr.sql").write_text(NEW)
    return root, base


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sg-bench-cache-"))
    root, base = _project(work, args.count)
    states = work / "states"
    check = [sys.executable, "-m", "schemagate.cli", "check", "-q", "--base", base, "--fail-on", "error"]
    os.environ["SCHEMAGATE_STATE_CACHE"] = str(states)

    timed_runs: dict[str, list[float]] = {"no cache": [], "cold cache": [], "warm cache": []}

    def measure(name: str) -> None:
        if name == "cold cache":
            shutil.rmtree(states, ignore_errors=True)
        elif name == "warm cache" and not states.is_dir():
            _check(check, root)  # the cold way went last and left none: keep a state first
        command = [*check, "--no-cache"] if name == "no cache" else check
        timed_runs[name].append(timed(partial(_check, command, root)))

    _check(check, root)  # warms the page cache and the initdb cache, and leaves a state kept
    print(f"a PR check adding one migration to {args.count} merged ones", flush=True)
    for round_ in range(args.rounds):
        order = list(timed_runs) if round_ % 2 == 0 else list(reversed(timed_runs))
        for name in order:
            measure(name)
            print(f"  {name:<12} {timed_runs[name][-1]:7.2f} s  (round {round_ + 1})", flush=True)
    best = {name: min(times) for name, times in timed_runs.items()}
    for name, seconds in best.items():
        print(f"check, {name:<12} best {seconds:6.2f} s   / no cache {seconds / best['no cache']:.2f}x")
    local = [sys.executable, "-m", "schemagate.cli", "local", "-q"]
    _check(local, root)  # keeps the state before the newest file
    again: dict[str, list[float]] = {"no cache": [], "warm cache": []}
    for round_ in range(args.rounds):
        for name in list(again) if round_ % 2 == 0 else list(reversed(again)):
            command = [*local, "--no-cache"] if name == "no cache" else local
            again[name].append(timed(partial(run, command, root)))
            print(f"  local again, {name:<12} {again[name][-1]:7.2f} s  (round {round_ + 1})", flush=True)
    plain, warm = min(again["no cache"]), min(again["warm cache"])
    print(f"local again, no cache {plain:6.2f} s, warm cache {warm:6.2f} s: {warm / plain:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


def _check(command: list[str], root: Path) -> None:
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode not in (0, 1):  # 1: findings, which a generated project has
        run(command, root)  # says why


if __name__ == "__main__":
    main()
