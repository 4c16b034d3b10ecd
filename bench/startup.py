"""Start-to-ready time of the throwaway server, for each kind of binaries on this machine.

python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics

from schemagate.database.server import binaries
from schemagate.database.server.ephemeral import EphemeralPostgres


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    candidates = [binaries.find()]
    bundled = binaries.pgserver_bindir()
    if bundled and bundled != candidates[0].bindir:
        candidates.append(binaries.PgBinaries(bundled, "pgserver"))
    for found in candidates:
        times = []
        for _ in range(args.runs):
            with EphemeralPostgres(found, superuser="supabase_admin") as pg:
                times.append(pg.startup_seconds)
        print(
            f"PostgreSQL {found.version:<6} ({found.source:<8}) start to ready: "
            f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over {args.runs} runs"
        )


if __name__ == "__main__":
    main()
