"""The tests in the check: the suite's results as findings at their file and line, and as the
report's Tests rows."""

from __future__ import annotations

from schemagate.database.dbtests.baseline import Key
from schemagate.database.dbtests.execute import Suite
from schemagate.database.dbtests.summary import title
from schemagate.database.dbtests.tap import FileResult
from schemagate.findings import Finding, Rule
from schemagate.findings.outcomes import TestFileResult
from schemagate.findings.rules.pgtap import TEST_ALREADY_FAILING, TEST_FAILED, TEST_UNVERIFIED


def findings(suite: Suite, already: frozenset[Key] = frozenset()) -> list[Finding]:
    """A finding for each failing test and for each file that failed otherwise (already failing
    where the base fails it too); a single one when nothing could be verified (no pgTAP on this
    server), else one per file that could not be."""
    if suite.note is not None:
        first = suite.files[0].path if suite.files else None
        return [Finding(TEST_UNVERIFIED, f"{len(suite.files)} test file(s): {suite.note}", first)]
    found: list[Finding] = []
    for result in suite.files:
        found += _of_file(result, already)
    return found


def _rule(already: frozenset[Key], result: FileResult, what: str) -> tuple[Rule, str]:
    if (result.path.as_posix(), what) in already:
        return TEST_ALREADY_FAILING, "already failing on the base: "
    return TEST_FAILED, ""


def _of_file(result: FileResult, already: frozenset[Key]) -> list[Finding]:
    if result.unverified:
        where = result.error.where if result.error else None
        return [
            Finding(
                TEST_UNVERIFIED,
                result.unverified,
                where.path if where else result.path,
                where.line if where else None,
            )
        ]
    found = []
    for a in result.failures:
        made, prefix = _rule(already, result, a.description or f"#{a.number}")
        found.append(
            Finding(
                made,
                prefix + title(a),
                a.where.path,
                a.where.line,
                detail="\n".join(a.diagnostics) or None,
                subject=result.path.as_posix(),
            )
        )
    for problem in result.problems:
        made, prefix = _rule(already, result, problem)
        where = result.error.where if result.error and problem == result.error.message else None
        if where is None and problem.startswith("Bail out!"):
            where = result.bail_where
        found.append(
            Finding(
                made,
                prefix + problem,
                where.path if where else result.path,
                where.line if where else None,
                subject=result.path.as_posix(),
            )
        )
    return found


def rows(suite: Suite) -> list[TestFileResult]:
    return [
        TestFileResult(
            r.path,
            r.status,
            len(r.assertions),
            len(r.failures),
            len(r.skipped),
            r.seconds,
            r.unverified or (r.skip_all or "" if r.status == "skipped" else ""),
        )
        for r in suite.files
    ]
