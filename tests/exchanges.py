"""Counting a client's exchanges with the server: every query a cursor of SentCursor sends, and
what the engine streams (run_streaming) on such a connection, land in SENT, one entry each."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from schemagate.database.apply import engine, replay

SENT: list[bytes] = []


class SentCursor(psycopg.Cursor[Any]):
    """A cursor that keeps each query the client sends: one exchange each."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        SENT.append(query if isinstance(query, bytes) else str(query).encode())
        return super().execute(query, params, **kwargs)


def count_streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the engine sends through run_streaming (a migration's own SQL, its rows read one at a
    time) is an exchange too: kept as SentCursor keeps a cursor's."""
    for module in (engine, replay):
        real = module.run_streaming

        def counted(conn: Any, query: bytes, each: Any = None, real: Any = real) -> None:
            if conn.cursor_factory is SentCursor:
                SENT.append(query)
            real(conn, query, each)

        monkeypatch.setattr(module, "run_streaming", counted)
