"""Who may log in to the throwaway server without a password: everybody but its superusers.

The server's own processes can open connections back to it (postgres_fdw, dblink and whatever
extension a hosted project may add), and a connection that reaches a superuser runs programs as
the server's OS user. Each of those routes has its own guard; this one closes them all at once:
a superuser logs in only with a password made for this run, which exists nowhere but in this
process (the server holds a SCRAM verifier, never the password).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

# RFC 7677's minimum, and PostgreSQL's default
_SCRAM_ITERATIONS = 4096

# Before the superusers are known: the server's first connections are ours.
OPEN_LOGINS = "local all all trust\nhost all all 127.0.0.1/32 trust\n"


def new_password() -> str:
    return secrets.token_hex(24)  # ASCII: SASLprep leaves it as it is


def scram_verifier(password: str, salt: bytes | None = None) -> str:
    """What ALTER ROLE ... PASSWORD stores for `password` (RFC 5802), so that the password itself
    never reaches the server, its log or its statistics."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def guarded_logins(superusers: list[str]) -> str:
    """pg_hba.conf: each superuser by password, over TCP and the socket; the others trusted as
    before. No replication line: nothing here streams the server's files."""
    lines = []
    for name in superusers:
        if '"' in name or "\n" in name:
            raise ValueError(f"a superuser's name this file cannot quote: {name!r}")
        lines += [f'local all "{name}" scram-sha-256', f'host all "{name}" 127.0.0.1/32 scram-sha-256']
    return "\n".join(lines) + "\n" + OPEN_LOGINS


def write_logins(path: Path, text: str, owner: tuple[int, int] | None) -> None:
    """Replace the file in one step: the server may read it at any reload."""
    staging = path.with_suffix(".new")
    staging.write_text(text)
    staging.chmod(0o600)
    if owner is not None:
        os.chown(staging, *owner)
    staging.replace(path)
