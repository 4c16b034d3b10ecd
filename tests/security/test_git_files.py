"""git's own files are no repository file schemagate reads for a project.

actions/checkout keeps the job's token in .git/config (`extraheader = AUTHORIZATION: basic …`,
base64, which no redaction knew) unless told `persist-credentials: false`. A pgTAP file that did
`\\i ../../.git/config` sent that text to the server as a statement, and a test file running beside
it read it from pg_stat_activity and printed it as its failing test's description: in the report,
the log and the pull request's comment.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Project, Run
from schemagate.database.dbtests import parallel

CREDENTIAL = base64.b64encode(b"x-access-token:ghs_notarealtokenbutshapedlikeone").decode()
READS_GIT_CONFIG = "begin;\nselect plan(1);\nselect pg_sleep(1);\n\\i ../../.git/config\nrollback;\n"
# beside it: whatever statement names extraheader, from pg_stat_activity, as its test's description
LISTENS = """begin;
select plan(1);
create temp table loot (q text);
do $$
declare t timestamptz := clock_timestamp();
begin
  loop
    perform pg_stat_clear_snapshot();
    insert into loot select query from pg_stat_activity
     where query like '%extraheader%' and pid <> pg_backend_pid();
    exit when exists (select from loot) or clock_timestamp() > t + interval '3 s';
  end loop;
end $$;
select ok(false, coalesce((select q from loot limit 1), 'nothing'));
rollback;
"""


@pytest.fixture
def checkout(project: Project) -> Project:
    """A real git checkout whose config holds a credential, as actions/checkout leaves it."""
    (project.root / ".git").rmdir()
    subprocess.run(["git", "init", "-q"], cwd=project.root, check=True)
    header = f"AUTHORIZATION: basic {CREDENTIAL}"
    subprocess.run(
        ["git", "config", "http.https://github.com/.extraheader", header], cwd=project.root, check=True
    )
    project.write("20250101000000_t.sql", "create table public.t (id int primary key);")
    return project


def test_a_test_file_cannot_include_git_config(
    checkout: Project, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "default_jobs", lambda: 2)
    tests = checkout.root / "supabase" / "tests"
    tests.mkdir()
    (tests / "a.sql").write_text(READS_GIT_CONFIG)
    (tests / "b.sql").write_text(LISTENS)
    run = cli("test", "--jobs", "2")
    assert CREDENTIAL not in run.text and "extraheader" not in run.text, run.text
    assert "is inside .git, which holds git's files, not the project's" in run.text, run.text


def test_a_seed_that_is_a_symlink_into_git_is_refused(checkout: Project, cli: Callable[..., Run]) -> None:
    seed = checkout.root / "supabase" / "seed.sql"
    seed.symlink_to(Path("..") / ".git" / "config")
    run = cli("local", "--no-tests")
    assert run.code == 2, run.text
    assert "is inside .git" in run.err and CREDENTIAL not in run.text
