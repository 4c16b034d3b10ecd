"""Everything that talks to PostgreSQL: the connection; server/ (throwaway servers, extensions,
the shim, stand-ins, the sandbox, the replica); apply/ (the engine and what surrounds it);
history/ (the CLI's table, pending and drift, the doctor); catalog/ (what a database holds,
and how two differ); rows/ (synthetic rows)."""

from collections.abc import Callable

# What a long step says as it goes, one line at a time: the one type every room's progress uses.
Progress = Callable[[str], None]
