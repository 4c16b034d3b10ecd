"""The Action on a schedule (`mode: status`): production's catalog against its migrations, each
difference in the job summary and as an error annotation, the job failed; production untouched."""

from __future__ import annotations

from pathlib import Path

from actionrun import run_action
from conftest import Database, run_process
from fakegithub import FakeGitHub


def test_a_scheduled_status_names_a_dashboard_edit_and_fails(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    assert run_process("apply", "--database-url", db.url, cwd=root).code == 0
    clean = run_action(root, github, "schedule", {}, {"mode": "status", "database-url": db.url})
    assert clean.code == 0 and clean.outputs["verdict"] == "ok", clean.log
    with db.connect() as conn:
        conn.execute(b"alter table public.organizations add column nickname text")
    history = db.history()
    result = run_action(root, github, "schedule", {}, {"mode": "status", "database-url": db.url})
    assert result.code == 2 and result.outputs["verdict"] == "drift", result.log
    line = "column public.organizations.nickname exists in production and in no migration"
    assert f"::error::catalog drift: {line}" in result.log
    assert "**Catalog drift** (production against its migrations): 1" in result.summary
    assert line.replace(".", "\\.").replace("_", "\\_") in result.summary
    assert db.history() == history


def test_a_plan_job_reads_production_and_writes_the_plan_to_the_summary(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    before = db.snapshot()
    result = run_action(root, github, "push", {}, {"mode": "plan", "database-url": db.url})
    assert result.code == 0, result.log
    assert result.outputs["mode"] == "plan" and result.outputs["pending"] == "4"
    assert "### 📋 Deploy plan: 4 pending migration(s)" in result.summary
    assert "20251119184000_add_multi_tenancy.sql (in one transaction)" in result.log
    assert db.snapshot() == before  # nothing applied, nothing recorded
