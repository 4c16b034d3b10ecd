"""Everything that talks to PostgreSQL: the connection; server/ (throwaway servers, extensions,
the shim, stand-ins, the sandbox, the replica); apply/ (the engine and what surrounds it);
history/ (the CLI's table, pending and drift, the doctor); catalog/ (what a database holds,
and how two differ); rows/ (synthetic rows)."""
