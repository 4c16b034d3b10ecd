"""Every rule's page shows a migration that breaks it and one that keeps it: both are run here.

Rules read from files and parse trees are judged by `lint`, without a database; the rest by
`check` on a real one. What a page says was merged before is committed as the pull request's base.
"""

from __future__ import annotations

import pytest

from checking import commit_base, fresh_database, run_check
from conftest import Database, Project
from schemagate.commands.linting import lint
from schemagate.config import Config
from schemagate.findings import Rule, registry
from schemagate.findings.judge import Options
from schemagate.report.model import Report

EXAMPLES = sorted((r for r in registry.rules() if r.bad), key=lambda r: r.id)
STATIC = {"files", "statements", "hardcoded", "platform"}
NEW = "20251201000000_change.sql"


def _judge(rule: Rule, sql: str, project: Project, db: Database) -> Report:
    base = None
    if rule.before:
        project.write("20251101000000_before.sql", rule.before)
        base = commit_base(project)
    project.write(NEW, sql)
    if registry.family_of(rule) in STATIC:
        return lint(Config(), Options(base=base))
    with fresh_database(db) as target:
        return run_check(target, base=base)


def _ids(report: Report) -> list[str]:
    return [f"{f.rule.id}: {f.message}" for f in report.findings]


def test_every_rule_has_examples_or_a_scenario() -> None:
    assert [r.id for r in registry.rules() if not (r.bad and r.good) and not r.scenario] == []


@pytest.mark.parametrize("rule", EXAMPLES, ids=[r.id for r in EXAMPLES])
def test_the_page_s_bad_example_breaks_the_rule(rule: Rule, project: Project, db: Database) -> None:
    report = _judge(rule, rule.bad, project, db)
    assert rule.id in {f.rule.id for f in report.findings}, _ids(report)


@pytest.mark.parametrize("rule", EXAMPLES, ids=[r.id for r in EXAMPLES])
def test_the_page_s_good_example_keeps_it(rule: Rule, project: Project, db: Database) -> None:
    report = _judge(rule, rule.good, project, db)
    assert rule.id not in {f.rule.id for f in report.findings}, _ids(report)


def test_sarif_links_every_rule_to_its_page() -> None:
    from schemagate.report import sarif
    from schemagate.report.model import Report

    rules = sarif.render(Report([], [], None, "x", registry.get("rls-disabled").severity))["runs"][0]["tool"][
        "driver"
    ]["rules"]
    assert {r["id"]: r["helpUri"] for r in rules}["rls-disabled"].endswith("/docs/rules/rls-disabled.md")
    assert len(rules) == len(registry.rules())


def test_the_pages_and_the_readme_s_table_are_written_from_the_registry() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "schemagate.findings.docs", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
