"""Through a real transaction pooler (PgBouncer in transaction mode on port 6543, as Supabase's)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import Database, Project, run_process
from schemagate.database.server.ephemeral import unprivileged_user

POOLER_PORT = 6543


def _pgbouncer() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found:
        return found
    if os.environ.get("SCHEMAGATE_REQUIRE_SUPABASE_CLI"):  # CI installs every real peer
        pytest.fail("pgbouncer is required here (apt-get install pgbouncer)")
    pytest.skip("pgbouncer is not installed")


@pytest.fixture
def pooler(db: Database) -> Iterator[str]:
    binary = _pgbouncer()
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", POOLER_PORT)) == 0:
            pytest.skip(f"port {POOLER_PORT} is taken")
    work = Path(tempfile.mkdtemp(prefix="sg-pgbouncer-"))
    work.chmod(0o755)
    (work / "users.txt").write_text('"postgres" ""\n')
    (work / "pgbouncer.ini").write_text(
        f"[databases]\n{db.name} = host=127.0.0.1 port={db.server.port} dbname={db.name}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {POOLER_PORT}\nauth_type = trust\n"
        f"auth_file = {work}/users.txt\npool_mode = transaction\nunix_socket_dir =\n"
        f"logfile = {work}/pgbouncer.log\npidfile = {work}/pgbouncer.pid\n"
    )
    run_as = unprivileged_user()
    if run_as:
        for path in work.iterdir():
            os.chown(path, run_as.uid, run_as.gid)
        os.chown(work, run_as.uid, run_as.gid)
    process = subprocess.Popen(
        [binary, str(work / "pgbouncer.ini")],
        user=run_as.uid if run_as else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"postgresql://postgres@127.0.0.1:{POOLER_PORT}/{db.name}"
    try:
        while True:  # until the pooler answers, or it died
            assert process.poll() is None, (work / "pgbouncer.log").read_text()
            try:
                with psycopg.connect(url, connect_timeout=2, prepare_threshold=None) as conn:
                    conn.execute("select 1")
                break
            except psycopg.OperationalError:
                continue
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def test_apply_through_the_transaction_pooler(pooler: str, db: Database, example: Project) -> None:
    first = run_process("apply", "--database-url", pooler, cwd=example.root)
    assert first.code == 0, first.text
    assert len(db.history()) == 4
    again = run_process("apply", "--database-url", pooler, cwd=example.root)
    assert again.code == 0 and "nothing to apply" in again.out


def test_two_runs_through_the_pooler_apply_each_migration_once(
    pooler: str, db: Database, project: Project
) -> None:
    for i in range(1, 11):
        project.write(f"{i}_m{i}.sql", f"create table public.m{i} (id int);\nselect pg_sleep(0.02);")
    runs = [
        subprocess.Popen(
            ["python", "-m", "schemagate.cli", "apply", "--database-url", pooler],
            cwd=project.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=120) for r in runs]
    with db.connect(admin=True) as conn:
        audit = conn.execute(
            "select version, count(*) from supabase_migrations.schemagate_audit group by version"
        ).fetchall()
    assert len(audit) == 10 and all(n == 1 for _, n in audit), outputs
    assert len(db.history()) == 10
    assert [r.returncode for r in runs] == [0, 0], outputs


def test_apply_leaves_the_pooled_sessions_search_path_alone(
    pooler: str, db: Database, example: Project
) -> None:
    """A transaction pooler hands the server session on to the next client: a session-level SET of
    ours (schemagate's own search_path, see engine.take_back) would break that client's queries."""
    assert run_process("apply", "--database-url", pooler, cwd=example.root).code == 0
    with psycopg.connect(db.url, autocommit=True) as direct:
        fresh = direct.execute("show search_path").fetchone()
    with psycopg.connect(pooler, prepare_threshold=None, autocommit=True) as conn:
        pooled = conn.execute("show search_path").fetchone()
    assert pooled == fresh
