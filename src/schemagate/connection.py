"""Open connections that are safe for poolers and never leak the password in an error."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg

from schemagate import secrets
from schemagate.errors import ConnectionFailure

Connection = psycopg.Connection[tuple[object, ...]]
APPLICATION_NAME = "schemagate"
POOLER_PORT = 6543


@dataclass(frozen=True)
class Target:
    """Where a URL points, for messages: never the password."""

    host: str
    port: int | None
    database: str

    @classmethod
    def of(cls, url: str) -> Target:
        if "://" not in url:
            return cls("", None, "")
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = None
        return cls(parts.hostname or "", port, parts.path.lstrip("/"))

    @property
    def pooled(self) -> bool:
        """Supavisor/PgBouncer in transaction mode: sessions do not survive a transaction."""
        return self.port == POOLER_PORT or "pgbouncer" in self.host

    def __str__(self) -> str:
        where = f"{self.host}:{self.port}" if self.port else self.host or "the database"
        return f"{where}/{self.database}" if self.database else where


def connect(url: str, *, timeout_s: int = 10) -> Connection:
    """Autocommit, no server-side prepared statements (transaction poolers cannot keep them)."""
    secrets.register_url(url)
    try:
        return psycopg.connect(
            url,
            autocommit=True,
            prepare_threshold=None,
            connect_timeout=timeout_s,
            application_name=APPLICATION_NAME,
        )
    except psycopg.Error as exc:
        raise ConnectionFailure(describe_failure(url, exc)) from None
    except Exception as exc:  # malformed URLs surface as ProgrammingError/ValueError
        raise ConnectionFailure(f"invalid database URL: {secrets.redact(str(exc))}") from None


def _ipv6_only(host: str) -> bool:
    try:
        families = {info[0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return families == {socket.AF_INET6}


def describe_failure(url: str, exc: BaseException) -> str:
    """One line: what failed, where, and the fix when we know it."""
    target = Target.of(url)
    lines = [line.strip() for line in secrets.redact(str(exc)).splitlines() if line.strip()]
    detail = lines[-1] if lines else type(exc).__name__
    for line in lines:
        if "FATAL" in line or "failed" in line:
            detail = line.split("FATAL:", 1)[-1].strip()
            break
    message = f"cannot connect to {target}: {detail}"
    lowered = " ".join(lines).lower()
    unreachable = "network is unreachable" in lowered or "cannot assign requested address" in lowered
    if unreachable and (target.host.startswith("db.") or _ipv6_only(target.host)):
        message += (
            " — this host is IPv6-only and this network has no IPv6; use the Supabase pooler "
            "URL instead (Project Settings > Database > Connection pooling, "
            "…pooler.supabase.com:6543 or :5432)"
        )
    elif "password authentication failed" in lowered:
        message += " — check the password in the database URL secret"
    return message


def check_writable(conn: Connection, url: str) -> None:
    row = conn.execute(
        "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only')"
    ).fetchone()
    assert row is not None
    in_recovery, read_only = row
    if in_recovery:
        raise ConnectionFailure(f"{Target.of(url)} is a read-only standby; point at the primary")
    if read_only == "on":
        raise ConnectionFailure(f"{Target.of(url)} is read-only (default_transaction_read_only = on)")
