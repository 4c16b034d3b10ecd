"""A throwaway database shaped like production, holding the migrations production recorded: what
production's catalog should be (catalog_drift.py), and where its pending migrations are rehearsed
(deploy_plan.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from schemagate.config import Config
from schemagate.database import history
from schemagate.database.apply import engine
from schemagate.database.catalog import inventory
from schemagate.database.connection import Connection, connect
from schemagate.database.server import shim
from schemagate.database.server.sandbox import Sandbox, throwaway
from schemagate.statements.sql import ParsedMigration


@dataclass(frozen=True)
class Shape:
    supabase: bool  # production has Supabase's auth schema: the replica gets the shim
    major: int | None  # production's PostgreSQL major, for the nearest server here


def shape(production: Connection) -> Shape:
    row = production.execute(
        b"SELECT to_regnamespace('auth') IS NOT NULL, current_setting('server_version_num')::int / 10000"
    ).fetchone()
    return Shape(bool(row[0]), int(str(row[1]))) if row else Shape(False, None)


@contextmanager
def replica(
    config: Config, of: Shape, applied: list[ParsedMigration], pg_bin: str | None = None
) -> Iterator[tuple[Sandbox, Connection, inventory.Inventory]]:
    """The server, a connection as migrations run, and the catalog before the migrations (what
    the shim alone made); a failing migration raises as it would on production."""
    settings = engine.Settings.of(config, throwaway=True)
    with (
        throwaway(
            supabase=of.supabase,
            pg_bin=pg_bin,
            major=of.major,
            superuser=config.superuser,
            role_settings=shim.role_settings(applied),
        ) as box,
        connect(box.url) as conn,
    ):
        history.ensure(conn)
        baseline = inventory.take(conn)
        for parsed in applied:
            engine.run_file(conn, parsed, settings, shim=of.supabase)
        yield box, conn, baseline
