"""The watchdog's session is the superuser's, whatever a database's owner gave every session in it.

`postgres` owns the throwaway server's database, so the pull request's SQL may `ALTER DATABASE
postgres SET role = 'anon'` (or a statement_timeout of 1 ms): every session that connects there
later, the watchdog's too when it comes back after the pgTAP files' copies are made, would take it
and end nothing (`pg_terminate_backend` as anon), so a test file that loops forever ran on past
every limit of the check.
"""

from __future__ import annotations

import textwrap

import pytest

from conftest import Project
from schemagate.commands import checking
from schemagate.config import Config
from schemagate.database.dbtests import parallel

# a barrier (no transaction of its own): it runs alone on the database, before the copies are made
SETTINGS = "alter database postgres set role = 'anon';\n"
# side by side on the database and a copy; each would run for 20 s without the watchdog
LONG = "begin;\nset statement_timeout = 0;\nselect pg_sleep(20);\nrollback;\n"


def _test_file(project: Project, name: str, text: str) -> None:
    path = project.root / "supabase" / "tests" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def test_a_database_setting_does_not_disarm_the_watchdog(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "default_jobs", lambda: 2)  # copies, as on two cores or more
    project.write("20250101000000_notes.sql", "create table public.notes (id int primary key);")
    _test_file(project, "00_settings.sql", SETTINGS)
    _test_file(project, "01_a.sql", LONG)
    _test_file(project, "02_b.sql", LONG)
    config = Config(check_statement_timeout="1s")
    report = checking.run(config, checking.Options(), lambda _line: None)
    assert report.suite is not None
    assert report.suite.seconds < 15, "the test files ran past the check's statement limit"
    stopped = [r.error.message for r in report.suite.files[1:] if r.error is not None]
    assert stopped == ["ERROR: terminating connection due to administrator command"] * 2
    assert report.verdict == "fail"
