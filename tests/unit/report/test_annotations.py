"""report/annotations.py: workflow commands escaped as the runner unescapes them, redacted first, so
no file name, title or message can end a command early or start another."""

from __future__ import annotations

from pathlib import Path

import pytest
from unitcheck import forget_secrets

from schemagate import secrets
from schemagate.findings import Finding, Rule, Severity
from schemagate.report import annotations as workflow
from schemagate.report.model import Report


@pytest.fixture(autouse=True)
def _no_secrets() -> None:
    forget_secrets()


def test_command_data_escapes_what_the_runner_unescapes() -> None:
    assert workflow.command_data("100%\r\n:,x") == "100%25%0D%0A:,x"
    assert workflow.command_data("%0A") == "%250A"


def test_command_property_also_escapes_its_separators() -> None:
    assert workflow.command_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_command_with_a_file_and_line() -> None:
    secrets.register("hunter2")
    assert (
        workflow.command("error", "bad hunter2\nnext", path="db/1_x:hunter2,.sql", line=3, title="rule:a,b")
        == "::error file=db/1_x%3A***%2C.sql,line=3,title=rule%3Aa%2Cb::bad ***%0Anext"
    )


def test_command_without_a_file_has_no_line() -> None:
    assert workflow.command("notice", "m", path=None, line=3, title="t") == "::notice title=t::m"
    assert workflow.command("notice", "m", path="", line=3, title="t") == "::notice title=t::m"
    assert workflow.command("notice", "m", path="f", line=None, title="t") == "::notice file=f,title=t::m"
    assert workflow.command("notice", "m", path="f", line=0, title="t") == "::notice file=f,title=t::m"


def _rule(severity: Severity) -> Rule:
    return Rule(f"rule-{severity.name.lower()}", severity, "item", "title", "why", "fix")


def test_render_names_each_finding_s_level_file_line_and_rule() -> None:
    findings = [
        Finding(_rule(Severity.ERROR), "e", Path("supabase/migrations/1_x.sql"), 2),
        Finding(_rule(Severity.WARNING), "w", None, None),
        Finding(_rule(Severity.INFO), "i", Path("supabase/migrations/1_x.sql"), None),
        Finding(_rule(Severity.INFO), "raised", None, None, severity=Severity.ERROR),
    ]
    report = Report([], findings, None, "pg", project="apps/db")
    assert workflow.render(report) == [
        "::error file=apps/db/supabase/migrations/1_x.sql,line=2,title=rule-error::e",
        "::warning title=rule-warning::w",
        "::notice file=apps/db/supabase/migrations/1_x.sql,title=rule-info::i",
        "::error title=rule-info::raised",
    ]
