"""The check run as a non-root user, as on a self-hosted runner or a developer's machine: the
throwaway server is then the same OS user as schemagate, so nothing but the database's own rights
stands between the pull request's SQL and schemagate's process.

The suite runs as root (CI, the Action's container); these tests run the CLI as `nobody` through
setpriv, keeping only the capability to read files (the interpreter lives under /root), never one to
trace or signal other processes.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from attacks import ATTACKS

SECRET = "sg-test-Zx81QvLmT0pR"  # in schemagate's environment only

LOOT = r"""
create table public.loot (pid text, env text);
do $$
declare p text;
begin
  for p in select f from pg_catalog.pg_ls_dir('/proc') f where f ~ '^\d+$' loop
    begin
      insert into public.loot
      values (p, encode(pg_catalog.pg_read_binary_file('/proc/' || p || '/environ'), 'escape'));
    exception when others then null;
    end;
  end loop;
end $$;
do $$ begin
  raise exception 'loot: %', (select string_agg(pid || '=' || env, ' | ') from public.loot);
end $$;
"""


def _as_nobody_available() -> bool:
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


pytestmark = pytest.mark.skipif(not _as_nobody_available(), reason="needs root and setpriv to become nobody")


@pytest.fixture
def shared_project() -> Iterator[Path]:
    """A project folder nobody can read and write, outside pytest's root-only temp folders."""
    folder = Path(tempfile.mkdtemp(prefix="schemagate-nonroot-"))
    folder.chmod(0o755)
    (folder / "project" / "supabase" / "migrations").mkdir(parents=True)
    (folder / "project" / ".git").mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_as_nobody(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    nobody = pwd.getpwnam("nobody")
    for path in (folder, *folder.rglob("*")):
        os.lchown(path, nobody.pw_uid, nobody.pw_gid)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(folder),
        "XDG_CACHE_HOME": str(folder / "cache"),
        "SCHEMAGATE_TEST_SECRET": SECRET,
        **{k: v for k, v in os.environ.items() if k in {"SCHEMAGATE_PG_PATH", "PYTHONPATH"}},
    }
    command = [
        "setpriv",
        f"--reuid={nobody.pw_uid}",
        f"--regid={nobody.pw_gid}",
        "--clear-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
        sys.executable,
        "-m",
        "schemagate.cli",
        *argv,
    ]
    return subprocess.run(
        command, cwd=folder / "project", env=env, capture_output=True, text=True, timeout=300
    )


# what check says of each attack: the project's failure, or (a validator of its own, which hosted
# Supabase would run as its superuser) schemagate's refusal, could not verify, exit 0 by default
REFUSALS = {
    "grant-in-do-block": ("apply-failed", 1),
    "fdw-validator": ("could-not-verify", 0),
    "read-server-files": ("apply-failed", 1),
}


@pytest.mark.parametrize("attack", sorted(REFUSALS))
def test_attacks_fail_when_the_server_is_our_own_user(shared_project: Path, attack: str) -> None:
    drop = shared_project / "drop"
    drop.mkdir()
    mark = drop / attack
    migration = shared_project / "project" / "supabase" / "migrations" / "20250101000000_attack.sql"
    migration.write_text(ATTACKS[attack].format(mark=mark))
    run = run_as_nobody(shared_project, "check")
    finding, status = REFUSALS[attack]
    assert run.returncode == status, run.stdout + run.stderr
    assert finding in run.stdout + run.stderr
    assert not mark.exists()


def test_a_declared_superuser_still_cannot_read_our_environment(shared_project: Path) -> None:
    """With `superuser: true` the PR's SQL may read any file the server's user can: schemagate's
    own /proc/<pid>/environ (the same user) is not one of them, so the job's secrets stay out."""
    (shared_project / "project" / ".github").mkdir()
    (shared_project / "project" / ".github" / "schemagate.yml").write_text("superuser: true\n")
    migration = shared_project / "project" / "supabase" / "migrations" / "20250101000000_loot.sql"
    migration.write_text(LOOT)
    run = run_as_nobody(shared_project, "check")
    output = run.stdout + run.stderr
    assert "loot: " in output, output  # the migration did read what it could
    assert "PATH=" in output  # the server's own environment, at least: the test can see a leak
    assert SECRET not in output
    assert SECRET[::-1] not in output
