"""`check` of a project whose every file is judged (no --base), as a first check of a `db pull`
baseline is: the idempotency proof runs every file a second time.

    python bench/proofs.py [--files 10] [--statements 400] [--rounds 2] [--pulled]

With --pulled the dump-style files begin as pg_dump begins one (the preamble that empties
search_path), as a `db pull` baseline does: each is judged once, stopping at its first statement
that fails a second run, instead of locating every one.

Half the files are a dump's style (CREATE TABLE, ALTER TABLE ADD CONSTRAINT: a second run fails,
and every failing statement is located), half are idempotent (IF NOT EXISTS, CREATE OR REPLACE,
GRANT: the second run passes). Best of --rounds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PREAMBLE = ["SET statement_timeout = 0;", "SELECT pg_catalog.set_config('search_path', '', false);"]


def _dump_file(index: int, count: int, pulled: bool = False) -> str:
    lines = list(_PREAMBLE) if pulled else []
    for i in range(count // 2):
        table = f"public.d{index}_{i}"
        lines.append(f"CREATE TABLE {table} (id bigint NOT NULL, label text);")
        lines.append(f"ALTER TABLE ONLY {table} ADD CONSTRAINT d{index}_{i}_pkey PRIMARY KEY (id);")
    return "\n".join(lines) + "\n"


def _idempotent_file(index: int, count: int) -> str:
    lines = []
    for i in range(count // 2):
        table = f"public.i{index}_{i}"
        lines.append(f"CREATE TABLE IF NOT EXISTS {table} (id bigint PRIMARY KEY, label text);")
        lines.append(f"GRANT SELECT ON {table} TO PUBLIC;")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--statements", type=int, default=400, help="per file")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pulled", action="store_true", help="dump-style files with pg_dump's preamble")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sg-bench-proofs-"))
    folder = work / "supabase" / "migrations"
    folder.mkdir(parents=True)
    (work / ".git").mkdir()
    for index in range(args.files):
        text = (
            _dump_file(index, args.statements, args.pulled)
            if index % 2 == 0
            else _idempotent_file(index, args.statements)
        )
        (folder / f"{20250101000000 + index}_f{index}.sql").write_text(text)
    # no --base: every file is new, and nothing is merged for a cache to keep
    command = [sys.executable, "-m", "schemagate.cli", "check", "-q", "--format", "json"]
    times = []
    for round_ in range(args.rounds):
        began = time.perf_counter()
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        times.append(seconds)
        found = json.loads(done.stdout)["findings"] if done.stdout.startswith("{") else None
        idempotent = sum(1 for f in found or [] if f.get("rule") == "not-idempotent")
        print(
            f"  check, every file judged  {seconds:7.2f} s  (round {round_ + 1}; {idempotent} not-idempotent)"
        )
    total = args.files * args.statements
    print(f"{args.files} files, {total} statements: best {min(times):.2f} s")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
