"""The report's footer names the command that judges the same files again."""

from __future__ import annotations

from schemagate.report.model import Report


def test_a_report_against_a_base_reproduces_with_that_base() -> None:
    assert Report([], [], "origin/main", "pg").reproduce() == "schemagate check --base origin/main"


def test_a_report_without_a_base_judged_every_file_and_reproduces_with_all() -> None:
    assert Report([], [], None, "pg").reproduce() == "schemagate check --all"
